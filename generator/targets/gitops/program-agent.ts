import { shellProgram } from "../../printers/shell/index.ts";

// labgen-gitops.sh, the pull agent (after COMMON_PROGRAM). Its own assignments (plan.ts):
//   REPOSITORY BRANCH DEPLOY_KEY_FILE KNOWN_HOSTS ALLOWED_SIGNERS CHECKOUT_DIR SNAPSHOT_GROUPS
//   KEEP_SNAPSHOTS TOFU_PASSPHRASE_FILE TOFU_SUBDIR
// Steps: lock → preflight → (unfinished rollback) → fetch → (hold) → verify → checkout → rebuild → snapshot → apply →
// record → prune. A failing step ends the run: later steps do not run, the deployed commit stays
// the previous one, the status file names the step, the exit status is non-zero.
export const AGENT_PROLOGUE = shellProgram`
readonly PROG=labgen-gitops
`;

export const AGENT_PROGRAM = shellProgram`
# Exit status (GITOPS_UNIT.exitStatus): 0 deployed or unchanged, 1 a step failed, 2 usage,
# 3 refused (unsigned commit, commit undone by labgen-rollback, unfinished rollback), 75 another run
# holds the lock (EX_TEMPFAIL: the timer simply tries again later).
usage() {
  printf 'usage: %s [--help]\n\n' "$PROG"
  printf 'Fetches branch %s of %s and, when it moved, deploys it on %s:\n' "$BRANCH" "$REPOSITORY" "$LAB_HOST"
  printf 'nixos-rebuild switch, then on the OpenTofu host a ZFS snapshot and tofu apply.\n'
  printf 'The result is in %s; exit status 0 ok or unchanged, 1 failed, 3 refused, 75 busy.\n' "$STATUS_FILE"
}

if (( $# > 0 )); then
  if [[ $# -eq 1 && ( $1 == --help || $1 == -h ) ]]; then
    usage
    exit 0
  fi
  usage >&2
  exit 2
fi

CHECKOUT=$(state_path "$CHECKOUT_DIR")
readonly CHECKOUT
DEPLOY_KEY=$(state_path "$DEPLOY_KEY_FILE")
readonly DEPLOY_KEY
PASSPHRASE_FILE=$(state_path "$TOFU_PASSPHRASE_FILE")
readonly PASSPHRASE_FILE
readonly KNOWN_HOSTS_FILE=$GITOPS_DIR/known_hosts
readonly ALLOWED_SIGNERS_FILE=$GITOPS_DIR/allowed_signers

STEP=lock
FETCHED=
PREVIOUS=
SNAPSHOT=
REUSED=0
GEN_BEFORE=-
GEN_AFTER=-
# Set once the lock is held: from then on every way out leaves a status file.
WRITE_STATUS=0

# The outcome of the run: status file and one log line.
report() {
  local result=$1 message=$2 step=''
  if [[ $result == failed || $result == refused ]]; then
    step=$STEP
  fi
  WRITE_STATUS=0
  write_status "$result" "$step" "$FETCHED" "$PREVIOUS" "$SNAPSHOT" "$message"
  if [[ -n $step ]]; then
    log "$result at step $step: $message"
  else
    log "$result: $message"
  fi
}

# Ends the run early: report, then the exit status.
finish() {
  report "$1" "$3"
  exit "$2"
}

on_exit() {
  local code=$?
  if (( WRITE_STATUS == 1 )); then
    WRITE_STATUS=0
    write_status failed "$STEP" "$FETCHED" "$PREVIOUS" "$SNAPSHOT" "stopped unexpectedly (exit status $code) during step $STEP" || true
    log "failed at step $STEP: stopped unexpectedly (exit status $code)"
  fi
}
trap on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# One history line for this deploy (columns in COMMON_PROGRAM).
record_line() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(now_utc)" "$1" "$FETCHED" "$\{PREVIOUS:--}" "$\{SNAPSHOT:--}" "$GEN_AFTER" "$GEN_BEFORE"
}

append_history() {
  printf '%s\n' "$1" >>"$HISTORY"
}

is_held() {
  local commit
  if [[ ! -f $HOLD_FILE ]]; then
    return 1
  fi
  while IFS= read -r commit; do
    if [[ $commit == "$1" ]]; then
      return 0
    fi
  done <"$HOLD_FILE"
  return 1
}

# Pre-apply snapshots: labgen-<sequence>-<first 12 hex of the commit>. The zero-padded sequence
# makes names sort in deploy order whatever the clock says; the agent only ever prunes names
# of exactly this shape, so sanoid's and Incus's snapshots are never touched.
readonly SNAPSHOT_RE='^labgen-([0-9]+)-([0-9a-f]{12})$'

# "seq name" of every agent snapshot on the snapshot roots, oldest first, from zfs itself.
agent_snapshots() {
  local listing full name
  # Explicit: errexit does not apply inside a function called from a condition.
  listing=$(zfs list -H -o name -t snapshot -d 1 "$\{ROOTS[@]}") || return 1
  while IFS= read -r full; do
    name=$\{full#*@}
    if [[ $name =~ $SNAPSHOT_RE ]]; then
      printf '%d %s\n' "$((10#$\{BASH_REMATCH[1]}))" "$name"
    fi
  done <<<"$listing" | sort -k1,1n -k2,2 -u
}

# True when every snapshot root has <root>@<name>.
snapshot_complete() {
  local listing root
  listing=$(zfs list -H -o name -t snapshot -d 1 "$\{ROOTS[@]}") || return 1
  for root in "$\{ROOTS[@]}"; do
    if [[ $'\n'$listing$'\n' != *$'\n'"$root@$1"$'\n'* ]]; then
      return 1
    fi
  done
}

# One above every sequence number in use, on disk or in the history (names never repeat, even
# after a rollback destroyed the newer snapshots).
next_sequence() {
  local max=0 listing line seq fields
  listing=$(agent_snapshots) || return 1
  while read -r seq _; do
    if [[ -n $seq ]] && (( seq > max )); then
      max=$seq
    fi
  done <<<"$listing"
  load_history
  for line in "$\{HISTORY_LINES[@]}"; do
    IFS=$'\t' read -r -a fields <<<"$line"
    if [[ $\{fields[4]-} =~ $SNAPSHOT_RE ]] && (( 10#$\{BASH_REMATCH[1]} > max )); then
      max=$((10#$\{BASH_REMATCH[1]}))
    fi
  done
  printf '%d' "$((max + 1))"
}

# One recursive snapshot per pool: the datasets of a pool are snapshotted atomically together
# (ZFS cannot make one atomic snapshot across pools).
take_snapshot() {
  local line
  local -a group
  while IFS= read -r line; do
    read -r -a group <<<"$line"
    log "zfs snapshot -r $\{group[*]/%/@$SNAPSHOT}"
    zfs snapshot -r "$\{group[@]/%/@$SNAPSHOT}" || return 1
  done <<<"$SNAPSHOT_GROUPS"
}

# Keeps the newest KEEP_SNAPSHOTS agent snapshots; older ones go, on every root that has them.
prune_snapshots() {
  local names_out listing entry name root i
  local -a names
  names_out=$(agent_snapshots) || return 1
  if [[ -z $names_out ]]; then
    return 0
  fi
  mapfile -t names <<<"$names_out"
  if (( $\{#names[@]} <= KEEP_SNAPSHOTS )); then
    return 0
  fi
  listing=$(zfs list -H -o name -t snapshot -d 1 "$\{ROOTS[@]}") || return 1
  for ((i = 0; i < $\{#names[@]} - KEEP_SNAPSHOTS; i++)); do
    entry=$\{names[i]}
    name=$\{entry#* }
    for root in "$\{ROOTS[@]}"; do
      if [[ $'\n'$listing$'\n' == *$'\n'"$root@$name"$'\n'* ]]; then
        log "pruning $root@$name (keeping the newest $KEEP_SNAPSHOTS)"
        zfs destroy -r "$root@$name" || return 1
      fi
    done
  done
}

apply_failed() {
  # The first failed attempt goes into the history, so that labgen-rollback can undo it; a retry
  # that reuses its snapshot adds nothing new to undo.
  if (( REUSED == 0 )); then
    append_history "$(record_line failed)"
  fi
  finish failed 1 "$1; snapshot $SNAPSHOT keeps the guests and state from before this deploy ($PROG will retry; labgen-rollback $\{FETCHED:0:12} restores them)"
}

mkdir -p "$GITOPS_DIR"
take_lock
WRITE_STATUS=1

STEP=preflight
tools=(git nixos-rebuild)
if (( APPLIES_TOFU == 1 )); then
  tools+=(zfs tofu)
fi
missing=()
for tool in "$\{tools[@]}"; do
  if ! command -v "$tool" >/dev/null; then
    missing+=("$tool")
  fi
done
if (( $\{#missing[@]} > 0 )); then
  finish failed 1 "not on PATH: $\{missing[*]}"
fi
if (( APPLIES_TOFU == 1 )) && [[ ! -r $PASSPHRASE_FILE || ! -s $PASSPHRASE_FILE ]]; then
  finish failed 1 "the OpenTofu state passphrase file $PASSPHRASE_FILE is missing, unreadable or empty"
fi
if [[ -s $DEPLOYED_FILE ]]; then
  PREVIOUS=$(<"$DEPLOYED_FILE")
fi

STEP=rollback
if [[ -e $INCOMPLETE_FILE ]]; then
  finish refused 3 "a labgen-rollback did not finish ($(<"$INCOMPLETE_FILE")); nothing is deployed until it is run again successfully or $INCOMPLETE_FILE is deleted"
fi

STEP=fetch
# Pinned host keys only: no trust on first use, and the system-wide known_hosts does not count.
write_file "$KNOWN_HOSTS_FILE" 600 "$KNOWN_HOSTS"$'\n'
printf -v GIT_SSH_COMMAND 'ssh -i %q -o IdentitiesOnly=yes -o UserKnownHostsFile=%q -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=30' "$DEPLOY_KEY" "$KNOWN_HOSTS_FILE"
export GIT_SSH_COMMAND
# No prompts, no system or user git config (url rewrites, credential helpers), and only the ssh
# transport (plus local paths, for a mirror or a test repository): never ext::, http or git://.
export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_ALLOW_PROTOCOL=ssh:file
if [[ ! -d $CHECKOUT/.git ]]; then
  mkdir -p "$CHECKOUT"
  if ! git -c init.defaultBranch=labgen init --quiet "$CHECKOUT"; then
    finish failed 1 "git init $CHECKOUT failed"
  fi
fi
log "fetching $BRANCH from $REPOSITORY"
if ! git -C "$CHECKOUT" fetch --quiet --no-tags --force -- "$REPOSITORY" "+refs/heads/$BRANCH:refs/remotes/origin/$BRANCH"; then
  finish failed 1 "git fetch of branch $BRANCH from $REPOSITORY failed"
fi
if ! FETCHED=$(git -C "$CHECKOUT" rev-parse --verify --quiet "refs/remotes/origin/$BRANCH^{commit}"); then
  FETCHED=
  finish failed 1 "branch $BRANCH has no commit"
fi

if [[ $FETCHED == "$PREVIOUS" ]]; then
  finish unchanged 0 "$FETCHED is already deployed"
fi

STEP=hold
if is_held "$FETCHED"; then
  finish refused 3 "$FETCHED was undone by labgen-rollback; push a new commit (e.g. git revert) to deploy again, or delete $HOLD_FILE to redeploy it"
fi

if [[ -n $ALLOWED_SIGNERS ]]; then
  STEP=verify
  write_file "$ALLOWED_SIGNERS_FILE" 600 "$ALLOWED_SIGNERS"$'\n'
  if ! git -C "$CHECKOUT" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$ALLOWED_SIGNERS_FILE" verify-commit "$FETCHED"; then
    finish refused 3 "$FETCHED is not signed by an allowed signer; nothing was deployed"
  fi
fi

STEP=checkout
# Exactly the commit: untracked files (a stray *.tf, an old .terraform) would change what runs.
if ! git -C "$CHECKOUT" -c advice.detachedHead=false checkout --quiet --force --detach "$FETCHED" ||
  ! git -C "$CHECKOUT" clean -ffdxq; then
  finish failed 1 "checkout of $FETCHED in $CHECKOUT failed"
fi

STEP=rebuild
GEN_BEFORE=$(current_generation)
log "deploying $FETCHED: nixos-rebuild switch --flake $CHECKOUT#$LAB_HOST"
if ! nixos-rebuild switch --flake "$CHECKOUT#$LAB_HOST"; then
  message="nixos-rebuild switch failed; nothing was snapshotted or applied"
  if [[ $(current_generation) != "$GEN_BEFORE" ]]; then
    message+="; generation $(current_generation) was installed but did not activate cleanly"
  fi
  finish failed 1 "$message"
fi
GEN_AFTER=$(current_generation)

if (( APPLIES_TOFU == 1 )); then
  STEP=snapshot
  # A retry of a commit whose apply failed keeps the snapshot of its first attempt: that one holds
  # the state before any of its applies, which is what a rollback must return to.
  if [[ -s $ATTEMPT_FILE ]]; then
    IFS=$'\t' read -r -a attempt <"$ATTEMPT_FILE"
    if [[ $\{attempt[2]-} == "$FETCHED" ]] && snapshot_complete "$\{attempt[4]-}"; then
      SNAPSHOT=$\{attempt[4]}
      GEN_BEFORE=$\{attempt[6]-}
      REUSED=1
      log "reusing snapshot $SNAPSHOT of the earlier attempt to deploy $FETCHED"
    fi
  fi
  if [[ -z $SNAPSHOT ]]; then
    if ! sequence=$(next_sequence); then
      finish failed 1 "cannot list the existing snapshots; nothing was applied"
    fi
    printf -v SNAPSHOT 'labgen-%06d-%s' "$sequence" "$\{FETCHED:0:12}"
    if ! take_snapshot; then
      finish failed 1 "zfs snapshot $SNAPSHOT failed; nothing was applied"
    fi
  fi
  write_file "$ATTEMPT_FILE" 600 "$(record_line pending)"$'\n'

  STEP=apply
  if ! passphrase=$(<"$PASSPHRASE_FILE"); then
    apply_failed "cannot read $PASSPHRASE_FILE"
  fi
  tofu_dir=$CHECKOUT/$TOFU_SUBDIR
  # The passphrase reaches tofu through its environment only: never an argument, never logged.
  log "tofu -chdir=$tofu_dir init"
  if ! TF_VAR_state_passphrase=$passphrase TF_IN_AUTOMATION=1 tofu -chdir="$tofu_dir" init -input=false; then
    apply_failed "tofu init failed"
  fi
  log "tofu -chdir=$tofu_dir apply"
  if ! TF_VAR_state_passphrase=$passphrase TF_IN_AUTOMATION=1 tofu -chdir="$tofu_dir" apply -input=false -auto-approve; then
    apply_failed "tofu apply failed"
  fi
  unset passphrase
fi

STEP=record
append_history "$(record_line ok)"
write_file "$DEPLOYED_FILE" 600 "$FETCHED"$'\n'
# A successful deploy of another commit ends any hold left by labgen-rollback.
rm -f "$ATTEMPT_FILE" "$HOLD_FILE"

if (( APPLIES_TOFU == 1 )); then
  STEP=prune
  if ! prune_snapshots; then
    finish failed 1 "deployed $FETCHED, but pruning old snapshots failed"
  fi
fi

STEP=
# The normal end of the script: reported like every other outcome, then exit status 0.
report ok "deployed $FETCHED"
`;
