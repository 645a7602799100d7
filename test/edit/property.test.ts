// Property test of the edit session on the reference lab (seeded, so a failure replays):
//  - random sequences of valid edits always leave a file that the pipeline accepts, and every line
//    outside the edited entries (located by an independent parser, @babel/parser) is byte-identical;
//  - random invalid edits write nothing: the file and the edit log stay as they were.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Edit } from "../../generator/edit/engine.ts";
import { parsePath } from "../../generator/edit/path.ts";
import { runEdits } from "../../generator/edit/session.ts";
import { compile } from "../../generator/pipeline.ts";
import type { Model } from "../../generator/resolve/model.ts";
import { ROOT } from "../support/golden.ts";

const require = createRequire(import.meta.url);
const { parse } = require("@babel/parser") as typeof import("@babel/parser");

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof rng>;

// ---------------------------------------------------------------------------------------------
// Where a path is written, by @babel/parser (not ts-morph, which the engine uses).

type B = { type: string; loc: { start: { line: number }; end: { line: number } }; leadingComments?: B[]; [k: string]: any };
const unwrap = (n: B): B => (["TSAsExpression", "TSSatisfiesExpression", "ParenthesizedExpression"].includes(n.type) ? unwrap(n.expression) : n.type === "CallExpression" && n.arguments.length === 1 ? unwrap(n.arguments[0]) : n);
const keyOf = (p: B): string => (p.key.type === "Identifier" ? p.key.name : String(p.key.value));

function rootOf(text: string): B {
  const ast = parse(text, { sourceType: "module", plugins: ["typescript"] }) as unknown as { program: B };
  const root = unwrap(ast.program.body.find((s: B) => s.type === "ExportDefaultDeclaration")!.declaration);
  return Object.assign(root, { __program: ast.program });
}

/** Calls `f({ ... })` anywhere in the file that make instance `name`: `name: "<name>"` in the argument, or f named so. */
function presetCalls(program: B, name: string): B[] {
  const out: B[] = [];
  const walk = (n: unknown) => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) return n.forEach(walk);
    const node = n as B;
    if (node.type === "CallExpression" && node.callee?.type === "Identifier" && node.arguments.length === 1 && node.arguments[0].type === "ObjectExpression") {
      const np = node.arguments[0].properties.find((p: B) => p.type === "ObjectProperty" && keyOf(p) === "name");
      if (np ? np.value.value === name : node.callee.name === name) out.push(node);
    }
    for (const [k, v] of Object.entries(node)) if (!["loc", "leadingComments", "trailingComments", "__program"].includes(k)) walk(v);
  };
  walk(program);
  return out;
}

/** The node written for the entry at `path` (an ObjectProperty or a list element), its container, or null. */
function entryAt(root: B, path: (string | number)[]): { entry: B; container: B } | null {
  let node = root;
  let out: { entry: B; container: B } | null = null;
  for (const seg of path) {
    node = unwrap(node);
    if (typeof seg === "number") {
      if (node.type !== "ArrayExpression" || !node.elements[seg]) return null;
      out = { entry: node.elements[seg], container: node };
      node = node.elements[seg];
    } else {
      if (node.type !== "ObjectExpression") return null;
      const p = [...node.properties].reverse().find((x: B) => x.type === "ObjectProperty" && keyOf(x) === seg);
      if (!p) return null;
      out = { entry: p, container: node };
      node = p.value;
    }
  }
  return out;
}

const span = (n: B): [number, number] => [Math.min(n.loc.start.line, ...(n.leadingComments ?? []).map((c) => c.loc.start.line)), n.loc.end.line];

/** Line spans of `before` an edit may touch: the entry, or where a new one goes, and the references it follows. */
function allowedSpans(before: string, edit: Edit, extraPaths: string[], allowDestroy: boolean): [number, number][] {
  const root = rootOf(before);
  const out: [number, number][] = [];
  const path = parsePath(edit.path);
  if (path[0] === "instances" && path.length >= 2 && !entryAt(root, path.slice(0, 2))) {
    // An instance made by a preset call: the edit goes into that call (or removes it).
    for (const c of presetCalls(root.__program, String(path[1]))) out.push(span(c));
  }
  const at = entryAt(root, path);
  const tail = (obj: B): [number, number] => [obj.properties?.length ? obj.properties.at(-1).loc.start.line : obj.loc.start.line, obj.loc.end.line];
  if (at && edit.op === "add" && unwrap(at.entry.value ?? at.entry).type === "ArrayExpression") out.push(span(at.entry));
  else if (at) {
    out.push(span(at.entry));
    // Removing the only entry leaves an empty literal: `{}` on the line of its opening brace.
    const siblings = at.container.properties ?? at.container.elements;
    if (edit.op === "remove" && siblings.length === 1) out.push(span(at.container));
  }
  else {
    // A new key: it goes after the last entry of its object; a new list item: into its list.
    const parent = entryAt(root, path.slice(0, -1));
    const obj = parent ? unwrap(parent.entry.value ?? parent.entry) : root;
    out.push(obj.type === "ObjectExpression" ? tail(obj) : span(parent!.entry));
  }
  for (const p of extraPaths) {
    const e = entryAt(root, parsePath(p));
    if (e) out.push(span(e.entry));
  }
  if (allowDestroy) {
    const e = entryAt(root, ["allowDestroy"]);
    out.push(e ? span(e.entry) : tail(root));
  }
  return out;
}

/** `after` equals `before` outside the spans: the untouched chunks appear, whole and in order. */
function untouchedOutside(before: string, after: string, spans: [number, number][]): string | null {
  const lines = before.split("\n");
  const inSpan = (i: number) => spans.some(([a, b]) => i + 1 >= a && i + 1 <= b);
  const chunks: string[] = [];
  let cur: string[] | null = null;
  lines.forEach((l, i) => {
    if (inSpan(i)) {
      if (cur) chunks.push(cur.join("\n"));
      cur = null;
    } else (cur ??= []).push(l);
  });
  if (cur) chunks.push((cur as string[]).join("\n"));
  let pos = 0;
  for (const [k, c] of chunks.entries()) {
    const found = k === 0 && !inSpan(0) ? (after.startsWith(c) ? 0 : -1) : after.indexOf(c, pos);
    if (found < 0) return `untouched text changed:\n${c}`;
    pos = found + c.length;
  }
  if (!inSpan(lines.length - 1) && !after.endsWith(chunks.at(-1)!)) return "the end of the file changed";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Edits

const SIZES = ["512MiB", "1GiB", "1536MiB", "2GiB"];
const TRICKY = ['with "quotes"', "back\\slash", "ünïcödé ✓", "tab\there", "${not a template}", "it's", "line\nbreak", "`backtick`"];

/** Edit kind `kind` (taken modulo the kinds, so every sequence of steps covers them all) with random arguments. */
function validEdit(r: Rng, m: Model, kind: number): { edit: Edit; allow: string[] } {
  const inst = r.pick(m.instances);
  const n = r.int(100000);
  const choices: (() => { edit: Edit; allow: string[] })[] = [
    () => ({ edit: { op: "set", path: `instances.${inst.name}.memory`, value: r.pick(SIZES) }, allow: [] }),
    () => ({ edit: { op: "set", path: `instances.${inst.name}.cpu`, value: 1 + r.int(4) }, allow: [] }),
    () => ({ edit: { op: "set", path: `instances.${inst.name}.description`, value: `${r.pick(TRICKY)} ${n}` }, allow: [] }),
    () => ({ edit: { op: "set", path: `instances.${inst.name}.snapshots`, value: { schedule: r.pick(["@daily", "@weekly", "0 3 * * *"]), expiry: r.pick(["7d", "4w"]) } }, allow: [] }),
    () => ({ edit: { op: "add", path: `instances.${inst.name}.serves`, value: 20000 + r.int(40000) }, allow: [] }),
    () => ({ edit: { op: "set", path: `profiles.${r.pick(m.profiles).name}.config["user.k${n}"]`, value: `v${n}` }, allow: [] }),
    () => ({ edit: { op: "rename", path: `profiles.${r.pick(m.profiles).name}`, to: `p${n}` }, allow: [] }),
    () => ({ edit: { op: "rename", path: `networks.${r.pick(m.networks).name}`, to: `net${n}` }, allow: [] }),
    () => ({
      edit: { op: "add", path: `instances.x${n}`, value: { host: m.hosts[0].name, image: "images:debian/12", cpu: 1, memory: "512MiB", storage: r.pick(m.storagePools).name, nics: [{ network: r.pick(m.networks).name }] } },
      allow: [],
    }),
    () => {
      // An instance without volumes that is not the ingress: only its root disk is destroyed.
      const victims = m.instances.filter((i) => !i.volumes.length && i.name !== m.ingress?.instance);
      const v = victims.length ? r.pick(victims) : inst;
      return { edit: { op: "remove", path: `instances.${v.name}` }, allow: [`instance:${v.name}`, ...v.volumes.map((x) => `volume:${x.incusName}`)] };
    },
  ];
  if (m.ingress?.routes.length) choices.push(() => ({ edit: { op: "remove", path: `ingress.routes.${r.pick(m.ingress!.routes).name}` }, allow: [] }));
  return choices[kind % choices.length]();
}

function invalidEdit(r: Rng, m: Model): Edit {
  const inst = r.pick(m.instances);
  const other = r.pick(m.instances.filter((i) => i.name !== inst.name));
  const net = r.pick(m.networks).name;
  return r.pick<() => Edit>([
    () => ({ op: "set", path: `instances.${inst.name}.memory`, value: "lots" }),
    () => ({ op: "set", path: `instances.${inst.name}.cpu`, value: 0 }),
    () => ({ op: "set", path: `instances.${inst.name}.typo`, value: 1 }),
    () => ({ op: "set", path: `ingress.routes.${r.pick(m.ingress!.routes).name}.instance`, value: `nope${r.int(100)}` }),
    () => ({ op: "rename", path: `instances.${inst.name}`, to: other.name }),
    () => ({ op: "rename", path: `networks.${net}`, to: "Bad_Name" }),
    () => ({ op: "remove", path: `networks.${net}` }),
    () => ({ op: "add", path: `instances.${inst.name}`, value: {} }),
    () => ({ op: "add", path: `instances.y${r.int(100)}`, value: { host: "nas" } }),
    () => ({ op: "set", path: `instances.${inst.name}.nics[7].network`, value: net }),
    () => ({ op: "set", path: `instances.${inst.name}..cpu`, value: 1 }),
    () => ({ op: "remove", path: "instances.jellyfin" }),
  ])();
}

// ---------------------------------------------------------------------------------------------

let dir: string;
let config: string;
let lock: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "labgen-edit-prop-"));
  config = join(dir, "lab.config.ts");
  lock = join(dir, "lab.lock.json");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The reference lab, and a lab whose instances come from presets through `...lab.instances`.
type Lab = "reference" | "presets";
function fresh(lab: Lab = "reference"): void {
  rmSync(join(dir, "apps.ts"), { force: true });
  if (lab === "reference") for (const f of ["lab.config.ts", "lab.lock.json"]) copyFileSync(join(ROOT, "test", "cases", "reference", f), join(dir, f));
  else {
    for (const f of ["lab.config.ts", "apps.ts"]) copyFileSync(join(ROOT, "test", "edit", "cases", "presets", f), join(dir, f));
    rmSync(lock, { force: true });
  }
  rmSync(join(dir, ".labgen"), { recursive: true, force: true });
}

async function model(): Promise<Model> {
  const c = await compile({ configFile: config, lockFile: lock });
  if (!c.ok) throw new Error(`the config no longer validates:\n${c.diagnostics.map((d) => `${d.line}: ${d.message}`).join("\n")}`);
  return c.model;
}

describe("valid edits keep the file valid and touch only what they edit", () => {
  test.each<[Lab, number]>([...[1, 2, 3, 4, 5, 6, 7, 8].map((n): [Lab, number] => ["reference", n]), ...[1, 2, 3, 4].map((n): [Lab, number] => ["presets", n])])("%s lab, sequence %i", async (lab, seed) => {
    fresh(lab);
    const r = rng(seed);
    let m = await model();
    for (let step = 0; step < 5; step++) {
      // Sample until the engine and the pipeline accept the edit (a dry run): what is sampled is a
      // random valid edit; the invariants are then checked on the real, written edit.
      let pick: { edit: Edit; allow: string[] } | null = null;
      for (let attempt = 0; attempt < 12 && !pick; attempt++) {
        const c = validEdit(r, m, seed * 5 + step + attempt + r.int(2));
        const dry = await runEdits({ configFile: config, lockFile: lock, edits: [c.edit], allowDestroy: c.allow, write: false, by: "test" });
        if (dry.status === "ok") pick = c;
      }
      expect(pick, `seed ${seed} step ${step}: no valid edit found`).not.toBeNull();
      const { edit, allow } = pick!;
      const before = readFileSync(config, "utf8");
      const o = await runEdits({ configFile: config, lockFile: lock, edits: [edit], allowDestroy: allow, write: true, by: "test" });
      const what = `seed ${seed} step ${step}: ${JSON.stringify(edit)}`;
      if (process.env.SHOW_EDITS) console.log(what);
      expect(o.status, `${what}\n${JSON.stringify(o, null, 1)}`).toBe("ok");
      if (o.status !== "ok") return;
      expect(o.written, what).toBe(o.diff !== "");
      const after = readFileSync(config, "utf8");
      const extra = o.notes.flatMap((n) => (/^(references renamed|removed with it[^:]*): /.test(n) ? n.replace(/^[^:]*: /, "").split(", ") : []));
      const spans = allowedSpans(before, edit, extra, o.allowDestroyAdded.length > 0);
      expect(untouchedOutside(before, after, spans), `${what}\n${spans.join(" ")}`).toBeNull();
      m = await model();
    }
    // generate's own path accepts the result too (the lock is only read).
    expect(existsSync(config)).toBe(true);
  });
});

describe("invalid edits write nothing", () => {
  test.each([11, 12, 13, 14, 15, 16, 17, 18])("seed %i", async (seed) => {
    fresh();
    const r = rng(seed);
    const m = await model();
    const before = readFileSync(config, "utf8");
    for (let i = 0; i < 3; i++) {
      const edit = invalidEdit(r, m);
      const o = await runEdits({ configFile: config, lockFile: lock, edits: [edit], write: true, by: "test" });
      expect(o.status, JSON.stringify(edit)).not.toBe("ok");
      expect(readFileSync(config, "utf8"), JSON.stringify(edit)).toBe(before);
      expect(existsSync(join(dir, ".labgen", "edits.log"))).toBe(false);
      expect(readFileSync(lock, "utf8")).toBe(readFileSync(join(ROOT, "test", "cases", "reference", "lab.lock.json"), "utf8"));
    }
  });
});

describe("the checker itself", () => {
  const before = readFileSync(join(ROOT, "test", "edit", "cases", "commented", "lab.config.ts"), "utf8");
  const edit: Edit = { op: "set", path: "instances.proxy.memory", value: "1GiB" };
  test("accepts the edit's own change, rejects one byte changed elsewhere", () => {
    const spans = allowedSpans(before, edit, [], false);
    expect(spans).toEqual([[54, 54]]);
    const good = before.replace('memory: "512MiB", // small', 'memory: "1GiB", // small');
    expect(untouchedOutside(before, good, spans)).toBeNull();
    expect(untouchedOutside(before, good.replace('image: "images:debian/12",\n      cpu: 2', 'image: "images:debian/13",\n      cpu: 2'), spans)).toMatch(/^untouched text changed/);
    expect(untouchedOutside(before, good.replace("// A lab written", "// a lab written"), spans)).toMatch(/^untouched text changed/);
    expect(untouchedOutside(before, `${good}\n`, spans)).toBe("the end of the file changed");
  });
});
