// The edit engine on its own (text in, text out): goldens read as before/after files, and the
// refusals, each asserted by the path and the computed value it names.
// Goldens: test/edit/cases/golden/<case>.json (the edits) applied to
// test/edit/cases/commented/lab.config.ts must give <case>.after.ts byte for byte;
// UPDATE_GOLDEN=1 rewrites the after files (read their diff before committing).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { applyEdits, EditError, type Edit } from "../../generator/edit/engine.ts";
import { parsePath } from "../../generator/edit/path.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const BEFORE_FILE = join(HERE, "cases", "commented", "lab.config.ts");
const BEFORE = readFileSync(BEFORE_FILE, "utf8");
// A golden may start from another lab of test/edit/cases: { "before": "presets", "edits": [...] }.
const beforeOf = (spec: Edit[] | { before: string; edits: Edit[] }) =>
  Array.isArray(spec) ? { before: BEFORE, edits: spec } : { before: readFileSync(join(HERE, "cases", spec.before, "lab.config.ts"), "utf8"), edits: spec.edits };
const GOLDEN = join(HERE, "cases", "golden");

/** The lines of `after` that are not in `before`, and the reverse (a line diff by LCS). */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) (i++, j++);
    else if (j < b.length && (i === a.length || dp[i][j + 1] >= dp[i + 1][j])) added.push(b[j++]);
    else removed.push(a[i++]);
  }
  return { removed, added };
}

const comments = (s: string): string[] => [...s.matchAll(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g)].map((m) => m[0]);

describe("edit goldens (comments and formatting kept)", () => {
  const cases = readdirSync(GOLDEN).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  test("there are cases", () => expect(cases.length).toBeGreaterThan(10));
  for (const name of cases)
    test(name, () => {
      const { before, edits } = beforeOf(JSON.parse(readFileSync(join(GOLDEN, `${name}.json`), "utf8")));
      const after = applyEdits(before, edits).text;
      const file = join(GOLDEN, `${name}.after.ts`);
      if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, after);
      expect(after).toBe(readFileSync(file, "utf8"));
      // Every comment of the original survives unless the edit removed the entry it sits on.
      if (!edits.some((e) => e.op === "remove")) expect(comments(after)).toEqual(comments(before));
    });
});

describe("what each edit touches", () => {
  test("set changes exactly the literal: one line, same comment", () => {
    const after = applyEdits(BEFORE, [{ op: "set", path: "instances.proxy.memory", value: "1GiB" }]).text;
    expect(changedLines(BEFORE, after)).toEqual({ removed: ['      memory: "512MiB", // small is enough'], added: ['      memory: "1GiB", // small is enough'] });
  });
  test("remove takes the comment block above an entry with it, and the routes to a removed instance", () => {
    const r = applyEdits(BEFORE, [{ op: "remove", path: "instances.metrics" }]);
    const { removed, added } = changedLines(BEFORE, r.text);
    expect(added).toEqual([]);
    expect(removed[0]).toBe("    // Metrics, for now on the default root size.");
    expect(removed[1]).toBe("    // (A second comment line that belongs to it.)");
    expect(removed.slice(-2)).toEqual(["    },", '      metrics: { instance: "metrics", ...web(9090) },']);
    expect(removed).toHaveLength(12);
    expect(r.removedReferences).toEqual(["ingress.routes.metrics"]);
  });
  test("removing a profile removes it from the instances' lists", () => {
    const r = applyEdits(BEFORE, [{ op: "remove", path: "profiles.base" }]);
    expect(r.removedReferences).toEqual(["instances.proxy.profiles[0]", "instances.wiki.profiles[0]"]);
    expect(changedLines(BEFORE, r.text).added).toEqual(["      profiles: [],", "      profiles: [],"]);
  });
  test("rename follows every reference and reports where", () => {
    const r = applyEdits(BEFORE, [{ op: "rename", path: "networks.guests", to: "lan0" }]);
    expect(r.renamedReferences).toEqual(["instances.proxy.nics[0].network", "instances.wiki.nics[0].network", "instances.metrics.nics[0].network"]);
    expect(r.text).not.toContain('"guests"');
  });
  test("single-quoted files get single quotes", () => {
    const src = "import { defineLab } from 'labgen';\nexport default defineLab({\n  name: 'x',\n  instances: {\n    a: { image: 'images:debian/12' },\n  },\n});\n";
    const r = applyEdits(src, [
      { op: "set", path: "instances.a.image", value: "images:debian/13" },
      { op: "set", path: "instances.a.description", value: "it's new" },
      { op: "add", path: "instances.b", value: { image: "images:alpine/3.22" } },
    ]);
    expect(r.text).toBe(
      "import { defineLab } from 'labgen';\nexport default defineLab({\n  name: 'x',\n  instances: {\n    a: { image: 'images:debian/13', description: 'it\\'s new' },\n    b: { image: 'images:alpine/3.22' },\n  },\n});\n",
    );
  });
  test("a config bound to a const and exported through defineLab(lab) is edited in place", () => {
    const src = 'import { defineLab } from "labgen";\nconst lab = {\n  name: "x",\n} satisfies object;\nexport default defineLab(lab);\n';
    expect(applyEdits(src, [{ op: "set", path: "name", value: "y" }]).text).toBe(src.replace('"x"', '"y"'));
  });
  test("set through a preset's argument is recorded for the session's check", () => {
    const src = 'import { defineLab } from "labgen";\nimport { forgejo } from "./apps.ts";\nexport default defineLab({\n  instances: {\n    git: forgejo({ memory: "1GiB" }),\n  },\n});\n';
    const r = applyEdits(src, [{ op: "set", path: "instances.git.memory", value: "2GiB" }]);
    expect(r.text).toBe(src.replace('"1GiB"', '"2GiB"'));
    expect(r.presetChecks).toEqual([{ path: ["instances", "git", "memory"], expect: "equal", value: "2GiB", call: "forgejo(…)", line: 5 }]);
  });
});

describe("refusals name what is computed", () => {
  const refused = (edits: Edit[]): EditError => {
    try {
      applyEdits(BEFORE, edits);
    } catch (e) {
      if (e instanceof EditError) return e;
      throw e;
    }
    throw new Error("not refused");
  };
  test.each<[string, Edit, RegExp, number | undefined]>([
    ["an imported constant", { op: "set", path: 'profiles.shared.config["security.nesting"]', value: "false" }, /profiles\.shared\.config is computed.*the imported constant BASE_CONFIG \(from "\.\/shared\.ts"\) at line 45/, 45],
    ["an imported constant, replaced whole", { op: "set", path: "profiles.shared.config", value: {} }, /profiles\.shared\.config is computed.*the imported constant BASE_CONFIG/, 45],
    ["replacing an object that holds a spread", { op: "set", path: "ingress.routes.metrics", value: { instance: "metrics", port: 1 } }, /ingress\.routes\.metrics is computed.*the spread \.\.\.web\(9090\)/, 94],
    ["renaming a key inside a spread's object", { op: "rename", path: "ingress.routes.metrics.port", to: "x" }, /the spread \.\.\.web\(9090\)/, 94],
  ])("%s", (_what, edit, message, line) => {
    const e = refused([edit]);
    expect(e.message).toMatch(message);
    expect(e.line).toBe(line);
  });
  test("a field written before a spread: the spread may override it", () => {
    const src = 'import { defineLab } from "labgen";\nexport default defineLab({\n  routes: { m: { port: 1, ...web(2) } },\n});\n';
    expect(() => applyEdits(src, [{ op: "set", path: "routes.m.port", value: 3 }])).toThrow(
      /^routes\.m\.port is computed, not a literal written in lab\.config\.ts: the spread \.\.\.web\(2\) at line 3, which may define or override 'port'\./,
    );
  });
  test("set of a field a spread may hold appends it after the spread, where it wins", () => {
    const after = applyEdits(BEFORE, [{ op: "set", path: "ingress.routes.metrics.port", value: 9091 }]).text;
    expect(changedLines(BEFORE, after)).toEqual({
      removed: ['      metrics: { instance: "metrics", ...web(9090) },'],
      added: ['      metrics: { instance: "metrics", ...web(9090), port: 9091 },'],
    });
  });
  test("add next to a spread is checked by the session against the config before the edit", () => {
    const r = applyEdits(BEFORE, [{ op: "add", path: "ingress.routes.metrics.scheme", value: "https" }]);
    expect(r.presetChecks).toEqual([{ path: ["ingress", "routes", "metrics", "scheme"], expect: "new", call: "the spread ...web(9090)", line: 94 }]);
  });
  test("a path that does not exist", () => {
    expect(refused([{ op: "remove", path: "instances.nope" }]).message).toBe("instances.nope does not exist");
    expect(refused([{ op: "set", path: "instances.nope.memory", value: "1GiB" }]).message).toBe("instances.nope does not exist (set it as a whole first)");
    expect(refused([{ op: "set", path: "instances.proxy.ports[5]", value: 1 }]).message).toBe("instances.proxy.ports has 2 item(s): there is no instances.proxy.ports[5]");
  });
  test("add refuses an existing entry, rename an existing name", () => {
    expect(refused([{ op: "add", path: "instances.wiki", value: {} }]).message).toBe("instances.wiki already exists: use set to change it");
    expect(refused([{ op: "rename", path: "instances.wiki", to: "proxy" }]).message).toBe("instances.proxy already exists");
  });
  test("values that are not config values", () => {
    expect(refused([{ op: "set", path: "instances.wiki.cpu", value: null }]).message).toMatch(/null is not a config value/);
    expect(refused([{ op: "set", path: "instances.wiki.cpu", value: Number.NaN }]).message).toMatch(/NaN is not a number/);
  });
  test("a preset call is refused for everything but set", () => {
    const src = 'import { defineLab } from "labgen";\nimport { forgejo } from "./apps.ts";\nexport default defineLab({\n  instances: {\n    git: forgejo({ memory: "1GiB" }),\n  },\n});\n';
    expect(() => applyEdits(src, [{ op: "add", path: "instances.git.volumes", value: [] }])).toThrow(/instances\.git is computed.*the function call forgejo\(…\) at line 5/);
    expect(() => applyEdits(src, [{ op: "set", path: "instances.git", value: {} }])).toThrow(/instances\.git is computed.*the function call forgejo\(…\)/);
  });
});

test("config paths parse as diagnostics print them", () => {
  expect(parsePath('profiles.base.config["boot.autostart.delay"]')).toEqual(["profiles", "base", "config", "boot.autostart.delay"]);
  expect(parsePath("instances.forgejo.volumes[0].size")).toEqual(["instances", "forgejo", "volumes", 0, "size"]);
  expect(parsePath("instances.home-assistant")).toEqual(["instances", "home-assistant"]);
  expect(() => parsePath("instances..x")).toThrow(/empty segment/);
  expect(() => parsePath("instances[")).toThrow(/unclosed/);
});
