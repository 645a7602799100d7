// Output is a pure function of lab.config.ts and lab.lock.json: byte-identical on every run, in
// every directory, whatever the order of keys in the config; no absolute paths, no timestamps.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/config/load.ts";
import { cli, paths } from "../support/cli.ts";
import { configSource, mkTmp, type Obj, readTree, REFERENCE_CONFIG, REPO_ROOT, rmTmp, rng, shuffleKeys } from "../support/lab-fixtures.ts";

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let tmp: string;
let reference: { tree: Record<string, string>; lock: string };

async function generateInto(name: string, config: string) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "out");
  const lock = join(dir, "lab.lock.json");
  const r = await cli("generate", ...paths(config, out, lock));
  expect(r.code, r.stderr).toBe(0);
  return { dir, out, lock, tree: readTree(out), lockText: readFileSync(lock, "utf8") };
}

/** The reference lab's own object, written out as another lab.config.ts (keys reordered by `order`). */
async function rewrittenReference(name: string, order: (lab: Obj) => Obj): Promise<string> {
  const raw = (await loadConfig(REFERENCE_CONFIG)).raw as Obj;
  const dir = join(tmp, `${name}-config`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "lab.config.ts");
  writeFileSync(file, configSource(order(structuredClone(raw))));
  return file;
}

beforeAll(async () => {
  tmp = mkTmp("labgen-determinism-");
  const g = await generateInto("reference", REFERENCE_CONFIG);
  reference = { tree: g.tree, lock: g.lockText };
});
afterAll(() => rmTmp(tmp));

describe("determinism", () => {
  it("generating twice, in two directories, gives identical bytes (out/ and the lock)", async () => {
    const again = await generateInto("again", REFERENCE_CONFIG);
    expect(again.tree).toEqual(reference.tree);
    expect(again.lockText).toBe(reference.lock);
  });

  it("the same lab written as a plain object literal (no comments, other formatting) gives identical bytes", async () => {
    const file = await rewrittenReference("plain", (lab) => lab);
    const g = await generateInto("plain", file);
    expect(g.tree).toEqual(reference.tree);
    expect(g.lockText).toBe(reference.lock);
  });

  it.each([11, 12, 13])("object keys shuffled at every level (seed %i) give byte-identical out/ and lock", async (seed) => {
    const file = await rewrittenReference(`shuffled-${seed}`, (lab) => shuffleKeys(lab, rng(seed)));
    // The file really is in another order.
    const text = readFileSync(file, "utf8");
    expect(text).not.toBe(configSource((await loadConfig(REFERENCE_CONFIG)).raw as Obj));
    const g = await generateInto(`shuffled-${seed}`, file);
    expect(Object.keys(g.tree)).toEqual(Object.keys(reference.tree));
    for (const path of Object.keys(reference.tree)) expect(g.tree[path], path).toBe(reference.tree[path]);
    expect(g.lockText).toBe(reference.lock);
  });

  it("no output names an absolute path of the machine, or carries a timestamp", async () => {
    const g = await generateInto("paths", REFERENCE_CONFIG);
    const machinePaths = [tmp, g.dir, REPO_ROOT, process.cwd(), homedir()].filter((p) => p.length > 1);
    const texts: [string, string][] = [...Object.entries(g.tree), ["lab.lock.json", g.lockText]];
    expect(texts.length).toBeGreaterThan(3);
    for (const [path, text] of texts) {
      // A machine path starts a path (not "rpool/root" for a home of /root).
      for (const p of machinePaths) expect(text, `${path} contains ${p}`).not.toMatch(new RegExp(`(^|[^\\w./-])${escapeRe(p)}(/|\\b|$)`, "m"));
      expect(text, `${path} has an ISO date`).not.toMatch(/\b(19|20)\d\d-[01]\d-[0-3]\d(T|\s)[0-2]\d:[0-5]\d/);
      expect(text, `${path} has a date`).not.toMatch(new RegExp(`\\b${new Date().getUTCFullYear()}-[01]\\d-[0-3]\\d\\b`));
    }
  });
});
