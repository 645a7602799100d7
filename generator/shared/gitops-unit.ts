// The GitOps agent's contract, pure data shared by two sibling targets: the gitops target writes
// the scripts, the NixOS target the units that run them. Unit names, file names, the runtime
// inputs (as structured data the NixOS target turns into Nix expressions) and the unit settings
// the scripts rely on. The scripts take every tool from PATH, so this list IS their dependency list.
import type { GitopsModel, HostModel } from "../resolve/model.ts";

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
} as const;

/** Columns of deploys.tsv, in order. Empty values are written as "-". */
export const GITOPS_HISTORY_COLUMNS = [
  "time", // UTC, 2026-01-02T03:04:05Z
  "result", // ok | failed (OpenTofu apply failed) | rollback
  "commit", // the commit deployed (for "rollback": the commit restored)
  "previous", // the commit deployed before it
  "snapshot", // the pre-apply snapshot (labgen-<seq>-<sha12>), "-" on hosts that do not apply OpenTofu
  "generation", // NixOS system generation after the switch
  "previousGeneration", // NixOS system generation before the switch (what rollback returns to)
] as const;

export const GITOPS_UNIT = {
  /** systemd.services.<service>: Type=oneshot, runs `script` as root. */
  service: "labgen-gitops",
  /** systemd.timers.<timer>: OnUnitInactiveSec = host.gitops.interval (see gitopsTimerConfig). */
  timer: "labgen-gitops",
  /** out/hosts/<host>/<script>: the pull agent (ExecStart). */
  script: "labgen-gitops.sh",
  /** out/hosts/<host>/<rollbackScript>: installed on PATH as `rollbackCommand` for the admin. */
  rollbackScript: "labgen-rollback.sh",
  rollbackCommand: "labgen-rollback",
  /** Plain nixpkgs attributes (pkgs.<name>) both scripts need on every gitops host. */
  runtimeInputs: ["coreutils", "git", "openssh", "util-linux"],
  /**
   * Everything on PATH, plain attributes included, with where each comes from and why. The
   * non-plain ones must come from the host's own configuration so the scripts drive exactly the
   * ZFS, Nix and systemd that the host runs.
   */
  runtimeInputsDetailed: [
    {
      input: { kind: "pkgs", attr: "coreutils" },
      hosts: "all",
      provides: ["date", "mktemp", "mv", "chmod", "readlink", "sort", "sync", "rm", "mkdir"],
      why: "file handling and the UTC time of each run",
    },
    { input: { kind: "pkgs", attr: "git" }, hosts: "all", provides: ["git"], why: "fetch, signature check and checkout of the lab repository" },
    {
      input: { kind: "pkgs", attr: "openssh" },
      hosts: "all",
      provides: ["ssh", "ssh-keygen"],
      why: "git fetches over SSH with the deploy key; `git verify-commit` runs ssh-keygen -Y for SSH signatures",
    },
    { input: { kind: "pkgs", attr: "util-linux" }, hosts: "all", provides: ["flock"], why: "never two runs (or a run and a rollback) at once" },
    {
      input: { kind: "config", path: ["system", "build", "nixos-rebuild"] },
      hosts: "all",
      provides: ["nixos-rebuild"],
      why:
        "the host's own nixos-rebuild, built against config.nix.package; it is nixos-rebuild-ng with the plain `nixos-rebuild` " +
        "binary name (pkgs.nixos-rebuild-ng alone installs `nixos-rebuild-ng`, and the bash pkgs.nixos-rebuild is gone in 26.05)",
    },
    { input: { kind: "config", path: ["nix", "package"] }, hosts: "all", provides: ["nix-env"], why: "labgen-rollback switches the system profile to an earlier generation" },
    { input: { kind: "config", path: ["systemd", "package"] }, hosts: "all", provides: ["systemctl"], why: "labgen-rollback stops Incus (and its instances) around a dataset rollback" },
    {
      input: { kind: "config", path: ["boot", "zfs", "package"] },
      hosts: "tofu",
      provides: ["zfs"],
      why: "pre-apply snapshots, pruning and rollback; must match the loaded kernel module, hence the host's own package",
    },
    {
      input: { kind: "config", path: ["virtualisation", "incus", "clientPackage"] },
      hosts: "tofu",
      provides: ["incus"],
      why: "out/tofu restarts the Traefik instance with `incus restart` (local-exec) after its files change",
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
  },
  /**
   * Exit statuses of the agent (labgen-rollback: 0 done, 1 failed, 2 usage, 75 busy). Every
   * non-zero one leaves the unit failed on purpose: a refused or skipped deploy means the lab is
   * not at the branch head, which someone should see.
   */
  exitStatus: { ok: 0, failed: 1, usage: 2, refused: 3, busy: 75 },
  /** The lock both scripts take (tmpfs: a rollback of the state dataset cannot rewind it). */
  lockFile: "/run/labgen-gitops.lock",
  /**
   * labgen-rollback stops instances through `incus-startup.service` (its ExecStop runs
   * `incusd shutdown`), which exists when virtualisation.incus.softDaemonRestart = true (the NixOS
   * default). With softDaemonRestart, stopping incus.service alone leaves the instances running
   * (KillMode=process), so a dataset rollback would rewrite disks under live guests.
   */
  incusUnits: { stop: ["incus-startup.service", "incus.service", "incus.socket"], start: ["incus.socket", "incus.service", "incus-startup.service"] },
  /** Environment overrides both scripts honour (tests and staging copies; unset on a host). */
  environment: {
    LABGEN_STATE_DIR: "moves every configured path below the state directory (checkout, status, secrets, gitops/)",
    LABGEN_LOCK_FILE: "the lock file instead of /run/labgen-gitops.lock",
    LABGEN_SYSTEM_PROFILE: "the NixOS system profile instead of /nix/var/nix/profiles/system",
  },
} as const;

/** The runtime inputs one host needs (the OpenTofu ones only on the apply host), in list order. */
export function gitopsRuntimeInputs(host: HostModel): GitopsNixInput[] {
  const gitops = host.gitops;
  if (gitops === null) return [];
  return GITOPS_UNIT.runtimeInputsDetailed.filter((r) => r.hosts === "all" || gitops.appliesTofu).map((r) => r.input);
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
