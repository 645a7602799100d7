// The editing verbs end to end, in-process (the same run() bin/labgen.mjs calls), on a scratch
// copy of the reference lab: what they print, what they write, their exit codes.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { HELP } from "../../generator/edit/cli.ts";
import { cli } from "../support/cli.ts";
import { ROOT } from "../support/golden.ts";

let dir: string;
let config: string;
let before: string;
const opts = () => ["--config", config];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labgen-edit-cli-"));
  config = join(dir, "lab.config.ts");
  for (const f of ["lab.config.ts", "lab.lock.json"]) copyFileSync(join(ROOT, "test", "cases", "reference", f), join(dir, f));
  before = readFileSync(config, "utf8");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const diffLines = (out: string) => out.split("\n").filter((l) => /^[-+][^-+]/.test(l));

describe("labgen set", () => {
  // Written for the reference lab as it is, whether grafana is written out or made by a preset
  // (then the engine writes memory into the preset's argument and checks the preset uses it).
  test("set instances.grafana.memory 2GiB changes exactly that literal, prints the diff and the plan; generate then succeeds", async () => {
    const r = await cli("set", "instances.grafana.memory", "2GiB", ...opts());
    expect(r.code, r.stderr).toBe(0);
    const changed = diffLines(r.stdout);
    expect(changed).toHaveLength(2);
    expect(changed[0]).toMatch(/^-/);
    expect(changed[1]).toMatch(/^\+.*memory: "2GiB"/);
    // The one changed line, and nothing else in the file.
    const after = readFileSync(config, "utf8");
    expect(after).toBe(before.replace(changed[0].slice(1), changed[1].slice(1)));
    // The plan helper classifies limits.memory as applied live by Incus (a change, not a restart).
    expect(r.stdout).toMatch(/^plan: 1 change\(s\)$/m);
    expect(r.stdout).toMatch(/^ {2}change +instance grafana: grafana: memory 1GiB → 2GiB, applied live \(instances\.grafana[.a-z]*:\d+\)$/m);
    const g = await cli("generate", ...opts());
    expect(g.code, g.stderr).toBe(0);
    expect(readFileSync(join(dir, "out", "lab.json"), "utf8")).toMatch(/"name":\s*"grafana",[^\n]*?"memory":\s*"2GiB"/);
    // Logged with its plan.
    const log = readFileSync(join(dir, ".labgen", "edits.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ by: "cli", edits: [{ op: "set", path: "instances.grafana.memory", value: "2GiB" }], plan: [{ risk: "change", kind: "instance", name: "grafana" }] });
  });

  test("a string field keeps digits as a string; a number field gets a number", async () => {
    expect((await cli("set", 'profiles.base.config["boot.autostart.delay"]', "10", ...opts())).code).toBe(0);
    expect(readFileSync(config, "utf8")).toContain('"boot.autostart.delay": "10"');
    const r = await cli("set", "instances.nixbox.cpu", "3", ...opts());
    expect(r.code, r.stderr).toBe(0);
    expect(diffLines(r.stdout)).toEqual(["-      cpu: 2,", "+      cpu: 3,"]);
  });

  test("--dry-run prints the same and writes nothing", async () => {
    const r = await cli("set", "instances.grafana.memory", "2GiB", "--dry-run", ...opts());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\+.*memory: "2GiB"/m);
    expect(r.stdout).toContain("dry run: nothing was written.");
    expect(readFileSync(config, "utf8")).toBe(before);
    expect(existsSync(join(dir, ".labgen"))).toBe(false);
  });

  test("an invalid result is reported by path and line of the edited file, and nothing is written", async () => {
    const r = await cli("set", "instances.nixbox.memory", "lots", ...opts());
    expect(r.code).toBe(1);
    const lines = before.split("\n");
    const from = lines.findIndex((l) => l.includes("nixbox: {"));
    const line = lines.findIndex((l, i) => i > from && l.includes("memory:")) + 1;
    expect(r.stderr).toMatch(new RegExp(`lab\\.config\\.ts:${line}:\\d+: error: instances\\.nixbox\\.memory: .*\\[schema\\]`));
    expect(r.stderr).toContain("nothing was written.");
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  test("a refused edit names the path", async () => {
    const r = await cli("set", "profiles.nope.description", "x", ...opts());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("labgen: refused: profiles.nope does not exist (set it as a whole first)");
    expect(readFileSync(config, "utf8")).toBe(before);
  });
});

describe("labgen rm", () => {
  test("rm instances.jellyfin: destroy-data for its volumes and root disk, exit 3, nothing written", async () => {
    const r = await cli("rm", "instances.jellyfin", ...opts());
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ {2}destroy-data +volume jellyfin-media: .*\[not allowed\]$/m);
    expect(r.stdout).toMatch(/^ {2}destroy-data +instance jellyfin: .*\[not allowed\]$/m);
    expect(r.stdout).toContain("note: removed with it (they pointed at it): ingress.routes.media");
    expect(r.stderr).toMatch(/repeat the command with (--allow-destroy \S+ ?)+\.$/m);
    expect(r.stderr).toContain("--allow-destroy volume:jellyfin-media");
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  test("naming only some of them is not enough; naming each writes it and records the yes in allowDestroy", async () => {
    const r = await cli("rm", "instances.jellyfin", "--allow-destroy", "volume:jellyfin-media", ...opts());
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/destroys data: instance:jellyfin /);
    expect(readFileSync(config, "utf8")).toBe(before);
    const named = [...r.stderr.matchAll(/--allow-destroy (\S+?)[ .\n]/g)].map((m) => m[1]);
    const all = [...new Set([...named, "volume:jellyfin-media"])].sort();
    const ok = await cli("rm", "instances.jellyfin", ...all.flatMap((n) => ["--allow-destroy", n]), ...opts());
    expect(ok.code, ok.stderr).toBe(0);
    const after = readFileSync(config, "utf8");
    expect(after).not.toMatch(/jellyfin[:(]/);
    expect(after).not.toContain('media: { instance: "jellyfin"');
    expect(after).toContain(`  allowDestroy: [${all.map((n) => JSON.stringify(n)).join(", ")}],\n});\n`);
    expect(ok.stdout).toMatch(/destroy-data +volume jellyfin-media: .*\[allowed\]/);
    expect((await cli("generate", ...opts())).code).toBe(0);
  });
});

describe("labgen add and mv", () => {
  test("add an instance from JSON, then a list item", async () => {
    const inst = { host: "nas", image: "images:debian/12", description: "Notes", cpu: 1, memory: "1GiB", storage: "fast", nics: [{ network: "lab0" }], serves: [8080] };
    const r = await cli("add", "instances.notes", JSON.stringify(inst), ...opts());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}add +instance notes: /m);
    const r2 = await cli("add", "instances.notes.profiles", "nesting", ...opts());
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(config, "utf8")).toContain('      serves: [8080],\n      profiles: ["nesting"],\n    },\n  },\n');
  });

  test("mv a profile renames its uses; mv an instance is destroy-data for its root disk", async () => {
    const r = await cli("mv", "profiles.nesting", "nested", ...opts());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("note: references renamed: instances.nixbox.profiles[1]");
    expect(readFileSync(config, "utf8")).toContain('profiles: ["base", "nested"],');
    const m = await cli("mv", "instances.grafana", "metrics", ...opts());
    expect(m.code).toBe(3);
    expect(m.stdout).toContain('+      grafana: { instance: "metrics", port: 3000 },');
    expect(m.stdout).toMatch(/destroy-data +instance grafana: /);
  });
});

describe("instances made by presets (test/edit/cases/presets)", () => {
  beforeEach(() => {
    for (const f of ["lab.config.ts", "apps.ts"]) copyFileSync(join(ROOT, "test", "edit", "cases", "presets", f), join(dir, f));
    rmSync(join(dir, "lab.lock.json"));
    before = readFileSync(config, "utf8");
  });
  test("set writes into the preset's argument when the preset passes the field through", async () => {
    const r = await cli("set", "instances.grafana.memory", "2GiB", ...opts());
    expect(r.code, r.stderr).toBe(0);
    expect(diffLines(r.stdout)).toEqual([
      '-  grafana({ ...on, snapshots: { schedule: "@daily", expiry: "7d" } }),',
      '+  grafana({ ...on, snapshots: { schedule: "@daily", expiry: "7d" }, memory: "2GiB" }),',
    ]);
  });
  test("and refuses, writing nothing, when the preset ignores it", async () => {
    const r = await cli("set", "instances.grafana.rootSize", "20GiB", ...opts());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lab\.config\.ts:11:1: error: instances\.grafana\.rootSize: the value was written into the argument of the preset call grafana\(…\) at line 11, but the preset does not pass it through to instances\.grafana\.rootSize; change it by hand \[edit-preset\]$/m);
    expect(readFileSync(config, "utf8")).toBe(before);
  });
  test("rm removes the preset call from apps(...) and the route; destroy-data gate as usual", async () => {
    const r = await cli("rm", "instances.jellyfin", ...opts());
    expect(r.code).toBe(3);
    expect(diffLines(r.stdout)).toEqual(['-  jellyfin({ ...on, mediaSize: "4TiB", snapshots: { schedule: "@weekly", expiry: "4w" } }),', '-      media: { instance: "jellyfin", port: 8096 },']);
    expect(r.stdout).toMatch(/destroy-data +volume jellyfin-media: volume jellyfin-media \(4TiB on ssd\)/);
  });
  test("add next to `...lab.instances` refuses a name the presets already make", async () => {
    const r = await cli("add", "instances.grafana", '{"host": "box"}', ...opts());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("labgen: refused: instances.grafana already exists: it comes from the spread ...lab.instances at line 45; use set to change it");
  });
});

describe("usage", () => {
  test.each(["set", "add", "rm", "mv", "mcp"])("labgen %s --help", async (cmd) => {
    const r = await cli(cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HELP[cmd]);
    expect(r.stdout).toMatch(new RegExp(`^usage: labgen ${cmd} `));
  });
  test("wrong arity, unknown options and bad paths are usage errors (exit 2)", async () => {
    expect((await cli("set", "instances.grafana.memory", ...opts())).code).toBe(2);
    expect((await cli("rm", "instances.grafana", "--force", ...opts())).code).toBe(2);
    const r = await cli("rm", "instances..grafana", ...opts());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad config path 'instances\.\.grafana': empty segment/);
    expect(readFileSync(config, "utf8")).toBe(before);
  });
  test("the main help lists the editing commands", async () => {
    const r = await cli("--help");
    for (const c of ["set <path> <value>", "add <path> <json>", "rm <path>", "mv <path> <new-name>", "mcp "]) expect(r.stdout).toContain(`  ${c}`);
  });
});
