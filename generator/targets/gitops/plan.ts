import { printShellScript } from "../../printers/shell/index.ts";
import type { ShellAssignment, ShellScriptIR } from "../../printers/shell/index.ts";
import { branchProblem, CONTROL, knownHostsProblem, SSH_KEY_TYPE } from "../../shared/text.ts";
import type { HostModel, Model } from "../../resolve/model.ts";
import type { IngressFileModel, IngressModel } from "../../resolve/model.ts";
import { AGENT_PROGRAM, AGENT_PROLOGUE } from "./program-agent.ts";
import { AGENT_RUN } from "./program-agent-run.ts";
import { COMMON_PROGRAM, joinPrograms } from "./program-common.ts";
import { RENEW_PROGRAM, RENEW_PROLOGUE } from "./program-renew.ts";
import { ROLLBACK_PROGRAM, ROLLBACK_PROLOGUE } from "./program-rollback.ts";
import { ROLLBACK_INCUS_DB } from "./program-rollback-incus.ts";
import { ROLLBACK_RUN } from "./program-rollback-run.ts";
import { SNAPSHOT_PROGRAM } from "./program-snapshots.ts";
import { INTERMEDIATE_FAIL_DAYS, INTERMEDIATE_WARN_DAYS, renews } from "../../shared/gitops-unit.ts";
import { DATASETS } from "../../shared/lab.ts";

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
  /**
   * labgen's own datasets snapshotted (ZFS, not recursive) before each deploy: Incus's database
   * and, on the OpenTofu host, the OpenTofu state. Never a dataset Incus owns.
   */
  readonly undoDatasets: readonly string[];
  /**
   * The lab hosts whose instances and custom volumes this agent snapshots (Incus-native) before each
   * deploy, this host reached directly, the others as the Incus remotes named after them (the
   * provider's remotes, out/tofu/providers.tf). The agent that applies OpenTofu snapshots every host
   * it manages, so one set is the undo point of everything that apply changes; the other agents
   * then snapshot no instance (only their Incus database). Without an applying agent each agent
   * snapshots its own host.
   */
  readonly snapshotHosts: readonly string[];
  /** The labgen-owned parents of Incus storage (pool/incus): nothing of labgen's may be below them. */
  readonly incusParents: readonly string[];
  /** File holding the OpenTofu state passphrase; null unless appliesTofu. */
  readonly tofuPassphraseFile: string | null;
  /** The OpenTofu root module inside the repository. */
  readonly tofuDir: string;
  /** Files the first apply needs (the CA's chain and key for Traefik); empty unless appliesTofu. */
  readonly caFiles: readonly string[];
  /** Seconds the repository may stay unreachable after a switch before the agent switches back. */
  readonly networkDeadline: number;
  /** Backoff after a failed deploy: base (the poll interval) and cap, in seconds. */
  readonly backoffBase: number;
  readonly backoffMax: number;
  /** node-exporter textfile the agent rewrites after every run. */
  readonly metricsFile: string;
}

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
  input.snapshotHosts.forEach((h, i) => {
    if (!HOST.test(h)) problems.push(`snapshotHosts[${i}]: ${JSON.stringify(h)} cannot be an Incus remote name`);
  });
  for (const ds of [...input.undoDatasets, ...input.incusParents, input.stateDataset]) {
    if (!DATASET.test(ds)) problems.push(`dataset ${JSON.stringify(ds)} is not a ZFS dataset name`);
  }
  // A foreign snapshot on a dataset Incus owns breaks its restores and its pool creation.
  for (const ds of input.undoDatasets) {
    const parent = input.incusParents.find((p) => ds === p || ds.startsWith(`${p}/`));
    if (parent !== undefined) problems.push(`dataset ${ds} is Incus storage (below ${parent}): labgen never snapshots it`);
  }
  for (const [field, n] of [["networkDeadline", input.networkDeadline], ["backoffBase", input.backoffBase], ["backoffMax", input.backoffMax]] as const) {
    if (!Number.isSafeInteger(n) || n < 1) problems.push(`${field}: a whole number of seconds ≥ 1, got ${n}`);
  }
  checkPath("metricsFile", input.metricsFile, problems);
  input.caFiles.forEach((f, i) => checkPath(`caFiles[${i}]`, f, problems));
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

/** systemd time span ("30s", "5min", "1h") in seconds. */
export function spanSeconds(span: string): number {
  const m = /^([1-9][0-9]*)(s|min|h)$/.exec(span);
  if (m === null) throw new Error(`not a time span: ${JSON.stringify(span)}`);
  return Number(m[1]) * (m[2] === "s" ? 1 : m[2] === "min" ? 60 : 3600);
}

/** Seconds the repository may stay unreachable after a switch (links and DHCP need a moment). */
export const NETWORK_DEADLINE_SECONDS = 120;
/** Longest wait between two attempts to deploy the same failing commit. */
export const BACKOFF_MAX_SECONDS = 6 * 3600;

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
    undoDatasets: host.undoDatasets,
    snapshotHosts: g.appliesTofu
      ? [host.name, ...model.hosts.map((h) => h.name).filter((n) => n !== host.name)]
      : model.hosts.some((h) => h.gitops?.appliesTofu === true)
        ? []
        : [host.name],
    incusParents: host.incusDatasets,
    tofuPassphraseFile: g.appliesTofu ? model.tofu.passphraseFile : null,
    tofuDir: TOFU_DIR_IN_REPO,
    // The ingress gets the chain and key; every instance gets the root (the guests' trust anchor).
    caFiles: g.appliesTofu
      ? [...(model.ingress !== null ? [model.ca.files.fullchain, model.ca.files.leafKey] : []), ...(model.instances.length > 0 ? [model.ca.files.rootCert] : [])]
      : [],
    networkDeadline: NETWORK_DEADLINE_SECONDS,
    backoffBase: spanSeconds(g.interval),
    backoffMax: BACKOFF_MAX_SECONDS,
    metricsFile: `${stateDs.d.mountpoint}/metrics/labgen_gitops.prom`,
  };
}

const GENERATED = "Generated by labgen from lab.config.ts; edit the config and regenerate instead of this file.";

function commonAssignments(input: GitopsScriptInput): ShellAssignment[] {
  return [
    { name: "LAB_HOST", value: input.host, comment: "This host: the flake output nixosConfigurations.<host>." },
    { name: "STATE_DEFAULT_DIR", value: input.stateDir, comment: "Mountpoint of the labgen state dataset (LABGEN_STATE_DIR overrides it)." },
    { name: "STATUS_FILE", value: input.statusFile },
    {
      name: "UNDO_DATASETS",
      value: [...input.undoDatasets].sort().join("\n"),
      comment: "labgen's own datasets (Incus database, OpenTofu state), ZFS-snapshotted before each deploy, one per line.",
    },
    { name: "INCUS_PARENTS", value: [...input.incusParents].sort().join("\n"), comment: "Parents of Incus storage: never snapshotted by labgen." },
    {
      name: "SNAPSHOT_HOSTS",
      value: input.snapshotHosts.join("\n"),
      comment: "Hosts whose instances and volumes get Incus snapshots before each deploy: this one directly, the others as Incus remotes.",
    },
    { name: "CHECKOUT_DIR", value: input.checkoutDir },
    { name: "KEEP_SNAPSHOTS", value: input.keepSnapshots, comment: "labgen snapshot sets kept for rollback (older ones are pruned)." },
    { name: "APPLIES_TOFU", value: input.appliesTofu ? 1 : 0, comment: "1 on the host that runs tofu apply." },
    { name: "TOFU_PASSPHRASE_FILE", value: input.tofuPassphraseFile ?? "", comment: "OpenTofu state passphrase, passed as TF_VAR_state_passphrase." },
    { name: "TOFU_SUBDIR", value: input.tofuDir, comment: "The OpenTofu root module inside the checkout." },
  ];
}

/** labgen-gitops.sh as script IR: fixed program text plus quoted data assignments. */
export function agentScriptIr(input: GitopsScriptInput): ShellScriptIR {
  validate(input);
  return {
    header: [
      `labgen-gitops.sh: the GitOps pull agent of host ${input.host} (systemd: labgen-gitops.service + .timer).`,
      GENERATED,
      "Fetches the lab repository over SSH (deploy key, pinned host keys); refuses rewinds, unsigned",
      "commits (when signers are configured), drift and unallowed data loss; snapshots Incus instances and",
      "volumes (Incus-native) and labgen's own datasets; nixos-rebuild switch; proves the repository is",
      "still reachable; on the OpenTofu host applies the checked plan. Never two runs at once (flock).",
      "Result: the status file (JSON), metrics, stderr (journal), exit status.",
      "Environment: LABGEN_STATE_DIR, LABGEN_LOCK_FILE, LABGEN_SYSTEM_PROFILE relocate paths, LABGEN_NOW fixes the clock (tests).",
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
      { name: "CA_FILES", value: input.caFiles.join("\n"), comment: "Files the first apply needs (ca.sh init + issue makes them); the agent waits for them." },
      { name: "NETWORK_DEADLINE", value: input.networkDeadline, comment: "Seconds the repository may be unreachable after a switch before switching back." },
      { name: "BACKOFF_BASE", value: input.backoffBase, comment: "Retry delay after a failed deploy, doubled per failure of the same commit, up to BACKOFF_MAX." },
      { name: "BACKOFF_MAX", value: input.backoffMax },
      { name: "METRICS_FILE", value: input.metricsFile, comment: "node-exporter textfile: last success, last failure, deployed commit, held commits." },
    ],
    body: joinPrograms(AGENT_PROLOGUE, COMMON_PROGRAM, SNAPSHOT_PROGRAM, AGENT_PROGRAM, AGENT_RUN),
  };
}

/** labgen-rollback.sh as script IR. */
export function rollbackScriptIr(input: GitopsScriptInput): ShellScriptIR {
  validate(input);
  return {
    header: [
      `labgen-rollback.sh (installed as labgen-rollback): undo GitOps deploys on host ${input.host}.`,
      GENERATED,
      "labgen-rollback --list | [--dry-run] [--data[=…]] [--delete-later-snapshots] [--destroy-data] <commit> | --help",
      "<commit>: NixOS back to the generation before that deploy, OpenTofu applies the commit before it;",
      "with --data, instances and volumes back to the labgen snapshot Incus took before it.",
    ],
    assignments: [
      ...commonAssignments(input),
      {
        name: "INCUS_DB_DATASET",
        value: input.undoDatasets.find((ds) => ds.endsWith(`/${DATASETS.incusDaemon}`)) ?? "",
        comment: "Incus's database (/var/lib/incus): rolled back to a set's snapshot when the generation restored runs an older Incus.",
      },
    ],
    body: joinPrograms(ROLLBACK_PROLOGUE, COMMON_PROGRAM, SNAPSHOT_PROGRAM, ROLLBACK_PROGRAM, ROLLBACK_INCUS_DB, ROLLBACK_RUN),
  };
}

export function printAgentScript(input: GitopsScriptInput): string {
  return printShellScript(agentScriptIr(input));
}

export function printRollbackScript(input: GitopsScriptInput): string {
  return printShellScript(rollbackScriptIr(input));
}


function ingressFile(ing: IngressModel, role: IngressFileModel["role"]): IngressFileModel {
  const f = ing.files.find((x) => x.role === role);
  if (f === undefined) throw new Error(`the ingress contract has no ${role} file`);
  return f;
}

/** labgen-cert-renew.sh (the CA host, when the lab has an ingress), or null. */
export function renewScriptIr(model: Model, host: HostModel): ShellScriptIR | null {
  if (!renews(model, host) || model.ingress === null) return null;
  const cert = ingressFile(model.ingress, "certificate");
  const key = ingressFile(model.ingress, "key");
  return {
    header: [
      `labgen-cert-renew.sh (labgen-cert-renew.service + .timer): renews the lab's certificate on host ${host.name}.`,
      GENERATED,
      "Runs labgen-ca renew; when the certificate changed, pushes it into the ingress instance and restarts",
      "only that instance; warns, then fails, before the intermediate CA expires.",
      "Environment: LABGEN_CA_DIR relocates the CA directory (tests).",
    ],
    assignments: [
      { name: "CA_DEFAULT_DIR", value: model.ca.dir, comment: "The CA directory (ca.dir)." },
      { name: "INGRESS_INSTANCE", value: model.ingress.instance, comment: "The Traefik instance that serves the certificate." },
      { name: "CERT_TARGET", value: cert.path, comment: "Where the ingress reads the chain and the key (the ingress contract)." },
      { name: "KEY_TARGET", value: key.path },
      { name: "INTERMEDIATE_WARN_DAYS", value: INTERMEDIATE_WARN_DAYS },
      { name: "INTERMEDIATE_FAIL_DAYS", value: INTERMEDIATE_FAIL_DAYS },
    ],
    body: joinPrograms(RENEW_PROLOGUE, RENEW_PROGRAM),
  };
}
