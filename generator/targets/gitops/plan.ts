import { printShellScript } from "../../printers/shell/index.ts";
import type { ShellAssignment, ShellScriptIR } from "../../printers/shell/index.ts";
import { branchProblem, knownHostsProblem, SSH_KEY_TYPE } from "../../shared/text.ts";
import type { HostModel, Model } from "../../resolve/model.ts";
import { AGENT_PROGRAM, AGENT_PROLOGUE } from "./program-agent.ts";
import { COMMON_PROGRAM, joinPrograms } from "./program-common.ts";
import { ROLLBACK_PROGRAM, ROLLBACK_PROLOGUE } from "./program-rollback.ts";
import { ROLLBACK_RUN } from "./program-rollback-run.ts";

/** The settings cannot make a safe script; `problems` lists every reason at once. */
export class GitopsInputError extends Error {
  override name = "GitopsInputError";
  constructor(
    readonly host: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid GitOps settings for host ${host}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Everything the two scripts of one host need, taken from the Model (see gitopsInput). */
export interface GitopsScriptInput {
  /** Host name: the flake output `nixosConfigurations.<host>` that nixos-rebuild builds. */
  readonly host: string;
  readonly repository: string;
  readonly branch: string;
  readonly deployKeyFile: string;
  readonly knownHosts: readonly string[];
  /** As configured; bare public keys are given a principal by the planner (see allowedSignersFile). */
  readonly allowedSigners: readonly string[];
  readonly keepSnapshots: number;
  readonly checkoutDir: string;
  readonly statusFile: string;
  /** The labgen state dataset (e.g. rpool/labgen). */
  readonly stateDataset: string;
  /** Its mountpoint: the agent keeps its records in <stateDir>/gitops. */
  readonly stateDir: string;
  readonly appliesTofu: boolean;
  /** Datasets snapshotted (recursively) before each apply; empty unless appliesTofu. */
  readonly snapshotDatasets: readonly string[];
  /** File holding the OpenTofu state passphrase; null unless appliesTofu. */
  readonly tofuPassphraseFile: string | null;
  /** The OpenTofu root module inside the repository. */
  readonly tofuDir: string;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// ZFS dataset names: no '@' or '#' (snapshot/bookmark separators), no whitespace.
const DATASET = /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/;
// What the flake fragment `<checkout>#<host>` can carry without quoting.
const HOST = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Where labgen writes the OpenTofu configuration inside the lab repository. */
export const TOFU_DIR_IN_REPO = "out/tofu";

function checkPath(field: string, value: string, problems: string[]): void {
  if (!value.startsWith("/")) problems.push(`${field}: must be an absolute path on the host, got ${JSON.stringify(value)}`);
  if (CONTROL.test(value)) problems.push(`${field}: must not contain control characters`);
}

function checkLines(field: string, lines: readonly string[], problems: string[]): void {
  lines.forEach((line, i) => {
    // One entry is one line of a file the script writes: a newline would smuggle in another entry.
    if (CONTROL.test(line)) problems.push(`${field}[${i}]: must be one line without control characters`);
    if (line.trim() === "") problems.push(`${field}[${i}]: must not be empty`);
  });
}

function validate(input: GitopsScriptInput): void {
  const problems: string[] = [];
  if (!HOST.test(input.host)) problems.push(`host: ${JSON.stringify(input.host)} cannot be a flake output name`);
  if (input.repository === "" || CONTROL.test(input.repository) || input.repository.startsWith("-")) {
    problems.push("repository: must be a git URL without control characters, not starting with '-'");
  }
  const b = branchProblem(input.branch);
  if (b !== null) problems.push(`branch: ${JSON.stringify(input.branch)} ${b}`);
  checkPath("deployKeyFile", input.deployKeyFile, problems);
  checkPath("checkoutDir", input.checkoutDir, problems);
  checkPath("statusFile", input.statusFile, problems);
  checkPath("stateDir", input.stateDir, problems);
  if (input.tofuPassphraseFile !== null) checkPath("tofu.passphraseFile", input.tofuPassphraseFile, problems);
  if (input.knownHosts.length === 0) problems.push("knownHosts: at least one pinned host key is required (no trust on first use)");
  checkLines("knownHosts", input.knownHosts, problems);
  input.knownHosts.forEach((line, i) => {
    const p = knownHostsProblem(line);
    if (p !== null && line.trim() !== "") problems.push(`knownHosts[${i}]: ${p}`);
  });
  checkLines("allowedSigners", input.allowedSigners, problems);
  if (!Number.isSafeInteger(input.keepSnapshots) || input.keepSnapshots < 1) {
    problems.push(`keepSnapshots: a whole number ≥ 1, got ${input.keepSnapshots}`);
  }
  for (const ds of [...input.snapshotDatasets, input.stateDataset]) {
    if (!DATASET.test(ds)) problems.push(`dataset ${JSON.stringify(ds)} is not a ZFS dataset name`);
  }
  if (input.appliesTofu && input.snapshotDatasets.length === 0) problems.push("the OpenTofu host needs datasets to snapshot before apply");
  if (input.appliesTofu !== (input.tofuPassphraseFile !== null)) problems.push("tofu.passphraseFile is needed exactly on the OpenTofu host");
  if (problems.length > 0) throw new GitopsInputError(input.host, problems);
}

/**
 * Lines of the allowed_signers file. git's format is `<principals> [options] <key type> <key>`; a
 * bare public key (as people paste them) would be read as principal "ssh-ed25519" and never
 * match, so it gets the principal "*" and is restricted to git's signature namespace.
 */
export function allowedSignersFile(lines: readonly string[]): string[] {
  return lines.map((line) => {
    const trimmed = line.trim();
    return SSH_KEY_TYPE.test(trimmed.split(/\s+/)[0] ?? "") ? `* namespaces="git" ${trimmed}` : trimmed;
  });
}

/**
 * The snapshot roots: each dataset once, sorted, and none below another root (`snapshot -r` of a
 * parent already covers it, and naming both would make zfs refuse the duplicate).
 */
export function snapshotRoots(datasets: readonly string[]): string[] {
  const sorted = [...new Set(datasets)].sort();
  return sorted.filter((ds) => !sorted.some((other) => other !== ds && ds.startsWith(`${other}/`)));
}

/** Roots grouped by pool (the part before the first '/'), in root order: one atomic snapshot each. */
export function snapshotGroups(roots: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const ds of roots) {
    const pool = ds.split("/")[0];
    const group = groups.get(pool) ?? [];
    group.push(ds);
    groups.set(pool, group);
  }
  return [...groups.values()];
}

/** Maps one host of the Model onto the script input. */
export function gitopsInput(model: Model, host: HostModel): GitopsScriptInput {
  const g = host.gitops;
  if (g === null) throw new Error(`host ${host.name} has no gitops settings`);
  const stateDs = host.zpools.flatMap((p) => p.datasets.map((d) => ({ full: `${p.name}/${d.name}`, d }))).find((x) => x.full === host.stateDataset);
  if (stateDs === undefined || stateDs.d.mountpoint === null) {
    throw new GitopsInputError(host.name, [`the state dataset ${host.stateDataset} must exist and be mounted: the agent keeps its records there`]);
  }
  return {
    host: host.name,
    repository: g.repository,
    branch: g.branch,
    deployKeyFile: g.deployKeyFile,
    knownHosts: g.knownHosts,
    allowedSigners: g.allowedSigners,
    keepSnapshots: g.keepSnapshots,
    checkoutDir: g.checkoutDir,
    statusFile: g.statusFile,
    stateDataset: host.stateDataset,
    stateDir: stateDs.d.mountpoint,
    appliesTofu: g.appliesTofu,
    snapshotDatasets: g.appliesTofu ? snapshotRoots([...host.incusDatasets, host.stateDataset]) : [],
    tofuPassphraseFile: g.appliesTofu ? model.tofu.passphraseFile : null,
    tofuDir: TOFU_DIR_IN_REPO,
  };
}

const GENERATED = "Generated by labgen from lab.config.ts; edit the config and regenerate instead of this file.";

function commonAssignments(input: GitopsScriptInput): ShellAssignment[] {
  return [
    { name: "LAB_HOST", value: input.host, comment: "This host: the flake output nixosConfigurations.<host>." },
    { name: "STATE_DEFAULT_DIR", value: input.stateDir, comment: "Mountpoint of the labgen state dataset (LABGEN_STATE_DIR overrides it)." },
    { name: "STATUS_FILE", value: input.statusFile },
    {
      name: "SNAPSHOT_ROOTS",
      value: snapshotRoots(input.snapshotDatasets).join("\n"),
      comment: "Datasets snapshotted recursively before each OpenTofu apply, one per line.",
    },
  ];
}

/** labgen-gitops.sh as script IR: fixed program text plus quoted data assignments. */
export function agentScriptIr(input: GitopsScriptInput): ShellScriptIR {
  validate(input);
  const roots = snapshotRoots(input.snapshotDatasets);
  return {
    header: [
      `labgen-gitops.sh: the GitOps pull agent of host ${input.host} (systemd: labgen-gitops.service + .timer).`,
      GENERATED,
      "Fetches the lab repository over SSH (deploy key, pinned host keys), optionally checks the commit's",
      "SSH signature, then: nixos-rebuild switch; on the OpenTofu host a ZFS snapshot and tofu apply.",
      "Never two runs at once (flock). Result: the status file (JSON), stderr (journal), exit status.",
      "Environment: LABGEN_STATE_DIR, LABGEN_LOCK_FILE, LABGEN_SYSTEM_PROFILE relocate paths (tests).",
    ],
    assignments: [
      ...commonAssignments(input),
      { name: "REPOSITORY", value: input.repository, comment: "The lab repository and the branch that is deployed." },
      { name: "BRANCH", value: input.branch },
      { name: "DEPLOY_KEY_FILE", value: input.deployKeyFile, comment: "Read-only deploy key, a file on the host (never in the repository)." },
      { name: "KNOWN_HOSTS", value: input.knownHosts.map((l) => l.trim()).join("\n"), comment: "Pinned host keys of the git server, known_hosts lines." },
      {
        name: "ALLOWED_SIGNERS",
        value: allowedSignersFile(input.allowedSigners).join("\n"),
        comment: "allowed_signers lines; when empty, commits are deployed without a signature check.",
      },
      { name: "CHECKOUT_DIR", value: input.checkoutDir },
      {
        name: "SNAPSHOT_GROUPS",
        value: snapshotGroups(roots).map((g) => g.join(" ")).join("\n"),
        comment: "The snapshot roots by pool, one atomic `zfs snapshot -r` per line.",
      },
      { name: "KEEP_SNAPSHOTS", value: input.keepSnapshots, comment: "Pre-apply snapshots kept for rollback (older ones are pruned)." },
      { name: "APPLIES_TOFU", value: input.appliesTofu ? 1 : 0, comment: "1 on the host that runs tofu apply (and snapshots before it)." },
      { name: "TOFU_PASSPHRASE_FILE", value: input.tofuPassphraseFile ?? "", comment: "OpenTofu state passphrase, passed as TF_VAR_state_passphrase." },
      { name: "TOFU_SUBDIR", value: input.tofuDir, comment: "The OpenTofu root module inside the checkout." },
    ],
    body: joinPrograms(AGENT_PROLOGUE, COMMON_PROGRAM, AGENT_PROGRAM),
  };
}

/** labgen-rollback.sh as script IR. */
export function rollbackScriptIr(input: GitopsScriptInput): ShellScriptIR {
  validate(input);
  return {
    header: [
      `labgen-rollback.sh (installed as labgen-rollback): undo GitOps deploys on host ${input.host}.`,
      GENERATED,
      "labgen-rollback --list | [--dry-run] <commit> | --help",
      "<commit>: NixOS back to the generation before that deploy; Incus datasets and the labgen state",
      "dataset back to its pre-apply snapshot (zfs rollback -r: newer snapshots are destroyed).",
    ],
    assignments: [
      ...commonAssignments(input),
      {
        name: "STATE_DATASET",
        value: input.stateDataset,
        comment: "Rolled back last, so that the records on it outlive a failure with any other dataset.",
      },
    ],
    body: joinPrograms(ROLLBACK_PROLOGUE, COMMON_PROGRAM, ROLLBACK_PROGRAM, ROLLBACK_RUN),
  };
}

export function printAgentScript(input: GitopsScriptInput): string {
  return printShellScript(agentScriptIr(input));
}

export function printRollbackScript(input: GitopsScriptInput): string {
  return printShellScript(rollbackScriptIr(input));
}
