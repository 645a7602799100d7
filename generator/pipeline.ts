// The pipeline, end to end: load → validate → resolve → plan (targets) → print → (write).
// Everything up to the planned files is pure: the CLI decides what reaches the disk.
import { existsSync, readFileSync } from "node:fs";
import { loadConfig, ConfigLoadError } from "./config/load.ts";
import { locateAll } from "./config/locate.ts";
import { emptyLock, LockError, parseLock, printLock, type Lock } from "./resolve/lock.ts";
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
  /** The file the diagnostics refer to (config or lock). */
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
  const t: Record<string, number> = {};
  let t0 = now();
  let loaded;
  try {
    loaded = await loadConfig(opts.configFile);
  } catch (e) {
    if (e instanceof ConfigLoadError) return { ok: false, diagnostics: [e.diagnostic], file: e.file };
    throw e;
  }
  t.load = now() - t0;

  t0 = now();
  const v = validate(loaded.raw);
  t.validate = now() - t0;
  if (!v.config) {
    await locateAll(loaded.source, v.diagnostics);
    return { ok: false, diagnostics: sortDiagnostics(v.diagnostics), file: loaded.file };
  }

  let lockIn: Lock;
  try {
    lockIn = readLock(opts.lockFile);
  } catch (e) {
    if (e instanceof LockError)
      return {
        ok: false,
        file: opts.lockFile,
        diagnostics: e.problems.map((p) => ({ severity: "error" as const, rule: "lock", path: [], message: p })),
      };
    throw e;
  }

  t0 = now();
  const r = resolve(v.config, lockIn);
  t.resolve = now() - t0;
  if (!r.resolved) {
    const all = [...r.diagnostics, ...v.diagnostics];
    await locateAll(loaded.source, all);
    return { ok: false, diagnostics: sortDiagnostics(all), file: loaded.file };
  }

  t0 = now();
  const files = planAll(r.resolved.model);
  t.plan = now() - t0;

  const warnings = v.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length) await locateAll(loaded.source, warnings);
  const lockText = printLock(r.resolved.lock);
  const onDisk = existsSync(opts.lockFile) ? readFileSync(opts.lockFile, "utf8") : null;
  return {
    ok: true,
    model: r.resolved.model,
    files,
    warnings: sortDiagnostics(warnings),
    lock: r.resolved.lock,
    lockText,
    lockChanged: onDisk !== lockText,
    allocated: r.resolved.allocated,
    timings: t,
  };
}
