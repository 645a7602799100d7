// The GitOps scripts, run for real: bash, git (a local bare repository as the lab repository),
// flock, ssh-keygen and coreutils are real; nixos-rebuild, tofu, zfs, systemctl, nix-env and
// switch-to-configuration are stand-ins that record their command lines (test/support/gitops.ts).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import type { GitopsModel, HostModel, Model } from "../../generator/resolve/model.ts";
import {
  GITOPS_FILES,
  GITOPS_HISTORY_COLUMNS,
  GITOPS_UNIT,
  GitopsInputError,
  allowedSignersFile,
  gitopsInput,
  gitopsInputCode,
  gitopsRuntimeInputs,
  gitopsTimerConfig,
  agentScriptIr,
  planGitops,
  rollbackScriptIr,
  printAgentScript,
  snapshotGroups,
  snapshotRoots,
} from "../../generator/targets/gitops/index.ts";
import type { GitopsScriptInput } from "../../generator/targets/gitops/index.ts";
import { makeFakeHost, makeSigningKey, requireCommand, runScript } from "../support/gitops.ts";
import { REFERENCE_CONFIG, REFERENCE_LOCK } from "../support/lab-fixtures.ts";
import type { FakeHost } from "../support/gitops.ts";
import { bashN, run, shellcheck } from "../support/shell.ts";

// Datasets of the fake `nas`: the snapshot roots of the reference lab plus children as Incus makes
// them (containers, VM block volumes, custom volumes) and datasets the agent must never touch.
const DATASETS = [
  "rpool",
  "rpool/incus",
  "rpool/incus/containers",
  "rpool/incus/containers/forgejo",
  "rpool/incus/virtual-machines",
  "rpool/incus/virtual-machines/homeassistant.block",
  "rpool/labgen",
  "rpool/var",
  "tank",
  "tank/incus",
  "tank/incus/custom",
  "tank/incus/custom/default_forgejo-data",
];
const ROOTS = ["rpool/incus", "rpool/labgen", "tank/incus"];
const underRoots = (d: string): boolean => ROOTS.some((r) => d === r || d.startsWith(`${r}/`));
/** The order labgen-rollback rolls datasets back in: by name, the state dataset (rpool/labgen) last. */
const ROLLBACK_ORDER = [...DATASETS.filter((d) => underRoots(d) && !d.startsWith("rpool/labgen")), "rpool/labgen"];

let reference: Model;

beforeAll(async () => {
  const r = await compile({ configFile: REFERENCE_CONFIG, lockFile: REFERENCE_LOCK });
  if (!r.ok) throw new Error(`the reference lab does not compile: ${JSON.stringify(r.diagnostics)}`);
  reference = r.model;
});

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.cleanup();
});

function fakeHost(originName?: string): FakeHost {
  const h = makeFakeHost({ datasets: DATASETS, originName });
  hosts.push(h);
  return h;
}

/** A copy of the reference Model whose nas.gitops is patched (e.g. repository → the fake origin). */
function labWith(patch: Partial<GitopsModel>): Model {
  const m = structuredClone(reference) as { hosts: HostModel[] } & Model;
  const nas = m.hosts.findIndex((h) => h.name === "nas");
  const gitops = m.hosts[nas].gitops;
  if (gitops === null) throw new Error("the reference lab's nas has no gitops");
  m.hosts[nas] = { ...m.hosts[nas], gitops: { ...gitops, ...patch } };
  return m;
}

/** Writes nas's two scripts from `model` into the fake host. */
function install(host: FakeHost, model: Model): { agent: string; rollback: string } {
  const files = planGitops(model).filter((f) => f.path.startsWith("hosts/nas/"));
  const agent = join(host.dir, "labgen-gitops.sh");
  const rollback = join(host.dir, "labgen-rollback.sh");
  writeFileSync(agent, files.find((f) => f.path.endsWith(GITOPS_UNIT.script))!.content, { mode: 0o755 });
  writeFileSync(rollback, files.find((f) => f.path.endsWith(GITOPS_UNIT.rollbackScript))!.content, { mode: 0o755 });
  return { agent, rollback };
}

function setup(patch: Partial<GitopsModel> = {}, originName?: string): { host: FakeHost; agent: string; rollback: string } {
  const host = fakeHost(originName);
  return { host, ...install(host, labWith({ repository: host.origin, ...patch })) };
}

interface Status {
  host: string;
  result: string;
  failedStep: string | null;
  commit: string | null;
  previousCommit: string | null;
  deployedCommit: string | null;
  time: string;
  snapshot: string | null;
  generation: number | null;
  message: string;
}

const statusOf = (host: FakeHost): Status => JSON.parse(readFileSync(join(host.stateDir, "status.json"), "utf8")) as Status;
const stateFile = (host: FakeHost, name: string): string => join(host.stateDir, GITOPS_FILES.dir, name);
const read = (file: string): string => (existsSync(file) ? readFileSync(file, "utf8") : "");
const history = (host: FakeHost): string[][] => read(stateFile(host, GITOPS_FILES.history)).split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
/** Recorded command lines with the temp dir written as $DIR. */
const commands = (host: FakeHost): string[] => host.commands().map((c) => c.replaceAll(host.dir, "$DIR"));
const snap = (seq: number, sha: string): string => `labgen-${String(seq).padStart(6, "0")}-${sha.slice(0, 12)}`;

/** The exact commands of one deploy on the apply host. */
function deployCommands(name: string): string[] {
  return [
    "nixos-rebuild switch --flake $DIR/state/checkout#nas",
    `zfs snapshot -r rpool/incus@${name} rpool/labgen@${name}`,
    `zfs snapshot -r tank/incus@${name}`,
    "tofu -chdir=$DIR/state/checkout/out/tofu init -input=false",
    "tofu -chdir=$DIR/state/checkout/out/tofu apply -input=false -auto-approve",
  ];
}

function deploy(host: FakeHost, agent: string, message: string): string {
  const sha = host.commit(message);
  const r = runScript(host, agent);
  if (r.status !== 0) throw new Error(`agent exited ${r.status} deploying "${message}":\n${r.stderr}`);
  return sha;
}

it("bash, shellcheck, git, flock and ssh-keygen are installed", () => {
  requireCommand("bash");
  requireCommand("shellcheck");
  requireCommand("git");
  requireCommand("flock");
  // ssh-keygen has no --version; -? prints usage and exits 1, so check it runs at all.
  const r = run("ssh-keygen", ["-?"]);
  expect(r.stderr).toMatch(/usage: ssh-keygen/);
});

describe("planGitops", () => {
  it("writes both scripts for every host with gitops, executable, with their provenance", () => {
    const files = planGitops(reference);
    expect(files.map((f) => f.path)).toEqual(["hosts/nas/labgen-gitops.sh", "hosts/nas/labgen-rollback.sh"]);
    for (const f of files) {
      expect(f.executable).toBe(true);
      expect(f.sources).toEqual(["hosts.nas.gitops", "tofu"]);
      expect(f.content.startsWith("#!/usr/bin/env bash\n")).toBe(true);
      expect(f.content).toMatch(/^set -euo pipefail$/m);
    }
    expect(planGitops(reference)).toEqual(files);
  });

  it("writes nothing for a host without gitops", () => {
    const m = structuredClone(reference) as { hosts: HostModel[] } & Model;
    m.hosts[0] = { ...m.hosts[0], gitops: null };
    expect(planGitops(m)).toEqual([]);
  });

  it("both scripts pass bash -n and shellcheck with no exclusions, in every variant", () => {
    const variants: Model[] = [
      reference,
      labWith({ allowedSigners: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop"] }),
      labWith({ appliesTofu: false }),
      labWith({ repository: "/tmp/it's a $(trap) `repo`\\.git" }),
    ];
    const dir = fakeHost().dir;
    variants.forEach((model, i) => {
      for (const f of planGitops(model)) {
        // The only silenced checks are the printer's, on a data assignment whose literal value
        // looks like code (e.g. "$(" in a path); the program text itself needs none.
        const lines = f.content.split("\n");
        lines.forEach((line, n) => {
          if (line.includes("shellcheck disable")) expect(lines[n + 1]).toMatch(/^readonly [A-Z_]+='/);
        });
        if (i < 3) expect(f.content).not.toContain("shellcheck disable");
        const file = join(dir, `${i}-${f.path.split("/").pop()}`);
        writeFileSync(file, f.content);
        const n = bashN(file);
        expect(n.output).toBe("");
        expect(n.ok).toBe(true);
        const sc = shellcheck(file);
        expect(sc.output).toBe("");
        expect(sc.ok).toBe(true);
      }
    });
  });

  it("data reaches the scripts only through the readonly assignments", () => {
    const input = gitopsInput(reference, reference.hosts[0]);
    expect(agentScriptIr(input).assignments.map((a) => a.name)).toEqual([
      "LAB_HOST", "STATE_DEFAULT_DIR", "STATUS_FILE", "SNAPSHOT_ROOTS", "REPOSITORY", "BRANCH", "DEPLOY_KEY_FILE", "KNOWN_HOSTS",
      "ALLOWED_SIGNERS", "CHECKOUT_DIR", "SNAPSHOT_GROUPS", "KEEP_SNAPSHOTS", "APPLIES_TOFU", "TOFU_PASSPHRASE_FILE", "TOFU_SUBDIR",
    ]);
    expect(rollbackScriptIr(input).assignments.map((a) => a.name)).toEqual(["LAB_HOST", "STATE_DEFAULT_DIR", "STATUS_FILE", "SNAPSHOT_ROOTS", "STATE_DATASET"]);
    // Two hosts with nothing in common produce the same program text after the assignments.
    const other: GitopsScriptInput = {
      ...input,
      host: "other",
      repository: "ssh://git@example.org:2222/x/y.git",
      branch: "release/1",
      knownHosts: ["[example.org]:2222 ssh-ed25519 AAAA"],
      keepSnapshots: 3,
      snapshotDatasets: ["zroot/incus", "zroot/labgen"],
    };
    const body = (text: string): string => text.slice(text.indexOf("\nreadonly PROG="));
    expect(body(printAgentScript(other))).toBe(body(printAgentScript(input)));
    for (const value of [input.repository, input.deployKeyFile, ...input.knownHosts, ...ROOTS]) {
      expect(body(printAgentScript(input))).not.toContain(value);
    }
  });

  it("the reference lab's values, as the scripts receive them", () => {
    const ir = agentScriptIr(gitopsInput(reference, reference.hosts[0]));
    const value = (name: string) => ir.assignments.find((a) => a.name === name)?.value;
    expect(value("SNAPSHOT_ROOTS")).toBe(ROOTS.join("\n"));
    // One atomic snapshot per pool: ZFS cannot snapshot across pools atomically.
    expect(value("SNAPSHOT_GROUPS")).toBe("rpool/incus rpool/labgen\ntank/incus");
    expect(value("STATE_DEFAULT_DIR")).toBe("/var/lib/labgen");
    expect(value("TOFU_PASSPHRASE_FILE")).toBe(reference.tofu.passphraseFile);
    expect(value("APPLIES_TOFU")).toBe(1);
    expect(value("KEEP_SNAPSHOTS")).toBe(10);
  });

  it("refuses settings that cannot make a safe script, listing every problem", () => {
    const input = gitopsInput(reference, reference.hosts[0]);
    const problems = (patch: Partial<GitopsScriptInput>): readonly string[] => {
      try {
        agentScriptIr({ ...input, ...patch });
      } catch (e) {
        expect(e).toBeInstanceOf(GitopsInputError);
        return (e as GitopsInputError).problems;
      }
      throw new Error("expected a GitopsInputError");
    };
    expect(problems({ knownHosts: ["github.com ssh-ed25519 AAAA\nevil.example ssh-ed25519 BBBB"] })).toEqual(["knownHosts[0]: must be one line without control characters"]);
    expect(problems({ knownHosts: ["ssh-ed25519 AAAA"] })[0]).toMatch(/^knownHosts\[0\]: want a known_hosts line/);
    expect(problems({ knownHosts: [] })[0]).toMatch(/no trust on first use/);
    expect(problems({ allowedSigners: ["* ssh-ed25519 AAAA\r"] })).toEqual(["allowedSigners[0]: must be one line without control characters"]);
    expect(problems({ branch: "main:refs/heads/other" })[0]).toMatch(/^branch: /);
    expect(problems({ branch: "../x" })[0]).toMatch(/^branch: /);
    expect(problems({ repository: "--upload-pack=touch /tmp/x" })[0]).toMatch(/^repository: /);
    expect(problems({ keepSnapshots: 0, snapshotDatasets: ["tank/inc us"] })).toHaveLength(2);
    expect(problems({ host: "nas#evil" })[0]).toMatch(/^host: /);
  });

  it("allowed signers: bare keys get a principal and git's namespace, full lines stay", () => {
    expect(allowedSignersFile(["ssh-ed25519 AAAAC3Nza alice@laptop", "alice@lab ssh-ed25519 AAAAC3Nzb", "  sk-ssh-ed25519@openssh.com AAAA  "])).toEqual([
      '* namespaces="git" ssh-ed25519 AAAAC3Nza alice@laptop',
      "alice@lab ssh-ed25519 AAAAC3Nzb",
      '* namespaces="git" sk-ssh-ed25519@openssh.com AAAA',
    ]);
  });

  it("snapshot roots: unique, sorted, none inside another; grouped by pool", () => {
    expect(snapshotRoots(["tank/incus", "rpool/labgen", "rpool/incus", "rpool/incus/x", "tank/incus"])).toEqual(["rpool/incus", "rpool/labgen", "tank/incus"]);
    expect(snapshotRoots(["rpool/incus", "rpool/incus2"])).toEqual(["rpool/incus", "rpool/incus2"]);
    expect(snapshotGroups(["rpool/incus", "rpool/labgen", "tank/incus"])).toEqual([["rpool/incus", "rpool/labgen"], ["tank/incus"]]);
  });
});

describe("GITOPS_UNIT", () => {
  it("names the unit, the scripts and the rollback command", () => {
    expect(GITOPS_UNIT.service).toBe("labgen-gitops");
    expect(GITOPS_UNIT.timer).toBe("labgen-gitops");
    expect(GITOPS_UNIT.script).toBe("labgen-gitops.sh");
    expect(GITOPS_UNIT.rollbackScript).toBe("labgen-rollback.sh");
    expect(GITOPS_UNIT.rollbackCommand).toBe("labgen-rollback");
    expect(GITOPS_UNIT.serviceSettings.restartIfChanged).toBe(false);
    expect(GITOPS_HISTORY_COLUMNS).toHaveLength(7);
    // The constant describes what the scripts really do.
    for (const f of planGitops(reference)) {
      expect(f.content).toContain(`LOCK_FILE=\${LABGEN_LOCK_FILE:-${GITOPS_UNIT.lockFile}}`);
    }
    const rollbackText = planGitops(reference)[1].content;
    expect(rollbackText).toContain(`systemctl start ${GITOPS_UNIT.incusUnits.start.join(" ")}`);
    for (const unit of GITOPS_UNIT.incusUnits.stop) expect(rollbackText).toMatch(new RegExp(`systemctl stop [^\n]*${unit.replace(".", "\\.")}`));
    for (const name of Object.values(GITOPS_FILES)) expect(rollbackText + planGitops(reference)[0].content).toContain(name);
  });

  it("runtime inputs as Nix expressions, OpenTofu and ZFS only on the apply host", () => {
    const nas = reference.hosts[0];
    expect(gitopsRuntimeInputs(nas).map(gitopsInputCode)).toEqual([
      "pkgs.coreutils",
      "pkgs.git",
      "pkgs.openssh",
      "pkgs.util-linux",
      "config.system.build.nixos-rebuild",
      "config.nix.package",
      "config.systemd.package",
      "config.boot.zfs.package",
      "config.virtualisation.incus.clientPackage",
      "(pkgs.opentofu.withPlugins (p: [ p.lxc_incus ]))",
    ]);
    const notApplying = labWith({ appliesTofu: false }).hosts[0];
    expect(gitopsRuntimeInputs(notApplying).map(gitopsInputCode)).not.toContain("config.boot.zfs.package");
    expect(gitopsRuntimeInputs(notApplying).map(gitopsInputCode)).not.toContain("config.virtualisation.incus.clientPackage");
    expect(gitopsRuntimeInputs({ ...nas, gitops: null })).toEqual([]);
    // The plain list is exactly the plain attributes of the detailed one.
    expect([...GITOPS_UNIT.runtimeInputs]).toEqual(
      GITOPS_UNIT.runtimeInputsDetailed.flatMap((r) => (r.input.kind === "pkgs" ? [r.input.attr] : [])),
    );
    expect(gitopsTimerConfig(nas.gitops!)).toEqual({ OnBootSec: "2min", OnUnitInactiveSec: "5min" });
  });

  it("every command the scripts run is provided by one runtime input", () => {
    const provided = new Set<string>(GITOPS_UNIT.runtimeInputsDetailed.flatMap((r) => r.provides));
    const text = planGitops(reference).map((f) => f.content).join("\n");
    for (const cmd of ["git", "flock", "nixos-rebuild", "zfs", "tofu", "systemctl", "nix-env", "date", "mktemp", "mv", "sort", "sync", "readlink", "chmod"]) {
      expect(text).toMatch(new RegExp(`(^|[\\s(!])${cmd} `, "m"));
      expect(provided.has(cmd)).toBe(true);
    }
  });
});

describe("labgen-gitops.sh (the agent), run for real", () => {
  it("a new commit: rebuild, then snapshot, then apply, in that order; status ok", () => {
    const { host, agent } = setup();
    const sha = host.commit("first");
    const r = runScript(host, agent);
    expect(r.stderr).toContain(`ok: deployed ${sha}`);
    expect(r.status).toBe(0);
    expect(commands(host)).toEqual(deployCommands(snap(1, sha)));
    // The rebuild saw the fetched commit checked out, and tofu applied that commit's configuration.
    expect(host.logLines("rebuilt.log")).toEqual([sha]);
    expect(host.logLines("applied.log")).toEqual(["# first"]);
    // Recursive snapshots reached the children (Incus containers, VM volumes, custom volumes).
    expect(host.snapshots()).toEqual(DATASETS.filter(underRoots).map((d) => `${d}@${snap(1, sha)}`));
    const s = statusOf(host);
    expect(s).toMatchObject({ host: "nas", result: "ok", failedStep: null, commit: sha, previousCommit: null, deployedCommit: sha, snapshot: snap(1, sha), generation: 2 });
    expect(s.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${sha}\n`);
    expect(history(host)).toEqual([[s.time, "ok", sha, "-", snap(1, sha), "2", "1"]]);
    expect(existsSync(stateFile(host, GITOPS_FILES.attempt))).toBe(false);
  });

  it("the passphrase reaches tofu through its environment only, never an output", () => {
    const { host, agent } = setup();
    host.commit("first");
    const r = runScript(host, agent);
    expect(r.status).toBe(0);
    expect(host.logLines("tofu-passphrase.log")).toEqual([host.passphrase, host.passphrase]);
    const everything = [r.stderr, r.out, read(join(host.stateDir, "status.json")), ...host.commands(), read(stateFile(host, GITOPS_FILES.history))].join("\n");
    expect(everything).not.toContain("horse");
  });

  it("pins the git server's host key: known_hosts is written from the config, strict checking on", () => {
    // An ssh stand-in records what git hands it; the repository is an SSH URL, as on a real host.
    const host = fakeHost();
    writeFileSync(join(host.dir, "bin", "ssh"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >"$FAKE_DIR/ssh-args"\nexit 255\n`, { mode: 0o755 });
    const { agent } = install(host, labWith({ repository: "git@git.example.org:lab.git" }));
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "fetch", commit: null });
    const args = read(join(host.dir, "ssh-args")).split("\n").filter((a) => a !== "");
    const knownHosts = stateFile(host, GITOPS_FILES.knownHosts);
    expect(args.slice(0, 14)).toEqual([
      "-i", join(host.stateDir, "secrets", "deploy-key"),
      "-o", "IdentitiesOnly=yes",
      "-o", `UserKnownHostsFile=${knownHosts}`,
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "StrictHostKeyChecking=yes",
      "-o", "BatchMode=yes",
      "-o", "ConnectTimeout=30",
    ]);
    // git adds at most its protocol option, then the server and the remote command.
    expect(args.slice(14).filter((a) => a !== "-o" && a !== "SendEnv=GIT_PROTOCOL")).toEqual(["git@git.example.org", "git-upload-pack 'lab.git'"]);
    expect(read(knownHosts)).toBe(`${reference.hosts[0].gitops!.knownHosts[0]}\n`);
    expect(host.commands()).toEqual([]);
  });

  it("an unchanged commit: nothing runs, status unchanged, exit 0", () => {
    const { host, agent } = setup();
    const sha = deploy(host, agent, "first");
    host.clearCommands();
    const r = runScript(host, agent);
    expect(r.status).toBe(0);
    expect(commands(host)).toEqual([]);
    expect(statusOf(host)).toMatchObject({ result: "unchanged", failedStep: null, commit: sha, previousCommit: sha, deployedCommit: sha, snapshot: null });
    expect(history(host)).toHaveLength(1);
  });

  it("a failing rebuild: no snapshot, no apply, status failed at rebuild, previous commit stays deployed", () => {
    const { host, agent } = setup();
    const first = deploy(host, agent, "first");
    const second = host.commit("second");
    host.clearCommands();
    host.setFailing("nixos-rebuild", true);
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("failed at step rebuild: nixos-rebuild switch failed");
    expect(commands(host)).toEqual(["nixos-rebuild switch --flake $DIR/state/checkout#nas"]);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "rebuild", commit: second, previousCommit: first, deployedCommit: first, snapshot: null });
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${first}\n`);
    expect(history(host).map((l) => l[1])).toEqual(["ok"]);
    // The next run retries, and succeeds once the rebuild does.
    host.setFailing("nixos-rebuild", false);
    host.clearCommands();
    expect(runScript(host, agent).status).toBe(0);
    expect(commands(host)).toEqual(deployCommands(snap(2, second)));
  });

  it("a failing apply: status failed at apply, the snapshot stays for rollback, the retry reuses it", () => {
    const { host, agent } = setup();
    const first = deploy(host, agent, "first");
    const second = host.commit("second");
    host.clearCommands();
    host.setFailing("tofu-apply", true);
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(commands(host)).toEqual(deployCommands(snap(2, second)));
    const s = statusOf(host);
    expect(s).toMatchObject({ result: "failed", failedStep: "apply", commit: second, previousCommit: first, deployedCommit: first, snapshot: snap(2, second) });
    expect(s.message).toContain(`labgen-rollback ${second.slice(0, 12)}`);
    expect(host.snapshots()).toContain(`rpool/labgen@${snap(2, second)}`);
    // Recorded so that labgen-rollback can undo the half-applied deploy.
    expect(history(host).map((l) => [l[1], l[2], l[4], l[6]])).toEqual([["ok", first, snap(1, first), "1"], ["failed", second, snap(2, second), "2"]]);

    // The retry: no second snapshot (the first one holds the state before any apply of this commit).
    host.setFailing("tofu-apply", false);
    host.clearCommands();
    expect(runScript(host, agent).status).toBe(0);
    expect(commands(host)).toEqual([
      "nixos-rebuild switch --flake $DIR/state/checkout#nas",
      "tofu -chdir=$DIR/state/checkout/out/tofu init -input=false",
      "tofu -chdir=$DIR/state/checkout/out/tofu apply -input=false -auto-approve",
    ]);
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: second, snapshot: snap(2, second) });
    // The ok line keeps the generation from before the first attempt: that is what rollback restores.
    expect(history(host).map((l) => [l[1], l[4], l[6]]).slice(1)).toEqual([["failed", snap(2, second), "2"], ["ok", snap(2, second), "2"]]);
  });

  it("a failing snapshot: nothing is applied", () => {
    const { host, agent } = setup();
    const sha = host.commit("first");
    host.setFailing("zfs-snapshot", true);
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(commands(host)).toEqual(deployCommands(snap(1, sha)).slice(0, 2));
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "snapshot", deployedCommit: null });
  });

  it("a missing OpenTofu passphrase fails the preflight before anything changes", () => {
    const { host, agent } = setup();
    host.commit("first");
    writeFileSync(join(host.stateDir, "secrets", "tofu-state-passphrase"), "");
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(commands(host)).toEqual([]);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "preflight", commit: null });
    expect(statusOf(host).message).toMatch(/passphrase file .* is missing, unreadable or empty/);
  });

  it("an unreachable repository fails at fetch", () => {
    const { host, agent } = setup({ repository: "/nonexistent/lab.git" });
    const r = runScript(host, agent);
    expect(r.status).toBe(1);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "fetch", commit: null });
    expect(commands(host)).toEqual([]);
  });

  it("signatures: unsigned → refused, nothing runs; signed by an allowed key → deployed; other key → refused", () => {
    const host = fakeHost();
    const alice = makeSigningKey(host.dir, "alice");
    const mallory = makeSigningKey(host.dir, "mallory");
    const { agent } = install(host, labWith({ repository: host.origin, allowedSigners: [alice.publicKey] }));

    const unsigned = host.commit("unsigned");
    let r = runScript(host, agent);
    expect(r.status).toBe(3);
    expect(commands(host)).toEqual([]);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "verify", commit: unsigned, deployedCommit: null });
    expect(read(stateFile(host, GITOPS_FILES.allowedSigners))).toBe(`* namespaces="git" ${alice.publicKey}\n`);

    const signed = host.commit("signed by alice", { signingKey: alice.key });
    r = runScript(host, agent);
    expect(r.stderr).toContain('Good "git" signature');
    expect(r.status).toBe(0);
    expect(commands(host)).toEqual(deployCommands(snap(1, signed)));
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: signed });

    host.clearCommands();
    const forged = host.commit("signed by mallory", { signingKey: mallory.key });
    r = runScript(host, agent);
    expect(r.status).toBe(3);
    expect(commands(host)).toEqual([]);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "verify", commit: forged, deployedCommit: signed });
  });

  it("never two runs at once: a second run is refused while the lock is held", () => {
    const { host, agent } = setup();
    const sha = deploy(host, agent, "first");
    host.commit("second");
    host.clearCommands();
    const before = read(join(host.stateDir, "status.json"));
    // flock(1) holds the lock file while it runs the agent: the agent's own lock attempt fails.
    const r = run("flock", [host.lockFile, "bash", agent], { env: host.env() });
    expect(r.status).toBe(75);
    expect(r.stderr).toContain("refused: another labgen-gitops or labgen-rollback run holds");
    expect(commands(host)).toEqual([]);
    // The status belongs to the run holding the lock; the refused one leaves it alone.
    expect(read(join(host.stateDir, "status.json"))).toBe(before);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${sha}\n`);
  });

  it("a run stopped by SIGTERM (systemctl stop) leaves a failed status naming the step", async () => {
    const { host, agent } = setup();
    host.commit("first");
    host.setSlowRebuild(true);
    const child = spawn("bash", [agent], { env: host.env(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(host.dir, "rebuild-started"))) {
      if (Date.now() > deadline) throw new Error(`the stand-in rebuild never started:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "rebuild", deployedCommit: null });
    expect(statusOf(host).message).toBe("stopped unexpectedly (exit status 143) during step rebuild");
    expect(commands(host)).toEqual(["nixos-rebuild switch --flake $DIR/state/checkout#nas"]);
  });

  it("retention: after keepSnapshots+2 deploys only keepSnapshots agent snapshots remain, others untouched", () => {
    const { host, agent } = setup({ keepSnapshots: 2 });
    const shas: string[] = [];
    for (const [i, msg] of ["one", "two", "three", "four"].entries()) {
      shas.push(deploy(host, agent, msg));
      if (i === 0) host.addForeignSnapshots(["rpool/labgen@autosnap_2026-01-01_00:00:00_hourly", "tank/incus/custom/default_forgejo-data@snapshot-daily-0"]);
    }
    const agentSnaps = [...new Set(host.snapshots().filter((s) => s.includes("@labgen-")).map((s) => s.split("@")[1]))];
    expect(agentSnaps).toEqual([snap(3, shas[2]), snap(4, shas[3])]);
    expect(commands(host).filter((c) => c.startsWith("zfs destroy"))).toEqual([
      ...ROOTS.map((r) => `zfs destroy -r ${r}@${snap(1, shas[0])}`),
      ...ROOTS.map((r) => `zfs destroy -r ${r}@${snap(2, shas[1])}`),
    ]);
    expect(host.snapshots()).toContain("rpool/labgen@autosnap_2026-01-01_00:00:00_hourly");
    expect(host.snapshots()).toContain("tank/incus/custom/default_forgejo-data@snapshot-daily-0");
  });

  it("a host that does not apply OpenTofu only rebuilds", () => {
    const { host, agent } = setup({ appliesTofu: false });
    const sha = host.commit("first");
    expect(runScript(host, agent).status).toBe(0);
    expect(commands(host)).toEqual(["nixos-rebuild switch --flake $DIR/state/checkout#nas"]);
    expect(statusOf(host)).toMatchObject({ result: "ok", snapshot: null, deployedCommit: sha });
    expect(history(host)[0].slice(1)).toEqual(["ok", sha, "-", "-", "2", "1"]);
  });

  it("awkward characters in the repository path reach git verbatim and run nothing", () => {
    const { host, agent } = setup({}, "it's a $(touch pwned) `touch pwned2` repo.git");
    const sha = host.commit("first");
    const r = runScript(host, agent);
    expect(r.status).toBe(0);
    expect(statusOf(host)).toMatchObject({ result: "ok", deployedCommit: sha });
    expect(existsSync(join(host.dir, "pwned"))).toBe(false);
    expect(existsSync(join(host.dir, "pwned2"))).toBe(false);
  });

  it("the status file stays valid JSON whatever characters a path holds", () => {
    const { host, agent } = setup();
    host.commit("first");
    // A state directory with a tab, a newline, a quote and a backslash; its passphrase file is
    // missing, so the preflight fails with a message that contains the path.
    const odd = join(host.dir, 'st\tate\n"dir"\\');
    const r = runScript(host, agent, [], { LABGEN_STATE_DIR: odd });
    expect(r.status).toBe(1);
    const s = JSON.parse(readFileSync(join(odd, "status.json"), "utf8")) as Status;
    expect(s).toMatchObject({ result: "failed", failedStep: "preflight" });
    expect(s.message).toContain(`${odd}/secrets/tofu-state-passphrase`);
  });

  it("--help prints usage; an unknown argument is a usage error", () => {
    const { host, agent } = setup();
    expect(runScript(host, agent, ["--help"]).out).toContain("usage: labgen-gitops [--help]");
    expect(runScript(host, agent, ["deploy"]).status).toBe(2);
  });
});

describe("labgen-rollback.sh, run for real", () => {
  /** Three deploys with snapshots, Incus and sanoid snapshots taken after the second one. */
  function threeDeploys(): { host: FakeHost; agent: string; rollback: string; shas: string[] } {
    const s = setup();
    const shas = [deploy(s.host, s.agent, "one"), deploy(s.host, s.agent, "two")];
    s.host.addForeignSnapshots(["rpool/labgen@autosnap_2026-01-02_00:00:00_hourly", "tank/incus/custom/default_forgejo-data@snapshot-daily-1"]);
    shas.push(deploy(s.host, s.agent, "three"));
    s.host.clearCommands();
    return { ...s, shas };
  }

  it("--list shows every deploy, newest first: commit, time, generation, snapshot, whether it can be undone", () => {
    const { host, rollback, shas } = threeDeploys();
    const r = runScript(host, rollback, ["--list"]);
    expect(r.status).toBe(0);
    const rows = r.out.split("\n").slice(2, 5).map((l) => l.split(/\s{2,}/));
    const time = history(host)[0][0];
    expect(rows.map((row) => row.slice(1))).toEqual([
      ["ok", shas[2].slice(0, 12), shas[1].slice(0, 12), "3->4", snap(3, shas[2]), "possible"],
      ["ok", shas[1].slice(0, 12), shas[0].slice(0, 12), "2->3", snap(2, shas[1]), "possible"],
      ["ok", shas[0].slice(0, 12), "-", "1->2", snap(1, shas[0]), "possible"],
    ]);
    expect(rows[2][0]).toBe(time);
    expect(commands(host)).toEqual([]);
  });

  it("--dry-run <commit> prints the planned steps and changes nothing", () => {
    const { host, rollback, shas } = threeDeploys();
    const files = [GITOPS_FILES.history, GITOPS_FILES.deployed].map((f) => read(stateFile(host, f)));
    const snapshots = host.snapshots();
    const r = runScript(host, rollback, ["--dry-run", shas[1].slice(0, 7)]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(commands(host)).toEqual([]);
    expect(host.snapshots()).toEqual(snapshots);
    expect([GITOPS_FILES.history, GITOPS_FILES.deployed].map((f) => read(stateFile(host, f)))).toEqual(files);
    expect(existsSync(stateFile(host, GITOPS_FILES.hold))).toBe(false);
    const s = snap(2, shas[1]);
    const steps = r.out.split("\n").filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.replace(/^\s+\d+\. /, "").replaceAll(host.dir, "$DIR"));
    expect(steps).toEqual([
      "nix-env -p $DIR/profiles/system --switch-generation 2",
      "$DIR/profiles/system/bin/switch-to-configuration switch",
      "systemctl stop incus-startup.service",
      "systemctl stop incus.service incus.socket",
      `zfs rollback -r rpool/incus@${s}`,
      `zfs rollback -r rpool/incus/containers@${s}`,
      `zfs rollback -r rpool/incus/containers/forgejo@${s}`,
      `zfs rollback -r rpool/incus/virtual-machines@${s}`,
      `zfs rollback -r rpool/incus/virtual-machines/homeassistant.block@${s}`,
      `zfs rollback -r tank/incus@${s}`,
      `zfs rollback -r tank/incus/custom@${s}`,
      `zfs rollback -r tank/incus/custom/default_forgejo-data@${s}`,
      `zfs rollback -r rpool/labgen@${s}`,
      "(records in $DIR/state/gitops)",
      "systemctl start incus.socket incus.service incus-startup.service",
    ]);
    expect(r.out).toContain(`the lab returns to commit ${shas[0]} as deployed then.`);
    expect(r.out).toContain(`hold         ${[shas[1], shas[2]].sort().join(" ")}`);
    expect(existsSync(stateFile(host, GITOPS_FILES.rollbackIncomplete))).toBe(false);
    // What rollback -r destroys, the other tools' snapshots included.
    expect(r.out).toContain("  rpool/labgen@autosnap_2026-01-02_00:00:00_hourly\n");
    expect(r.out).toContain("  tank/incus/custom/default_forgejo-data@snapshot-daily-1\n");
    expect(r.out).toContain(`  tank/incus@${snap(3, shas[2])}\n`);
  });

  it("<commit>: NixOS generation switch, Incus stopped, every dataset rolled back, Incus started, records kept", () => {
    const { host, agent, rollback, shas } = threeDeploys();
    const before = history(host);
    const r = runScript(host, rollback, [shas[1]]);
    expect(r.stderr).toContain("done: the lab is back before");
    expect(r.status).toBe(0);
    const s = snap(2, shas[1]);
    expect(commands(host)).toEqual([
      "nix-env -p $DIR/profiles/system --switch-generation 2",
      "switch-to-configuration switch [generation 2]",
      "systemctl stop incus-startup.service",
      "systemctl stop incus.service incus.socket",
      ...ROLLBACK_ORDER.map((d) => `zfs rollback -r ${d}@${s}`),
      "systemctl start incus.socket incus.service incus-startup.service",
    ]);
    // rollback -r destroyed the newer snapshots, the agent's and the others'.
    expect(host.snapshots().filter((x) => x.includes(snap(3, shas[2])) || x.includes("autosnap") || x.includes("daily-1"))).toEqual([]);
    expect(host.snapshots()).toContain(`rpool/labgen@${s}`);
    // Records: the history survives (the state rollback rewound the file), plus the rollback line.
    const h = history(host);
    expect(h.slice(0, 3)).toEqual(before);
    expect(h[3].slice(1)).toEqual(["rollback", shas[0], shas[2], s, "2", "4"]);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${shas[0]}\n`);
    expect(read(stateFile(host, GITOPS_FILES.hold))).toBe([shas[1], shas[2]].sort().join("\n") + "\n");
    expect(statusOf(host)).toMatchObject({ result: "rolled-back", failedStep: null, commit: shas[0], previousCommit: shas[2], deployedCommit: shas[0], snapshot: s, generation: 2 });
    expect(existsSync(stateFile(host, GITOPS_FILES.rollbackIncomplete))).toBe(false);

    // The agent does not redeploy the undone head ...
    host.clearCommands();
    const refused = runScript(host, agent);
    expect(refused.status).toBe(3);
    expect(commands(host)).toEqual([]);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "hold", commit: shas[2] });
    // ... until the branch moves on (a revert), which deploys and lifts the hold. The sequence
    // continues after the destroyed snapshot's number, so no name is ever reused.
    const revert = host.commit("revert three and two");
    expect(runScript(host, agent).status).toBe(0);
    expect(commands(host)).toEqual(deployCommands(snap(4, revert)));
    expect(existsSync(stateFile(host, GITOPS_FILES.hold))).toBe(false);
  });

  it("undoing a failed apply returns to the last good deploy", () => {
    const { host, agent, rollback } = setup();
    const good = deploy(host, agent, "good");
    const bad = host.commit("bad");
    host.setFailing("tofu-apply", true);
    expect(runScript(host, agent).status).toBe(1);
    host.clearCommands();
    const r = runScript(host, rollback, [bad.slice(0, 12)]);
    expect(r.status).toBe(0);
    expect(commands(host)).toContain(`zfs rollback -r rpool/labgen@${snap(2, bad)}`);
    expect(commands(host)[0]).toBe("nix-env -p $DIR/profiles/system --switch-generation 2");
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${good}\n`);
    expect(read(stateFile(host, GITOPS_FILES.hold))).toBe(`${bad}\n`);
    expect(existsSync(stateFile(host, GITOPS_FILES.attempt))).toBe(false);
  });

  it("a dataset rollback failing before any dataset changed: Incus comes back, the agent stays away", () => {
    const { host, agent, rollback, shas } = threeDeploys();
    host.setFailing("zfs-rollback", true);
    const r = runScript(host, rollback, [shas[2]]);
    expect(r.status).toBe(1);
    expect(commands(host).slice(-2)).toEqual([`zfs rollback -r rpool/incus@${snap(3, shas[2])}`, "systemctl start incus.socket incus.service incus-startup.service"]);
    expect(r.stderr).toContain("no dataset was rolled back: starting Incus again");
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${shas[2]}\n`);
    expect(statusOf(host)).toMatchObject({ result: "failed", failedStep: "rollback", commit: shas[2] });
    // The NixOS generation was switched already: until the rollback is rerun, no deploy.
    host.commit("four");
    host.clearCommands();
    const a = runScript(host, agent);
    expect(a.status).toBe(3);
    expect(statusOf(host)).toMatchObject({ result: "refused", failedStep: "rollback" });
    expect(commands(host)).toEqual([]);
  });

  it("a dataset rollback failing half-way leaves Incus stopped; a rerun finishes the job", () => {
    const { host, agent, rollback, shas } = threeDeploys();
    const s = snap(3, shas[2]);
    // The stand-in fails on tank/incus only: rpool/incus and its children are rolled back already.
    writeFileSync(join(host.dir, "fail-zfs-rollback"), "tank/incus");
    let r = runScript(host, rollback, [shas[2]]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Incus is left STOPPED");
    expect(commands(host)).not.toContain("systemctl start incus.socket incus.service incus-startup.service");
    // The state dataset was not rolled back yet (it goes last), so the records and marker are intact.
    expect(history(host)).toHaveLength(3);
    expect(existsSync(stateFile(host, GITOPS_FILES.rollbackIncomplete))).toBe(true);
    expect(runScript(host, agent).status).toBe(3);

    host.setFailing("zfs-rollback", false);
    host.clearCommands();
    r = runScript(host, rollback, [shas[2]]);
    expect(r.status).toBe(0);
    // NixOS is already on the target generation: no switch the second time.
    expect(commands(host)).toEqual([
      "systemctl stop incus-startup.service",
      "systemctl stop incus.service incus.socket",
      ...ROLLBACK_ORDER.map((d) => `zfs rollback -r ${d}@${s}`),
      "systemctl start incus.socket incus.service incus-startup.service",
    ]);
    expect(existsSync(stateFile(host, GITOPS_FILES.rollbackIncomplete))).toBe(false);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${shas[1]}\n`);
  });

  it("on a host that does not apply OpenTofu, rollback only switches the NixOS generation", () => {
    const { host, agent, rollback } = setup({ appliesTofu: false });
    const first = deploy(host, agent, "first");
    const second = deploy(host, agent, "second");
    host.clearCommands();
    const r = runScript(host, rollback, [second]);
    expect(r.status).toBe(0);
    expect(r.out).toContain("This host does not apply OpenTofu: no dataset is rolled back.");
    expect(commands(host)).toEqual(["nix-env -p $DIR/profiles/system --switch-generation 2", "switch-to-configuration switch [generation 2]"]);
    expect(read(stateFile(host, GITOPS_FILES.deployed))).toBe(`${first}\n`);
    expect(read(stateFile(host, GITOPS_FILES.hold))).toBe(`${second}\n`);
  });

  it("refuses what it cannot do: unknown commit, pruned snapshot, deleted generation, held lock", () => {
    const { host, agent, rollback } = setup({ keepSnapshots: 1 });
    const first = deploy(host, agent, "first");
    const second = deploy(host, agent, "second");
    host.clearCommands();
    let r = runScript(host, rollback, ["deadbeef"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no deploy of a commit starting with deadbeef");
    r = runScript(host, rollback, [first.slice(0, 12)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`snapshot ${snap(1, first)} no longer exists`);
    r = runScript(host, rollback, ["--dry-run", "xyz"]);
    expect(r.status).toBe(2);
    const locked = run("flock", [host.lockFile, "bash", rollback, second], { env: host.env() });
    expect(locked.status).toBe(75);
    run("rm", [join(host.dir, "profiles", "system-2-link")]);
    r = runScript(host, rollback, ["--dry-run", second]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("NixOS generation 2 (before the deploy of");
    expect(commands(host)).toEqual([]);
  });

  it("--list with no deploys says so; usage errors exit 2", () => {
    const { host, rollback } = setup();
    const r = runScript(host, rollback, ["--list"]);
    expect(r.status).toBe(0);
    expect(r.out).toContain("No deploy recorded on nas yet");
    expect(runScript(host, rollback, []).status).toBe(2);
    expect(runScript(host, rollback, ["--list", "--dry-run"]).status).toBe(2);
    expect(runScript(host, rollback, ["--help"]).out).toContain("usage: labgen-rollback --list");
  });
});
