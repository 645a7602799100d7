// `labgen plan` in a real git repository: the base is what a commit's out/lab.json records, the
// new lab is the working lab.config.ts. Exit codes 0 / 1 / 2 / 3, human and --json output, lines.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, paths } from "../support/cli.ts";
import { configSource, mkTmp, type Obj, REFERENCE_CONFIG, REFERENCE_LOCK, rmTmp, twoPoolLab } from "../support/lab-fixtures.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-plan-");
});
afterAll(() => rmTmp(tmp));

const git = (dir: string, ...args: string[]): string =>
  execFileSync("git", ["-C", dir, "-c", "user.name=labgen test", "-c", "user.email=test@labgen.invalid", "-c", "commit.gpgsign=false", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

let n = 0;
/** A git repository holding `lab`, generated (out/ and the lock) and committed. */
async function repo(lab: Obj, { generate = true } = {}) {
  const dir = join(tmp, `repo-${n++}`);
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, "lab.config.ts");
  writeFileSync(cfg, configSource(lab));
  const args = paths(cfg, join(dir, "out"), join(dir, "lab.lock.json"));
  git(dir, "init", "-q", "-b", "main");
  if (generate) expect((await cli("generate", ...args)).code).toBe(0);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "lab");
  return { dir, cfg, args, write: (l: Obj) => writeFileSync(cfg, configSource(l)) };
}

/** twoPoolLab with a data volume on web. */
function labWithVolume(): Obj {
  const l = twoPoolLab();
  l.instances.web.volumes = [{ name: "data", size: "100GiB", path: "/srv/data", storage: "bulk" }];
  return l;
}

/** The 1-based line of the first line of `file` containing `text` (after the first one containing `after`). */
function lineOf(file: string, text: string, after?: string): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const from = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  return lines.findIndex((l, i) => i >= from && l.includes(text)) + 1;
}

describe("labgen plan", () => {
  it("no change since HEAD: exit 0, nothing blocked", async () => {
    const r0 = await repo(labWithVolume());
    const r = await cli("plan", ...r0.args);
    expect(r.code).toBe(0);
    expect(r.outLines[0]).toMatch(/^labgen plan: HEAD \([0-9a-f]{12}\) → .*lab\.config\.ts: no changes$/);
    expect(r.outLines.at(-1)).toBe("nothing blocked");
  });

  it("removing an instance with a volume: exit 3, destroy-data naming the volume with its config line", async () => {
    const r0 = await repo(labWithVolume());
    const l = labWithVolume();
    delete l.instances.web;
    r0.write(l);
    const r = await cli("plan", ...r0.args);
    expect(r.code).toBe(3);
    const instancesLine = lineOf(r0.cfg, '"instances": {');
    expect(instancesLine).toBeGreaterThan(0);
    // Grouped by risk, destroy-data first, each with its path and lab.config.ts:line.
    expect(r.outLines[2]).toBe("destroy-data (2, 2 BLOCKED): data is deleted: needs allowDestroy");
    const i = r.outLines.findIndex((x) => x.startsWith("  BLOCKED volume web-data  instances ("));
    expect(r.outLines[i]).toMatch(new RegExp(`^  BLOCKED volume web-data  instances \\(.*lab\\.config\\.ts:${instancesLine}\\)$`));
    expect(r.outLines[i + 1]).toBe("      volume web-data (100GiB on bulk) is deleted with its data (instance web is removed)");
    expect(r.outLines[i + 2]).toMatch(/^ {6}to allow it: add "volume:web-data" to allowDestroy in .*lab\.config\.ts, and remove it after the deploy$/);
    expect(r.outLines.at(-1)).toBe(
      "blocked: 2 destroy-data change(s) not named in allowDestroy (instance:web, volume:web-data); the GitOps agent refuses to deploy this",
    );
  });

  it("--json: {base, changes, blocked, allowDestroy} with lines; same exit code", async () => {
    const r0 = await repo(labWithVolume());
    const l = labWithVolume();
    l.instances.web.volumes[0].storage = "fast";
    l.instances.web.memory = "2GiB";
    r0.write(l);
    const r = await cli("plan", "--json", ...r0.args);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["base", "changes", "blocked", "allowDestroy"]);
    expect(doc.base).toEqual({ ref: "HEAD", commit: git(r0.dir, "rev-parse", "HEAD").trim(), hasLab: true });
    const storageLine = lineOf(r0.cfg, '"storage": "fast"', '"volumes"');
    expect(storageLine).toBeGreaterThan(lineOf(r0.cfg, '"volumes"'));
    expect(doc.changes).toEqual([
      {
        risk: "destroy-data",
        kind: "volume",
        name: "web-data",
        path: "instances.web.volumes[0].storage",
        summary: "volume web-data moves from pool bulk to fast: the provider re-creates it, deleting its data on bulk (copy it first: incus storage volume copy)",
        allowed: false,
        line: storageLine,
      },
      {
        risk: "change",
        kind: "instance",
        name: "web",
        path: "instances.web.memory",
        summary: "web: memory 1GiB → 2GiB, applied live",
        line: lineOf(r0.cfg, '"memory": "2GiB"'),
      },
    ]);
    expect(doc.blocked).toEqual([doc.changes[0]]);
    expect(doc.allowDestroy).toEqual([]);
  });

  it("allowDestroy naming every destroyed object: exit 0, and each entry stays visible as a warning", async () => {
    const r0 = await repo(labWithVolume());
    const l = labWithVolume();
    delete l.instances.web;
    l.allowDestroy = ["volume:web-data", "instance:web", "storagePool:bulk"];
    r0.write(l);
    const r = await cli("plan", ...r0.args);
    expect(r.code).toBe(0);
    // check/generate warnings, printed by plan too (stderr), one per entry.
    const warnings = r.errLines.filter((x) => x.endsWith("[allow-destroy]"));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      new RegExp(`lab\\.config\\.ts:${lineOf(r0.cfg, '"volume:web-data"')}:\\d+: warning: allowDestroy\\[0\\]: the next deploy may destroy volume web-data and its data: remove this entry after the deploy`),
    );
    expect(r.stdout).toContain("  allowed volume web-data  instances (");
    expect(r.stdout).toContain("allowDestroy (remove every entry after the deploy):");
    expect(r.outLines).toContainEqual(expect.stringMatching(/^ {2}volume:web-data \(.*:\d+\): allows the destroy-data change above$/));
    // A permission for something that is not being destroyed is a leftover: reported.
    expect(r.outLines).toContainEqual(expect.stringMatching(/^ {2}storagePool:bulk \(.*:\d+\): names something that is not being destroyed: a leftover permission, remove it$/));
    expect(r.outLines.at(-1)).toBe("nothing blocked");
    const json = JSON.parse((await cli("plan", "--json", ...r0.args)).stdout);
    expect(json.blocked).toEqual([]);
    expect(json.allowDestroy.map((a: Obj) => [a.entry, a.status, typeof a.line])).toEqual([
      ["volume:web-data", "used", "number"],
      ["instance:web", "used", "number"],
      ["storagePool:bulk", "unused", "number"],
    ]);
    // check and generate warn about every entry as well.
    const check = await cli("check", ...r0.args);
    expect(check.code).toBe(0);
    expect(check.errLines.filter((x) => x.endsWith("[allow-destroy]"))).toHaveLength(3);
  });

  it("an allowDestroy entry naming nothing in either lab is reported", async () => {
    const r0 = await repo(labWithVolume());
    const l = labWithVolume();
    l.allowDestroy = ["volume:web-date"];
    r0.write(l);
    const r = await cli("plan", ...r0.args);
    expect(r.code).toBe(0);
    expect(r.outLines).toContainEqual(expect.stringMatching(/^ {2}volume:web-date \(.*:\d+\): names nothing in the deployed or the new lab \(check the kind and name\)$/));
  });

  it("--base <ref>: compares with that commit; a commit without out/lab.json means everything is an add", async () => {
    const r0 = await repo(labWithVolume(), { generate: false });
    const first = git(r0.dir, "rev-parse", "HEAD").trim();
    expect((await cli("generate", ...r0.args)).code).toBe(0);
    git(r0.dir, "add", "-A");
    git(r0.dir, "commit", "-q", "-m", "generated");
    const since = await cli("plan", "--json", "--base", first, ...r0.args);
    expect(since.code).toBe(0);
    const doc = JSON.parse(since.stdout);
    expect(doc.base).toEqual({ ref: first, commit: first, hasLab: false });
    expect(doc.changes.length).toBeGreaterThan(0);
    expect(doc.changes.every((c: Obj) => c.risk === "add")).toBe(true);
    expect(doc.changes.map((c: Obj) => `${c.kind}:${c.name}`)).toContain("volume:web-data");
    // HEAD has the lab: no change.
    expect(JSON.parse((await cli("plan", "--json", ...r0.args)).stdout).changes).toEqual([]);
  });

  // lab.json does not record a host's own module; plan reads it from the base commit and the work tree.
  it("a change to hosts/<host>/extra.nix is a host change at hosts.<host>.extraModule", async () => {
    const dir = join(tmp, `extra-${n++}`);
    mkdirSync(join(dir, "hosts", "nas"), { recursive: true });
    const l = labWithVolume();
    l.hosts.nas.extraModule = true;
    const cfg = join(dir, "lab.config.ts");
    writeFileSync(cfg, configSource(l));
    const extra = join(dir, "hosts", "nas", "extra.nix");
    writeFileSync(extra, '{ ... }: { boot.kernelParams = [ "quiet" ]; }\n');
    const args = paths(cfg, join(dir, "out"), join(dir, "lab.lock.json"));
    git(dir, "init", "-q", "-b", "main");
    expect((await cli("generate", ...args)).code).toBe(0);
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "lab");
    expect(JSON.parse((await cli("plan", "--json", ...args)).stdout).changes).toEqual([]);
    writeFileSync(extra, '{ ... }: { boot.kernelParams = [ "quiet" "mitigations=auto" ]; }\n');
    const r = await cli("plan", "--json", ...args);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).changes).toEqual([
      {
        risk: "host",
        kind: "host",
        name: "nas",
        path: "hosts.nas.extraModule",
        summary: "hosts/nas/extra.nix changes; nixos-rebuild switch applies it on nas (labgen does not read your module: review whether it needs a reboot)",
        line: lineOf(cfg, '"extraModule": true'),
      },
    ]);
    // Committed, it is the base: no change again.
    git(dir, "commit", "-q", "-am", "kernel parameter");
    expect(JSON.parse((await cli("plan", "--json", ...args)).stdout).changes).toEqual([]);
  });

  it("the reference lab: removing jellyfin blocks on its 4 TiB volume", async () => {
    const dir = join(tmp, `reference-${n++}`);
    mkdirSync(dir, { recursive: true });
    const cfg = join(dir, "lab.config.ts");
    copyFileSync(REFERENCE_CONFIG, cfg);
    copyFileSync(REFERENCE_LOCK, join(dir, "lab.lock.json"));
    const args = paths(cfg, join(dir, "out"), join(dir, "lab.lock.json"));
    git(dir, "init", "-q", "-b", "main");
    expect((await cli("generate", ...args)).code).toBe(0);
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "lab");
    const text = readFileSync(cfg, "utf8");
    // The reference lab builds jellyfin with its preset: drop that call and its route.
    const edited = text
      .replace(/\n {2}jellyfin\(\{[^\n]*/, "")
      .replace(/\n {6}media: \{ instance: "jellyfin"[^\n]*/, "")
      .replace("jellyfin, ", "");
    expect(edited).not.toContain("jellyfin");
    writeFileSync(cfg, edited);
    const r = await cli("plan", "--json", ...args);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.blocked.map((c: Obj) => `${c.kind}:${c.name}`)).toEqual(["instance:jellyfin", "volume:jellyfin-cache", "volume:jellyfin-config", "volume:jellyfin-media"]);
    expect(doc.blocked[3].summary).toBe("volume jellyfin-media (4TiB on bulk) is deleted with its data (instance jellyfin is removed)");
    // Removing the route restarts Traefik (replace_triggered_by on its instance) and changes DNS.
    expect(doc.changes.map((c: Obj) => `${c.risk} ${c.kind}:${c.name}`)).toEqual([
      "destroy-data instance:jellyfin",
      "destroy-data volume:jellyfin-cache",
      "destroy-data volume:jellyfin-config",
      "destroy-data volume:jellyfin-media",
      "restart instance:traefik",
      "change dns:lab.home.arpa",
      "change route:media",
    ]);
  });
});

describe("labgen plan: exit 1 and 2", () => {
  it("an invalid config exits 1 with its diagnostics", async () => {
    const r0 = await repo(labWithVolume());
    const l = labWithVolume();
    l.instances.web.memory = "lots";
    r0.write(l);
    const r = await cli("plan", ...r0.args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lab\.config\.ts:\d+:\d+: error: instances\.web\.memory: sizes are a number and a unit/);
    expect(r.stdout).toBe("");
  });

  it("an unknown git ref, or no git repository, is a usage error (2)", async () => {
    const r0 = await repo(labWithVolume());
    const r = await cli("plan", "--base", "no-such-ref", ...r0.args);
    expect(r.code).toBe(2);
    expect(r.errLines).toEqual(["labgen plan: unknown git ref 'no-such-ref' (a commit, branch or tag of this repository)"]);
    const bare = join(tmp, `nogit-${n++}`);
    mkdirSync(bare, { recursive: true });
    writeFileSync(join(bare, "lab.config.ts"), configSource(labWithVolume()));
    const r2 = await cli("plan", ...paths(join(bare, "lab.config.ts"), join(bare, "out"), join(bare, "lab.lock.json")));
    expect(r2.code).toBe(2);
    expect(r2.errLines.at(-1)).toMatch(/is not in a git repository: labgen plan compares with a commit \(--base <git-ref>\)$/);
  });

  it.each([
    [["plan", "extra"], "labgen: plan takes no arguments (the base commit is --base <git-ref>)"],
    [["plan", "--base"], "labgen: --base needs a value"],
    // Each command accepts exactly its own options (generator/cli/help.ts).
    [["generate", "--json"], "labgen: unknown option --json (`labgen generate --help` lists the options)"],
    [["check", "--base", "HEAD"], "labgen: unknown option --base (`labgen check --help` lists the options)"],
  ])("%j exits 2", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.errLines[0]).toBe(message);
  });

  it("plan --help documents the options, the risk classes and the exit codes", async () => {
    const r = await cli("plan", "--help");
    expect(r.code).toBe(0);
    expect(r.outLines).toContain("usage: labgen plan [options]");
    for (const s of ["destroy-data", "reboot", "replace", "restart", "host", "change", "add", "--base <git-ref>", "--json"]) expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/exit codes:\n {2}0 {2}success\n {2}1 {2}refused.*\n {2}2 {2}usage.*\n {2}3 {2}the plan would destroy data that allowDestroy does not name/);
    const top = await cli("--help");
    expect(top.stdout).toMatch(/\n {2}plan +every change since a commit/);
  });
});
