// labgen's command line. Exit codes: 0 ok, 1 invalid config or drift, 2 usage, 3 a plan with
// destroy-data that allowDestroy does not name.
// User mistakes are printed as diagnostics (file:line:col, config path, what to do), never as a
// stack trace; a stack trace means a labgen bug.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve as resolvePath } from "node:path";
import { compile, readLock, type CompileFailed, type CompileOk } from "../pipeline.ts";
import { LockError, printLock } from "../resolve/lock.ts";
import { formatPath, type Diagnostic } from "../shared/diagnostics.ts";
import { applyWrite, planWrite, removeStrayTemporaries, writeAtomic, type WritePlan } from "../write/writer.ts";
import { explain } from "./explain.ts";

export const VERSION = "0.1.0";

// diff is CommonJS and only `labgen diff` needs it.
const require = createRequire(import.meta.url);

const USAGE = `labgen ${VERSION}: one lab.config.ts → NixOS, disko, OpenTofu (Incus), Traefik, CA

usage: labgen <command> [options]

commands:
  generate           write out/ (and new allocations to lab.lock.json)
  check              validate lab.config.ts and lab.lock.json; write nothing
  diff               show what generate would change; exit 1 on drift
  plan               every change since a commit (--base, default HEAD) by risk; exit 3 when
                     data would be destroyed without allowDestroy (labgen plan --help)
  explain <name>     what a host, instance, network or route is, and which files it produced
  schema             print the JSON Schema of lab.config.ts
  lock prune         drop lock entries of removed hosts and NICs (frees their addresses)
  init               write a starter lab.config.ts

options:
  --config <file>    config file (default: lab.config.ts)
  --lock <file>      lock file (default: lab.lock.json next to the config)
  --out <dir>        output directory (default: out next to the config)
  --force            generate: overwrite generated files that were edited by hand
  --timings          print per-stage timings
  --base <git-ref>   plan: the deployed commit to compare with (default HEAD)
  --json             plan: machine-readable output
  -h, --help         this help
  --version          print the version`;

interface Args {
  command: string[];
  config: string;
  lock: string | null;
  out: string | null;
  force: boolean;
  timings: boolean;
  base: string | null;
  json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: [], config: "lab.config.ts", lock: null, out: null, force: false, timings: false, base: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--config") a.config = value();
    else if (arg === "--lock") a.lock = value();
    else if (arg === "--out") a.out = value();
    else if (arg === "--force") a.force = true;
    else if (arg === "--timings") a.timings = true;
    else if (arg === "--base") a.base = value();
    else if (arg === "--json") a.json = true;
    else if (arg === "-h" || arg === "--help" || arg === "--version") continue; // handled by run()
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else a.command.push(arg);
  }
  return a;
}

type Out = { out: (s: string) => void; err: (s: string) => void };

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}

export function formatDiagnostic(configFile: string, d: Diagnostic): string {
  const file = d.file ?? configFile;
  const where = d.line !== undefined ? `${rel(file)}:${d.line}:${d.column ?? 1}` : rel(file);
  const path = d.path.length ? `${formatPath(d.path)}: ` : "";
  return `${where}: ${d.severity}: ${path}${d.message} [${d.rule}]`;
}

function reportFailure(r: CompileFailed, io: Out): number {
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const warnings = r.diagnostics.filter((d) => d.severity === "warning");
  for (const d of r.diagnostics) io.err(formatDiagnostic(r.file, d));
  io.err(`${errors.length} error(s), ${warnings.length} warning(s); nothing was written.`);
  return 1;
}

function reportWarnings(r: CompileOk, file: string, io: Out): void {
  for (const w of r.warnings) io.err(formatDiagnostic(file, w));
}

function summary(plan: WritePlan): string {
  const n = (k: string) => plan.changes.filter((c) => c.kind === k).length;
  return `${n("create")} created, ${n("update")} updated, ${n("unchanged")} unchanged, ${n("delete")} removed`;
}

async function unifiedDiff(path: string, before: string | null, after: string | null): Promise<string> {
  const { createTwoFilesPatch } = require("diff") as typeof import("diff");
  return createTwoFilesPatch(before === null ? "/dev/null" : `a/${path}`, after === null ? "/dev/null" : `b/${path}`, before ?? "", after ?? "", "", "", { context: 3 });
}

export async function run(argv: string[], io: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`labgen: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (argv.includes("-h") || argv.includes("--help")) {
    if (args.command[0] === "plan") {
      const { PLAN_USAGE } = await import("./plan.ts");
      io.out(PLAN_USAGE);
      return 0;
    }
    io.out(USAGE);
    return 0;
  }
  if (argv.includes("--version")) {
    io.out(VERSION);
    return 0;
  }
  const configFile = resolvePath(args.config);
  const baseDir = resolvePath(configFile, "..");
  const lockFile = args.lock ? resolvePath(args.lock) : join(baseDir, "lab.lock.json");
  const outDir = args.out ? resolvePath(args.out) : join(baseDir, "out");
  const [cmd, ...rest] = args.command;
  if (cmd !== "plan" && (args.base !== null || args.json)) return usage(io, `${args.base !== null ? "--base" : "--json"} is an option of labgen plan only`);

  const compileOrReport = async (): Promise<CompileOk | number> => {
    const r = await compile({ configFile, lockFile });
    if (!r.ok) return reportFailure(r, io);
    reportWarnings(r, configFile, io);
    if (args.timings) io.err(`timings: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(", ")}`);
    return r;
  };

  switch (cmd) {
    case "generate": {
      if (rest.length) return usage(io, `generate takes no arguments`);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const tw = performance.now();
      const plan = planWrite(outDir, r.files);
      if (plan.conflicts.length && !args.force) {
        for (const c of plan.conflicts) io.err(`${rel(join(outDir, c.path))}: ${c.reason}; refusing to overwrite (keep your change in lab.config.ts, or pass --force)`);
        io.err("nothing was written.");
        return 1;
      }
      // What a killed run left behind: its temporaries are garbage (the files they were to replace
      // are still whole), and the manifest it left makes the rest of out/ recognisable.
      removeStrayTemporaries(outDir, [lockFile]);
      // The lock first: if out/ were written and the lock not, the next run would re-allocate.
      if (r.lockChanged) writeAtomic(lockFile, r.lockText);
      applyWrite(outDir, plan);
      // write = comparing with the disk (read + sha256) and writing what changed.
      if (args.timings) {
        const cpu = process.cpuUsage();
        io.err(`timings: write ${(performance.now() - tw).toFixed(1)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms, maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
      }
      for (const a of r.allocated) io.out(`allocated ${a}`);
      io.out(`${rel(outDir)}: ${summary(plan)}${r.lockChanged ? `; ${rel(lockFile)} updated` : ""}`);
      return 0;
    }
    case "check": {
      if (rest.length) return usage(io, `check takes no arguments`);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      io.out(`${rel(configFile)} is valid: ${r.model.hosts.length} host(s), ${r.model.instances.length} instance(s), ${r.warnings.length} warning(s)`);
      return 0;
    }
    case "diff": {
      if (rest.length) return usage(io, `diff takes no arguments`);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const plan = planWrite(outDir, r.files);
      let drift = false;
      if (r.lockChanged) {
        drift = true;
        const before = existsSync(lockFile) ? readFileSync(lockFile, "utf8") : null;
        io.out((await unifiedDiff(rel(lockFile), before, r.lockText)).trimEnd());
      }
      for (const c of plan.changes) {
        if (c.kind === "unchanged") continue;
        drift = true;
        io.out((await unifiedDiff(`${rel(outDir)}/${c.path}`, c.before, c.after)).trimEnd());
      }
      for (const c of plan.conflicts) io.err(`note: ${rel(join(outDir, c.path))} ${c.reason}`);
      io.err(drift ? `drift: ${summary(plan)}` : "no drift: out/ matches lab.config.ts");
      return drift ? 1 : 0;
    }
    case "plan": {
      if (rest.length) return usage(io, "plan takes no arguments (the base commit is --base <git-ref>)");
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const { runPlan } = await import("./plan.ts");
      return runPlan({ configFile, outDir, base: args.base ?? "HEAD", json: args.json, model: r.model }, io);
    }
    case "explain": {
      if (rest.length !== 1) return usage(io, "explain takes one name: a host, instance, network, storage pool, profile or route");
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const text = explain(r.model, r.files, rest[0]);
      if (!text) {
        io.err(`labgen: nothing named '${rest[0]}' in ${rel(configFile)}`);
        return 1;
      }
      io.out(text);
      return 0;
    }
    case "schema": {
      const { labJsonSchemaText } = await import("../targets/docs/schema.ts");
      io.out(labJsonSchemaText().trimEnd());
      return 0;
    }
    case "lock": {
      if (rest[0] !== "prune" || rest.length !== 1) return usage(io, "the lock command is: labgen lock prune");
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      let lock;
      try {
        lock = readLock(lockFile);
      } catch (e) {
        if (e instanceof LockError) {
          for (const p of e.problems)
            io.err(formatDiagnostic(configFile, { severity: "error", rule: "lock", path: p.path, message: p.message, file: lockFile, line: p.line, column: p.column }));
          return 1;
        }
        throw e;
      }
      const liveHosts = new Set(r.model.hosts.map((h) => h.name));
      const liveNics = new Set(r.model.instances.flatMap((i) => i.nics.map((n) => `${i.name}/${n.name}`)));
      const dropped = [
        ...Object.keys(lock.hosts).filter((h) => !liveHosts.has(h)).map((h) => `host ${h}`),
        ...Object.keys(lock.nics).filter((k) => !liveNics.has(k)).map((k) => `nic ${k}`),
      ];
      for (const h of Object.keys(lock.hosts)) if (!liveHosts.has(h)) delete lock.hosts[h];
      for (const k of Object.keys(lock.nics)) if (!liveNics.has(k)) delete lock.nics[k];
      if (dropped.length) writeAtomic(lockFile, printLock(lock));
      io.out(dropped.length ? `pruned ${dropped.join(", ")}` : "nothing to prune");
      return 0;
    }
    case "init": {
      if (existsSync(configFile)) {
        io.err(`labgen: ${rel(configFile)} already exists; init never overwrites it`);
        return 1;
      }
      const { starterConfig } = await import("./init.ts");
      writeFileSync(configFile, starterConfig());
      io.out(`wrote ${rel(configFile)}: edit it, then run 'labgen generate'`);
      return 0;
    }
    case undefined:
      io.out(USAGE);
      return 2;
    default:
      return usage(io, `unknown command '${cmd}'`);
  }
}

function usage(io: Out, message: string): number {
  io.err(`labgen: ${message}\n\n${USAGE}`);
  return 2;
}
