// `labgen mcp`: the lab for AI agents over the Model Context Protocol (stdio), on the official SDK.
// The guardrails live here, in code, not in tool descriptions an agent may ignore:
//  - every edit goes through the edit engine and the full pipeline, and is planned first;
//  - an edit whose plan destroys data is refused unless the call names each such object;
//  - no tool deploys: nothing here runs tofu, nixos-rebuild, incus or ssh — the only process it
//    starts is git (reading a commit's lab.json for plan); changes reach the lab as a
//    commit that the GitOps agent, with its own plan gate, deploys;
//  - every applied edit is logged with its plan (.labgen/edits.log next to the config);
//  - --read-only registers no tool that writes.
// Tool inputs that carry config values are checked against the config's own zod schema (the
// field at the edited path; add_instance takes the instance schema itself), so they never drift.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { explain } from "../cli/explain.ts";
import { planAgainst, readBase } from "../cli/plan.ts";
import { LabSchema } from "../config/schema.ts";
import { allowKey, type LabPlan } from "../plan/plan.ts";
import { compile } from "../pipeline.ts";
import type { Model } from "../resolve/model.ts";
import { AGENTS_MD, LAB_JSON, README, labJsonSchemaText } from "../targets/docs/index.ts";
import { formatPath, type Diagnostic } from "../shared/diagnostics.ts";
import { schemaAt } from "../validate/schema-errors.ts";
import { applyWrite, planWrite, writeAtomic } from "../write/writer.ts";
import type { Edit } from "../edit/engine.ts";
import { parsePath, PathSyntaxError } from "../edit/path.ts";
import { EDIT_LOG, runEdits, unifiedDiff, type EditOutcome } from "../edit/session.ts";

export interface McpOptions {
  readonly configFile: string;
  readonly lockFile: string;
  readonly readOnly: boolean;
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, any> } };
const unwrapSchema = (s: AnySchema): AnySchema => {
  let cur = s;
  while (["optional", "default", "nullable", "prefault"].includes(cur._zod.def.type)) cur = cur._zod.def.innerType;
  return cur;
};

const shape = (LabSchema as unknown as { shape: Record<string, AnySchema> }).shape;
/** The named collections of the config (its records), plus routes (ingress.routes). */
const COLLECTIONS = Object.keys(shape).filter((k) => unwrapSchema(shape[k])._zod.def.type === "record");
const KINDS = ["routes", ...COLLECTIONS].sort() as unknown as [string, ...string[]];
const MODEL_KEY: Record<string, keyof Model> = { storage: "storagePools" };

const PathArg = z
  .string()
  .describe(
    `A config path as diagnostics print it: ${Object.keys(shape).join(" | ")} then keys and [index], e.g. instances.grafana.memory, instances.forgejo.volumes[0].size, profiles.base.config["boot.autostart.delay"]`,
  );
const ValueArg = z.unknown().describe("The new value as JSON; it must match the config schema at that path (the labgen://out/labgen.schema.json resource).");
const EditArg = z.discriminatedUnion("op", [
  z.object({ op: z.literal("set"), path: PathArg, value: ValueArg }).describe("Set a value (adds the field when it is not written yet)."),
  z.object({ op: z.literal("add"), path: PathArg, value: ValueArg }).describe("Add a record entry (path names the new key) or append to a list (path names the list; [n] inserts at n)."),
  z.object({ op: z.literal("remove"), path: PathArg }).describe("Remove a record entry or a list item."),
  z.object({ op: z.literal("rename"), path: PathArg, to: z.string().describe("The new name.") }).describe("Rename a record entry (instance, network, storage pool, profile, host, …) and every reference to it."),
]);
const EditsArg = z.array(EditArg).min(1).describe("Edits, applied in order.");
const AllowArg = z
  .array(z.string())
  .default([])
  .describe('Objects whose destruction you explicitly accept, exactly as the plan names them ("volume:jellyfin-media", "instance:jellyfin"). Name one only when the user asked for that data to go.');

const text = (s: string, isError = false) => ({ content: [{ type: "text" as const, text: s }], ...(isError ? { isError: true } : {}) });
const json = (v: unknown, isError = false) => text(JSON.stringify(v, null, 2), isError);

/** `value` (parsed by `schema`) without the fields that equal their schema default. */
export function stripDefaults(schema: AnySchema, value: unknown): unknown {
  let s = schema;
  while (["optional", "nullable", "prefault"].includes(s._zod.def.type)) s = s._zod.def.innerType;
  if (s._zod.def.type === "default") s = s._zod.def.innerType;
  const def = s._zod.def;
  if (def.type === "array" && Array.isArray(value)) return value.map((v) => stripDefaults(def.element, v));
  if (def.type === "record" && value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripDefaults(def.valueType, v)]));
  if (def.type !== "object" || !value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const field = def.shape[k] as AnySchema | undefined;
    if (!field) continue;
    if (field._zod.def.type === "default" && JSON.stringify(field._zod.def.defaultValue) === JSON.stringify(v)) continue;
    out[k] = stripDefaults(field, v);
  }
  return out;
}

function diagnosticsJson(ds: readonly Diagnostic[]) {
  return ds.map((d) => ({ severity: d.severity, path: formatPath(d.path), line: d.line, message: d.message, rule: d.rule }));
}

function planJson(plan: LabPlan) {
  return { changes: plan.changes, blocked: plan.blocked };
}

/** Checks edit values against the config's zod schema at their path, before touching the file. */
function schemaProblems(edits: readonly Edit[]): string[] {
  const out: string[] = [];
  for (const e of edits) {
    if (e.op !== "set" && e.op !== "add") continue;
    let segs;
    try {
      segs = parsePath(e.path);
    } catch (err) {
      if (err instanceof PathSyntaxError) {
        out.push(err.message);
        continue;
      }
      throw err;
    }
    let s = schemaAt(segs) as AnySchema | null;
    if (!s) continue; // an unknown path: the engine and the pipeline say what is wrong
    if (e.op === "add" && unwrapSchema(s)._zod.def.type === "array") s = unwrapSchema(s)._zod.def.element as AnySchema;
    const r = s.safeParse(e.value);
    if (!r.success) for (const i of r.error.issues) out.push(`${formatPath([...segs, ...(i.path as (string | number)[])])}: ${i.message}`);
  }
  return out;
}

function outcomeJson(o: EditOutcome) {
  if (o.status === "refused") return { status: o.status, message: o.message, path: o.path, line: o.line, written: false };
  if (o.status === "invalid") return { status: o.status, diff: o.diff, diagnostics: diagnosticsJson(o.diagnostics), written: false };
  return {
    status: o.status,
    diff: o.diff,
    plan: planJson(o.plan),
    allowDestroyAdded: o.allowDestroyAdded,
    blocked: o.blocked.map(allowKey),
    warnings: diagnosticsJson(o.warnings),
    notes: o.notes,
    written: o.written,
  };
}

export function createServer(opts: McpOptions): McpServer {
  const { configFile, lockFile } = opts;
  const outDir = join(dirname(configFile), "out");
  const server = new McpServer({ name: "labgen", version: "0.1.0" }, { instructions: instructions(opts.readOnly) });
  const compiled = async () => compile({ configFile, lockFile });
  const invalid = (ds: readonly Diagnostic[]) => json({ status: "invalid", message: "lab.config.ts on disk is invalid", diagnostics: diagnosticsJson(ds) }, true);

  server.registerTool(
    "describe_lab",
    {
      title: "Describe the lab",
      description: `A summary of the lab and its resolved model (defaults applied, addresses allocated, each object with the config path it comes from). Filter by kind (${KINDS.join(", ")}) and/or name.`,
      inputSchema: {
        kind: z.enum(KINDS).optional().describe("Only this collection of the config."),
        name: z.string().optional().describe("Only objects with this name."),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ kind, name }) => {
      const r = await compiled();
      if (!r.ok) return invalid(r.diagnostics);
      const m = r.model;
      const summary = `${m.lab.name} (${m.lab.domain}): ${m.hosts.length} host(s), ${m.networks.length} network(s), ${m.storagePools.length} storage pool(s), ${m.instances.length} instance(s), ${m.ingress?.routes.length ?? 0} route(s)`;
      const pick = (k: string): unknown[] => (k === "routes" ? [...(m.ingress?.routes ?? [])] : [...((m[MODEL_KEY[k] ?? (k as keyof Model)] as readonly unknown[]) ?? [])]);
      const byName = (xs: unknown[]) => (name ? xs.filter((x) => (x as { name?: string }).name === name) : xs);
      const model = kind ? { [kind]: byName(pick(kind)) } : name ? Object.fromEntries(KINDS.map((k) => [k, byName(pick(k))]).filter(([, v]) => (v as unknown[]).length)) : m;
      return json({ summary, model });
    },
  );

  server.registerTool(
    "explain",
    {
      title: "Explain a name",
      description: "What a host, instance, network, storage pool, profile or route is, where it is defined, and which generated files it produced (like `labgen explain`).",
      inputSchema: { name: z.string().describe("The name, e.g. forgejo.") },
      annotations: { readOnlyHint: true },
    },
    async ({ name }) => {
      const r = await compiled();
      if (!r.ok) return invalid(r.diagnostics);
      const { makeLocator } = await import("../config/locate.ts");
      const locate = await makeLocator(readFileSync(configFile, "utf8"));
      const t = explain(r.model, r.files, name, { file: basename(configFile), locate });
      return t ? text(t) : text(`nothing named '${name}' in the lab`, true);
    },
  );

  // One file-touching call at a time: two edits planned against the same file must not both write.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  const editTool = (edits: Edit[], allowDestroy: string[], write: boolean) => serial(() => editOnce(edits, allowDestroy, write));
  const editOnce = async (edits: Edit[], allowDestroy: string[], write: boolean) => {
    const problems = schemaProblems(edits);
    if (problems.length) return json({ status: "invalid", diagnostics: problems.map((message) => ({ severity: "error", message, rule: "schema" })), written: false }, true);
    const o = await runEdits({ configFile, lockFile, edits, allowDestroy, write, by: "mcp" });
    const body = outcomeJson(o);
    if (o.status === "blocked")
      return json(
        {
          ...body,
          message: `refused: the plan destroys ${o.blocked.map(allowKey).join(", ")}. Nothing was written. Only if the user explicitly asked for that data to be destroyed, call again with allowDestroy naming each of them.`,
        },
        true,
      );
    return json(body, o.status !== "ok");
  };

  server.registerTool(
    "validate_edits",
    {
      title: "Validate proposed edits",
      description:
        "Dry run of edits to lab.config.ts: the unified diff, the diagnostics (config paths and lines) if the result is invalid, and the risk-classed plan (add, change, restart, replace, host, reboot, destroy-data). Writes nothing.",
      inputSchema: { edits: EditsArg, allowDestroy: AllowArg },
      annotations: { readOnlyHint: true },
    },
    async ({ edits, allowDestroy }) => editTool(edits as Edit[], allowDestroy, false),
  );

  server.registerTool(
    "plan",
    {
      title: "Plan against a git ref",
      description:
        "The risk-classed changes between the lab deployed at a git ref (its committed out/lab.json; default HEAD) and lab.config.ts as it is now. destroy-data changes not named in the config's allowDestroy are listed under blocked.",
      inputSchema: { base: z.string().default("HEAD").describe("A git ref: the commit whose lab is the base, e.g. HEAD or origin/main.") },
      annotations: { readOnlyHint: true },
    },
    async ({ base }) => {
      const r = await compiled();
      if (!r.ok) return invalid(r.diagnostics);
      if (!/^[A-Za-z0-9][A-Za-z0-9._/~^@{}-]*$/.test(base)) return text(`not a git ref: ${base}`, true);
      const b = readBase(outDir, base);
      if (!b.ok) return text(`cannot plan against ${base}: ${b.message}`, true);
      return json({ base: { ref: base, commit: b.commit, note: b.note }, ...planJson(planAgainst(outDir, b, r.model)) });
    },
  );

  server.registerTool(
    "diff",
    {
      title: "Diff of generated files",
      description: "What `labgen generate` would change in out/ and lab.lock.json (unified diffs); empty when out/ matches lab.config.ts. Writes nothing.",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    async () => {
      const r = await compiled();
      if (!r.ok) return invalid(r.diagnostics);
      const plan = planWrite(outDir, r.files);
      const parts: string[] = [];
      if (r.lockChanged) parts.push(unifiedDiff("lab.lock.json", existsSync(lockFile) ? readFileSync(lockFile, "utf8") : "", r.lockText));
      for (const c of plan.changes) if (c.kind !== "unchanged") parts.push(unifiedDiff(`out/${c.path}`, c.before ?? "", c.after ?? ""));
      return text(parts.join("") || "no drift: out/ matches lab.config.ts");
    },
  );

  if (!opts.readOnly) {
    server.registerTool(
      "apply_edits",
      {
        title: "Apply edits to lab.config.ts",
        description:
          "Applies edits to lab.config.ts, only if the result is valid and its plan destroys no data that allowDestroy does not name; returns the diff and the plan, and logs it. It does not deploy: run generate, then the user reviews and commits; the GitOps agent deploys the commit.",
        inputSchema: { edits: EditsArg, allowDestroy: AllowArg },
        annotations: { destructiveHint: true, idempotentHint: false },
      },
      async ({ edits, allowDestroy }) => editTool(edits as Edit[], allowDestroy, true),
    );

    const InstanceInput = unwrapSchema(shape.instances)._zod.def.valueType as AnySchema;
    server.registerTool(
      "add_instance",
      {
        title: "Add an instance",
        description: "Adds an Incus instance to lab.config.ts (the instance schema of the config itself). Same checks as apply_edits; dryRun: true only validates and plans.",
        inputSchema: {
          name: z.string().describe("Instance name (lowercase letters, digits, dashes)."),
          instance: InstanceInput,
          dryRun: z.boolean().default(false).describe("Validate and plan only."),
        },
        annotations: { destructiveHint: false },
      },
      // The SDK parsed `instance` with the schema, so it has every default filled in: the file gets
      // only what differs from a default, as a person would write it.
      async ({ name, instance, dryRun }) =>
        editTool([{ op: "add", path: formatPath(["instances", name]), value: stripDefaults(InstanceInput, instance) }], [], !dryRun),
    );

    server.registerTool(
      "generate",
      {
        title: "Generate out/",
        description: "Runs `labgen generate`: writes out/ (and new allocations to lab.lock.json) from lab.config.ts. Refuses to overwrite generated files edited by hand. Deploys nothing.",
        inputSchema: {},
        annotations: { destructiveHint: false, idempotentHint: true },
      },
      async () => serial(async () => {
        const r = await compiled();
        if (!r.ok) return invalid(r.diagnostics);
        const plan = planWrite(outDir, r.files);
        if (plan.conflicts.length) return json({ status: "refused", conflicts: plan.conflicts.map((c) => ({ path: `out/${c.path}`, reason: c.reason })), written: false }, true);
        if (r.lockChanged) writeAtomic(lockFile, r.lockText);
        applyWrite(outDir, plan);
        const n = (k: string) => plan.changes.filter((c) => c.kind === k).length;
        return json({ status: "ok", created: n("create"), updated: n("update"), removed: n("delete"), unchanged: n("unchanged"), lockUpdated: r.lockChanged, allocated: r.allocated });
      }),
    );
  }

  const resource = (name: string, uri: string, title: string, mimeType: string, read: () => Promise<string>) =>
    server.registerResource(name, uri, { title, mimeType }, async (u) => ({ contents: [{ uri: u.href, mimeType, text: await read() }] }));
  const generated = async (path: string) => {
    const r = await compiled();
    const f = r.ok ? r.files.find((x) => x.path === path) : undefined;
    if (f) return f.content;
    const onDisk = join(outDir, path);
    if (existsSync(onDisk)) return readFileSync(onDisk, "utf8");
    throw new Error(`${path}: lab.config.ts is invalid and out/${path} does not exist`);
  };
  resource(LAB_JSON, `labgen://out/${LAB_JSON}`, "The resolved lab (model, outputs, provenance)", "application/json", () => generated(LAB_JSON));
  resource("schema", "labgen://out/labgen.schema.json", "JSON Schema of lab.config.ts", "application/schema+json", async () => labJsonSchemaText());
  resource("readme", `labgen://out/${README}`, "The lab's architecture document", "text/markdown", () => generated(README));
  resource("agents", `labgen://out/${AGENTS_MD}`, "How an agent works on this lab", "text/markdown", () => generated(AGENTS_MD));
  return server;
}

function instructions(readOnly: boolean): string {
  return [
    "labgen compiles lab.config.ts (the only source of truth, with lab.lock.json) into everything a homelab runs on.",
    "Read describe_lab or the labgen://out/lab.json resource first; explain a name to see where it is defined and what it produces.",
    readOnly
      ? "This server is read-only: propose edits with validate_edits and let the user apply them."
      : "Change the lab only with validate_edits then apply_edits (typed edits by config path); then generate. Nothing here deploys: the user commits, the GitOps agent deploys.",
    "An edit whose plan says destroy-data is refused unless allowDestroy names each object; name one only when the user asked for that data to be destroyed.",
    `Applied edits are logged in ${EDIT_LOG}. Never edit out/ by hand and never update test goldens to make a check pass.`,
  ].join("\n");
}

export async function serveMcp(opts: McpOptions): Promise<void> {
  const server = createServer(opts);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
