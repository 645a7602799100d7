// The editing commands: `labgen set | add | rm | mv` on the edit engine, and `labgen mcp`.
// Loaded only for these commands (the bundle keeps it in a file of its own, with ts-morph and the
// MCP SDK left in node_modules), so `generate` never pays for them.
// Exit codes: 0 done (or would be, with --dry-run), 1 edit refused or result invalid, 2 usage,
// 3 the edit destroys data that was not named with --allow-destroy.
import { existsSync, readFileSync } from "node:fs";
import { resolve as resolvePath, join, relative } from "node:path";
import { makeLocator } from "../config/locate.ts";
import { RISK_ORDER, allowKey, type LabPlan, type PlanChange } from "../plan/plan.ts";
import { schemaAt } from "../validate/schema-errors.ts";
import { formatPath, type Diagnostic } from "../shared/diagnostics.ts";
import type { Edit } from "./engine.ts";
import { parsePath, PathSyntaxError } from "./path.ts";
import { runEdits, type EditOutcome } from "./session.ts";

type Out = { out: (s: string) => void; err: (s: string) => void };

const COMMON = `options:
  --config <file>          config file (default: lab.config.ts)
  --lock <file>            lock file (default: lab.lock.json next to the config)
  --dry-run                print the diff and the plan; write nothing
  --allow-destroy <name>   allow destroying this object (repeat for each; as the plan names it,
                           e.g. volume:jellyfin-media); the edit then also adds it to allowDestroy
  -h, --help               this help

Prints the unified diff of the config and the plan of what the edit does to the lab (against the
config as it was). The edit is validated by the full pipeline first: nothing is written when it
is invalid, refused, or destroys data that was not named. Values written in the file as code
(a function call, a spread, an imported constant, a variable) are refused, except that set may
change a field in the object passed to a preset (forgejo({ memory: "2GiB" })) when the preset
passes it through. Applied edits are logged in .labgen/edits.log.

exit codes: 0 done, 1 refused or invalid, 2 usage, 3 destroys data not named with --allow-destroy`;

/** Per-command help, one entry each (`labgen <cmd> --help`). */
export const HELP: Record<string, string> = {
  set: `usage: labgen set <path> <value> [options]

Set the value at a config path, e.g.
  labgen set instances.grafana.memory 2GiB
  labgen set instances.grafana.cpu 2
  labgen set 'profiles.base.config["boot.autostart.delay"]' 10
  labgen set instances.grafana.snapshots '{"schedule": "@daily", "expiry": "7d"}'
The value is JSON when it parses as JSON (numbers, true/false, objects, lists), else a string;
where the schema wants a string, the text is taken as is ("10" stays a string). A field that is
not written yet is added to its object.

${COMMON}`,
  add: `usage: labgen add <path> <json> [options]

Add an entry to a record or an item to a list, e.g.
  labgen add instances.metrics '{"host": "nas", "image": "images:debian/12", "cpu": 1, "memory": "1GiB",
                                  "storage": "fast", "nics": [{"network": "lab0"}]}'
  labgen add instances.grafana.profiles nesting          (appends to the list)
  labgen add instances.traefik.ports[0] '{"host": 8080, "instance": 8080}'   (inserts at index 0)
An entry that already exists is refused (use set).

${COMMON}`,
  rm: `usage: labgen rm <path> [options]

Remove a record entry or a list item, e.g.
  labgen rm instances.jellyfin
  labgen rm instances.traefik.ports[1]
Removing an instance with volumes destroys data: the plan says destroy-data, and the edit needs
--allow-destroy for each such object (exit 3 otherwise).

${COMMON}`,
  mv: `usage: labgen mv <path> <new-name> [options]

Rename an instance, network, storage pool, profile, host, ZFS pool, route, admin or any record
entry, and every reference to it in the config, e.g.
  labgen mv instances.grafana metrics      (also ingress.instance and ingress.routes.*.instance)
  labgen mv networks.lab0 guests           (also instances.*.nics[*].network)
  labgen mv storage.bulk hdd               (also instances.*.storage and their volumes' storage)
  labgen mv profiles.base defaults         (also instances.*.profiles)
  labgen mv hosts.nas.zfs.pools.tank data  (also storage.*.zpool on that host)
  labgen mv instances.jellyfin.volumes[0] films   (a list item with a name)
Incus cannot rename these in place: a renamed instance or volume is a new one, so the plan
usually says destroy-data for the old one (see --allow-destroy). A renamed instance gets a new
address; the old one stays reserved in lab.lock.json until \`labgen lock prune\`.

${COMMON}`,
  mcp: `usage: labgen mcp [--config <file>] [--lock <file>] [--read-only]

Serve the lab to an AI agent over the Model Context Protocol (stdio). Tools: describe_lab,
explain, validate_edits, plan, diff and, unless --read-only, apply_edits, add_instance and
generate. Resources: lab.json, the JSON Schema of the config, the README and AGENTS.md.
Guardrails are enforced by the server: every edit is validated and planned first; an edit whose
plan destroys data is refused unless the call names each such object in allowDestroy; no tool
deploys (no tofu apply, no nixos-rebuild, nothing on a host): changes reach the lab only by a
commit that the GitOps agent deploys; every applied edit is logged in .labgen/edits.log.

options:
  --config <file>   config file (default: lab.config.ts)
  --lock <file>     lock file (default: lab.lock.json next to the config)
  --read-only       register no tool that writes
  -h, --help        this help`,
};

class UsageError extends Error {}

interface Args {
  positional: string[];
  config: string;
  lock: string | null;
  dryRun: boolean;
  readOnly: boolean;
  allowDestroy: string[];
  help: boolean;
}

function parseArgs(cmd: string, argv: string[]): Args {
  const a: Args = { positional: [], config: "lab.config.ts", lock: null, dryRun: false, readOnly: false, allowDestroy: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--config") a.config = value();
    else if (arg === "--lock") a.lock = value();
    else if (arg === "-h" || arg === "--help") a.help = true;
    else if (arg === "--dry-run" && cmd !== "mcp") a.dryRun = true;
    else if (arg === "--allow-destroy" && cmd !== "mcp") a.allowDestroy.push(value());
    else if (arg === "--read-only" && cmd === "mcp") a.readOnly = true;
    else if (arg === "--") {
      for (const rest of argv.slice(i + 1)) a.positional.push(rest);
      i = argv.length;
    }
    // A negative number is a value, not an option.
    else if (arg.startsWith("-") && !/^-[0-9]/.test(arg)) throw new UsageError(`unknown option ${arg}`);
    else a.positional.push(arg);
  }
  return a;
}

/**
 * A value given on the command line: JSON when it parses, else the text itself; where the schema
 * wants a string (or the list/record item is one), the text is kept as written.
 */
export function parseCliValue(path: string, text: string, op: "set" | "add"): unknown {
  let wantsString = false;
  try {
    const segs = parsePath(path);
    let s = schemaAt(segs) as any;
    const unwrap = (x: any) => {
      while (x && ["optional", "default", "nullable", "prefault"].includes(x._zod.def.type)) x = x._zod.def.innerType;
      return x;
    };
    s = unwrap(s);
    if (op === "add" && s?._zod.def.type === "array") s = unwrap(s._zod.def.element);
    const t = s?._zod.def.type;
    wantsString = t === "string" || t === "enum" || t === "literal";
  } catch {
    // an unparsable path is reported by the engine
  }
  if (wantsString && !text.startsWith('"')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const RISK_WIDTH = RISK_ORDER.reduce((w, r) => Math.max(w, r.length), 0);

/** The plan as the CLI prints it: most dangerous first, one line per change, with its line. */
export function formatPlan(plan: LabPlan, lineOf: (path: string) => number | undefined, blocked: readonly PlanChange[] = plan.blocked): string {
  if (!plan.changes.length) return "plan: no change to the lab";
  const lines = [`plan: ${plan.changes.length} change(s)`];
  for (const c of plan.changes) {
    const line = lineOf(c.path);
    const where = `${c.path}${line ? `:${line}` : ""}`;
    const mark = c.risk === "destroy-data" ? (blocked.includes(c) ? "  [not allowed]" : "  [allowed]") : "";
    lines.push(`  ${c.risk.padEnd(RISK_WIDTH)}  ${c.kind} ${c.name}: ${c.summary} (${where})${mark}`);
  }
  return lines.join("\n");
}

async function lineFinder(texts: string[]): Promise<(path: string) => number | undefined> {
  const locators = await Promise.all(texts.map((t) => makeLocator(t)));
  return (path) => {
    let segs;
    try {
      segs = parsePath(path);
    } catch {
      return undefined;
    }
    for (const l of locators) {
      const at = l(segs);
      if (at) return at.line;
    }
    return undefined;
  };
}

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}

export function formatDiagnostics(file: string, ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${rel(file)}${d.line !== undefined ? `:${d.line}:${d.column ?? 1}` : ""}: ${d.severity}: ${d.path.length ? `${formatPath(d.path)}: ` : ""}${d.message} [${d.rule}]`);
}

/** Prints an outcome; returns the exit code. */
export async function report(outcome: EditOutcome, configFile: string, dryRun: boolean, io: Out): Promise<number> {
  if (outcome.status === "refused") {
    io.err(`labgen: refused: ${outcome.message}`);
    io.err("nothing was written.");
    return 1;
  }
  if (outcome.status === "invalid") {
    if (outcome.diff) io.out(outcome.diff.trimEnd());
    for (const l of formatDiagnostics(configFile, outcome.diagnostics)) io.err(l);
    io.err(`the edited ${rel(configFile)} would be invalid (lines refer to the edited file); nothing was written.`);
    return 1;
  }
  if (outcome.diff) io.out(outcome.diff.trimEnd());
  else io.out(`${rel(configFile)}: no change`);
  const text = readFileSync(configFile, "utf8");
  io.out(formatPlan(outcome.plan, await lineFinder([text]), outcome.blocked));
  for (const n of outcome.notes) io.out(`note: ${n}`);
  for (const l of formatDiagnostics(configFile, outcome.warnings)) io.err(l);
  if (outcome.status === "blocked") {
    io.err(
      `labgen: refused: this edit destroys data: ${outcome.blocked.map((c) => `${allowKey(c)} (${c.summary})`).join("; ")}. ` +
        `If that is intended, repeat the command with ${outcome.blocked.map((c) => `--allow-destroy ${allowKey(c)}`).join(" ")}.`,
    );
    io.err("nothing was written.");
    return 3;
  }
  if (dryRun) io.out("dry run: nothing was written.");
  else if (outcome.written) io.out(`wrote ${rel(configFile)}; next: labgen generate, review, commit (the GitOps agent deploys the commit)`);
  return 0;
}

const ARITY: Record<string, number> = { set: 2, add: 2, rm: 1, mv: 2, mcp: 0 };

export async function runEditCommand(cmd: string, argv: string[], io: Out): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(cmd, argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`labgen ${cmd}: ${e.message}\n\n${HELP[cmd]}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    io.out(HELP[cmd]);
    return 0;
  }
  if (args.positional.length !== ARITY[cmd]) {
    io.err(`labgen ${cmd}: takes ${ARITY[cmd] === 0 ? "no arguments" : `${ARITY[cmd]} argument(s)`}\n\n${HELP[cmd]}`);
    return 2;
  }
  const configFile = resolvePath(args.config);
  const lockFile = args.lock ? resolvePath(args.lock) : join(resolvePath(configFile, ".."), "lab.lock.json");
  if (cmd === "mcp") {
    const { serveMcp } = await import("../mcp/server.ts");
    await serveMcp({ configFile, lockFile, readOnly: args.readOnly });
    return 0;
  }
  const [path, arg] = args.positional;
  try {
    parsePath(path);
  } catch (e) {
    if (e instanceof PathSyntaxError) {
      io.err(`labgen ${cmd}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const edit: Edit =
    cmd === "set"
      ? { op: "set", path, value: parseCliValue(path, arg, "set") }
      : cmd === "add"
        ? { op: "add", path, value: parseCliValue(path, arg, "add") }
        : cmd === "rm"
          ? { op: "remove", path }
          : { op: "rename", path, to: arg };
  if (!existsSync(configFile)) {
    io.err(`labgen: ${rel(configFile)} not found: run 'labgen init' to create one, or pass --config <file>`);
    return 1;
  }
  const outcome = await runEdits({ configFile, lockFile, edits: [edit], allowDestroy: args.allowDestroy, write: !args.dryRun, by: "cli" });
  return report(outcome, configFile, args.dryRun, io);
}
