// The GitOps scripts, run for real against a fake host: bash, git (a local bare repository holding
// the real reference lab and the out/ the real labgen generates), flock, ssh-keygen, jq and
// coreutils are real; zfs, incus, tofu, nixos-rebuild, switch-to-configuration, nix-env, nix,
// systemctl and systemd-run are stand-ins sharing one model of the host that refuse what the real
// tools refuse (test/support/gitops-world.cjs, each refusal with its upstream file).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import type { GitopsModel, HostModel, Model } from "../../generator/resolve/model.ts";
import { GITOPS_FILES, GITOPS_UNIT, GitopsInputError, gitopsInput, gitopsRuntimeInputs, gitopsInputCode, agentScriptIr, planGitops } from "../../generator/targets/gitops/index.ts";
import type { GitopsScriptInput } from "../../generator/targets/gitops/index.ts";
import { planNixos } from "../../generator/targets/nixos/index.ts";
import { makeFakeHost, makeSigningKey, requireCommand, runScript } from "../support/gitops.ts";
import type { FakeHost, HostWorld } from "../support/gitops.ts";
import { REPO_ROOT } from "../support/lab-fixtures.ts";

// The scenarios run on a lab of their own (the reference lab as it was before its apps became
// presets): they edit its text and count its instances, so the reference lab can evolve freely.
const LAB_CONFIG = join(REPO_ROOT, "test/fixtures/gitops-lab/lab.config.ts");
const LAB_LOCK = join(REPO_ROOT, "test/fixtures/gitops-lab/lab.lock.json");
import { bashN, run, shellcheck } from "../support/shell.ts";

let reference: Model;
beforeAll(async () => {
  const r = await compile({ configFile: LAB_CONFIG, lockFile: LAB_LOCK });
  if (!r.ok) throw new Error(`the reference lab does not compile: ${JSON.stringify(r.diagnostics)}`);
  reference = r.model;
});

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.cleanup();
});

/** What disko leaves on nas: every pool and dataset of the reference Model. */
function diskoDatasets(model: Model): string[] {
  return model.hosts[0].zpools.flatMap((p) => [p.name, ...p.datasets.map((d) => `${p.name}/${d.name}`)]);
}

function labWith(patch: Partial<GitopsModel>): Model {
  const m = structuredClone(reference) as { hosts: HostModel[] } & Model;
  const gitops = m.hosts[0].gitops!;
  m.hosts[0] = { ...m.hosts[0], gitops: { ...gitops, ...patch } };
  return m;
}

function setup(patch: Partial<GitopsModel> = {}): { host: FakeHost; agent: string; rollback: string } {
  const host = makeFakeHost({ datasets: diskoDatasets(reference), configFile: LAB_CONFIG, lockFile: LAB_LOCK });
  hosts.push(host);
  const files = planGitops(labWith({ repository: host.origin, ...patch }));
  const agent = join(host.dir, "labgen-gitops.sh");
  const rollback = join(host.dir, "labgen-rollback.sh");
  writeFileSync(agent, files.find((f) => f.path.endsWith(GITOPS_UNIT.script))!.content, { mode: 0o755 });
  writeFileSync(rollback, files.find((f) => f.path.endsWith(GITOPS_UNIT.rollbackScript))!.content, { mode: 0o755 });
  return { host, agent, rollback };
}

interface Status {
  result: string;
  failedStep: string | null;
  commit: string | null;
  deployedCommit: string | null;
  snapshot: string | null;
  message: string;
}
const statusOf = (h: FakeHost): Status => JSON.parse(readFileSync(join(h.stateDir, "status.json"), "utf8")) as Status;
const stateFile = (h: FakeHost, name: string): string => join(h.stateDir, GITOPS_FILES.dir, name);
const read = (file: string): string => (existsSync(file) ? readFileSync(file, "utf8") : "");
/** Recorded commands, without the temp dir, labgen queries collapsed to their verb. */
const commands = (h: FakeHost): string[] => h.commands().map((c) => c.replaceAll(h.dir, "$DIR"));
const snap = (seq: number, sha: string): string => `labgen-${String(seq).padStart(6, "0")}-${sha.slice(0, 12)}`;

function deploy(h: FakeHost, agent: string, message: string, edit?: (c: string) => string, env: NodeJS.ProcessEnv = {}): string {
  const sha = h.change(message, edit);
  const r = runScript(h, agent, [], env);
  if (r.status !== 0) throw new Error(`agent exited ${r.status} deploying "${message}":\n${r.stderr}`);
  return sha;
}

/** A fresh host, CA made, the first deploy done. */
function deployed(patch: Partial<GitopsModel> = {}): { host: FakeHost; agent: string; rollback: string; first: string } {
  const s = setup(patch);
  s.host.makeCa();
  const first = deploy(s.host, s.agent, "initial generation");
  s.host.clearCommands();
  return { ...s, first };
}

const REMOVE_JELLYFIN = (c: string): string => {
  const start = c.indexOf("    jellyfin: {");
  const end = c.indexOf("    grafana: {");
  return (c.slice(0, start) + c.slice(end)).replace('      media: { instance: "jellyfin", port: 8096 },\n', "");
};
const ADD_WIKI = (c: string): string =>
  c.replace(
    "    nixbox: {",
    `    wiki: {
      host: "nas",
      image: "images:debian/12",
      description: "Wiki",
      cpu: 1,
      memory: "1GiB",
      storage: "fast",
      profiles: ["base"],
      nics: [{ network: "lab0" }],
      serves: [3000],
      volumes: [{ name: "pages", size: "10GiB", path: "/srv/wiki", storage: "bulk" }],
    },
    nixbox: {`,
  );
const allowDestroy = (entries: string[]) => (c: string): string => c.replace("  ca: {\n", `  allowDestroy: ${JSON.stringify(entries)},\n\n  ca: {\n`);

it("bash, shellcheck, git, flock, jq and ssh-keygen are installed", () => {
  for (const t of ["bash", "shellcheck", "git", "flock", "jq"]) requireCommand(t);
  expect(run("ssh-keygen", ["-?"]).stderr).toMatch(/usage: ssh-keygen/);
});

describe("the generated scripts", () => {
  it("pass bash -n and shellcheck with no exclusions", () => {
    const dir = setup().host.dir;
    for (const f of planGitops(reference)) {
      const file = join(dir, f.path.split("/").pop()!);
      writeFileSync(file, f.content);
      expect(bashN(file)).toEqual({ ok: true, output: "" });
      expect(shellcheck(file)).toEqual({ ok: true, output: "" });
      expect(f.content).not.toContain("shellcheck disable");
    }
  });

  it("snapshot only labgen's own datasets, never one Incus owns", () => {
    const input = gitopsInput(reference, reference.hosts[0]);
    expect(input.undoDatasets).toEqual(["rpool/incusd", "rpool/labgen/tofu"]);
    expect(input.incusParents).toEqual(["rpool/incus", "tank/incus"]);
    const problems = (patch: Partial<GitopsScriptInput>): readonly string[] => {
      try {
        agentScriptIr({ ...input, ...patch });
      } catch (e) {
        expect(e).toBeInstanceOf(GitopsInputError);
        return (e as GitopsInputError).problems;
      }
      return [];
    };
    expect(problems({ undoDatasets: ["rpool/incus/fast", "tank/incus"] })).toEqual([
      "dataset rpool/incus/fast is Incus storage (below rpool/incus): labgen never snapshots it",
      "dataset tank/incus is Incus storage (below tank/incus): labgen never snapshots it",
    ]);
    expect(problems({ knownHosts: [] })[0]).toMatch(/no trust on first use/);
  });

  it("secrets, the CA and labgen's records are outside every snapshot set and every rollback (issue 14 item 5)", () => {
    const nas = reference.hosts[0];
    const rpool = nas.zpools.find((p) => p.name === "rpool")!;
    const role = (name: string) => rpool.datasets.find((d) => d.name === name)?.role;
    expect([role("labgen/secrets"), role("labgen/ca"), role("labgen")]).toEqual(["secrets", "secrets", "state"]);
    expect(rpool.datasets.find((d) => d.name === "labgen/ca")?.mountpoint).toBe(reference.ca.dir);
    // Not in sanoid's list (root.key is never in an automatic snapshot), not in the agent's.
    expect(nas.autoSnapshot.datasets).not.toContain("rpool/labgen/ca");
    expect(nas.autoSnapshot.datasets).not.toContain("rpool/labgen/secrets");
    expect(nas.undoDatasets).toEqual(["rpool/incusd", "rpool/labgen/tofu"]);
    // Rollback re-applies OpenTofu; the one dataset it may roll back is Incus's database (across an
    // Incus downgrade), never labgen's records, secrets or the CA.
    for (const f of planGitops(reference)) {
      const rollbacks = f.content.split("\n").filter((l) => /^\s*(run .*\\|)?\s*zfs rollback /.test(l));
      expect(rollbacks.map((l) => l.trim())).toEqual(f.path.endsWith(GITOPS_UNIT.rollbackScript) ? ['zfs rollback "$INCUS_DB_DATASET@$set" || die "zfs rollback of $INCUS_DB_DATASET failed: Incus is stopped (systemctl start incus.service starts it on the database as it was)"'] : []);
      if (f.path.endsWith(GITOPS_UNIT.rollbackScript)) expect(f.content).toContain("readonly INCUS_DB_DATASET='rpool/incusd'\n");
    }
  });

  it("runtime inputs: everything the scripts call, incus and zfs on every host, tofu on the apply host", () => {
    expect(gitopsRuntimeInputs(reference.hosts[0]).map(gitopsInputCode)).toContain("config.virtualisation.incus.clientPackage");
    expect(gitopsRuntimeInputs(labWith({ appliesTofu: false }).hosts[0]).map(gitopsInputCode)).not.toContain("(pkgs.opentofu.withPlugins (p: [ p.lxc_incus ]))");
    const provided = new Set<string>(GITOPS_UNIT.runtimeInputsDetailed.flatMap((r) => r.provides));
    const text = planGitops(reference).map((f) => f.content).join("\n");
    for (const cmd of ["git", "flock", "nixos-rebuild", "zfs", "incus", "tofu", "nix", "nix-env", "systemd-run", "jq", "timeout", "sed", "grep"]) {
      expect(text).toMatch(new RegExp(`(^|[\\s(!])${cmd} `, "m"));
      expect(provided.has(cmd)).toBe(true);
    }
  });
});

describe("the stand-ins and the unit (issue 13 item 14, issue 14 item 6)", () => {
  it("every stand-in starts with an absolute interpreter (the Nix build sandbox has no /usr/bin/env)", () => {
    const { host } = setup();
    for (const name of ["zfs", "incus", "tofu", "nixos-rebuild", "nix-env", "nix", "systemctl", "systemd-run"]) {
      const first = read(join(host.dir, "bin", name)).split("\n")[0];
      expect(first).toBe(`#!${process.execPath}`);
    }
    expect(read(join(host.profile, "bin", "switch-to-configuration")).split("\n")[0]).toBe(`#!${process.execPath}`);
  });

  it("gitops.onFailure becomes OnFailure= of the agent's unit; 75 is a success; the run is bounded", () => {
    const m = labWith({ onFailure: ["notify-admin@%n.service"] });
    const nix = planNixos(m).find((f) => f.path === "hosts/nas/configuration.nix")!.content;
    expect(nix).toContain('onFailure = [ "notify-admin@%n.service" ];');
    expect(nix).toContain('TimeoutStartSec = "2h";');
    expect(nix).toContain('SuccessExitStatus = "75";');
    expect(planNixos(reference).find((f) => f.path === "hosts/nas/configuration.nix")!.content).not.toContain("onFailure");
  });
});

describe("first deploy on a fresh host (issue 13 item 1)", () => {
  it("waits for the CA without changing anything, then creates the pools below the labgen parents", () => {
    const { host, agent } = setup();
    const sha = host.change("initial generation");
    let r = runScript(host, agent);
    expect(r.status).toBe(75);
    expect(statusOf(host)).toMatchObject({ result: "waiting", deployedCommit: null });
    expect(statusOf(host).message).toMatch(/waiting for the CA: .*fullchain.crt does not exist yet; run ca.sh init && ca.sh issue/);
    expect(commands(host)).toEqual(["labgen diff"]);

    host.makeCa();
    host.clearCommands();
    r = runScript(host, agent);
    expect(r.stderr).toContain(`ok: deployed ${sha}`);
    expect(r.status).toBe(0);
    const name = snap(1, sha);
    // Order: checks, tofu plan, then the snapshot of labgen's own datasets, then the switch, then
    // the apply of exactly the plan that was checked.
    expect(commands(host).filter((c) => !c.startsWith("labgen"))).toEqual([
      "tofu init -input=false",
      "tofu plan -input=false -out=$DIR/state/gitops/tofu.plan",
      "tofu show -json $DIR/state/gitops/tofu.plan",
      `zfs snapshot rpool/incusd@${name} rpool/labgen/tofu@${name}`,
      "nixos-rebuild switch --flake $DIR/state/checkout#nas",
      "tofu apply -input=false $DIR/state/gitops/tofu.plan",
    ]);
    const w = host.world();
    expect(w.incus.pools).toEqual({ bulk: { source: "tank/incus/bulk" }, fast: { source: "rpool/incus/fast" } });
    expect(Object.keys(w.incus.instances).sort()).toEqual(["forgejo", "grafana", "homeassistant", "jellyfin", "nixbox", "traefik"]);
    expect(Object.keys(w.incus.volumes).sort()).toEqual(["bulk/forgejo-data", "bulk/jellyfin-media"]);
    expect(host.foreignSnapshotsOnIncus()).toEqual([]);
    expect(host.refusals()).toEqual([]);
  });

  it("the install guide and the agent agree: the agent does the first apply, after the CA; no --vm-test advice (issue 13 items 1, 15)", () => {
    const guide = readFileSync(join(import.meta.dirname, "../../docs/install.md"), "utf8");
    const commandsOf = (md: string) => [...md.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
    // No manual apply to run (a manual apply is not recorded, so the agent could not undo it).
    expect(commandsOf(guide)).not.toMatch(/tofu[^\n]*apply/);
    expect(commandsOf(guide)).toContain("sudo systemctl start labgen-gitops.service");
    // The CA comes first (step 6), the agent waits for exactly the files the first apply pushes.
    expect(guide.indexOf("## 6. The CA, on the host")).toBeLessThan(guide.indexOf("## 7. The first deploy: the GitOps agent does it"));
    expect(gitopsInput(reference, reference.hosts[0]).caFiles).toEqual([reference.ca.files.fullchain, reference.ca.files.leafKey, reference.ca.files.rootCert]);
    // nixos-anywhere --vm-test only appears as what not to do.
    for (const line of guide.split("\n").filter((l) => l.includes("--vm-test"))) expect(line).toMatch(/Do \*\*not\*\* use/);
  });

  it("the old layout fails as on a real host: a snapshot on the pool source makes Incus refuse it", () => {
    // What the agent used to do: `zfs snapshot -r rpool/incus@…` before the first apply, with
    // rpool/incus as the pool source.
    const { host } = setup();
    host.editWorld((w) => w.zfs.snapshots.push({ ds: "rpool/incus", name: "labgen-000001-0123456789ab", txg: 1 }));
    const tf = join(host.dir, "old-tofu");
    mkdirSync(tf);
    writeFileSync(join(tf, "storage.tf"), 'resource "incus_storage_pool" "fast" {\n  name        = "fast"\n  driver      = "zfs"\n\n  config = {\n    source = "rpool/incus"\n  }\n}\n');
    const r = run("tofu", [`-chdir=${tf}`, "apply", "-input=false", "-auto-approve"], { env: host.env({ TF_VAR_state_passphrase: "x" }) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Provided ZFS pool (or dataset) isn\'t empty, run "sudo zfs list -r rpool/incus" to see existing entries');
  });
});

describe("a deploy (issue 14 item 3)", () => {
  it("the old agent's fault, as on a real host: a raw `zfs snapshot -r` of the Incus datasets makes Incus refuse its own restores", () => {
    const { host } = deployed();
    const env = host.env();
    expect(run("incus", ["storage", "volume", "snapshot", "create", "bulk", "forgejo-data", "daily-0"], { env }).status).toBe(0);
    // What the agent used to run before each apply.
    expect(run("zfs", ["snapshot", "-r", "tank/incus@labgen-000002-0123456789ab"], { env }).status).toBe(0);
    expect(host.foreignSnapshotsOnIncus()).toContain("tank/incus/bulk/custom/default_forgejo-data@labgen-000002-0123456789ab");
    const r = run("incus", ["storage", "volume", "snapshot", "restore", "bulk", "forgejo-data", "daily-0"], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Snapshot "daily-0" cannot be restored due to subsequent internal snapshot(s) (from a copy)');
  });

  it("Incus-native snapshots of every instance and volume and a ZFS snapshot of labgen's datasets, all before the switch", () => {
    const { host, agent, first } = deployed();
    const sha = host.change("grafana gets more memory", (c) => c.replace('memory: "1GiB",\n      storage: "fast",\n      profiles: ["base"],\n      nics: [{ network: "lab0" }],\n      serves: [3000],\n      snapshots', 'memory: "2GiB",\n      storage: "fast",\n      profiles: ["base"],\n      nics: [{ network: "lab0" }],\n      serves: [3000],\n      snapshots'));
    expect(runScript(host, agent).status).toBe(0);
    const name = snap(2, sha);
    const cmds = commands(host).filter((c) => !c.startsWith("labgen") && !c.startsWith("tofu init") && !c.startsWith("tofu show"));
    expect(cmds).toEqual([
      "tofu plan -input=false -out=$DIR/state/gitops/tofu.plan",
      ...["forgejo", "grafana", "homeassistant", "jellyfin", "nixbox", "traefik"].map((i) => `incus snapshot create --no-expiry ${i} ${name}`),
      `incus storage volume snapshot create --no-expiry bulk forgejo-data ${name}`,
      `incus storage volume snapshot create --no-expiry bulk jellyfin-media ${name}`,
      `zfs snapshot rpool/incusd@${name} rpool/labgen/tofu@${name}`,
      "nixos-rebuild switch --flake $DIR/state/checkout#nas",
      "tofu apply -input=false $DIR/state/gitops/tofu.plan",
    ]);
    expect(commands(host).slice(0, 2)).toEqual(["labgen diff", `labgen plan --base ${first} --json`]);
    expect(host.foreignSnapshotsOnIncus()).toEqual([]);
    // Incus can restore its own snapshot: no foreign snapshot after it.
    expect(run("incus", ["snapshot", "restore", "forgejo", name], { env: host.env() }).status).toBe(0);
  });

  it("retention prunes only labgen's sets, never Incus's scheduled snapshots", () => {
    const { host, agent } = deployed({ keepSnapshots: 2 });
    run("incus", ["snapshot", "create", "forgejo", "snap0"], { env: host.env() });
    const shas = [1, 2, 3].map((i) => deploy(host, agent, `change ${i}`, (c) => c.replace(/description: "Dashboards[^"]*"/, `description: "Dashboards ${i}"`)));
    const names = run("incus", ["snapshot", "list", "forgejo", "--format", "csv,noheader", "--columns", "n"], { env: host.env() }).stdout.toString().trim().split("\n");
    expect(names).toEqual(["snap0", snap(3, shas[1]), snap(4, shas[2])]);
    expect(commands(host).filter((c) => c.includes("delete") || c.includes("destroy"))).toContain(`incus snapshot delete forgejo ${snap(2, shas[0])}`);
    expect(host.world().zfs.snapshots.filter((s) => s.ds === "rpool/incusd").map((s) => s.name)).toEqual([snap(3, shas[1]), snap(4, shas[2])]);
  });
});

describe("a host that does not apply OpenTofu", () => {
  it("snapshots its own Incus and Incus database, switches, and never runs tofu", () => {
    const { host, agent } = setup({ appliesTofu: false });
    const sha = host.change("initial generation");
    const r = runScript(host, agent);
    expect(r.stderr).toContain(`ok: deployed ${sha}`);
    const name = snap(1, sha);
    expect(commands(host)).toEqual([
      "labgen diff",
      `zfs snapshot rpool/incusd@${name} rpool/labgen/tofu@${name}`,
      "nixos-rebuild switch --flake $DIR/state/checkout#nas",
    ]);
  });
});

describe("sacred state needs an explicit yes (issue 14 item 2, the agent's side)", () => {
  it("removing an instance with a volume is refused and held; allowDestroy lets it through", () => {
    const { host, agent, first } = deployed();
    const removed = host.change("remove jellyfin", REMOVE_JELLYFIN);
    const r = runScript(host, agent);
    expect(r.status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "plan", deployedCommit: first });
    expect(statusOf(host).message).toContain("destroy-data volume jellyfin-media");
    // Nothing changed: no snapshot, no switch, no apply; the volume and its data are there.
    expect(commands(host)).toEqual(["labgen diff", `labgen plan --base ${first} --json`]);
    expect(host.world().incus.volumes["bulk/jellyfin-media"]).toBeDefined();
    expect(read(stateFile(host, GITOPS_FILES.hold))).toContain(`${removed}\tdestroy-data`);
    // Held, not retried: the next run says so without running anything (and is not a failure).
    host.clearCommands();
    expect(runScript(host, agent).status).toBe(75);
    expect(commands(host)).toEqual([]);

    const allowed = host.change("allow destroying jellyfin", allowDestroy(["instance:jellyfin", "volume:jellyfin-media"]));
    expect(runScript(host, agent).status).toBe(0);
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: allowed });
    expect(host.world().incus.volumes["bulk/jellyfin-media"]).toBeUndefined();
  });

  it("belt and braces: a tofu plan that deletes a volume labgen plan did not flag is refused", () => {
    const { host, agent, first } = deployed();
    // jellyfin's volume removed (allowDestroy names only the instance), and a labgen plan that
    // overlooks the volume: OpenTofu's own plan still shows the delete, and the agent refuses it.
    const sha = host.change("remove jellyfin", (c) => allowDestroy(["instance:jellyfin"])(REMOVE_JELLYFIN(c)));
    const r = runScript(host, agent, [], { FAKE_PLAN_MISSES_DELETES: "1" });
    expect(r.status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "tofu-plan", deployedCommit: first });
    expect(statusOf(host).message).toContain("tofu plan deletes incus_storage_volume.jellyfin-media, which allowDestroy does not name; nothing was changed");
    expect(commands(host).some((c) => c.startsWith("incus snapshot") || c.startsWith("nixos-rebuild") || c.startsWith("tofu apply"))).toBe(false);
    expect(host.world().incus.volumes["bulk/jellyfin-media"]).toBeDefined();
    expect(read(stateFile(host, GITOPS_FILES.hold))).toContain(`${sha}\tdestroy-data`);
  });

  it("a hand-edited out/ (drift) is refused before anything runs", () => {
    const { host, agent, first } = deployed();
    const volumes = join(host.work, "out", "tofu", "volumes.tf");
    writeFileSync(volumes, read(volumes).replace(/# instances\.jellyfin\.volumes\[0\][\s\S]*$/, ""));
    host.change("volume block removed by hand", undefined, { noGenerate: true });
    expect(runScript(host, agent).status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "drift", deployedCommit: first });
    expect(commands(host)).toEqual(["labgen diff"]);
    expect(host.world().incus.volumes["bulk/jellyfin-media"]).toBeDefined();
  });
});

describe("failures, backoff and hardening (issue 14 item 6)", () => {
  it("a failed apply is retried with exponential backoff, reusing the first attempt's snapshots", () => {
    const { host, agent } = deployed();
    const sha = host.change("more cpu", (c) => c.replace('description: "Dashboards",\n      cpu: 1', 'description: "Dashboards",\n      cpu: 2'));
    host.setFailing("tofu-apply", true);
    const t0 = 1_800_000_000;
    expect(runScript(host, agent, [], { LABGEN_NOW: String(t0) }).status).toBe(1);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "apply", snapshot: snap(2, sha) });
    host.clearCommands();
    // 5min interval: the next attempt waits 300 s, then 600 s after the second failure.
    expect(runScript(host, agent, [], { LABGEN_NOW: String(t0 + 299) }).status).toBe(75);
    expect(statusOf(host).result).toBe("backoff");
    expect(commands(host)).toEqual([]);
    expect(runScript(host, agent, [], { LABGEN_NOW: String(t0 + 300) }).status).toBe(1);
    expect(commands(host).filter((c) => c.includes("snapshot create"))).toEqual([]);
    expect(runScript(host, agent, [], { LABGEN_NOW: String(t0 + 300 + 599) }).status).toBe(75);
    host.setFailing("tofu-apply", false);
    expect(runScript(host, agent, [], { LABGEN_NOW: String(t0 + 900) }).status).toBe(0);
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: sha, snapshot: snap(2, sha) });
    expect(existsSync(stateFile(host, GITOPS_FILES.failures))).toBe(false);
    const metrics = read(join(host.stateDir, "metrics", "labgen_gitops.prom"));
    expect(metrics).toContain(`labgen_gitops_deployed_info{commit="${sha}"} 1`);
    expect(metrics).toMatch(/^labgen_gitops_last_success_timestamp_seconds 1800000900$/m);
    expect(metrics).toMatch(/^labgen_gitops_last_failure_timestamp_seconds 1800000300$/m);
  });

  it("a rewind (force-push to an older commit) is refused unless allow-rewind names it", () => {
    const { host, agent, first } = deployed();
    const second = deploy(host, agent, "second", (c) => c.replace('description: "Dashboards"', 'description: "Dashboards!"'));
    host.forcePush(first);
    host.clearCommands();
    expect(runScript(host, agent).status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "fast-forward", deployedCommit: second });
    expect(commands(host)).toEqual([]);
    // The documented override: exactly that commit, once.
    run("sed", ["-i", `/^${first}/d`, stateFile(host, GITOPS_FILES.hold)]);
    writeFileSync(stateFile(host, GITOPS_FILES.allowRewind), `${first}\n`);
    expect(runScript(host, agent).status).toBe(0);
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: first });
    expect(existsSync(stateFile(host, GITOPS_FILES.allowRewind))).toBe(false);
  });

  it("with signers configured, an unsigned commit is refused and a signed one deployed", () => {
    const s = setup();
    hosts.push(s.host);
    const alice = makeSigningKey(s.host.dir, "alice");
    const { host, agent } = (() => {
      const files = planGitops(labWith({ repository: s.host.origin, allowedSigners: [alice.publicKey] }));
      writeFileSync(s.agent, files.find((f) => f.path.endsWith(GITOPS_UNIT.script))!.content);
      return s;
    })();
    host.makeCa();
    host.change("unsigned");
    expect(runScript(host, agent).status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "verify" });
    const signed = host.change("signed", (c) => c.replace("Dashboards", "Dashboards."), { signingKey: alice.key });
    expect(runScript(host, agent).status).toBe(0);
    expect(statusOf(host).deployedCommit).toBe(signed);
  });

  it("ssh gets keepalives and pinned host keys", () => {
    const text = planGitops(reference)[0].content;
    expect(text).toContain("-o ServerAliveInterval=15 -o ServerAliveCountMax=4");
    expect(text).toContain("-o StrictHostKeyChecking=yes");
  });
});

describe("network guard (issue 14 item 7)", () => {
  it("a deploy that cuts the host off its repository is switched back and held", () => {
    const { host, agent, first } = deployed();
    const bad = host.change("wrong gateway", (c) => c.replace('gateway: "192.168.1.1"', 'gateway: "192.168.1.254"'), { files: { BREAK_NETWORK: "" } });
    const r = runScript(host, agent);
    expect(r.status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "network", deployedCommit: first });
    expect(commands(host).slice(-3)).toEqual([
      "nixos-rebuild switch --flake $DIR/state/checkout#nas",
      "nix-env -p $DIR/profiles/system --switch-generation 2",
      "switch-to-configuration switch [generation 2]",
    ]);
    // Not applied, and the repository is reachable again.
    expect(commands(host)).not.toContain("tofu apply -input=false $DIR/state/gitops/tofu.plan");
    expect(host.world().active).toBe(2);
    expect(existsSync(host.origin)).toBe(true);
    expect(read(stateFile(host, GITOPS_FILES.hold))).toContain(`${bad}\tnetwork`);
  });
});

describe("labgen-rollback (issue 14 item 4)", () => {
  it("--list: every deploy, newest first, and whether it can be undone", () => {
    const { host, agent, rollback, first } = deployed();
    const second = deploy(host, agent, "grafana 2", (c) => c.replace('description: "Dashboards"', 'description: "Dashboards 2"'));
    const r = runScript(host, rollback, ["--list"]);
    expect(r.status).toBe(0);
    const rows = r.out.split("\n").slice(2, 4).map((l) => l.split(/\s{2,}/).slice(1));
    expect(rows).toEqual([
      ["ok", second.slice(0, 12), first.slice(0, 12), "2->3", snap(2, second), "possible"],
      ["ok", first.slice(0, 12), "-", "1->2", snap(1, first), "no: first deploy"],
    ]);
    expect(runScript(host, rollback, [first]).stderr).toContain("was the first deploy on nas: there is no earlier commit to re-apply");
  });

  it("after an added instance: NixOS generation back, the previous commit re-applied, the new volume kept; tofu plan then empty", () => {
    const { host, agent, rollback, first } = deployed();
    const added = deploy(host, agent, "add wiki", ADD_WIKI);
    expect(host.world().incus.instances.wiki).toBeDefined();
    host.clearCommands();
    const dry = runScript(host, rollback, ["--dry-run", added.slice(0, 12)]);
    expect(dry.status).toBe(0);
    expect(commands(host)).toEqual([]);
    expect(dry.out).toContain(`the lab returns to commit ${first}.`);

    const r = runScript(host, rollback, [added.slice(0, 12)]);
    expect(r.stderr).toContain("done: the lab is back at");
    expect(r.status).toBe(0);
    const cmds = commands(host);
    expect(cmds[0]).toBe("systemd-run --unit=labgen-rollback --wait --collect --quiet --service-type=exec -- bash …");
    expect(cmds).toContain("nix-env -p $DIR/profiles/system --switch-generation 2");
    expect(cmds).toContain("tofu state rm incus_storage_volume.wiki-pages");
    const w = host.world();
    expect(w.incus.instances.wiki).toBeUndefined();
    // The volume's data is kept (unmanaged) unless --destroy-data.
    expect(w.incus.volumes["bulk/wiki-pages"]).toBeDefined();
    expect(Object.keys(w.tofu.state).filter((a) => a.includes("wiki"))).toEqual([]);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${first}\n`);
    expect(read(stateFile(host, GITOPS_FILES.hold))).toBe(`${added}\tundone by labgen-rollback\n`);
    // tofu plan of the rolled-back commit is empty.
    host.clearCommands();
    const plan = join(host.dir, "after.plan");
    expect(run("tofu", [`-chdir=${join(host.stateDir, "checkout", "out", "tofu")}`, "plan", "-input=false", `-out=${plan}`], { env: host.env({ TF_VAR_state_passphrase: "x" }) }).status).toBe(0);
    expect(JSON.parse(read(plan)).changes).toEqual([]);
    // The agent does not redeploy the undone commit.
    expect(runScript(host, agent).status).toBe(75);
    expect(statusOf(host).result).toBe("held");
  });

  it("--destroy-data: the volume only the undone deploy declared is deleted too", () => {
    const { host, agent, rollback } = deployed();
    const added = deploy(host, agent, "add wiki", ADD_WIKI);
    host.clearCommands();
    expect(runScript(host, rollback, ["--destroy-data", added]).status).toBe(0);
    expect(commands(host)).not.toContain("tofu state rm incus_storage_volume.wiki-pages");
    expect(host.world().incus.volumes["bulk/wiki-pages"]).toBeUndefined();
    expect(host.world().zfs.datasets).not.toContain("tank/incus/bulk/custom/default_wiki-pages");
  });

  it("after a removed instance: it comes back (empty: its snapshots died with it), --data restores the others", () => {
    const { host, agent, rollback, first } = deployed();
    const second = deploy(host, agent, "grafana 2", (c) => c.replace('description: "Dashboards"', 'description: "Dashboards 2"'));
    // Deleting an instance deletes its root disk: destroy-data, so it needs allowDestroy.
    const removed = deploy(host, agent, "remove nixbox", (c) => {
      const start = c.indexOf("    nixbox: {");
      const end = c.indexOf("  ingress: {");
      const without = (c.slice(0, start) + "  },\n\n" + c.slice(end)).replace("    },\n  },\n\n  },\n", "    },\n  },\n").replace('      nix: { instance: "nixbox", port: 8080 },\n', "");
      return allowDestroy(["instance:nixbox"])(without);
    });
    expect(host.world().incus.instances.nixbox).toBeUndefined();
    host.clearCommands();
    const dry = runScript(host, rollback, ["--dry-run", "--data", removed]);
    expect(dry.out).toContain("instance nixbox: its snapshot is gone (deleted with it by an undone deploy); it comes back empty");
    expect(dry.out).toContain("    instance forgejo\n");
    expect(commands(host)).toEqual([]);
    const r = runScript(host, rollback, ["--data=forgejo,forgejo-data", removed]);
    expect(r.status).toBe(0);
    const w = host.world();
    expect(w.incus.instances.nixbox).toBeDefined();
    const name = snap(3, removed);
    expect(w.restored).toEqual([`rpool/incus/fast/containers/forgejo@snapshot-${name}`, `tank/incus/bulk/custom/default_forgejo-data@snapshot-${name}`]);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${second}\n`);
    expect(first).not.toBe(second);
  });

  it("--data refuses when Incus would refuse (later snapshots) unless --delete-later-snapshots", () => {
    const { host, agent, rollback } = deployed();
    const second = deploy(host, agent, "grafana 2", (c) => c.replace('description: "Dashboards"', 'description: "Dashboards 2"'));
    run("incus", ["snapshot", "create", "forgejo", "snap1"], { env: host.env() });
    host.clearCommands();
    let r = runScript(host, rollback, ["--data=forgejo", second]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("(it has: snap1 )");
    expect(commands(host).filter((c) => !c.startsWith("systemd-run"))).toEqual([]);
    r = runScript(host, rollback, ["--data=forgejo", "--delete-later-snapshots", second]);
    expect(r.status).toBe(0);
    expect(commands(host)).toContain("incus snapshot delete forgejo snap1");
    expect(host.refusals()).toEqual([]);
  });
});

// The deploy that moves the host to the feature channel: pkgs.incus (the stand-in's 7.3.0, schema
// 51) instead of pkgs.incus-lts (7.0.1, schema 48); its switch migrates Incus's database.
const INCUS_FEATURE = (c: string): string => c.replace('      memoryReserve: "6GiB",\n', '      incus: { channel: "feature" },\n      memoryReserve: "6GiB",\n');

/**
 * Where Incus's database and the pool disagree on the stand-in's host: an instance or volume
 * without its dataset, a dataset Incus does not know, a snapshot record without its ZFS snapshot
 * (Incus cannot delete it, nor the object), a "@snapshot-…" the database does not know (it
 * blocks every older restore).
 */
function incusMismatches(w: HostWorld): string[] {
  const out: string[] = [];
  const has = (ds: string): boolean => w.zfs.datasets.includes(ds);
  const snapped = (ds: string, name: string): boolean => w.zfs.snapshots.some((s) => s.ds === ds && s.name === `snapshot-${name}`);
  const objects = new Map<string, string>();
  const dir = (type: string): string => (type === "virtual-machine" ? "virtual-machines" : "containers");
  for (const [name, i] of Object.entries(w.incus.instances)) objects.set(`instance/${name}`, `${w.incus.pools[i.pool].source}/${dir(i.type)}/${name}`);
  for (const key of Object.keys(w.incus.volumes)) {
    const [pool, vol] = key.split("/");
    objects.set(`volume/${key}`, `${w.incus.pools[pool].source}/custom/default_${vol}`);
  }
  for (const [key, ds] of objects) {
    if (!has(ds)) out.push(`${key}: dataset ${ds} missing`);
    for (const name of w.incus.records[key] ?? []) if (!snapped(ds, name)) out.push(`${key}: snapshot record ${name} without its ZFS snapshot`);
  }
  const known = new Set(objects.values());
  for (const src of Object.values(w.incus.pools).map((p) => p.source)) {
    for (const ds of w.zfs.datasets.filter((d) => /\/(containers|virtual-machines|custom)\/[^/]+$/.test(d) && !d.endsWith(".block") && d.startsWith(`${src}/`))) {
      if (!known.has(ds)) out.push(`dataset ${ds}: unknown to Incus`);
    }
  }
  for (const s of w.zfs.snapshots.filter((x) => x.name.startsWith("snapshot-"))) {
    const key = [...objects].find(([, ds]) => ds === s.ds)?.[0];
    if (key !== undefined && !(w.incus.records[key] ?? []).includes(s.name.slice("snapshot-".length))) out.push(`${s.ds}@${s.name}: unknown to Incus`);
  }
  return out;
}

describe("labgen-rollback across an Incus upgrade (issue 14 item 4: Incus's database)", () => {
  it("the undone switch migrated Incus's database: the daemon is stopped, the database rewound to the deploy's snapshot, the older Incus started", () => {
    const { host, agent, rollback, first } = deployed();
    expect(host.world().incus.daemon).toEqual({ running: true, version: "7.0.1" });
    const upgraded = deploy(host, agent, "Incus feature channel", INCUS_FEATURE);
    expect(host.world().incus).toMatchObject({ daemon: { running: true, version: "7.3.0" }, schema: 51 });
    // A later deploy adds an instance and a volume: both are created after the database snapshot.
    const later = deploy(host, agent, "add wiki", ADD_WIKI);
    host.clearCommands();

    const dry = runScript(host, rollback, ["--dry-run", upgraded]);
    expect(dry.status).toBe(0);
    expect(commands(host)).toEqual([]);
    expect(dry.out).toContain("Incus: generation 2 runs incus-lts 7.0.1, this one incus 7.3.0");
    expect(dry.out).toContain("systemctl stop incus.service");
    expect(dry.out).toContain(`zfs rollback rpool/incusd@${snap(2, upgraded)}`);
    expect(dry.out).toContain("volume bulk/wiki-pages");

    const r = runScript(host, rollback, [upgraded]);
    expect(r.stderr).toContain("done: the lab is back at");
    expect(r.status).toBe(0);
    expect(host.refusals()).toEqual([]);
    const w = host.world();
    expect(w.incus).toMatchObject({ daemon: { running: true, version: "7.0.1" }, schema: 48 });
    // softDaemonRestart: the instances kept running (the socket, and with it incus-startup, never stopped).
    expect(w.incus.instancesShutDown).toBeUndefined();
    const cmds = commands(host).filter((c) => !c.startsWith("tofu init") && !c.startsWith("tofu show"));
    const at = (prefix: string): number => cmds.findIndex((c) => c.startsWith(prefix));
    const order = [
      "tofu apply",
      `incus snapshot delete forgejo ${snap(3, later)}`,
      `zfs destroy rpool/incusd@${snap(3, later)}`,
      "systemctl stop incus.service",
      `zfs rollback rpool/incusd@${snap(2, upgraded)}`,
      "nix-env -p $DIR/profiles/system --switch-generation 2",
      "switch-to-configuration switch",
      "systemctl start incus.service",
    ].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(cmds).not.toContain("systemctl stop incus.socket");
    // The wiki instance went with the re-apply; its volume was kept (no --destroy-data): its data
    // is still on ZFS, which the rewound database does not know.
    expect(w.incus.instances.wiki).toBeUndefined();
    expect(incusMismatches(w)).toEqual(["dataset tank/incus/bulk/custom/default_wiki-pages: unknown to Incus"]);
    expect(r.stderr).toContain("incus admin recover");
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${first}\n`);
    // tofu plan of the rolled-back commit is empty.
    const plan = join(host.dir, "after.plan");
    expect(run("tofu", [`-chdir=${join(host.stateDir, "checkout", "out", "tofu")}`, "plan", "-input=false", `-out=${plan}`], { env: host.env({ TF_VAR_state_passphrase: "x" }) }).status).toBe(0);
    expect(JSON.parse(read(plan)).changes).toEqual([]);
    // The older Incus restores its own snapshots again.
    expect(run("incus", ["snapshot", "restore", "forgejo", snap(2, upgraded)], { env: host.env() }).status).toBe(0);
  });

  it("without an Incus change the database is not touched", () => {
    const { host, agent, rollback } = deployed();
    const second = deploy(host, agent, "grafana 2", (c) => c.replace('description: "Dashboards"', 'description: "Dashboards 2"'));
    const before = host.world().incus.schema;
    host.clearCommands();
    const dry = runScript(host, rollback, ["--dry-run", second]);
    expect(dry.out).toContain("Incus: generation 2 runs the same package (incus-lts 7.0.1): its database stays as it is");
    expect(runScript(host, rollback, [second]).status).toBe(0);
    const cmds = commands(host);
    expect(cmds.filter((c) => c.startsWith("systemctl") || c.startsWith("zfs") || c.includes("snapshot delete"))).toEqual([]);
    expect(host.world().incus).toMatchObject({ daemon: { running: true, version: "7.0.1" }, schema: before });
  });

  it("a rollback to a newer Incus (the undone deploy downgraded it) needs no rewind: the newer daemon migrates the older database", () => {
    const { host, agent, rollback } = deployed();
    deploy(host, agent, "Incus feature channel", INCUS_FEATURE);
    const back = host.change("back to LTS", (c) => c.replace('      incus: { channel: "feature" },\n', ""));
    // The LTS daemon refuses the migrated database: that deploy's switch fails to start Incus.
    const failed = runScript(host, agent);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("schema version '51' is more recent than expected '48'");
    expect(host.world().incus.daemon.running).toBe(false);
    host.clearCommands();
    const r = runScript(host, rollback, [back]);
    expect(r.status).toBe(0);
    expect(commands(host).filter((c) => c.startsWith("zfs rollback"))).toEqual([]);
    expect(host.world().incus).toMatchObject({ daemon: { running: true, version: "7.3.0" }, schema: 51 });
  });

  it("refuses before changing anything what the rewound database could not describe", () => {
    const { host, agent, rollback } = deployed();
    const upgraded = deploy(host, agent, "Incus feature channel", INCUS_FEATURE);
    // A snapshot someone took after the deploy: the database from before would not know it.
    expect(run("incus", ["snapshot", "create", "forgejo", "before-upgrade-test"], { env: host.env() }).status).toBe(0);
    host.clearCommands();
    let r = runScript(host, rollback, [upgraded]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("instance forgejo has snapshots taken since (before-upgrade-test)");
    expect(commands(host).filter((c) => !c.startsWith("systemd-run"))).toEqual([]);
    r = runScript(host, rollback, ["--delete-later-snapshots", upgraded]);
    expect(r.status).toBe(0);
    expect(commands(host)).toContain("incus snapshot delete forgejo before-upgrade-test");
    expect(incusMismatches(host.world())).toEqual([]);
  });

  it("refuses when an undone deploy deleted an instance: the rewound database would list snapshots whose data is gone", () => {
    const { host, agent, rollback } = deployed();
    const upgraded = deploy(host, agent, "Incus feature channel and no nixbox", (c) => {
      const start = c.indexOf("    nixbox: {");
      const end = c.indexOf("  ingress: {");
      const without = (c.slice(0, start) + "  },\n\n" + c.slice(end)).replace("    },\n  },\n\n  },\n", "    },\n  },\n").replace('      nix: { instance: "nixbox", port: 8080 },\n', "");
      return allowDestroy(["instance:nixbox"])(INCUS_FEATURE(without));
    });
    expect(host.world().incus.instances.nixbox).toBeUndefined();
    host.clearCommands();
    const r = runScript(host, rollback, [upgraded]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("instance nixbox was deleted since");
    expect(commands(host).filter((c) => !c.startsWith("systemd-run"))).toEqual([]);
  });
});

// three-hosts: alpha applies OpenTofu and reaches beta and gamma as Incus remotes; beta has an
// agent of its own, gamma none.
const THREE = join(REPO_ROOT, "test/cases/three-hosts");
let three: Model;
beforeAll(async () => {
  const r = await compile({ configFile: join(THREE, "lab.config.ts"), lockFile: join(THREE, "lab.lock.json") });
  if (!r.ok) throw new Error(`three-hosts does not compile: ${JSON.stringify(r.diagnostics)}`);
  three = r.model;
});

function setupThree(name: string): { host: FakeHost; agent: string; rollback: string } {
  const datasetsOf = (h: HostModel): string[] => h.zpools.flatMap((p) => [p.name, ...p.datasets.map((d) => `${p.name}/${d.name}`)]);
  const me = three.hosts.find((h) => h.name === name)!;
  const others = three.hosts.filter((h) => h.name !== name);
  const host = makeFakeHost({
    datasets: datasetsOf(me),
    configFile: join(THREE, "lab.config.ts"),
    lockFile: join(THREE, "lab.lock.json"),
    host: name,
    remotes: me.gitops!.appliesTofu ? Object.fromEntries(others.map((h) => [h.name, datasetsOf(h)])) : {},
    files: { "hosts/beta/extra.nix": readFileSync(join(THREE, "hosts/beta/extra.nix"), "utf8") },
  });
  hosts.push(host);
  const m = structuredClone(three) as { hosts: HostModel[] } & Model;
  m.hosts = m.hosts.map((h) => (h.gitops === null ? h : { ...h, gitops: { ...h.gitops, repository: host.origin } }));
  const files = planGitops(m);
  const agent = join(host.dir, "labgen-gitops.sh");
  const rollback = join(host.dir, "labgen-rollback.sh");
  writeFileSync(agent, files.find((f) => f.path === `hosts/${name}/${GITOPS_UNIT.script}`)!.content, { mode: 0o755 });
  writeFileSync(rollback, files.find((f) => f.path === `hosts/${name}/${GITOPS_UNIT.rollbackScript}`)!.content, { mode: 0o755 });
  return { host, agent, rollback };
}

describe("a lab of several hosts: one undo point for everything an apply changes (issue 14 items 3-4)", () => {
  it("the applying agent snapshots the instances and volumes of every host it manages, through their remotes, before its switch", () => {
    const { host, agent, rollback } = setupThree("alpha");
    host.makeCa();
    deploy(host, agent, "initial generation");
    expect(Object.keys(host.world().remotes.beta.incus.instances)).toEqual(["files"]);
    host.clearCommands();
    const sha = deploy(host, agent, "files described", (c) => c.replace('description: "File server"', 'description: "File server (SMB)"'));
    const name = snap(2, sha);
    const cmds = commands(host).filter((c) => c.startsWith("incus") || c.startsWith("zfs") || c.startsWith("nixos-rebuild"));
    expect(cmds).toEqual([
      `incus snapshot create --no-expiry forgejo ${name}`,
      `incus snapshot create --no-expiry traefik ${name}`,
      `incus snapshot create --no-expiry beta:files ${name}`,
      `incus storage volume snapshot create --no-expiry beta:bulk files-share ${name}`,
      `incus snapshot create --no-expiry gamma:game ${name}`,
      `zfs snapshot rpool/incusd@${name} rpool/labgen/tofu@${name}`,
      "nixos-rebuild switch --flake $DIR/state/checkout#alpha",
    ]);
    const w = host.world();
    expect(w.remotes.beta.incus.records).toEqual({ "instance/files": [name], "volume/bulk/files-share": [name] });
    expect(w.remotes.gamma.incus.records).toEqual({ "instance/game": [name] });
    // What alpha's database knows is alpha's own objects only.
    const manifest = read(stateFile(host, `snapshots/${name}`));
    expect(manifest.split("\n").filter((l) => l.startsWith("db-"))).toEqual([
      "db-known",
      "db-object\tinstance\tforgejo",
      `db-snapshot\tinstance\tforgejo\t${name}`,
      "db-object\tinstance\ttraefik",
      `db-snapshot\tinstance\ttraefik\t${name}`,
    ]);

    // labgen-rollback on alpha restores beta's data through the same remote.
    host.clearCommands();
    const dry = runScript(host, rollback, ["--dry-run", "--data=files,files-share", sha]);
    expect(dry.out).toContain("    instance beta:files\n");
    expect(dry.out).toContain("    volume beta:bulk/files-share\n");
    const r = runScript(host, rollback, ["--data=files,files-share", sha]);
    expect(r.status).toBe(0);
    expect(commands(host)).toContain(`incus snapshot restore beta:files ${name}`);
    expect(host.world().remotes.beta.restored).toEqual([`tank/incus/bulk/containers/files@snapshot-${name}`, `tank/incus/bulk/custom/default_files-share@snapshot-${name}`]);
    expect(host.refusals()).toEqual([]);
  });

  it("an agent whose host the applying agent manages snapshots no instance, only its Incus database, and records what that database knows", () => {
    const { host, agent } = setupThree("beta");
    // What alpha's first apply made on beta, through its remote.
    host.editWorld((w) => {
      w.zfs.datasets.push("tank/incus/bulk", ...["containers", "custom", "containers/files", "custom/default_files-share"].map((d) => `tank/incus/bulk/${d}`));
      w.incus.pools.bulk = { source: "tank/incus/bulk" };
      w.incus.volumes["bulk/files-share"] = {};
      w.incus.instances.files = { type: "container", pool: "bulk", volumes: [{ pool: "bulk", name: "files-share" }] };
    });
    expect(run("incus", ["snapshot", "create", "files", "snap0"], { env: host.env() }).status).toBe(0);
    host.clearCommands();
    const sha = deploy(host, agent, "initial generation");
    const name = snap(1, sha);
    expect(commands(host)).toEqual(["labgen diff", `zfs snapshot rpool/incusd@${name}`, "nixos-rebuild switch --flake $DIR/state/checkout#beta"]);
    expect(read(stateFile(host, `snapshots/${name}`)).split("\n").filter((l) => l.startsWith("db-"))).toEqual([
      "db-known",
      "db-object\tinstance\tfiles",
      "db-snapshot\tinstance\tfiles\tsnap0",
      "db-object\tvolume\tbulk/files-share",
    ]);
  });

  it("beta rolled back across its Incus upgrade: the OpenTofu host's later snapshots of beta's instances go before beta's database does", () => {
    const { host, agent, rollback } = setupThree("beta");
    host.editWorld((w) => {
      w.zfs.datasets.push("tank/incus/bulk", ...["containers", "custom", "containers/files", "custom/default_files-share"].map((d) => `tank/incus/bulk/${d}`));
      w.incus.pools.bulk = { source: "tank/incus/bulk" };
      w.incus.volumes["bulk/files-share"] = {};
      w.incus.instances.files = { type: "container", pool: "bulk", volumes: [{ pool: "bulk", name: "files-share" }] };
    });
    deploy(host, agent, "beta on LTS", (c) => c.replace('      incus: { channel: "feature" },\n', ""));
    const upgraded = deploy(host, agent, "beta on the feature channel", (c) => c.replace("      // hosts/beta/extra.nix", '      incus: { channel: "feature" },\n      // hosts/beta/extra.nix'));
    expect(host.world().incus.daemon.version).toBe("7.3.0");
    // alpha's next apply snapshots beta's instance and volume through its remote (its own sequence).
    const env = host.env();
    expect(run("incus", ["snapshot", "create", "files", "labgen-000007-0123456789ab"], { env }).status).toBe(0);
    expect(run("incus", ["storage", "volume", "snapshot", "create", "bulk", "files-share", "labgen-000007-0123456789ab"], { env }).status).toBe(0);
    // Incus's own schedule (snapshots.schedule "@daily") took one too.
    expect(run("incus", ["snapshot", "create", "files", "snap0"], { env }).status).toBe(0);
    host.clearCommands();
    let r = runScript(host, rollback, [upgraded]);
    expect(r.stderr).toContain("instance files has snapshots taken since (snap0)");
    expect(r.status).toBe(1);
    r = runScript(host, rollback, ["--delete-later-snapshots", upgraded]);
    expect(r.status).toBe(0);
    expect(commands(host)).toEqual(
      expect.arrayContaining([
        "incus snapshot delete files labgen-000007-0123456789ab",
        "incus storage volume snapshot delete bulk files-share labgen-000007-0123456789ab",
        "incus snapshot delete files snap0",
      ]),
    );
    expect(host.world().incus).toMatchObject({ daemon: { running: true, version: "7.0.1" }, schema: 48 });
    expect(incusMismatches(host.world())).toEqual([]);
    expect(host.refusals()).toEqual([]);
  });

  it("every agent's script says whose instances it snapshots", () => {
    const scripts = planGitops(three);
    const hostsOf = (h: string): string => /readonly SNAPSHOT_HOSTS='([^']*)'/.exec(scripts.find((f) => f.path === `hosts/${h}/${GITOPS_UNIT.script}`)!.content)![1];
    expect(hostsOf("alpha")).toBe("alpha\nbeta\ngamma");
    expect(hostsOf("beta")).toBe("");
    // Without an agent on the OpenTofu host, each agent keeps snapshotting its own host.
    const m = structuredClone(three) as { hosts: HostModel[] } & Model;
    m.hosts = m.hosts.map((h) => (h.name === "alpha" ? { ...h, gitops: null } : h));
    expect(gitopsInput(m, m.hosts.find((h) => h.name === "beta")!).snapshotHosts).toEqual(["beta"]);
  });
});

describe("certificate renewal (issue 14 item 8)", () => {
  it("a due certificate is renewed and reaches Traefik (push + restart of that instance only); otherwise nothing happens", () => {
    const { host } = deployed();
    const renew = join(host.dir, "labgen-cert-renew.sh");
    writeFileSync(renew, planGitops(reference).find((f) => f.path.endsWith(GITOPS_UNIT.renewScript))!.content);
    // labgen-ca is the lab's own out/ca/ca.sh, run for real with openssl.
    const bash = run("bash", ["-c", "command -v bash"]).stdout.toString().trim();
    writeFileSync(join(host.dir, "bin", "labgen-ca"), `#!${bash}\nexec ${bash} ${join(host.work, "out", "ca", "ca.sh")} "$@"\n`, { mode: 0o755 });
    const caDir = join(host.dir, "ca");
    const env = { LABGEN_CA_DIR: caDir };
    for (const cmd of ["init", "issue"]) expect(runScript(host, join(host.work, "out", "ca", "ca.sh"), [cmd], env).status).toBe(0);
    host.clearCommands();

    let r = runScript(host, renew, [], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("the certificate is not due for renewal");
    expect(commands(host)).toEqual([]);

    const before = read(join(caDir, "fullchain.crt"));
    r = runScript(host, renew, ["--days", "400"], env);
    expect(r.stderr).toContain("the certificate was renewed");
    expect(r.status).toBe(0);
    const after = read(join(caDir, "fullchain.crt"));
    expect(after).not.toBe(before);
    expect(commands(host)).toEqual([
      `incus file push --uid 0 --gid 0 --mode 0644 $DIR/ca/fullchain.crt traefik/etc/traefik/certs/fullchain.crt`,
      `incus file push --uid 0 --gid 0 --mode 0600 $DIR/ca/leaf.key traefik/etc/traefik/certs/leaf.key`,
      "incus restart traefik",
    ]);
    const w = host.world();
    expect(w.incus.files?.["traefik/etc/traefik/certs/fullchain.crt"]).toEqual({ content: after, mode: "0644" });
    expect(w.incus.restarts).toEqual(["traefik"]);
  });
});
