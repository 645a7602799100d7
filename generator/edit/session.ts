// One edit session on lab.config.ts, shared by the CLI verbs and `labgen mcp`: apply typed edits
// (engine.ts), validate the result with the real pipeline on a temporary copy next to the config
// (so relative imports resolve as they will), plan it against the lab before the edit, enforce
// the destroy-data gate, and only then write — atomically — and log it.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { loadConfig } from "../config/load.ts";
import { compile } from "../pipeline.ts";
import { allowKey, planLab, type LabPlan, type PlanChange } from "../plan/plan.ts";
import type { Model } from "../resolve/model.ts";
import { formatPath, type Diagnostic } from "../shared/diagnostics.ts";
import { writeAtomic } from "../write/writer.ts";
import { applyEdits, EditError, hasPath, type Edit } from "./engine.ts";

const require = createRequire(import.meta.url);

/** Where applied edits are logged, relative to the config's directory (one JSON object a line). */
export const EDIT_LOG = ".labgen/edits.log";

export interface EditRequest {
  readonly configFile: string;
  readonly lockFile: string;
  readonly edits: readonly Edit[];
  /** Names of objects whose destruction the caller explicitly allows (plan change names). */
  readonly allowDestroy?: readonly string[];
  /** false: validate and plan only (dry run). */
  readonly write: boolean;
  /** Who applied it, for the log ("cli", "mcp"). */
  readonly by: string;
}

export type EditOutcome =
  | { readonly status: "refused"; readonly message: string; readonly path: string; readonly line?: number }
  | { readonly status: "invalid"; readonly diff: string; readonly diagnostics: readonly Diagnostic[] }
  | {
      readonly status: "ok" | "blocked";
      readonly diff: string;
      readonly plan: LabPlan;
      /** destroy-data changes neither allowed by the config nor named by the caller. */
      readonly blocked: readonly PlanChange[];
      readonly written: boolean;
      /** allowDestroy entries this edit added because the caller named them. */
      readonly allowDestroyAdded: readonly string[];
      readonly warnings: readonly Diagnostic[];
      /** What the caller should know: the base was unavailable, references renamed, … */
      readonly notes: readonly string[];
    };

export function unifiedDiff(name: string, before: string, after: string): string {
  if (before === after) return "";
  const { createTwoFilesPatch } = require("diff") as typeof import("diff");
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, "", "", { context: 3 });
}

/** The model of the config as it is on disk (the base of the edit's plan), or null when invalid. */
export async function currentModel(configFile: string, lockFile: string): Promise<Model | null> {
  const r = await compile({ configFile, lockFile });
  return r.ok ? r.model : null;
}

function getAt(v: unknown, path: readonly (string | number)[]): unknown {
  let cur: any = v;
  for (const s of path) cur = cur == null ? undefined : cur[s];
  return cur;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
let tmpSeq = 0;

/** Validates `text` as the config (the real compile() pipeline), in a temporary file next to it. */
export async function validateText(configFile: string, lockFile: string, text: string, presetChecks: ReturnType<typeof applyEdits>["presetChecks"] = []) {
  const tmp = join(dirname(configFile), `.${basename(configFile, ".ts")}.labgen-edit-${process.pid}-${++tmpSeq}.ts`);
  writeFileSync(tmp, text);
  try {
    const r = await compile({ configFile: tmp, lockFile });
    if (r.ok && presetChecks.length) {
      const raw = (await loadConfig(tmp)).raw;
      for (const c of presetChecks) {
        if (c.expect === "new") continue;
        const v = getAt(raw, c.path);
        const ok = c.expect === "equal" ? sameJson(v, c.value) : c.expect === "absent" ? v === undefined : v !== undefined;
        if (!ok)
          return {
            ok: false as const,
            diagnostics: [
              {
                severity: "error" as const,
                rule: "edit-preset",
                path: c.path,
                line: c.line,
                message:
                  c.expect === "equal"
                    ? `the value was written into the argument of ${c.call}, but the preset does not pass it through to ${formatPath(c.path)}; change it by hand`
                    : c.expect === "absent"
                      ? `the edit of ${c.call} did not remove ${formatPath(c.path)}; change it by hand`
                      : `after the edit of ${c.call} there is no ${formatPath(c.path)}: the preset does not take a name; change it by hand`,
              },
            ],
          };
      }
    }
    return r.ok ? { ok: true as const, model: r.model, warnings: r.warnings } : { ok: false as const, diagnostics: r.diagnostics };
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A destroy-data change is named by its allowDestroy key ("volume:jellyfin-media") or its bare name. */
export const names = (allow: readonly string[], c: PlanChange): boolean => allow.includes(allowKey(c)) || allow.includes(c.name);

export async function runEdits(req: EditRequest): Promise<EditOutcome> {
  const name = basename(req.configFile);
  const before = readFileSync(req.configFile, "utf8");
  const allow = req.allowDestroy ?? [];
  const attempt = async (edits: readonly Edit[]) => {
    let edited;
    try {
      edited = applyEdits(before, edits);
    } catch (e) {
      if (e instanceof EditError) return { status: "refused" as const, message: e.message, path: e.path, line: e.line };
      throw e;
    }
    const checked = await validateText(req.configFile, req.lockFile, edited.text, edited.presetChecks);
    return { status: "checked" as const, edited, checked };
  };
  let a = await attempt(req.edits);
  if (a.status === "refused") return a;
  const fresh = a.edited.presetChecks.filter((c) => c.expect === "new");
  if (fresh.length) {
    let raw: unknown;
    try {
      raw = (await loadConfig(req.configFile)).raw;
    } catch {
      raw = undefined; // a config that does not load: the pipeline reports it below
    }
    const taken = fresh.find((c) => getAt(raw, c.path) !== undefined);
    if (taken)
      return { status: "refused", message: `${formatPath(taken.path)} already exists: it comes from ${taken.call} at line ${taken.line}; use set to change it`, path: formatPath(taken.path), line: taken.line };
  }
  if (!a.checked.ok) return { status: "invalid", diff: unifiedDiff(name, before, a.edited.text), diagnostics: a.checked.diagnostics };

  const notes: string[] = [];
  const base = await currentModel(req.configFile, req.lockFile);
  if (!base) notes.push(`${name} on disk is invalid, so the plan compares with an empty lab`);
  let plan = planLab(base, a.checked.model);
  const blocked = plan.blocked.filter((c) => !names(allow, c));
  let allowDestroyAdded: string[] = [];
  if (!blocked.length && plan.blocked.length) {
    // The caller named every destruction: record that yes in the config itself (allowDestroy), so
    // the commit carries it, `labgen plan` and the GitOps agent let it through, and `check` warns
    // until it is removed after the deploy.
    const keys = plan.blocked.map(allowKey);
    const extra: Edit[] = hasPath(a.edited.text, "allowDestroy")
      ? keys.map((k) => ({ op: "add", path: "allowDestroy", value: k }))
      : [{ op: "set", path: "allowDestroy", value: keys }];
    const b = await attempt([...req.edits, ...extra]);
    if (b.status === "refused") return b;
    if (!b.checked.ok) return { status: "invalid", diff: unifiedDiff(name, before, b.edited.text), diagnostics: b.checked.diagnostics };
    a = b;
    plan = planLab(base, b.checked.model);
    allowDestroyAdded = keys;
    notes.push(`allowDestroy now names ${keys.join(", ")}: remove ${keys.length > 1 ? "them" : "it"} after the deploy`);
  }
  const { edited, checked } = a;
  if (!checked.ok) throw new Error("unreachable");
  if (edited.renamedReferences.length) notes.push(`references renamed: ${edited.renamedReferences.join(", ")}`);
  if (edited.removedReferences.length) notes.push(`removed with it (they pointed at it): ${edited.removedReferences.join(", ")}`);
  const diff = unifiedDiff(name, before, edited.text);
  const write = req.write && !blocked.length && edited.text !== before;
  if (write) {
    writeAtomic(req.configFile, edited.text);
    logEdit(req, plan);
  }
  return { status: blocked.length ? "blocked" : "ok", diff, plan, blocked, written: write, allowDestroyAdded, warnings: checked.warnings, notes };
}

function logEdit(req: EditRequest, plan: LabPlan): void {
  const file = join(dirname(req.configFile), EDIT_LOG);
  mkdirSync(dirname(file), { recursive: true });
  const entry = {
    time: new Date().toISOString(),
    by: req.by,
    config: basename(req.configFile),
    edits: req.edits,
    allowDestroy: req.allowDestroy ?? [],
    plan: plan.changes.map((c) => ({ risk: c.risk, kind: c.kind, name: c.name, path: c.path, summary: c.summary })),
  };
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export function readEditLog(configFile: string): string {
  const file = join(dirname(configFile), EDIT_LOG);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}
