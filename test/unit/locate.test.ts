// Config path → line:column in lab.config.ts (the locator), and the loader's own failures: a
// missing file, syntax errors in the config or a helper it imports, throws while evaluating, no
// default export. Each failure is one located diagnostic, never a stack trace.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigLoadError, loadConfig } from "../../generator/config/load.ts";
import { locateAll, makeLocator } from "../../generator/config/locate.ts";
import type { Diagnostic } from "../../generator/shared/diagnostics.ts";
import { ensureBuilt } from "../support/dist.ts";
import { mkTmp, REPO_ROOT, rmTmp } from "../support/lab-fixtures.ts";

/** 1-based line:column of the first occurrence of `needle` in `source`. */
function posOf(source: string, needle: string): { line: number; column: number } {
  const i = source.indexOf(needle);
  if (i < 0) throw new Error(`not in source: ${needle}`);
  const before = source.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

describe("locator", () => {
  const SOURCE = `import { defineLab } from "labgen";
import { shared } from "./shared.ts";

const web = {
  host: "nas",
  nics: [{ network: "lab0", ipv4: "10.10.0.20" }],
  ports: [{ host: 22, instance: 22 }],
} as const;

const base = { cpu: 1, memory: "1GiB" };

export default defineLab({
  name: "homelab",
  "domain": "lab.home.arpa",
  profiles: { base: { config: { "boot.autostart.delay": "5" } } },
  instances: {
    web,
    api: { ...base, host: "nas", nics: shared.nics },
    db: {
      host: "nas",
      memory: "2GiB",
      memory: "4GiB",
    },
  },
} satisfies object);
`;

  it("finds keys through variables, shorthand properties, quoted keys and `as const`", async () => {
    const locate = await makeLocator(SOURCE);
    expect(locate(["name"])).toEqual(posOf(SOURCE, "name:"));
    expect(locate(["domain"])).toEqual(posOf(SOURCE, '"domain"'));
    expect(locate(["profiles", "base", "config", "boot.autostart.delay"])).toEqual(posOf(SOURCE, '"boot.autostart.delay"'));
    expect(locate(["instances", "web", "ports", 0, "host"])).toEqual(posOf(SOURCE, "host: 22"));
    expect(locate(["instances", "web", "nics", 0, "ipv4"])).toEqual(posOf(SOURCE, 'ipv4: "10.10.0.20"'));
  });

  it("falls back to the nearest node written in the file (spreads, imports, missing keys)", async () => {
    const locate = await makeLocator(SOURCE);
    // cpu comes from a spread: the instance itself is the nearest thing written here.
    expect(locate(["instances", "api", "cpu"])).toEqual(posOf(SOURCE, "api:"));
    // nics comes from an imported module: the property that references it.
    expect(locate(["instances", "api", "nics", 0, "network"])).toEqual(posOf(SOURCE, "nics: shared.nics"));
    // A missing setting is reported at the object that lacks it.
    expect(locate(["instances", "db", "image"])).toEqual(posOf(SOURCE, "db:"));
    // A duplicate key: the last one wins, as in JavaScript.
    expect(locate(["instances", "db", "memory"])).toEqual(posOf(SOURCE, 'memory: "4GiB"'));
    // An array index past the end: the array's property.
    expect(locate(["instances", "web", "ports", 3, "host"])).toEqual(posOf(SOURCE, "ports: [{ host: 22"));
  });

  it("works when the lab is bound to a name and exported after", async () => {
    const src = `import { defineLab } from "labgen";\nconst lab = defineLab({\n  name: "x",\n  hosts: { nas: { stateVersion: "26.04" } },\n});\nexport default lab;\n`;
    const locate = await makeLocator(src);
    expect(locate(["hosts", "nas", "stateVersion"])).toEqual(posOf(src, "stateVersion"));
  });

  it("locateAll fills line and column only where a path is located", async () => {
    const ds: Diagnostic[] = [
      { severity: "error", rule: "x", path: ["name"], message: "m" },
      { severity: "error", rule: "x", path: [], message: "whole file" },
      { severity: "error", rule: "x", path: ["instances", "web"], message: "m", line: 99, column: 9 },
    ];
    await locateAll(SOURCE, ds);
    expect(ds.map((d) => [d.line, d.column])).toEqual([[posOf(SOURCE, "name:").line, 3], [undefined, undefined], [99, 9]]);
  });

  it("an unparseable file locates nothing rather than throwing", async () => {
    const locate = await makeLocator("export default {{{{");
    expect(() => locate(["name"])).not.toThrow();
  });
});

// Every loader case runs twice: as written (jiti's own path) and padded past the size from which
// the loader compiles the config itself with V8's code cache; both must report the same.
const PAD = `\n// ${"padding ".repeat(20)}`.repeat(1200);
for (const large of [false, true])
describe(`loading a config${large ? " (large: V8's code cache)" : ""}`, () => {
  const pad = (name: string, text: string) => (large && name === "lab.config.ts" ? text + PAD : text);
  let dir: string;
  beforeAll(() => {
    dir = mkTmp("labgen-load-");
  });
  afterAll(() => rmTmp(dir));

  /** Writes files into a fresh case dir and loads its lab.config.ts; returns the load error. */
  async function loadError(name: string, files: Record<string, string>): Promise<{ file: string; d: Diagnostic; source: string }> {
    const caseDir = join(dir, name);
    mkdirSync(caseDir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(caseDir, f), pad(f, text));
    const file = join(caseDir, "lab.config.ts");
    try {
      await loadConfig(file);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigLoadError);
      const err = e as ConfigLoadError;
      expect(err.diagnostic.rule).toBe("load");
      expect(err.diagnostic.path).toEqual([]);
      return { file: err.file, d: err.diagnostic, source: files["lab.config.ts"] ?? "" };
    }
    throw new Error("expected the config not to load");
  }

  const HEAD = 'import { defineLab } from "labgen";\n\n';

  it("loads a config with relative TypeScript imports and type annotations", async () => {
    const caseDir = join(dir, "ok");
    mkdirSync(caseDir, { recursive: true });
    writeFileSync(join(caseDir, "parts.ts"), 'export const gib = (n: number): string => `${n}GiB`;\n');
    writeFileSync(join(caseDir, "lab.config.ts"), pad("lab.config.ts", `${HEAD}import { gib } from "./parts.ts";\n\ninterface X { a: number }\nexport default defineLab({ name: "x", memory: gib(2) } as any);\n`));
    const loaded = await loadConfig(join(caseDir, "lab.config.ts"));
    expect(loaded.raw).toEqual({ name: "x", memory: "2GiB" });
    expect(loaded.file).toBe(join(caseDir, "lab.config.ts"));
    // Again: a large config now comes from the code cache, with the same value.
    expect((await loadConfig(join(caseDir, "lab.config.ts"))).raw).toEqual({ name: "x", memory: "2GiB" });
  });

  it("a changed config is evaluated anew, never from the cache of its previous text", async () => {
    const caseDir = join(dir, "changed");
    mkdirSync(caseDir, { recursive: true });
    const file = join(caseDir, "lab.config.ts");
    // The same length both times: V8 itself would accept the old cache for the new text.
    for (const name of ["aaa", "bbb", "aaa"]) {
      writeFileSync(file, pad("lab.config.ts", `${HEAD}export default defineLab({ name: "${name}" } as any);\n`));
      expect((await loadConfig(file)).raw).toEqual({ name });
    }
  });

  it("a missing file says how to create one", async () => {
    const file = join(dir, "nope", "lab.config.ts");
    await expect(loadConfig(file)).rejects.toMatchObject({
      file,
      diagnostic: { message: `${file} not found: run 'labgen init' to create one, or pass --config <file>` },
    });
  });

  it("a syntax error in the config: line and column of the offending token", async () => {
    const src = `${HEAD}export default defineLab({\n  name: "x"\n  domain: "lab.home.arpa",\n});\n`;
    const { d } = await loadError("syntax", { "lab.config.ts": src });
    expect(d.message).toBe('syntax error: Unexpected token, expected ","');
    expect([d.line, d.column]).toEqual([5, 3]);
  });

  it("a syntax error the transpiler lets through is still located (V8 rejects it)", async () => {
    const src = `${HEAD}export default defineLab({\n  name: "x",\n  admins: { a: 1,, },\n});\n`;
    const { d } = await loadError("syntax-v8", { "lab.config.ts": src });
    expect(d.message).toBe("syntax error: Unexpected token");
    expect([d.line, d.column]).toEqual(Object.values(posOf(src, ",, }")).map((v, i) => (i === 1 ? v + 1 : v)));
  });

  // jiti retries code V8 will not compile as an ES module from a data: URL; that retry's "Cannot
  // find module 'data:text/javascript;base64,…'" must not be what the user reads.
  it("a name declared twice: the redeclaration, at its line, not jiti's data: URL retry", async () => {
    const src = `${HEAD}const domain = "a";\nconst domain = "b";\nexport default defineLab({ name: "x", domain } as any);\n`;
    const { d } = await loadError("redeclared", { "lab.config.ts": src });
    expect(d.message).toBe("syntax error: Identifier 'domain' has already been declared.");
    expect([d.line, d.column]).toEqual([4, 7]);
    // The bundled CLI is where jiti takes that retry: the same diagnostic there.
    ensureBuilt();
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin", "labgen.cjs"), "check", "--config", join(dir, "redeclared", "lab.config.ts")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(":4:7: error: syntax error: Identifier 'domain' has already been declared. [load]");
    expect(r.stderr).not.toContain("data:text/javascript");
  });

  it("a syntax error in an imported helper: located at the import, naming the helper's line:col", async () => {
    const src = `${HEAD}import { web } from "./web.ts";\n\nexport default defineLab({ name: "x", instances: { web } } as any);\n`;
    const { d } = await loadError("helper-syntax", { "lab.config.ts": src, "web.ts": 'export const web = {\n  host: "nas",,\n};\n' });
    expect(d.message).toBe("syntax error in web.ts:2:15 (imported by the config): Unexpected token");
    expect([d.line, d.column]).toEqual([3, 1]);
  });

  it("a throw while evaluating: the message, at the throw in the config", async () => {
    const src = `${HEAD}const gib = (n: number): string => {\n  if (n > 16) throw new Error("too big");\n  return \`\${n}GiB\`;\n};\n\nexport default defineLab({ name: "x", memory: gib(32) } as any);\n`;
    const { d } = await loadError("throws", { "lab.config.ts": src });
    expect(d.message).toBe("evaluating the config threw: too big");
    expect([d.line, d.column]).toEqual([posOf(src, "throw new").line, posOf(src, "new Error").column]);
  });

  it("a throw inside an imported helper: named with its own line:col, located at the call in the config", async () => {
    const src = `${HEAD}import { image } from "./images.ts";\n\nexport default defineLab({\n  name: "x",\n  image: image("ubuntu"),\n} as any);\n`;
    const helper = 'export function image(name: string): string {\n  throw new Error(`no image called ${name}`);\n}\n';
    const { d } = await loadError("helper-throws", { "lab.config.ts": src, "images.ts": helper });
    expect(d.message).toBe("evaluating the config threw: no image called ubuntu (at images.ts:2:9)");
    // The line calls an imported function, which the transpiler rewrote: the line is exact, the
    // column is the line's first character.
    expect([d.line, d.column]).toEqual([posOf(src, "image: image").line, 3]);
  });

  it("a run-time SyntaxError (JSON.parse) is a throw, not a syntax error of the file", async () => {
    const src = `${HEAD}export default defineLab({\n  name: "x",\n  profiles: JSON.parse("{ base: 1 }"),\n} as any);\n`;
    const { d } = await loadError("json-parse", { "lab.config.ts": src });
    expect(d.message).toMatch(/^evaluating the config threw: SyntaxError: /);
    expect(d.line).toBe(5);
  });

  it("a thrown non-Error value is reported, not crashed on", async () => {
    const src = `${HEAD}const f = (): never => {\n  throw "nope";\n};\nexport default defineLab({ name: f() } as any);\n`;
    const { d } = await loadError("throw-string", { "lab.config.ts": src });
    expect(d.message).toBe("evaluating the config threw: nope");
  });

  it("no default export (named exports only, or none)", async () => {
    const named = await loadError("named", { "lab.config.ts": `${HEAD}export const lab = defineLab({ name: "x" } as any);\n` });
    expect(named.d.message).toBe("the config has no default export: end it with `export default defineLab({ ... })`");
    // Located at the named export that was probably meant.
    expect([named.d.line, named.d.column]).toEqual([3, 1]);
    const none = await loadError("none", { "lab.config.ts": "const x = 1;\n" });
    expect(none.d.message).toBe("the config has no default export: end it with `export default defineLab({ ... })`");
    expect(none.d.line).toBeUndefined();
  });

  it("a default export that is not the lab object", async () => {
    const num = await loadError("number", { "lab.config.ts": "export default 42;\n" });
    expect(num.d.message).toBe("the default export must be the lab object, got number: end the config with `export default defineLab({ ... })`");
    const list = await loadError("list", { "lab.config.ts": "export default [];\n" });
    expect(list.d.message).toBe("the default export must be the lab object, got a list: end the config with `export default defineLab({ ... })`");
  });
});
