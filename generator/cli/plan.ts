// `labgen plan`: the lab recorded in a commit's out/lab.json (the base, default HEAD) against the
// working lab.config.ts, every change with its risk class, config path and line. Loaded only by
// the plan command.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { makeLocator } from "../config/locate.ts";
import { allowDestroyStatus, allowKey, comparePlanChanges, parseConfigPath, planLab, RISK_ORDER, type AllowDestroyStatus, type LabPlan, type PlanChange, type Risk } from "../plan/plan.ts";
import type { Model } from "../resolve/model.ts";
import { EXIT } from "./help.ts";

type Out = { out: (s: string) => void; err: (s: string) => void };

export interface PlanOptions {
  readonly configFile: string;
  readonly outDir: string;
  readonly base: string;
  readonly json: boolean;
  readonly model: Model;
}

/** What the base ref holds: its commit and model (null when it has no out/lab.json). */
export type BaseLab = { ok: true; commit: string | null; model: Model | null; note: string } | { ok: false; code: 1 | 2; message: string };

function git(cwd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
    return { ok: true, stdout, stderr: "" };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, stdout: String(err.stdout ?? ""), stderr: String(err.stderr ?? "") };
  }
}

/** Reads <ref>:<outDir>/lab.json from git (the committed lab, not the working tree's). */
export function readBase(outDir: string, ref: string): BaseLab {
  const cwd = dirname(outDir);
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) return { ok: false, code: 2, message: `${cwd} is not in a git repository: labgen plan compares with a commit (--base <git-ref>)` };
  const commit = git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!commit.ok) {
    // A repository without commits yet: nothing is deployed, everything is new.
    if (ref === "HEAD" && !git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD"]).ok)
      return { ok: true, commit: null, model: null, note: "no commit yet" };
    return { ok: false, code: 2, message: `unknown git ref '${ref}' (a commit, branch or tag of this repository)` };
  }
  const sha = commit.stdout.trim();
  const spec = `${sha}:./${basename(outDir)}/lab.json`;
  if (!git(cwd, ["cat-file", "-e", spec]).ok) return { ok: true, commit: sha, model: null, note: `${ref} has no ${basename(outDir)}/lab.json` };
  const text = git(cwd, ["show", spec]);
  let model: Model | null = null;
  try {
    const doc = JSON.parse(text.stdout) as { format?: unknown; model?: Model };
    if (typeof doc.format === "string" && doc.format.startsWith("labgen/lab.json@") && doc.model && typeof doc.model === "object") model = doc.model;
  } catch {
    model = null;
  }
  if (!model) return { ok: false, code: 1, message: `${ref}:${basename(outDir)}/lab.json is not a labgen lab.json; cannot compare with it` };
  return { ok: true, commit: sha, model, note: `${ref} (${sha.slice(0, 12)})` };
}

/**
 * A host's own NixOS module (hosts/<host>/extra.nix) is input that lab.json does not record: its
 * text at the base commit against the working file, for every host that imports it in both labs.
 * (Turning extraModule on or off is a Model change, planned with the rest.)
 */
function extraModuleChanges(configDir: string, commit: string | null, base: Model | null, next: Model): PlanChange[] {
  if (!commit || !base) return [];
  const imported = new Map(base.hosts.filter((h) => h.extraModule).map((h) => [h.name, h.extraModule]));
  const out: PlanChange[] = [];
  for (const h of next.hosts) {
    if (!h.extraModule || imported.get(h.name) !== h.extraModule) continue;
    const then = git(configDir, ["show", `${commit}:./${h.extraModule}`]);
    const file = join(configDir, h.extraModule);
    const now = existsSync(file) ? readFileSync(file, "utf8") : null;
    if (then.ok && now === then.stdout) continue;
    out.push({
      risk: "host",
      kind: "host",
      name: h.name,
      path: `hosts.${h.name}.extraModule`,
      summary: `${h.extraModule} changes; nixos-rebuild switch applies it on ${h.name} (labgen does not read your module: review whether it needs a reboot)`,
    });
  }
  return out;
}

/** planLab plus what only the repository shows (the hosts' extra.nix), in the plan's order. */
export function planAgainst(outDir: string, base: { commit: string | null; model: Model | null }, next: Model): LabPlan {
  const plan = planLab(base.model, next);
  const extra = extraModuleChanges(dirname(outDir), base.commit, base.model, next);
  if (extra.length === 0) return plan;
  const changes = [...plan.changes, ...extra].sort(comparePlanChanges);
  return { changes, blocked: plan.blocked };
}

const HEADINGS: Record<Risk, string> = {
  "destroy-data": "data is deleted: needs allowDestroy",
  reboot: "takes effect at the next boot or install",
  replace: "instance re-created: root disk lost, volumes kept",
  restart: "instance restarts (or must be stopped)",
  host: "NixOS: nixos-rebuild switch",
  change: "updated in place",
  add: "created",
};

type Located = PlanChange & { line?: number };

export async function runPlan(opts: PlanOptions, io: Out): Promise<number> {
  const base = readBase(opts.outDir, opts.base);
  if (!base.ok) {
    io.err(`labgen plan: ${base.message}`);
    return base.code;
  }
  const plan = planAgainst(opts.outDir, base, opts.model);
  const source = readFileSync(opts.configFile, "utf8");
  const locate = await makeLocator(source);
  const lineOf = (path: string): number | undefined => locate(parseConfigPath(path))?.line;
  const withLine = (c: PlanChange): Located => {
    const line = lineOf(c.path);
    return line === undefined ? { ...c } : { ...c, line };
  };
  const changes = plan.changes.map(withLine);
  const blocked = plan.blocked.map(withLine);
  const allow = allowDestroyStatus(plan, base.model, opts.model).map((a): AllowDestroyStatus & { line?: number } => {
    const line = lineOf(`allowDestroy[${a.index}]`);
    return line === undefined ? a : { ...a, line };
  });
  const file = relative(process.cwd(), opts.configFile) || opts.configFile;

  if (opts.json) {
    io.out(JSON.stringify({ base: { ref: opts.base, commit: base.commit, hasLab: base.model !== null }, changes, blocked, allowDestroy: allow }, null, 2));
    return blocked.length ? EXIT.destroyData : EXIT.ok;
  }

  const lines: string[] = [`labgen plan: ${base.note} → ${file}: ${changes.length === 0 ? "no changes" : `${changes.length} change(s)`}`];
  for (const risk of RISK_ORDER) {
    const group = changes.filter((c) => c.risk === risk);
    if (group.length === 0) continue;
    const nBlocked = group.filter((c) => c.risk === "destroy-data" && !c.allowed).length;
    lines.push("", `${risk} (${group.length}${nBlocked ? `, ${nBlocked} BLOCKED` : ""}): ${HEADINGS[risk]}`);
    for (const c of group) {
      const mark = c.risk !== "destroy-data" ? "" : c.allowed ? "allowed " : "BLOCKED ";
      const where = `${c.path}${c.line !== undefined ? ` (${file}:${c.line})` : ""}`;
      lines.push(`  ${mark}${c.kind} ${c.name}  ${where}`, `      ${c.summary}`);
      if (c.risk === "destroy-data" && !c.allowed) lines.push(`      to allow it: add "${allowKey(c)}" to allowDestroy in ${file}, and remove it after the deploy`);
    }
  }
  if (allow.length) {
    lines.push("", "allowDestroy (remove every entry after the deploy):");
    for (const a of allow) lines.push(`  ${a.entry}${a.line !== undefined ? ` (${file}:${a.line})` : ""}: ${allowNote(a)}`);
  }
  lines.push(
    "",
    blocked.length
      ? `blocked: ${blocked.length} destroy-data change(s) not named in allowDestroy (${blocked.map(allowKey).join(", ")}); the GitOps agent refuses to deploy this`
      : "nothing blocked",
  );
  io.out(lines.join("\n"));
  return blocked.length ? EXIT.destroyData : EXIT.ok;
}

function allowNote(a: AllowDestroyStatus): string {
  if (a.status === "used") return "allows the destroy-data change above";
  if (a.status === "unused") return "names something that is not being destroyed: a leftover permission, remove it";
  return "names nothing in the deployed or the new lab (check the kind and name)";
}
