// A fake host for running the generated GitOps scripts for real: a temp dir with a local bare git
// repository (the "lab repository"), a state directory, a NixOS system profile made of symlinks,
// and stand-ins for the only commands a test machine cannot run for real: nixos-rebuild, tofu,
// zfs, systemctl, nix-env and switch-to-configuration. git, flock, ssh-keygen, bash and
// coreutils are the real ones.
//
// Every stand-in appends the command line it was given to commands.log. `zfs` keeps a small
// model of datasets and snapshots (in creation order) so that listing, pruning and rollback
// behave like the real thing; `zfs list` is a query and is answered, not recorded.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./shell.ts";
import type { RunResult } from "./shell.ts";

/** Throws a clear "not installed" error (a test failure, never a skip) unless `command` runs. */
export function requireCommand(command: string, args: readonly string[] = ["--version"]): void {
  const r = run(command, args);
  if (r.status !== 0) throw new Error(`required tool "${command}" does not run (exit ${r.status}): ${r.stderr}`);
}

// Stand-ins. They are bash programs written into <dir>/bin; FAKE_DIR tells them where the fake
// host lives. `fail-<name>` files in FAKE_DIR make the matching command fail.
const RECORD = `record() { local line; printf -v line '%s ' "$@"; printf '%s\\n' "\${line% }" >>"$FAKE_DIR/commands.log"; }`;

const NIXOS_REBUILD = `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
record nixos-rebuild "$@"
if [[ -e $FAKE_DIR/slow-nixos-rebuild ]]; then
  # Lets a test stop the agent in the middle of a rebuild.
  touch "$FAKE_DIR/rebuild-started"
  sleep 1
fi
if [[ -e $FAKE_DIR/fail-nixos-rebuild ]]; then
  echo "nixos-rebuild (stand-in): build failed" >&2
  exit 1
fi
# The flake is <checkout>#<host>: remember which commit was built.
flake=\${3%#*}
git -C "$flake" rev-parse HEAD >>"$FAKE_DIR/rebuilt.log"
# A real switch installs a new system generation and points the profile at it.
current=$(readlink "$LABGEN_SYSTEM_PROFILE")
n=\${current#system-}
n=\${n%-link}
"$FAKE_DIR/bin/make-generation" $((n + 1))
ln -sfn "system-$((n + 1))-link" "$LABGEN_SYSTEM_PROFILE"
`;

const MAKE_GENERATION = `#!/usr/bin/env bash
set -euo pipefail
gen=$1
mkdir -p "$FAKE_DIR/generations/$gen/bin"
cat >"$FAKE_DIR/generations/$gen/bin/switch-to-configuration" <<EOF
#!/usr/bin/env bash
printf 'switch-to-configuration %s [generation $gen]\\n' "\\$*" >>"$FAKE_DIR/commands.log"
EOF
chmod +x "$FAKE_DIR/generations/$gen/bin/switch-to-configuration"
ln -sfn "$FAKE_DIR/generations/$gen" "$(dirname "$LABGEN_SYSTEM_PROFILE")/system-$gen-link"
`;

const TOFU = `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
record tofu "$@"
printf '%s\\n' "\${TF_VAR_state_passphrase-<unset>}" >>"$FAKE_DIR/tofu-passphrase.log"
sub=$2
if [[ -e $FAKE_DIR/fail-tofu-$sub ]]; then
  echo "tofu (stand-in): $sub failed" >&2
  exit 1
fi
if [[ $sub == apply ]]; then
  # What was applied: the configuration of the checked-out commit.
  cat "\${1#-chdir=}/main.tf" >>"$FAKE_DIR/applied.log"
fi
`;

const SIMPLE = (name: string): string => `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
record ${name} "$@"
if [[ -e $FAKE_DIR/fail-${name} ]]; then
  echo "${name} (stand-in): failed" >&2
  exit 1
fi
`;

const NIX_ENV = `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
record nix-env "$@"
# nix-env -p <profile> --switch-generation <n>
[[ $1 == -p && $3 == --switch-generation ]] || { echo "nix-env (stand-in): unexpected arguments" >&2; exit 2; }
[[ -e $2-$4-link ]] || { echo "nix-env (stand-in): generation $4 does not exist" >&2; exit 1; }
ln -sfn "$(basename "$2")-$4-link" "$2"
`;

// zfs: datasets in $FAKE_DIR/zfs/datasets, snapshots in $FAKE_DIR/zfs/snapshots (creation order).
const ZFS = `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
D=$FAKE_DIR/zfs/datasets
S=$FAKE_DIR/zfs/snapshots
touch "$S"
die() { echo "zfs (stand-in): $*" >&2; exit 1; }
under() { [[ $1 == "$2" || $1 == "$2"/* ]]; } # dataset $1 is $2 or below it
cmd=$1
shift
case $cmd in
  list)
    depth=0 recursive=0
    while [[ $1 == -* ]]; do
      case $1 in
        -H) ;;
        -o) [[ $2 == name ]] || die "list: only -o name"; shift ;;
        -t) [[ $2 == snapshot ]] || die "list: only -t snapshot"; shift ;;
        -s) [[ $2 == createtxg ]] || die "list: only -s createtxg"; shift ;;
        -d) [[ $2 == 1 ]] || die "list: only -d 1"; depth=1; shift ;;
        -r) recursive=1 ;;
        *) die "list: unknown option $1" ;;
      esac
      shift
    done
    (( $# > 0 )) || die "list: the stand-in wants dataset arguments"
    for root in "$@"; do grep -qxF -- "$root" "$D" || die "list: dataset does not exist: $root"; done
    while IFS= read -r snap; do
      ds=\${snap%@*}
      for root in "$@"; do
        if [[ $ds == "$root" ]] || { (( recursive == 1 )) && under "$ds" "$root"; }; then
          printf '%s\\n' "$snap"
          break
        fi
      done
    done <"$S"
    ;;
  snapshot)
    record zfs snapshot "$@"
    [[ ! -e $FAKE_DIR/fail-zfs-snapshot ]] || die "snapshot failed"
    recursive=0
    if [[ $1 == -r ]]; then recursive=1; shift; fi
    new=()
    for arg in "$@"; do
      ds=\${arg%@*} name=\${arg#*@}
      grep -qxF -- "$ds" "$D" || die "dataset does not exist: $ds"
      while IFS= read -r d; do
        if [[ $d == "$ds" ]] || { (( recursive == 1 )) && under "$d" "$ds"; }; then new+=("$d@$name"); fi
      done <"$D"
    done
    for s in "\${new[@]}"; do ! grep -qxF -- "$s" "$S" || die "snapshot already exists: $s"; done
    printf '%s\\n' "\${new[@]}" >>"$S"
    ;;
  destroy)
    record zfs destroy "$@"
    recursive=0
    if [[ $1 == -r ]]; then recursive=1; shift; fi
    ds=\${1%@*} name=\${1#*@}
    grep -qxF -- "$1" "$S" || die "could not find any snapshots to destroy: $1"
    keep=()
    while IFS= read -r s; do
      if [[ \${s#*@} == "$name" ]] && { [[ \${s%@*} == "$ds" ]] || { (( recursive == 1 )) && under "\${s%@*}" "$ds"; }; }; then continue; fi
      keep+=("$s")
    done <"$S"
    printf '%s\\n' "\${keep[@]}" | grep -v '^$' >"$S.new" || true
    mv "$S.new" "$S"
    ;;
  rollback)
    record zfs rollback "$@"
    [[ $1 == -r ]] || die "the stand-in only knows rollback -r"
    target=$2 ds=\${2%@*}
    # fail-zfs-rollback: empty → every rollback fails; else only that dataset's.
    if [[ -e $FAKE_DIR/fail-zfs-rollback ]]; then
      only=$(<"$FAKE_DIR/fail-zfs-rollback")
      [[ -n $only && $only != "$ds" ]] || die "rollback of $ds failed"
    fi
    grep -qxF -- "$target" "$S" || die "snapshot does not exist: $target"
    keep=() seen=0
    while IFS= read -r s; do
      if [[ \${s%@*} == "$ds" ]] && (( seen == 1 )); then continue; fi   # newer: destroyed by -r
      if [[ $s == "$target" ]]; then seen=1; fi
      keep+=("$s")
    done <"$S"
    printf '%s\\n' "\${keep[@]}" >"$S.new"
    mv "$S.new" "$S"
    ;;
  *) die "unknown subcommand $cmd" ;;
esac
`;

export interface FakeHost {
  readonly dir: string;
  readonly stateDir: string;
  readonly lockFile: string;
  readonly profile: string;
  /** The lab repository the agent fetches (a local bare repository). */
  readonly origin: string;
  /** The environment for the scripts: stand-ins first on PATH, paths relocated into `dir`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Command lines recorded by the stand-ins since the last clearCommands(). */
  commands(): string[];
  clearCommands(): void;
  /** Every snapshot the fake zfs holds, in creation order. */
  snapshots(): string[];
  /** Adds snapshots made by someone else (sanoid, Incus), as if created now. */
  addForeignSnapshots(names: readonly string[]): void;
  /** Makes a stand-in fail (`nixos-rebuild`, `tofu-apply`, `tofu-init`, `zfs-snapshot`, `zfs-rollback`, `systemctl`). */
  setFailing(what: string, failing: boolean): void;
  /** Makes nixos-rebuild take a second, touching <dir>/rebuild-started when it begins. */
  setSlowRebuild(slow: boolean): void;
  /** Commits a change to the lab repository (out/tofu/main.tf says `message`), pushes it, returns the sha. */
  commit(message: string, opts?: { signingKey?: string }): string;
  /** Lines a stand-in wrote to one of its logs (rebuilt.log, applied.log, tofu-passphrase.log). */
  logLines(name: string): string[];
  readonly passphrase: string;
  cleanup(): void;
}

function git(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = run("git", args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", ...env },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout.toString("utf8").trim();
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : []);

/**
 * A fresh fake host. `datasets`: the ZFS datasets that exist (children included); `originName`:
 * the bare repository's directory name (to put awkward characters in the repository path).
 */
export function makeFakeHost(opts: { datasets: readonly string[]; originName?: string }): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), "labgen-gitops-"));
  const bin = join(dir, "bin");
  const stateDir = join(dir, "state");
  const profiles = join(dir, "profiles");
  const profile = join(profiles, "system");
  const origin = join(dir, opts.originName ?? "origin.git");
  const work = join(dir, "work");
  const passphrase = "correct horse battery staple";
  for (const d of [bin, stateDir, profiles, join(dir, "zfs"), join(stateDir, "secrets")]) mkdirSync(d, { recursive: true });
  const scripts: Record<string, string> = {
    "nixos-rebuild": NIXOS_REBUILD,
    "make-generation": MAKE_GENERATION,
    tofu: TOFU,
    zfs: ZFS,
    systemctl: SIMPLE("systemctl"),
    "nix-env": NIX_ENV,
  };
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(dir, "zfs", "datasets"), opts.datasets.join("\n") + "\n");
  writeFileSync(join(dir, "zfs", "snapshots"), "");
  writeFileSync(join(stateDir, "secrets", "tofu-state-passphrase"), passphrase + "\n", { mode: 0o600 });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME,
    FAKE_DIR: dir,
    LABGEN_STATE_DIR: stateDir,
    LABGEN_LOCK_FILE: join(dir, "gitops.lock"),
    LABGEN_SYSTEM_PROFILE: profile,
    ...extra,
  });

  // Generation 1 is the installed system.
  const mk = run("bash", [join(bin, "make-generation"), "1"], { env: env() });
  if (mk.status !== 0) throw new Error(`make-generation failed: ${mk.stderr}`);
  symlinkSync("system-1-link", profile);

  git(["-c", "init.defaultBranch=main", "init", "--quiet", "--bare", origin], dir);
  git(["-c", "init.defaultBranch=main", "init", "--quiet", work], dir);
  mkdirSync(join(work, "out", "tofu"), { recursive: true });
  writeFileSync(join(work, "flake.nix"), "{ outputs = _: { }; }\n");

  const ident = ["-c", "user.name=Lab Admin", "-c", "user.email=admin@lab.home.arpa"];
  return {
    dir,
    stateDir,
    lockFile: join(dir, "gitops.lock"),
    profile,
    origin,
    passphrase,
    env,
    commands: () => lines(join(dir, "commands.log")),
    clearCommands: () => rmSync(join(dir, "commands.log"), { force: true }),
    snapshots: () => lines(join(dir, "zfs", "snapshots")),
    addForeignSnapshots: (names) => writeFileSync(join(dir, "zfs", "snapshots"), names.map((n) => n + "\n").join(""), { flag: "a" }),
    setFailing: (what, failing) => {
      const file = join(dir, `fail-${what}`);
      if (failing) writeFileSync(file, "");
      else rmSync(file, { force: true });
    },
    commit: (message, o = {}) => {
      writeFileSync(join(work, "out", "tofu", "main.tf"), `# ${message}\n`);
      git(["add", "-A"], work);
      const sign = o.signingKey === undefined ? [] : ["-c", "gpg.format=ssh", "-c", `user.signingkey=${o.signingKey}`];
      git([...ident, ...sign, "commit", "--quiet", ...(o.signingKey === undefined ? [] : ["-S"]), "-m", message], work);
      git(["push", "--quiet", "--force", origin, "HEAD:refs/heads/main"], work);
      return git(["rev-parse", "HEAD"], work);
    },
    setSlowRebuild: (slow) => {
      if (slow) writeFileSync(join(dir, "slow-nixos-rebuild"), "");
      else rmSync(join(dir, "slow-nixos-rebuild"), { force: true });
    },
    logLines: (name) => lines(join(dir, name)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a generated script with the fake host's environment. */
export function runScript(host: FakeHost, script: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}): RunResult & { out: string } {
  const r = run("bash", [script, ...args], { env: host.env(extraEnv) });
  return { ...r, out: r.stdout.toString("utf8") };
}

/** An SSH key pair made by the real ssh-keygen (for signed commits); returns the private key path. */
export function makeSigningKey(dir: string, name: string): { key: string; publicKey: string } {
  const key = join(dir, name);
  const r = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { key, publicKey: readFileSync(`${key}.pub`, "utf8").trim() };
}
