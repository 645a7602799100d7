// The golden cases: every test/cases/<name>/lab.config.ts (except the invalid catalogue). The
// reference lab is test/cases/reference; the root lab.config.ts is the user's and is only checked
// against its own out/ (test/golden/root.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type CompileOk } from "../../generator/pipeline.ts";
import { MANIFEST } from "../../generator/write/writer.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface GoldenCase {
  readonly name: string;
  readonly configFile: string;
  readonly lockFile: string;
  /** Directory holding the expected files. */
  readonly expectedDir: string;
}

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  const dir = join(ROOT, "test", "cases");
  for (const name of readdirSync(dir).sort()) {
    if (name === "invalid" || !existsSync(join(dir, name, "lab.config.ts"))) continue;
    cases.push({
      name,
      configFile: join(dir, name, "lab.config.ts"),
      lockFile: join(dir, name, "lab.lock.json"),
      expectedDir: join(dir, name, "expected"),
    });
  }
  return cases;
}

/** Every file below dir, relative, forward slashes, sorted (the manifest excluded). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.filter((f) => f !== MANIFEST).sort();
}

const compiled = new Map<string, Promise<CompileOk>>();

/** Compile a case once per test process. */
export function compileCase(c: GoldenCase): Promise<CompileOk> {
  let p = compiled.get(c.name);
  if (!p) {
    p = compile({ configFile: c.configFile, lockFile: c.lockFile }).then((r) => {
      if (!r.ok) throw new Error(`case ${c.name} is invalid:\n${r.diagnostics.map((d) => `${d.path.join(".")}: ${d.message}`).join("\n")}`);
      return r;
    });
    compiled.set(c.name, p);
  }
  return p;
}

/** The expected files of a case, as written on disk. */
export function expectedFiles(c: GoldenCase): Map<string, string> {
  return new Map(listFiles(c.expectedDir).map((f) => [f, readFileSync(join(c.expectedDir, f), "utf8")]));
}
