// The writer: atomic writes, the manifest, nothing rewritten when nothing changed, stale files
// removed (and their empty directories), hand edits refused unless forced, foreign files left
// alone. Through the API with synthetic files, and end to end through `labgen generate`.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { applyWrite, COMPARE_STEP, MANIFEST, planWrite, printManifest, removeStrayTemporaries, sha256, writeAtomic, type PlannedFile } from "../../generator/write/writer.ts";
import { cli, paths, shown } from "../support/cli.ts";
import { baseLab, ingressLab, listFiles, mkTmp, mtimes, readTree, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

let dir: string;
beforeEach(() => {
  dir = mkTmp("labgen-writer-");
});
afterEach(() => rmTmp(dir));

const f = (path: string, content: string, executable = false): PlannedFile => ({ path, content, executable });

function write(out: string, files: PlannedFile[]) {
  const plan = planWrite(out, files);
  expect(plan.conflicts).toEqual([]);
  applyWrite(out, plan);
  return plan;
}

const kinds = (plan: ReturnType<typeof planWrite>) => Object.fromEntries(plan.changes.map((c) => [c.path, c.kind]));

/** No temp file of an atomic write is ever left behind. */
function noTempFiles(root: string) {
  expect(listFiles(root).filter((p) => p.includes(".labgen-tmp-"))).toEqual([]);
}

describe("writer (API)", () => {
  it("creates files and directories, and a sorted manifest of what it wrote", () => {
    const out = join(dir, "out");
    const plan = write(out, [f("b.txt", "B\n"), f("a/x/y.txt", "Y\n")]);
    expect(kinds(plan)).toEqual({ "a/x/y.txt": "create", "b.txt": "create" });
    expect(readTree(out)).toEqual({
      [MANIFEST]: printManifest({ version: 1, files: { "a/x/y.txt": sha256("Y\n"), "b.txt": sha256("B\n") } }),
      "a/x/y.txt": "Y\n",
      "b.txt": "B\n",
    });
    expect(JSON.parse(readFileSync(join(out, MANIFEST), "utf8"))).toEqual({ version: 1, files: { "a/x/y.txt": sha256("Y\n"), "b.txt": sha256("B\n") } });
    noTempFiles(out);
  });

  it("unchanged files are not rewritten; the manifest neither", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "A\n"), f("d/b.txt", "B\n")]);
    const before = mtimes(out);
    const plan = planWrite(out, [f("a.txt", "A\n"), f("d/b.txt", "B\n")]);
    expect(kinds(plan)).toEqual({ "a.txt": "unchanged", "d/b.txt": "unchanged" });
    expect(plan.manifestChanged).toBe(false);
    applyWrite(out, plan);
    expect(mtimes(out)).toEqual(before);
  });

  it("an update replaces the file by rename (atomic): a new inode, no temp file left", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "one\n")]);
    const ino = statSync(join(out, "a.txt")).ino;
    const plan = write(out, [f("a.txt", "two\n")]);
    expect(kinds(plan)).toEqual({ "a.txt": "update" });
    expect(readFileSync(join(out, "a.txt"), "utf8")).toBe("two\n");
    expect(statSync(join(out, "a.txt")).ino).not.toBe(ino);
    noTempFiles(out);
  });

  it("writeAtomic replaces a file whole and leaves no temp file", () => {
    const p = join(dir, "deep", "er", "file.txt");
    writeAtomic(p, "first\n");
    writeAtomic(p, "second\n");
    expect(readFileSync(p, "utf8")).toBe("second\n");
    expect(readdirSync(join(dir, "deep", "er"))).toEqual(["file.txt"]);
  });

  it("scripts are 0755, everything else 0644; a lost exec bit is restored", () => {
    const out = join(dir, "out");
    write(out, [f("ca/ca.sh", "#!/bin/sh\n", true), f("x.txt", "x\n")]);
    expect(statSync(join(out, "ca/ca.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "x.txt")).mode & 0o777).toBe(0o644);
    chmodSync(join(out, "ca/ca.sh"), 0o644);
    const plan = write(out, [f("ca/ca.sh", "#!/bin/sh\n", true), f("x.txt", "x\n")]);
    expect(kinds(plan)).toEqual({ "ca/ca.sh": "update", "x.txt": "unchanged" });
    expect(statSync(join(out, "ca/ca.sh")).mode & 0o777).toBe(0o755);
  });

  it("a file no longer produced is removed, and the directories it leaves empty are pruned", () => {
    const out = join(dir, "out");
    write(out, [f("keep.txt", "k\n"), f("hosts/old/configuration.nix", "{ }\n"), f("hosts/old/disko.nix", "{ }\n"), f("hosts/nas/configuration.nix", "{ }\n")]);
    const plan = write(out, [f("keep.txt", "k\n"), f("hosts/nas/configuration.nix", "{ }\n")]);
    expect(kinds(plan)).toEqual({ "hosts/nas/configuration.nix": "unchanged", "hosts/old/configuration.nix": "delete", "hosts/old/disko.nix": "delete", "keep.txt": "unchanged" });
    expect(listFiles(out)).toEqual([MANIFEST, "hosts/nas/configuration.nix", "keep.txt"]);
    expect(existsSync(join(out, "hosts/old"))).toBe(false);
    expect(existsSync(join(out, "hosts"))).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(out, MANIFEST), "utf8")).files)).toEqual(["hosts/nas/configuration.nix", "keep.txt"]);
  });

  it("a directory that still holds a foreign file is not pruned", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "a\n"), f("sub/gen.txt", "g\n")]);
    writeFileSync(join(out, "sub", "mine.txt"), "mine\n");
    write(out, [f("a.txt", "a\n")]);
    expect(listFiles(out)).toEqual([MANIFEST, "a.txt", "sub/mine.txt"]);
  });

  it("foreign files (not in the manifest) are left alone", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "a\n")]);
    writeFileSync(join(out, "NOTES.md"), "mine\n");
    const plan = write(out, [f("a.txt", "a2\n")]);
    expect(plan.changes.map((c) => c.path)).toEqual(["a.txt"]);
    expect(readFileSync(join(out, "NOTES.md"), "utf8")).toBe("mine\n");
  });

  it("hand edits are conflicts: a generated file, a file no longer generated, a file labgen never wrote", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "a\n"), f("gone.txt", "g\n")]);
    writeFileSync(join(out, "a.txt"), "edited\n");
    writeFileSync(join(out, "gone.txt"), "edited too\n");
    writeFileSync(join(out, "new.txt"), "someone else's\n");
    const plan = planWrite(out, [f("a.txt", "a2\n"), f("new.txt", "labgen's\n")]);
    expect(plan.conflicts).toEqual([
      { path: "a.txt", reason: "was edited by hand since labgen wrote it" },
      { path: "new.txt", reason: "exists but was not written by labgen" },
      { path: "gone.txt", reason: "is no longer generated but was edited by hand" },
    ]);
  });

  it("a hand edit that matches what labgen would write now is no conflict", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "a\n")]);
    writeFileSync(join(out, "a.txt"), "a2\n");
    const plan = planWrite(out, [f("a.txt", "a2\n")]);
    expect(plan.conflicts).toEqual([]);
    expect(kinds(plan)).toEqual({ "a.txt": "unchanged" });
    expect(plan.manifestChanged).toBe(true);
  });

  it("large and non-ASCII files compare byte for byte: a surrogate pair across the streaming step, a change in the last byte", () => {
    // The comparison streams COMPARE_STEP UTF-16 units at a time; put an emoji's two halves on
    // either side of that boundary, and multi-byte characters after it (several steps' worth).
    const big = `${"a".repeat(COMPARE_STEP - 1)}\u{1F600}${"é".repeat(4 * COMPARE_STEP)}x\n`;
    const out = join(dir, "out");
    write(out, [f("big.txt", big), f("small.txt", "ü\n")]);
    expect(readFileSync(join(out, "big.txt"), "utf8")).toBe(big);
    const again = planWrite(out, [f("big.txt", big), f("small.txt", "ü\n")]);
    expect(kinds(again)).toEqual({ "big.txt": "unchanged", "small.txt": "unchanged" });
    expect(again.manifest.files).toEqual({ "big.txt": sha256(big), "small.txt": sha256("ü\n") });
    expect(again.manifestChanged).toBe(false);
    // Same size, last byte different; then a different size.
    const edited = `${big.slice(0, -2)}y\n`;
    const plan = planWrite(out, [f("big.txt", edited), f("small.txt", "ü!\n")]);
    expect(kinds(plan)).toEqual({ "big.txt": "update", "small.txt": "update" });
    expect(plan.changes.map((c) => c.before)).toEqual([big, "ü\n"]);
    expect(plan.manifest.files).toEqual({ "big.txt": sha256(edited), "small.txt": sha256("ü!\n") });
    applyWrite(out, plan);
    expect(readFileSync(join(out, "big.txt"), "utf8")).toBe(edited);
  });

  it("a corrupt manifest means labgen knows nothing it wrote: changed files become conflicts, not silent overwrites", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "a\n")]);
    writeFileSync(join(out, MANIFEST), "{ broken");
    expect(planWrite(out, [f("a.txt", "a2\n")]).conflicts).toEqual([{ path: "a.txt", reason: "exists but was not written by labgen" }]);
    expect(planWrite(out, [f("a.txt", "a\n")]).conflicts).toEqual([]);
  });
});

describe("writer after an interrupted run (the kill test is writer-interrupted.test.ts)", () => {
  it("a file halfway between two runs is labgen's: the manifest holds the bytes being written as pending", () => {
    const out = join(dir, "out");
    write(out, [f("a.txt", "old\n")]);
    // The state a run killed right after writing a.txt leaves: the new bytes on disk, and the
    // manifest of the run in progress, which lists them as pending.
    const plan = planWrite(out, [f("a.txt", "new\n"), f("b.txt", "b\n")]);
    writeFileSync(join(out, MANIFEST), printManifest({ version: 1, files: plan.previous.files, pending: { "a.txt": [sha256("new\n")], "b.txt": [sha256("b\n")] } }));
    writeFileSync(join(out, "a.txt"), "new\n");
    writeFileSync(join(out, "b.txt"), "b\n");
    // Back to the old files: no conflict, b.txt (never finished) is removed, the manifest is final.
    const back = planWrite(out, [f("a.txt", "old\n")]);
    expect(back.conflicts).toEqual([]);
    expect(kinds(back)).toEqual({ "a.txt": "update", "b.txt": "delete" });
    applyWrite(out, back);
    expect(readTree(out)).toEqual({ [MANIFEST]: printManifest({ version: 1, files: { "a.txt": sha256("old\n") } }), "a.txt": "old\n" });
    // A hand edit is still one: bytes neither recorded nor pending.
    writeFileSync(join(out, "a.txt"), "edited\n");
    expect(planWrite(out, [f("a.txt", "new\n")]).conflicts).toEqual([{ path: "a.txt", reason: "was edited by hand since labgen wrote it" }]);
  });

  it("temporaries of dead processes are removed, those of a running one (a concurrent generate) stay", () => {
    const out = join(dir, "out");
    mkdirSync(join(out, "sub"), { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const running = process.ppid;
    writeFileSync(join(out, "sub", `a.txt.labgen-tmp-${dead}`), "x");
    writeFileSync(join(out, `b.txt.labgen-tmp-${running}`), "x");
    writeFileSync(join(dir, `lab.lock.json.labgen-tmp-${dead}`), "x");
    writeFileSync(join(dir, "unrelated.labgen-tmp-1.txt"), "x");
    expect(removeStrayTemporaries(out, [join(dir, "lab.lock.json")]).sort()).toEqual([join(dir, `lab.lock.json.labgen-tmp-${dead}`), `sub/a.txt.labgen-tmp-${dead}`].sort());
    expect(listFiles(dir).sort()).toEqual([`out/b.txt.labgen-tmp-${running}`, "unrelated.labgen-tmp-1.txt"]);
  });
});

describe("writer through `labgen generate`", () => {
  let cfg: string;
  let out: string;
  let lock: string;
  beforeEach(() => {
    cfg = writeConfig(dir, ingressLab());
    out = join(dir, "out");
    lock = join(dir, "lab.lock.json");
  });

  const generate = (...extra: string[]) => cli("generate", ...paths(cfg, out, lock), ...extra);

  it("a second generate writes nothing: every mtime, the manifest's and the lock's unchanged", async () => {
    expect((await generate()).code).toBe(0);
    const before = { ...mtimes(out), lock: statSync(lock, { bigint: true }).mtimeNs };
    const n = listFiles(out).length - 1;
    const again = await generate();
    expect(again.code).toBe(0);
    expect(again.outLines).toEqual([`${shown(out)}: 0 created, 0 updated, ${n} unchanged, 0 removed`]);
    expect({ ...mtimes(out), lock: statSync(lock, { bigint: true }).mtimeNs }).toEqual(before);
  });

  it("a changed config rewrites exactly the files whose bytes change", async () => {
    expect((await generate()).code).toBe(0);
    const bytes1 = readTree(out);
    const times1 = mtimes(out);
    const lab = ingressLab();
    lab.instances.web.description = "the web server, now described";
    writeConfig(dir, lab);
    expect((await generate()).code).toBe(0);
    const bytes2 = readTree(out);
    const times2 = mtimes(out);
    expect(Object.keys(bytes2)).toEqual(Object.keys(bytes1));
    const changed = Object.keys(bytes2).filter((p) => bytes2[p] !== bytes1[p]);
    const touched = Object.keys(times2).filter((p) => times2[p] !== times1[p]);
    expect(touched).toEqual(changed);
    expect(changed).toContain("lab.json");
    // Files that do not depend on an instance's description stay as they were.
    expect(changed).not.toContain("labgen.schema.json");
    expect(changed).not.toContain("ca/ca.sh");
  });

  it("files no longer produced are removed, with their empty directories; foreign files stay", async () => {
    const withIngress = await compile({ configFile: cfg, lockFile: lock });
    expect(withIngress.ok).toBe(true);
    expect((await generate()).code).toBe(0);
    writeFileSync(join(out, "NOTES.md"), "my notes\n");
    mkdirSync(join(out, "extra"));
    writeFileSync(join(out, "extra", "mine.txt"), "mine\n");
    writeConfig(dir, baseLab());
    const without = await compile({ configFile: cfg, lockFile: lock });
    if (!withIngress.ok || !without.ok) throw new Error("compile failed");
    const gone = withIngress.files.map((x) => x.path).filter((p) => !without.files.some((y) => y.path === p));
    // Without ingress there is no Traefik configuration to write.
    expect(gone.length).toBeGreaterThan(0);
    const r = await generate();
    expect(r.code).toBe(0);
    expect(r.outLines.at(-1)).toContain(`${gone.length} removed`);
    for (const p of gone) expect(existsSync(join(out, p)), p).toBe(false);
    const dirs = new Set(gone.map((p) => p.split("/").slice(0, -1).join("/")).filter(Boolean));
    for (const d of dirs) if (!without.files.some((x) => x.path.startsWith(`${d}/`))) expect(existsSync(join(out, d)), d).toBe(false);
    expect(readFileSync(join(out, "NOTES.md"), "utf8")).toBe("my notes\n");
    expect(readFileSync(join(out, "extra", "mine.txt"), "utf8")).toBe("mine\n");
    expect(listFiles(out).sort()).toEqual([...without.files.map((x) => x.path), MANIFEST, "NOTES.md", "extra/mine.txt"].sort());
  });

  it("a hand-edited generated file: generate refuses, names it, writes nothing; --force overwrites", async () => {
    expect((await generate()).code).toBe(0);
    writeFileSync(join(out, "lab.json"), "{}\n");
    const lab = ingressLab();
    lab.instances.api = { ...lab.instances.web, serves: [8080] };
    writeConfig(dir, lab);
    const tree = readTree(out);
    const times = mtimes(out);
    const lockBefore = readFileSync(lock, "utf8");

    const r = await generate();
    expect(r.code).toBe(1);
    expect(r.errLines).toContain(`${shown(join(out, "lab.json"))}: was edited by hand since labgen wrote it; refusing to overwrite (keep your change in lab.config.ts, or pass --force)`);
    expect(r.errLines.at(-1)).toBe("nothing was written.");
    expect(readTree(out)).toEqual(tree);
    expect(mtimes(out)).toEqual(times);
    expect(readFileSync(lock, "utf8")).toBe(lockBefore);

    const forced = await generate("--force");
    expect(forced.code).toBe(0);
    expect(readFileSync(join(out, "lab.json"), "utf8")).not.toBe("{}\n");
    expect(readFileSync(lock, "utf8")).toContain('"api/eth0"');
    expect((await generate()).code).toBe(0);
  });

  it("no temp files are left anywhere after generate", async () => {
    expect((await generate()).code).toBe(0);
    const lab = ingressLab();
    lab.instances.web.description = "changed";
    writeConfig(dir, lab);
    expect((await generate()).code).toBe(0);
    noTempFiles(dir);
  });

  it("out/ deleted: everything is regenerated from the config and the lock, byte for byte", async () => {
    expect((await generate()).code).toBe(0);
    const tree = readTree(out);
    const lockText = readFileSync(lock, "utf8");
    rmSync(out, { recursive: true });
    expect((await generate()).code).toBe(0);
    expect(readTree(out)).toEqual(tree);
    expect(readFileSync(lock, "utf8")).toBe(lockText);
  });
});
