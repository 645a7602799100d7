// The GitOps agent's contract, pure data shared by two sibling targets: the gitops target writes
// the scripts, the NixOS target the units that run them. Unit names, file names, the runtime
// inputs (as structured data the NixOS target turns into Nix expressions) and the unit settings
// the scripts rely on. The scripts take every tool from PATH, so this list IS their dependency list.
import type { GitopsModel, HostModel, Model } from "../resolve/model.ts";
import { CERT_RENEW_UNIT_NAME, GITOPS_UNIT_NAME } from "./foundation.ts";

/**
 * One runtime input as Nix sees it. Kept structured (not Nix text) so the NixOS target prints it
 * through its own printer; `gitopsInputCode` gives the canonical spelling.
 *   pkgs         → pkgs.<attr>                         (a plain nixpkgs attribute)
 *   config       → config.<path…>                      (the host's own package, e.g. its ZFS)
 *   withPlugins  → (pkgs.<attr>.withPlugins (p: [ p.<plugin> … ]))
 */
export type GitopsNixInput =
  | { readonly kind: "pkgs"; readonly attr: string }
  | { readonly kind: "config"; readonly path: readonly string[] }
  | { readonly kind: "withPlugins"; readonly attr: string; readonly plugins: readonly string[] };

export interface GitopsRuntimeInput {
  readonly input: GitopsNixInput;
  /** "all": every host with gitops; "tofu": only the host whose agent applies OpenTofu (gitops.appliesTofu). */
  readonly hosts: "all" | "tofu";
  /** Commands the scripts run from this input (they find them on PATH). */
  readonly provides: readonly string[];
  readonly why: string;
}

/** Files the scripts keep in `<state dir>/gitops/` (the state dir is the labgen state dataset's mountpoint). */
export const GITOPS_FILES = {
  dir: "gitops",
  /** One line per deploy and rollback, tab-separated (see GITOPS_HISTORY_COLUMNS). */
  history: "deploys.tsv",
  /** The last successfully deployed commit (40 hex). */
  deployed: "deployed",
  /** The deploy in progress or whose apply failed: its pre-apply snapshot is reused by the retry. */
  attempt: "attempt",
  /** Commits undone by labgen-rollback: the agent refuses to redeploy them (one per line). */
  hold: "hold",
  /** Exists while labgen-rollback runs, and after one that failed half-way: the agent refuses to deploy. */
  rollbackIncomplete: "rollback-incomplete",
  /** Written from gitops.knownHosts on every run: the only host keys ssh accepts. */
  knownHosts: "known_hosts",
  /** Written from gitops.allowedSigners when it is non-empty. */
  allowedSigners: "allowed_signers",
  /** "<commit> TAB <count> TAB <epoch>": failures of the commit being retried (exponential backoff). */
  failures: "failures",
  /** The documented override for a rewind: the full id of the one non-fast-forward commit to deploy. */
  allowRewind: "allow-rewind",
  /** One manifest per labgen snapshot set: what it holds, so rollback and pruning touch nothing else. */
  snapshots: "snapshots",
} as const;

/** Columns of deploys.tsv, in order. Empty values are written as "-". */
export const GITOPS_HISTORY_COLUMNS = [
  "time", // UTC, 2026-01-02T03:04:05Z
  "result", // ok | failed (OpenTofu apply failed) | rollback
  "commit", // the commit deployed (for "rollback": the commit restored)
  "previous", // the commit deployed before it
  "snapshot", // the snapshot set taken before the deploy (labgen-<seq>-<sha12>)
  "generation", // NixOS system generation after the switch
  "previousGeneration", // NixOS system generation before the switch (what rollback returns to)
] as const;

/** Days before the intermediate CA expires when the renewal starts warning, then failing. */
export const INTERMEDIATE_WARN_DAYS = 90;
export const INTERMEDIATE_FAIL_DAYS = 30;

export const GITOPS_UNIT = {
  /** systemd.services.<service>: Type=oneshot, runs `script` as root. */
  service: GITOPS_UNIT_NAME,
  /** systemd.timers.<timer>: OnUnitInactiveSec = host.gitops.interval (see gitopsTimerConfig). */
  timer: GITOPS_UNIT_NAME,
  /** out/hosts/<host>/<script>: the pull agent (ExecStart). */
  script: "labgen-gitops.sh",
  /** out/hosts/<host>/<rollbackScript>: installed on PATH as `rollbackCommand` for the admin. */
  rollbackScript: "labgen-rollback.sh",
  rollbackCommand: "labgen-rollback",
  /** out/hosts/<host>/<renewScript>: labgen-cert-renew.service, started daily by its timer. */
  renewScript: "labgen-cert-renew.sh",
  renewService: CERT_RENEW_UNIT_NAME,
  /** out/ca/ca.sh packaged for the renewal (path from out/hosts/<host>/). */
  caCommand: "labgen-ca",
  caScriptFromHost: "../../ca/ca.sh",
  /** Tools of ca.sh and the renewal (openssl, sha256sum, incus). */
  renewRuntimeInputs: ["coreutils", "gnugrep", "gnused", "openssl"],
  /** Daily, and at the next boot when the host was off at that time. */
  renewTimer: { OnCalendar: "daily", Persistent: true, RandomizedDelaySec: "1h" },
  /** Plain nixpkgs attributes (pkgs.<name>) both scripts need on every gitops host. */
  runtimeInputs: ["coreutils", "git", "openssh", "gnugrep", "gnused", "jq", "util-linux"],
  /**
   * Everything on PATH, plain attributes included, with where each comes from and why. The
   * non-plain ones must come from the host's own configuration so the scripts drive exactly the
   * ZFS, Nix and systemd that the host runs.
   */
  runtimeInputsDetailed: [
    {
      input: { kind: "pkgs", attr: "coreutils" },
      hosts: "all",
      provides: ["date", "mktemp", "mv", "chmod", "readlink", "sort", "sync", "rm", "mkdir", "timeout", "tail", "tr", "cut"],
      why: "file handling, the UTC time of each run, the network guard's deadline",
    },
    { input: { kind: "pkgs", attr: "git" }, hosts: "all", provides: ["git"], why: "fetch, signature check and checkout of the lab repository" },
    {
      input: { kind: "pkgs", attr: "openssh" },
      hosts: "all",
      provides: ["ssh", "ssh-keygen"],
      why: "git fetches over SSH with the deploy key; `git verify-commit` runs ssh-keygen -Y for SSH signatures",
    },
    { input: { kind: "pkgs", attr: "gnugrep" }, hosts: "all", provides: ["grep"], why: "counting held commits, finding objects in a snapshot manifest" },
    { input: { kind: "pkgs", attr: "gnused" }, hosts: "all", provides: ["sed"], why: "the snapshots Incus took after a labgen snapshot" },
    { input: { kind: "pkgs", attr: "jq" }, hosts: "all", provides: ["jq"], why: "reading labgen plan --json and tofu show -json" },
    { input: { kind: "pkgs", attr: "util-linux" }, hosts: "all", provides: ["flock"], why: "never two runs (or a run and a rollback) at once" },
    {
      input: { kind: "config", path: ["system", "build", "nixos-rebuild"] },
      hosts: "all",
      provides: ["nixos-rebuild"],
      why:
        "the host's own nixos-rebuild, built against config.nix.package; it is nixos-rebuild-ng with the plain `nixos-rebuild` " +
        "binary name (pkgs.nixos-rebuild-ng alone installs `nixos-rebuild-ng`, and the bash pkgs.nixos-rebuild is gone in 26.05)",
    },
    {
      input: { kind: "config", path: ["nix", "package"] },
      hosts: "all",
      provides: ["nix", "nix-env"],
      why: "`nix run <checkout>#default` runs the commit's own labgen (diff, plan); the network guard and labgen-rollback switch the system profile",
    },
    { input: { kind: "config", path: ["systemd", "package"] }, hosts: "all", provides: ["systemctl", "systemd-run"], why: "labgen-rollback runs as a transient unit (systemd-run)" },
    {
      input: { kind: "config", path: ["boot", "zfs", "package"] },
      hosts: "all",
      provides: ["zfs"],
      why: "snapshots of labgen's own datasets (Incus database, OpenTofu state); must match the loaded kernel module, hence the host's own package",
    },
    {
      input: { kind: "config", path: ["virtualisation", "incus", "clientPackage"] },
      hosts: "all",
      provides: ["incus"],
      why: "Incus-native snapshots of instances and volumes before each deploy, restores; out/tofu restarts Traefik with `incus restart`",
    },
    {
      input: { kind: "withPlugins", attr: "opentofu", plugins: ["lxc_incus"] },
      hosts: "tofu",
      provides: ["tofu"],
      why: "OpenTofu with the lxc/incus provider from nixpkgs, so `tofu init` needs no registry download",
    },
  ] satisfies readonly GitopsRuntimeInput[],
  /** Unit settings the scripts rely on. */
  serviceSettings: {
    type: "oneshot",
    user: "root",
    /**
     * The agent runs `nixos-rebuild switch`, which restarts changed units: restarting (or stopping,
     * on removal) this unit would kill the agent in the middle of its own deploy. Same reasoning as
     * NixOS's system.autoUpgrade: restartIfChanged = false; unitConfig.X-StopOnRemoval = false.
     */
    restartIfChanged: false,
    stopOnRemoval: false,
    after: ["network-online.target"],
    wants: ["network-online.target"],
    /**
     * An overall bound: a hung build or apply ends the run (the next one retries with backoff)
     * instead of blocking every later deploy. A first build of the host can take long.
     */
    timeoutStartSec: "2h",
    /** 75 = "nothing to do now" (busy, backoff, held, waiting for the CA): not a failure, no OnFailure. */
    successExitStatus: "75",
  },
  /**
   * Exit statuses of the agent (labgen-rollback: 0 done, 1 failed, 2 usage, 75 busy). 1 and 3 leave
   * the unit failed on purpose (OnFailure= fires once per failure or refusal); 75 is "not now".
   */
  exitStatus: { ok: 0, failed: 1, usage: 2, refused: 3, notNow: 75 },
  /** The lock both scripts take (tmpfs: a rollback of the state dataset cannot rewind it). */
  lockFile: "/run/labgen-gitops.lock",
  /** Environment overrides both scripts honour (tests and staging copies; unset on a host). */
  environment: {
    LABGEN_STATE_DIR: "moves every configured path below the state directory (checkout, status, secrets, gitops/)",
    LABGEN_LOCK_FILE: "the lock file instead of /run/labgen-gitops.lock",
    LABGEN_SYSTEM_PROFILE: "the NixOS system profile instead of /nix/var/nix/profiles/system",
    LABGEN_NOW: "the current time in seconds since the epoch (backoff), instead of the clock",
  },
} as const;

/** The runtime inputs one host needs (the OpenTofu ones only on the apply host), in list order. */
export function gitopsRuntimeInputs(host: HostModel): GitopsNixInput[] {
  const gitops = host.gitops;
  if (gitops === null) return [];
  return GITOPS_UNIT.runtimeInputsDetailed.filter((r) => r.hosts === "all" || gitops.appliesTofu).map((r) => r.input);
}

/**
 * Whether this host runs the certificate renewal (the CA host, the one that applies OpenTofu, of a
 * lab with an ingress): the GitOps target writes the script and the NixOS target its unit from it.
 */
export function renews(model: Model, host: HostModel): boolean {
  return host.gitops !== null && host.gitops.appliesTofu && model.ingress !== null;
}

/** Timer settings: first run shortly after boot, then `interval` after each run finished. */
export function gitopsTimerConfig(gitops: GitopsModel): { readonly OnBootSec: string; readonly OnUnitInactiveSec: string } {
  return { OnBootSec: "2min", OnUnitInactiveSec: gitops.interval };
}

const NIX_ATTR = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

function attr(name: string): string {
  if (!NIX_ATTR.test(name)) throw new Error(`not a plain Nix attribute name: ${JSON.stringify(name)}`);
  return name;
}

/** The Nix expression for one input, e.g. `pkgs.git`, `config.boot.zfs.package`. */
export function gitopsInputCode(input: GitopsNixInput): string {
  switch (input.kind) {
    case "pkgs":
      return `pkgs.${attr(input.attr)}`;
    case "config":
      return `config.${input.path.map(attr).join(".")}`;
    case "withPlugins":
      return `(pkgs.${attr(input.attr)}.withPlugins (p: [ ${input.plugins.map((p) => `p.${attr(p)}`).join(" ")} ]))`;
  }
}
