// The pipeline, end to end: load → validate → resolve → plan (targets) → print → (write).
// Everything up to the planned files is pure: the CLI decides what reaches the disk.
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadConfig, ConfigLoadError, type LoadedConfig } from "./config/load.ts";
import { locateAll } from "./config/locate.ts";
import { emptyLock, locateInLock, LockError, parseLock, printLock, type Lock } from "./resolve/lock.ts";
import type { Model } from "./resolve/model.ts";
import { resolve } from "./resolve/resolve.ts";
import { planAll } from "./targets/index.ts";
import type { OutputFile } from "./targets/types.ts";
import { sortDiagnostics, type Diagnostic } from "./shared/diagnostics.ts";
import { validate } from "./validate/validate.ts";

export interface CompileOk {
  readonly ok: true;
  readonly model: Model;
  readonly files: OutputFile[];
  readonly warnings: Diagnostic[];
  readonly lock: Lock;
  /** Canonical lock text, and whether it differs from the file on disk. */
  readonly lockText: string;
  readonly lockChanged: boolean;
  readonly allocated: readonly string[];
  readonly timings: Record<string, number>;
}

export interface CompileFailed {
  readonly ok: false;
  /** Errors (and warnings), located in the config where possible. */
  readonly diagnostics: Diagnostic[];
  /** The config file; a diagnostic about another file (the lock) names it in its own `file`. */
  readonly file: string;
}

export type CompileResult = CompileOk | CompileFailed;

export interface CompileOptions {
  readonly configFile: string;
  readonly lockFile: string;
}

const now = () => performance.now();

/** Read the lock; a missing lock is empty, a broken one is an error (never a silent re-allocation). */
export function readLock(lockFile: string): Lock {
  if (!existsSync(lockFile)) return emptyLock();
  return parseLock(readFileSync(lockFile, "utf8"));
}

export async function compile(opts: CompileOptions): Promise<CompileResult> {
  const t0 = now();
  let loaded;
  try {
    loaded = await loadConfig(opts.configFile);
  } catch (e) {
    if (e instanceof ConfigLoadError) return { ok: false, diagnostics: [e.diagnostic], file: e.file };
    throw e;
  }
  return compileLoaded(loaded, opts, { load: now() - t0 });
}

/** The pipeline after loading: a config value (and the text it came from, to locate errors) and a lock file. */
export async function compileLoaded(loaded: LoadedConfig, opts: Pick<CompileOptions, "lockFile">, t: Record<string, number> = {}): Promise<CompileResult> {
  let t0: number;

  // The lock is read whatever the config says, so a broken lock and a broken config are reported
  // in the same round.
  let lockIn: Lock | null = null;
  let lockText: string | null = null;
  const lockProblems: Diagnostic[] = [];
  try {
    lockText = existsSync(opts.lockFile) ? readFileSync(opts.lockFile, "utf8") : null;
    lockIn = lockText === null ? emptyLock() : parseLock(lockText);
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    for (const p of e.problems)
      lockProblems.push({ severity: "error", rule: "lock", path: p.path, message: p.message, file: opts.lockFile, line: p.line, column: p.column });
  }

  t0 = now();
  const v = validate(loaded.raw, { configDir: dirname(loaded.file) });
  t.validate = now() - t0;
  if (!v.config || !lockIn) {
    await locateAll(loaded.source, v.diagnostics);
    return { ok: false, diagnostics: sortDiagnostics([...v.diagnostics, ...lockProblems]), file: loaded.file };
  }

  t0 = now();
  const r = resolve(v.config, lockIn);
  t.resolve = now() - t0;
  if (!r.resolved) {
    const all = [...r.diagnostics, ...v.diagnostics];
    // Allocation problems of the lock itself are reported at their line in the lock file.
    for (const d of all)
      if (d.rule === "lock") {
        d.file = opts.lockFile;
        const at = lockText === null ? null : locateInLock(lockText, d.path);
        if (at) Object.assign(d, at);
      }
    await locateAll(loaded.source, all.filter((d) => d.file === undefined));
    return { ok: false, diagnostics: sortDiagnostics(all), file: loaded.file };
  }

  t0 = now();
  const files = planAll(r.resolved.model);
  t.plan = now() - t0;

  const warnings = v.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length) await locateAll(loaded.source, warnings);
  const newLockText = printLock(r.resolved.lock);
  return {
    ok: true,
    model: r.resolved.model,
    files,
    warnings: sortDiagnostics(warnings),
    lock: r.resolved.lock,
    lockText: newLockText,
    lockChanged: lockText !== newLockText,
    allocated: r.resolved.allocated,
    timings: t,
  };
}
