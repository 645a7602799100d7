// The command line: exit codes (0 ok, 1 invalid or drift, 2 usage), and what each command does
// and does not write. Everything runs in temp dirs; nothing depends on the committed out/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../generator/cli/main.ts";
import { compile } from "../../generator/pipeline.ts";
import { cli, paths, shown } from "../support/cli.ts";
import { baseLab, ingressLab, listFiles, mkTmp, mtimes, readTree, REFERENCE_CONFIG, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-cli-");
});
afterAll(() => rmTmp(tmp));

let n = 0;
/** A fresh directory with a config for `lab` (default: ingressLab). */
function fresh(lab = ingressLab()) {
  const dir = join(tmp, `case-${n++}`);
  const cfg = writeConfig(mkdirp(dir), lab);
  return { dir, cfg, out: join(dir, "out"), lock: join(dir, "lab.lock.json"), args: paths(cfg, join(dir, "out"), join(dir, "lab.lock.json")) };
}

function mkdirp(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

describe("usage errors exit 2", () => {
  it.each([
    [["frobnicate"], "labgen: unknown command 'frobnicate'"],
    [["generate", "--frob"], "labgen: unknown option --frob"],
    [["generate", "--config"], "labgen: --config needs a value"],
    [["generate", "--out", "--force"], "labgen: --out needs a value"],
    [["explain"], "labgen: explain takes one name: a host, instance, network, storage pool, profile or route"],
    [["explain", "a", "b"], "labgen: explain takes one name: a host, instance, network, storage pool, profile or route"],
    [["generate", "extra"], "labgen: generate takes no arguments"],
    [["check", "extra"], "labgen: check takes no arguments"],
    [["diff", "extra"], "labgen: diff takes no arguments"],
    [["lock"], "labgen: the lock command is: labgen lock prune"],
    [["lock", "clean"], "labgen: the lock command is: labgen lock prune"],
  ])("%j", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.errLines[0]).toBe(message);
    expect(r.stderr).toContain("usage: labgen <command> [options]");
    expect(r.stdout).toBe("");
  });

  it("no command prints the usage and exits 2", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain("usage: labgen <command> [options]");
  });

  it("--help and --version exit 0", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: labgen <command> [options]");
    expect((await cli("generate", "-h")).code).toBe(0);
    const v = await cli("--version");
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(VERSION);
  });
});

describe("generate", () => {
  it("exit 0; out/ and the lock default to the config's directory", async () => {
    const { dir, cfg } = fresh();
    const r = await cli("generate", "--config", cfg);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "lab.lock.json"))).toBe(true);
    expect(listFiles(join(dir, "out"))).toContain("lab.json");
    expect(r.outLines.at(-1)).toMatch(new RegExp(`^${shown(join(dir, "out"))}: \\d+ created, 0 updated, 0 unchanged, 0 removed; ${shown(join(dir, "lab.lock.json"))} updated$`));
  });

  it("an invalid config: exit 1, nothing written", async () => {
    const lab = baseLab();
    lab.instances.web.host = "nsa";
    const c = fresh(lab);
    const r = await cli("generate", ...c.args);
    expect(r.code).toBe(1);
    expect(r.errLines.at(-1)).toBe("1 error(s), 0 warning(s); nothing was written.");
    expect(existsSync(c.out)).toBe(false);
    expect(existsSync(c.lock)).toBe(false);
  });

  it("a missing config: exit 1, says how to create one", async () => {
    const cfg = join(tmp, "nowhere", "lab.config.ts");
    const r = await cli("check", "--config", cfg);
    expect(r.code).toBe(1);
    expect(r.errLines[0]).toBe(`${shown(cfg)}: error: ${cfg} not found: run 'labgen init' to create one, or pass --config <file> [load]`);
  });

  it("warnings are printed with their location and do not block", async () => {
    const lab = baseLab();
    lab.instances.web.cpu = 8;
    lab.instances.db = { ...lab.instances.web, cpu: 4, serves: [5432] };
    lab.ca = { leafDays: 500 };
    const c = fresh(lab);
    const r = await cli("generate", ...c.args);
    expect(r.code).toBe(0);
    const source = readFileSync(c.cfg, "utf8").split("\n");
    const line = source.findIndex((l) => l.includes('"leafDays": 500')) + 1;
    expect(r.errLines).toContain(
      `${shown(c.cfg)}:${line}:5: warning: ca.leafDays: 500 days exceeds the 397 days Apple and Chromium recommend; 825 is Apple's hard limit [ca-validity]`,
    );
    expect(r.errLines.some((l) => l.includes(": warning: hosts.nas.hardware.cpu: instances on 'nas' ask for 12 CPUs") && l.endsWith("[cpu-overcommit]"))).toBe(true);
    expect(listFiles(c.out)).toContain("lab.json");
  });

  it("--timings reports the stages on stderr", async () => {
    const c = fresh();
    const r = await cli("generate", ...c.args, "--timings");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/timings: load [\d.]+ ms, validate [\d.]+ ms, resolve [\d.]+ ms, plan [\d.]+ ms/);
  });
});

describe("check", () => {
  it("validates and writes nothing (no out/, no lock)", async () => {
    const c = fresh();
    const r = await cli("check", ...c.args);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${shown(c.cfg)} is valid: 1 host(s), 2 instance(s), 0 warning(s)`);
    expect(existsSync(c.out)).toBe(false);
    expect(existsSync(c.lock)).toBe(false);
  });

  it("touches nothing in an existing out/ either", async () => {
    const c = fresh();
    expect((await cli("generate", ...c.args)).code).toBe(0);
    const lab = ingressLab();
    lab.instances.api = { ...lab.instances.web, serves: [8080] };
    writeConfig(c.dir, lab);
    const before = { tree: readTree(c.out), times: mtimes(c.out), lock: readFileSync(c.lock, "utf8") };
    expect((await cli("check", ...c.args)).code).toBe(0);
    expect({ tree: readTree(c.out), times: mtimes(c.out), lock: readFileSync(c.lock, "utf8") }).toEqual(before);
  });
});

describe("diff", () => {
  it("exit 0 right after generate; exit 1 with a unified diff after an edit; writes nothing", async () => {
    const c = fresh();
    expect((await cli("generate", ...c.args)).code).toBe(0);
    const clean = await cli("diff", ...c.args);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe("");
    expect(clean.errLines).toEqual(["no drift: out/ matches lab.config.ts"]);

    const lab = ingressLab();
    lab.instances.web.description = "now with a description";
    writeConfig(c.dir, lab);
    const before = { tree: readTree(c.out), times: mtimes(c.out), lock: readFileSync(c.lock, "utf8") };
    const drift = await cli("diff", ...c.args);
    expect(drift.code).toBe(1);
    const labJson = `${shown(c.out)}/lab.json`;
    expect(drift.outLines).toContain(`--- a/${labJson}`);
    expect(drift.outLines).toContain(`+++ b/${labJson}`);
    expect(drift.outLines.some((l) => /^@@ -\d+,\d+ \+\d+,\d+ @@/.test(l))).toBe(true);
    expect(drift.outLines.some((l) => l.startsWith("+") && l.includes("now with a description"))).toBe(true);
    expect(drift.errLines.at(-1)).toMatch(/^drift: 0 created, [1-9]\d* updated, \d+ unchanged, 0 removed$/);
    expect({ tree: readTree(c.out), times: mtimes(c.out), lock: readFileSync(c.lock, "utf8") }).toEqual(before);

    // generate clears the drift.
    expect((await cli("generate", ...c.args)).code).toBe(0);
    expect((await cli("diff", ...c.args)).code).toBe(0);
  });

  it("a new allocation is drift too: the lock's diff is shown, and the lock is not written", async () => {
    const c = fresh();
    expect((await cli("generate", ...c.args)).code).toBe(0);
    const lab = ingressLab();
    lab.instances.api = { ...lab.instances.web, serves: [8080] };
    writeConfig(c.dir, lab);
    const lockBefore = readFileSync(c.lock, "utf8");
    const r = await cli("diff", ...c.args);
    expect(r.code).toBe(1);
    expect(r.outLines).toContain(`--- a/${shown(c.lock)}`);
    expect(r.outLines.some((l) => l.startsWith('+  "api/eth0"') || l.startsWith('+    "api/eth0"'))).toBe(true);
    expect(readFileSync(c.lock, "utf8")).toBe(lockBefore);
  });

  it("no out/ yet: everything would be created (exit 1), and nothing is", async () => {
    const c = fresh();
    const r = await cli("diff", ...c.args);
    expect(r.code).toBe(1);
    expect(r.outLines).toContain("--- /dev/null");
    expect(r.errLines.at(-1)).toMatch(/^drift: [1-9]\d* created, 0 updated, 0 unchanged, 0 removed$/);
    expect(existsSync(c.out)).toBe(false);
    expect(existsSync(c.lock)).toBe(false);
  });

  it("notes hand edits without failing on them differently", async () => {
    const c = fresh();
    expect((await cli("generate", ...c.args)).code).toBe(0);
    writeFileSync(join(c.out, "lab.json"), "{}\n");
    const r = await cli("diff", ...c.args);
    expect(r.code).toBe(1);
    expect(r.errLines).toContain(`note: ${shown(join(c.out, "lab.json"))} was edited by hand since labgen wrote it`);
  });
});

describe("explain", () => {
  let args: string[];
  let files: { path: string; sources: readonly string[] }[];
  beforeAll(async () => {
    const dir = join(tmp, "reference");
    args = ["--config", REFERENCE_CONFIG, "--lock", join(dir, "lab.lock.json"), "--out", join(dir, "out")];
    const r = await compile({ configFile: REFERENCE_CONFIG, lockFile: join(dir, "lab.lock.json") });
    if (!r.ok) throw new Error("the reference lab does not compile");
    files = r.files;
  });

  /** The files made from a config path (what explain must list), computed from the provenance. */
  const madeFrom = (source: string) =>
    files
      .filter((f) => f.path !== "lab.json" && f.path !== "README.md" && f.sources.some((s) => s === source || s.startsWith(`${source}.`) || s.startsWith(`${source}[`)))
      .map((f) => f.path)
      .sort();

  it("forgejo: what it is, its address, ports and URL, where it is defined, and the files it produced", async () => {
    const r = await cli("explain", "forgejo", ...args);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("instance forgejo: Forgejo: Git forge");
    expect(r.stdout).toMatch(/address 10\.10\.0\.\d+ \(allocated in lab\.lock\.json\), MAC 10:66:6a:/);
    expect(r.stdout).toContain("ports: tcp 2222→22; URLs: https://git.lab.home.arpa");
    expect(r.stdout).toContain("volume forgejo-data 100GiB at /data");
    expect(r.stdout).toContain("image codeberg:forgejo/forgejo:16.0.5");
    expect(r.stdout).toContain("health: /api/healthz (Traefik checks it every 30s)");
    expect(lines).toContain("  defined at instances.forgejo");
    expect(lines.at(-1)).toBe(`  files: ${madeFrom("instances.forgejo").join(", ")}`.trimEnd());
    // explain compiles but writes nothing.
    expect(existsSync(join(tmp, "reference"))).toBe(false);
  });

  it("a host, a network, a route (by name and by hostname)", async () => {
    const host = await cli("explain", "nas", ...args);
    expect(host.code).toBe(0);
    expect(host.stdout).toMatch(/^host nas: /);
    expect(host.stdout).toContain("runs: forgejo, grafana, homeassistant, jellyfin, nextcloud, nextcloud-db, nixbox, traefik, vaultwarden");
    const net = await cli("explain", "lab0", ...args);
    expect(net.stdout).toMatch(/^network lab0: Incus bridge on nas, 10\.10\.0\.0\/24 via 10\.10\.0\.1/);
    const route = await cli("explain", "git", ...args);
    expect(route.stdout).toMatch(/^route git: https:\/\/git\.lab\.home\.arpa → forgejo \(http:\/\/10\.10\.0\.\d+:3000\) through Traefik in traefik/);
    expect((await cli("explain", "git.lab.home.arpa", ...args)).stdout).toBe(route.stdout);
  });

  it("an app's secrets, by path in the instance and on the host (never a value)", async () => {
    const r = await cli("explain", "nextcloud", ...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  secret nextcloud-admin-password: /secrets/nextcloud-admin-password in the instance, /var/lib/labgen/secrets/instances/nextcloud/nextcloud-admin-password on nas\n");
    expect(r.stdout).toContain("  secret nextcloud-db-password: /secrets/nextcloud-db-password in the instance, /var/lib/labgen/secrets/instances/nextcloud/nextcloud-db-password on nas\n");
    const s = await cli("explain", "nextcloud-db-password", ...args);
    expect(s.stdout.split("\n").slice(0, 3)).toEqual([
      "secret nextcloud-db-password: generated on the host (32 alphanumeric), kept on nas at /var/lib/labgen/secrets/apps/nextcloud-db-password",
      "  read by nextcloud at /secrets/nextcloud-db-password",
      "  read by nextcloud-db at /secrets/nextcloud-db-password",
    ]);
  });

  it("an unknown name: exit 1", async () => {
    const r = await cli("explain", "nope", ...args);
    expect(r.code).toBe(1);
    expect(r.errLines).toEqual([`labgen: nothing named 'nope' in ${shown(REFERENCE_CONFIG)}`]);
  });
});

describe("schema and init", () => {
  it("schema prints the JSON Schema of the config (the same as out/labgen.schema.json)", async () => {
    const r = await cli("schema");
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["name", "domain", "admins", "hosts", "networks", "instances", "ingress", "ca"]));
    const c = fresh();
    expect((await cli("generate", ...c.args)).code).toBe(0);
    expect(readFileSync(join(c.out, "labgen.schema.json"), "utf8")).toBe(`${r.stdout}\n`);
  });

  it("init writes a starter config that is valid, and never overwrites one", async () => {
    const dir = join(tmp, "init");
    mkdirp(dir);
    const cfg = join(dir, "lab.config.ts");
    const r = await cli("init", "--config", cfg);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${shown(cfg)}: edit it, then run 'labgen generate'`);
    const text = readFileSync(cfg, "utf8");
    expect(text).toContain('import { defineLab } from "labgen";');
    const check = await cli("check", "--config", cfg);
    expect(check.code).toBe(0);
    expect(existsSync(join(dir, "lab.lock.json"))).toBe(false);

    writeFileSync(cfg, "// mine\n");
    const again = await cli("init", "--config", cfg);
    expect(again.code).toBe(1);
    expect(again.errLines).toEqual([`labgen: ${shown(cfg)} already exists; init never overwrites it`]);
    expect(readFileSync(cfg, "utf8")).toBe("// mine\n");
  });
});
