// The seams of the pipeline, checked on the source itself (docs/architecture.md describes them):
// files small enough to read, targets that are siblings, validate independent of resolve, and one
// source per fact. Each failure names the file (and the import or literal) to fix.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const GENERATOR = fileURLToPath(new URL("../../generator/", import.meta.url));
const MAX_LINES = 400;

interface Source {
  /** Relative to generator/, forward slashes, e.g. "targets/tofu/tofu.ts". */
  readonly path: string;
  readonly text: string;
}

function sources(): Source[] {
  const out: Source[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) out.push({ path: relative(GENERATOR, full).split("\\").join("/"), text: readFileSync(full, "utf8") });
    }
  };
  walk(GENERATOR);
  return out;
}

const ALL = sources();
const BY_PATH = new Map(ALL.map((s) => [s.path, s]));

/** Static and dynamic imports and re-exports of generator modules, as paths relative to generator/. */
function importsOf(src: Source): string[] {
  const specs = [
    ...src.text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm),
    ...src.text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]);
  return specs
    .filter((s) => s.startsWith("."))
    .map((s) => normalize(join(dirname(src.path), s)).split("\\").join("/"))
    .filter((p) => !p.startsWith(".."));
}

/** The target folder a path belongs to ("tofu" for targets/tofu/x.ts), or null. */
function targetOf(path: string): string | null {
  const m = /^targets\/([^/]+)\//.exec(path);
  return m ? m[1] : null;
}

/** The code without comments (so a path mentioned in a doc comment is not a second definition). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((line) => !/^\s*\/\//.test(line))
    .join("\n");
}

describe("structure of generator/", () => {
  it("finds the sources", () => {
    expect(ALL.length).toBeGreaterThan(50);
    expect(BY_PATH.has("pipeline.ts")).toBe(true);
    // The import scan resolves relative specifiers (the checks below rely on it).
    expect(importsOf(BY_PATH.get("targets/tofu/tofu.ts")!)).toEqual(expect.arrayContaining(["targets/tofu/instances.ts", "resolve/model.ts"]));
    expect(importsOf({ path: "targets/a/x.ts", text: 'import { y } from "../b/y.ts";\nexport { z } from "./z.ts";' })).toEqual(["targets/b/y.ts", "targets/a/z.ts"]);
  });

  it(`no file is over ${MAX_LINES} lines`, () => {
    const long = ALL.map((s) => ({ path: s.path, lines: s.text.split("\n").length - (s.text.endsWith("\n") ? 1 : 0) })).filter(
      (f) => f.lines > MAX_LINES,
    );
    expect(long).toEqual([]);
  });

  it("targets are siblings: no file under targets/<a>/ imports from targets/<b>/", () => {
    const crossings: string[] = [];
    for (const src of ALL) {
      const from = targetOf(src.path);
      if (from === null) continue;
      for (const imp of importsOf(src)) {
        const to = targetOf(imp);
        if (to !== null && to !== from) crossings.push(`${src.path} imports ${imp}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  // resolve/lookup.ts is the Model's own look-ups (indexes over the frozen Model, nothing decided).
  const MODEL_MODULES = new Set(["resolve/model.ts", "resolve/lookup.ts", "resolve/group.ts"]);
  it("targets read only the Model: no target imports config/, validate/ or resolve/ except the Model and its look-ups", () => {
    const bad: string[] = [];
    for (const src of ALL) {
      if (!src.path.startsWith("targets/")) continue;
      for (const imp of importsOf(src)) {
        if (imp.startsWith("validate/") || (imp.startsWith("resolve/") && !MODEL_MODULES.has(imp))) bad.push(`${src.path} imports ${imp}`);
      }
    }
    // The docs target turns the config schema itself into out/labgen.schema.json.
    expect(bad).toEqual([]);
  });

  it("validate never imports resolve, directly or through the modules it imports", () => {
    const reached = new Set<string>();
    const todo = ALL.filter((s) => s.path.startsWith("validate/")).map((s) => s.path);
    while (todo.length > 0) {
      const path = todo.pop()!;
      if (reached.has(path)) continue;
      reached.add(path);
      const src = BY_PATH.get(path);
      if (src) todo.push(...importsOf(src));
    }
    expect([...reached].filter((p) => p.startsWith("resolve/")).sort()).toEqual([]);
    // It does reach the shared helpers (the check above is not vacuous).
    expect(reached.has("shared/lab.ts")).toBe(true);
  });

  it("one source per fact: no exported string constant, literal path or file name is defined in two modules", () => {
    const where = new Map<string, Set<string>>();
    const note = (value: string, path: string) => (where.get(value) ?? where.set(value, new Set()).get(value)!).add(path);
    for (const src of ALL) {
      const text = code(src.text);
      for (const m of text.matchAll(/\bexport\s+const\s+\w+\s*(?::[^=]+)?=\s*"([^"]+)"/g)) note(m[1], src.path);
      // Absolute paths of two levels or more, and file names of the kinds labgen writes or pushes.
      for (const m of text.matchAll(/"((?:\/[A-Za-z0-9_.-]+){2,}|[A-Za-z0-9_-]+\.(?:crt|key|sh|yml|yaml|nix|tf|json|tsv))"/g)) note(m[1], src.path);
    }
    const twice = [...where].filter(([, paths]) => paths.size > 1).map(([value, paths]) => `${value}: ${[...paths].sort().join(", ")}`);
    expect(twice.sort()).toEqual([]);
  });

  it("the duplicate scan sees what it should (a path defined in two modules is reported)", () => {
    const strings = (text: string) => [...code(text).matchAll(/"((?:\/[A-Za-z0-9_.-]+){2,})"/g)].map((m) => m[1]);
    expect(strings('const a = "/etc/traefik/traefik.yml";\n// "/in/a/comment"\n/** "/also/a/comment" */')).toEqual(["/etc/traefik/traefik.yml"]);
  });
});
