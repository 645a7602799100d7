// labgen's command line. Exit codes (help.ts, EXIT): 0 ok, 1 refused input, 2 usage, 3 plan
// would destroy data, 4 drift, 70 internal error. User mistakes are printed as diagnostics
// (file:line:col, config path, what to do), never as a stack trace; a stack trace means a bug.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve as resolvePath } from "node:path";
import { compile, readLock, type CompileFailed, type CompileOk } from "../pipeline.ts";
import { LockError, printLock } from "../resolve/lock.ts";
import { formatPath, type Diagnostic } from "../shared/diagnostics.ts";
import { applyWrite, planWrite, removeStrayTemporaries, writeAtomic, type WritePlan } from "../write/writer.ts";
import { colorWanted, painter, type Paint } from "./color.ts";
import { explain, explainJson, suggestNames } from "./explain.ts";
import { COMMANDS, EXIT, commandHelp, findCommand, globalHelp, optionsOf, VERSION, type CommandHelp } from "./help.ts";

export { VERSION } from "./help.ts";

// diff is CommonJS and only `labgen diff` needs it.
const require = createRequire(import.meta.url);

interface Args {
  /** Positional words: the command (one or two words) and its arguments. */
  words: string[];
  command: CommandHelp | null;
  /** Options given, by flag: the value(s), or true for a switch. */
  opts: Map<string, string[] | true>;
  help: boolean;
  version: boolean;
}

class UsageError extends Error {
  constructor(
    message: string,
    readonly command: CommandHelp | null = null,
  ) {
    super(message);
  }
}

// Flags that take a value in some command: needed to tell a value from the command word when
// options come before the command (`labgen --config x.ts generate`).
const VALUE_FLAGS = new Set(COMMANDS.flatMap((c) => optionsOf(c).filter((o) => o.value).map((o) => o.flag)));

function parseArgs(argv: string[]): Args {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (VALUE_FLAGS.has(argv[i])) i++;
    else if (!argv[i].startsWith("-")) words.push(argv[i]);
  }
  const command = findCommand(words);
  const a: Args = { words: [], command, opts: new Map(), help: false, version: false };
  const known = new Map((command ? optionsOf(command) : []).map((o) => [o.flag, o]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") a.help = true;
    else if (arg === "--version") a.version = true;
    else if (arg.startsWith("-")) {
      const o = known.get(arg);
      if (!o) {
        if (!command) continue; // reported as an unknown or missing command
        throw new UsageError(`unknown option ${arg} (\`labgen ${command.name} --help\` lists the options)`, command);
      }
      if (!o.value) a.opts.set(arg, true);
      else {
        const v = argv[++i];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`, command);
        const prev = a.opts.get(arg);
        if (prev && !o.repeatable) throw new UsageError(`${arg} given twice`, command);
        a.opts.set(arg, [...(Array.isArray(prev) ? prev : []), v]);
      }
    } else a.words.push(arg);
  }
  return a;
}

const str = (a: Args, flag: string): string | undefined => {
  const v = a.opts.get(flag);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
};
const list = (a: Args, flag: string): string[] => {
  const v = a.opts.get(flag);
  return Array.isArray(v) ? v : [];
};

/** Where output goes; colour is decided per stream (a TTY, and NO_COLOR unset). */
export type Out = { out: (s: string) => void; err: (s: string) => void; outColor?: boolean; errColor?: boolean };

const processOut = (): Out => ({
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  outColor: colorWanted(process.stdout.isTTY, process.env),
  errColor: colorWanted(process.stderr.isTTY, process.env),
});

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}

export function formatDiagnostic(file: string, d: Diagnostic, paint: Paint = (_s, t) => t): string {
  const f = d.file ?? file;
  const where = d.line !== undefined ? `${rel(f)}:${d.line}:${d.column ?? 1}` : rel(f);
  const path = d.path.length ? `${formatPath(d.path)}: ` : "";
  const severity = paint(d.severity === "error" ? "red" : "yellow", d.severity);
  return `${paint("bold", where)}: ${severity}: ${path}${d.message} [${d.rule}]`;
}

function reportFailure(r: CompileFailed, io: Out): number {
  const paint = painter(!!io.errColor);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const warnings = r.diagnostics.filter((d) => d.severity === "warning");
  for (const d of r.diagnostics) io.err(formatDiagnostic(r.file, d, paint));
  io.err(`${errors.length} error(s), ${warnings.length} warning(s); nothing was written.`);
  return EXIT.invalid;
}

function reportWarnings(r: CompileOk, file: string, io: Out): void {
  const paint = painter(!!io.errColor);
  for (const w of r.warnings) io.err(formatDiagnostic(file, w, paint));
}

function summary(plan: WritePlan): string {
  const n = (k: string) => plan.changes.filter((c) => c.kind === k).length;
  return `${n("create")} created, ${n("update")} updated, ${n("unchanged")} unchanged, ${n("delete")} removed`;
}

async function unifiedDiff(path: string, before: string | null, after: string | null, paint: Paint): Promise<string> {
  const { createTwoFilesPatch } = require("diff") as typeof import("diff");
  const text = createTwoFilesPatch(before === null ? "/dev/null" : `a/${path}`, after === null ? "/dev/null" : `b/${path}`, before ?? "", after ?? "", "", "", { context: 3 });
  return text
    .split("\n")
    .map((l) => (l.startsWith("+++") || l.startsWith("---") ? paint("bold", l) : l.startsWith("+") ? paint("green", l) : l.startsWith("-") ? paint("red", l) : l.startsWith("@@") ? paint("cyan", l) : l))
    .join("\n");
}

function usage(io: Out, message: string, command: CommandHelp | null = null): number {
  io.err(`labgen: ${message}\n\n${command ? commandHelp(command) : globalHelp()}`);
  return EXIT.usage;
}

// The editing commands (set, add, rm, mv, mcp) and their options live in edit/cli.ts, which the
// bundle keeps in a file of its own (dist/labgen-edit.cjs): ts-morph and the MCP SDK it loads never
// touch the generate path.
const EDIT_COMMANDS = new Set(["set", "add", "rm", "mv", "mcp"]);

function editCommand(argv: string[]): { cmd: string; rest: string[] } | null {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--config" || argv[i] === "--lock" || argv[i] === "--out") i++;
    else if (!argv[i].startsWith("-")) return EDIT_COMMANDS.has(argv[i]) ? { cmd: argv[i], rest: [...argv.slice(0, i), ...argv.slice(i + 1)] } : null;
  }
  return null;
}

export async function run(argv: string[], io: Out = processOut()): Promise<number> {
  const edit = editCommand(argv);
  if (edit) {
    const { runEditCommand } = await import("../edit/cli.ts");
    return runEditCommand(edit.cmd, edit.rest, io);
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message, e.command);
    throw e;
  }
  if (args.help) {
    io.out(args.command ? commandHelp(args.command) : globalHelp());
    return EXIT.ok;
  }
  if (args.version) {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (args.words.length === 0) {
    io.out(globalHelp());
    return EXIT.usage;
  }
  const cmd = args.command;
  if (!cmd) {
    if (args.words[0] === "lock") return usage(io, "the lock command is: labgen lock prune");
    return usage(io, `unknown command '${args.words[0]}'`);
  }
  const rest = args.words.slice(cmd.name.split(" ").length);
  const configFile = resolvePath(str(args, "--config") ?? "lab.config.ts");
  const baseDir = resolvePath(configFile, "..");
  const lockFile = str(args, "--lock") ? resolvePath(str(args, "--lock")!) : join(baseDir, "lab.lock.json");
  const outDir = str(args, "--out") ? resolvePath(str(args, "--out")!) : join(baseDir, "out");
  const timings = args.opts.has("--timings");

  const compileOrReport = async (): Promise<CompileOk | number> => {
    const r = await compile({ configFile, lockFile });
    if (!r.ok) return reportFailure(r, io);
    reportWarnings(r, configFile, io);
    if (timings) io.err(`timings: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(", ")}`);
    return r;
  };

  switch (cmd.name) {
    case "generate": {
      if (rest.length) return usage(io, `generate takes no arguments`, cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const tw = performance.now();
      const plan = planWrite(outDir, r.files);
      if (plan.conflicts.length && !args.opts.has("--force")) {
        for (const c of plan.conflicts) io.err(`${rel(join(outDir, c.path))}: ${c.reason}; refusing to overwrite (keep your change in lab.config.ts, or pass --force)`);
        io.err("nothing was written.");
        return EXIT.invalid;
      }
      // What a killed run left behind: its temporaries are garbage (the files they were to replace
      // are still whole), and the manifest it left makes the rest of out/ recognisable.
      removeStrayTemporaries(outDir, [lockFile]);
      // The lock first: if out/ were written and the lock not, the next run would re-allocate.
      if (r.lockChanged) writeAtomic(lockFile, r.lockText);
      applyWrite(outDir, plan);
      // write = comparing with the disk (read + sha256) and writing what changed.
      if (timings) {
        const cpu = process.cpuUsage();
        io.err(`timings: write ${(performance.now() - tw).toFixed(1)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms, maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
      }
      for (const a of r.allocated) io.out(`allocated ${a}`);
      io.out(`${rel(outDir)}: ${summary(plan)}${r.lockChanged ? `; ${rel(lockFile)} updated` : ""}`);
      return EXIT.ok;
    }
    case "check": {
      if (rest.length) return usage(io, `check takes no arguments`, cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      io.out(`${rel(configFile)} is valid: ${r.model.hosts.length} host(s), ${r.model.instances.length} instance(s), ${r.warnings.length} warning(s)`);
      return EXIT.ok;
    }
    case "diff": {
      if (rest.length) return usage(io, `diff takes no arguments`, cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const paint = painter(!!io.outColor);
      const plan = planWrite(outDir, r.files);
      let drift = false;
      if (r.lockChanged) {
        drift = true;
        const before = existsSync(lockFile) ? readFileSync(lockFile, "utf8") : null;
        io.out((await unifiedDiff(rel(lockFile), before, r.lockText, paint)).trimEnd());
      }
      for (const c of plan.changes) {
        if (c.kind === "unchanged") continue;
        drift = true;
        io.out((await unifiedDiff(`${rel(outDir)}/${c.path}`, c.before, c.after, paint)).trimEnd());
      }
      for (const c of plan.conflicts) io.err(`note: ${rel(join(outDir, c.path))} ${c.reason}`);
      io.err(drift ? `drift: ${summary(plan)}` : "no drift: out/ matches lab.config.ts");
      return drift ? EXIT.drift : EXIT.ok;
    }
    case "explain": {
      if (rest.length !== 1) return usage(io, "explain takes one name: a host, instance, network, storage pool, profile or route", cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const { makeLocator } = await import("../config/locate.ts");
      const locate = await makeLocator(readFileSync(configFile, "utf8"));
      const where = { file: rel(configFile), locate };
      if (args.opts.has("--json")) {
        const found = explainJson(r.model, r.files, rest[0], where);
        if (found) {
          io.out(JSON.stringify(found, null, 2));
          return EXIT.ok;
        }
      } else {
        const text = explain(r.model, r.files, rest[0], where);
        if (text) {
          io.out(text);
          return EXIT.ok;
        }
      }
      const close = suggestNames(r.model, rest[0]);
      io.err(`labgen: nothing named '${rest[0]}' in ${rel(configFile)}${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(" or ")}?` : ""}`);
      return EXIT.invalid;
    }
    case "plan": {
      if (rest.length) return usage(io, "plan takes no arguments (the base commit is --base <git-ref>)", cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      const { runPlan } = await import("./plan.ts");
      return runPlan({ configFile, outDir, base: str(args, "--base") ?? "HEAD", json: args.opts.has("--json"), model: r.model }, io);
    }
    case "schema": {
      if (rest.length) return usage(io, `schema takes no arguments`, cmd);
      const { labJsonSchemaText } = await import("../targets/docs/schema.ts");
      io.out(labJsonSchemaText().trimEnd());
      return EXIT.ok;
    }
    case "lock prune": {
      if (rest.length) return usage(io, "the lock command is: labgen lock prune", cmd);
      const r = await compileOrReport();
      if (typeof r === "number") return r;
      let lock;
      try {
        lock = readLock(lockFile);
      } catch (e) {
        if (e instanceof LockError) {
          io.err(`${rel(lockFile)}: ${e.message}`);
          return EXIT.invalid;
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
      return EXIT.ok;
    }
    case "init": {
      if (rest.length) return usage(io, "init takes no arguments (name, domain, host and disks are options)", cmd);
      const force = args.opts.has("--force");
      if (existsSync(configFile) && !force) {
        io.err(`labgen: ${rel(configFile)} already exists; init never overwrites it (--force replaces it and starts a new lock)`);
        return EXIT.invalid;
      }
      const { starterConfig } = await import("./init.ts");
      const text = starterConfig({
        name: str(args, "--name"),
        domain: str(args, "--domain"),
        host: str(args, "--host"),
        disks: list(args, "--disk"),
        nic: str(args, "--nic"),
        sshKey: str(args, "--ssh-key"),
        repository: str(args, "--repository"),
      });
      writeFileSync(configFile, text);
      // A lock belongs to the lab it was made for; a new lab starts a new one.
      const lock = join(baseDir, "lab.lock.json");
      const dropLock = force && existsSync(lock);
      if (dropLock) rmSync(lock);
      const left = /"[^"\n]*REPLACE_ME/.test(text);
      io.out(
        `wrote ${rel(configFile)}${dropLock ? ` and removed ${rel(lock)}` : ""}: ` +
          (left ? `fill the placeholders \`labgen check\` names, then run 'labgen generate'` : `edit it, then run 'labgen generate'`),
      );
      return EXIT.ok;
    }
    default:
      // A command listed in help.ts without a case here.
      return usage(io, `'${cmd.name}' is not implemented in this build`);
  }
}
