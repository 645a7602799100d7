import { shellProgram } from "../../printers/shell/index.ts";

// labgen-gitops.sh, the pull agent (after COMMON_PROGRAM and SNAPSHOT_PROGRAM). Its own assignments
// (plan.ts): REPOSITORY BRANCH DEPLOY_KEY_FILE KNOWN_HOSTS ALLOWED_SIGNERS CA_FILES
// NETWORK_DEADLINE BACKOFF_BASE BACKOFF_MAX METRICS_FILE
//
// Steps, in this order; everything that can refuse runs before anything changes:
//   lock → preflight → (unfinished rollback) → fetch → hold → backoff → fast-forward → verify →
//   checkout → drift (labgen diff) → plan gate (labgen plan) → ca (first apply waits for it) →
//   tofu plan + delete gate → snapshot (Incus-native + labgen's own datasets) → rebuild
//   (nixos-rebuild switch) → network guard (git ls-remote) → apply (the saved plan) → record → prune
// A failing step ends the run: later steps do not run, the deployed commit stays the previous one,
// the status file names the step, the exit status is non-zero.
export const AGENT_PROLOGUE = shellProgram`
readonly PROG=labgen-gitops
`;

export const AGENT_PROGRAM = shellProgram`
# Exit status (GITOPS_UNIT.exitStatus): 0 deployed or unchanged, 1 a step failed, 2 usage,
# 3 refused (unsigned, rewind, drift, destroy-data, network guard: the commit is held), 75 nothing
# to do now (another run holds the lock, a failing commit's backoff, a held commit already
# reported, waiting for the CA); the unit counts 75 as success (SuccessExitStatus).
usage() {
  printf 'usage: %s [--help]\n\n' "$PROG"
  printf 'Fetches branch %s of %s and, when it moved, deploys it on %s:\n' "$BRANCH" "$REPOSITORY" "$LAB_HOST"
  printf 'checks (fast-forward, signature, drift, labgen plan, tofu plan), Incus snapshots, nixos-rebuild\n'
  printf 'switch, a reachability check, then on the OpenTofu host tofu apply.\n'
  printf 'The result is in %s; exit status 0 ok or unchanged, 1 failed, 3 refused, 75 not now.\n' "$STATUS_FILE"
  printf 'To deploy a commit that is not a fast-forward of the deployed one (a rewind), write its\n'
  printf 'full id into %s/allow-rewind.\n' "$STATE_DEFAULT_DIR/gitops"
}

if (( $# > 0 )); then
  if [[ $# -eq 1 && ( $1 == --help || $1 == -h ) ]]; then
    usage
    exit 0
  fi
  usage >&2
  exit 2
fi

DEPLOY_KEY=$(state_path "$DEPLOY_KEY_FILE")
readonly DEPLOY_KEY
METRICS=$(state_path "$METRICS_FILE")
readonly METRICS
readonly KNOWN_HOSTS_FILE=$GITOPS_DIR/known_hosts
readonly ALLOWED_SIGNERS_FILE=$GITOPS_DIR/allowed_signers
readonly FAILURES_FILE=$GITOPS_DIR/failures
readonly ALLOW_REWIND_FILE=$GITOPS_DIR/allow-rewind
readonly PLAN_JSON=$GITOPS_DIR/plan.json
readonly TOFU_PLAN=$GITOPS_DIR/tofu.plan

STEP=lock
FETCHED=
PREVIOUS=
SNAPSHOT=
REUSED=0
GEN_BEFORE=-
GEN_AFTER=-
# Set once the lock is held: from then on every way out leaves a status file.
WRITE_STATUS=0

# node-exporter textfile (e.g. --collector.textfile.directory pointing at its directory).
write_metrics() {
  local result=$1 now last_ok=0 last_fail=0 held=0 deployed=''
  now=$(now_epoch)
  if [[ -s $GITOPS_DIR/last-success ]]; then
    last_ok=$(<"$GITOPS_DIR/last-success")
  fi
  if [[ -s $GITOPS_DIR/last-failure ]]; then
    last_fail=$(<"$GITOPS_DIR/last-failure")
  fi
  case $result in
    ok) last_ok=$now ;;
    failed | refused) last_fail=$now ;;
  esac
  write_file "$GITOPS_DIR/last-success" 600 "$last_ok"$'\n'
  write_file "$GITOPS_DIR/last-failure" 600 "$last_fail"$'\n'
  if [[ -f $HOLD_FILE ]]; then
    held=$(grep -c . "$HOLD_FILE" || true)
  fi
  if [[ -s $DEPLOYED_FILE ]]; then
    deployed=$(<"$DEPLOYED_FILE")
  fi
  mkdir -p "$\{METRICS%/*}"
  write_file "$METRICS" 644 "# HELP labgen_gitops_last_run_timestamp_seconds End of the last agent run.
# TYPE labgen_gitops_last_run_timestamp_seconds gauge
labgen_gitops_last_run_timestamp_seconds $now
# HELP labgen_gitops_last_success_timestamp_seconds Last successful deploy (0: none yet).
# TYPE labgen_gitops_last_success_timestamp_seconds gauge
labgen_gitops_last_success_timestamp_seconds $last_ok
# HELP labgen_gitops_last_failure_timestamp_seconds Last failed or refused run (0: none yet).
# TYPE labgen_gitops_last_failure_timestamp_seconds gauge
labgen_gitops_last_failure_timestamp_seconds $last_fail
# HELP labgen_gitops_held_commits Commits the agent refuses to deploy until the branch moves on.
# TYPE labgen_gitops_held_commits gauge
labgen_gitops_held_commits $held
# HELP labgen_gitops_deployed_info The deployed commit.
# TYPE labgen_gitops_deployed_info gauge
labgen_gitops_deployed_info{commit=\"$deployed\"} 1
# HELP labgen_gitops_last_result Result of the last run.
# TYPE labgen_gitops_last_result gauge
labgen_gitops_last_result{result=\"$result\"} 1
"
}

# The outcome of the run: status file, metrics and one log line.
report() {
  local result=$1 message=$2 step=''
  if [[ $result == failed || $result == refused ]]; then
    step=$STEP
  fi
  WRITE_STATUS=0
  write_status "$result" "$step" "$FETCHED" "$PREVIOUS" "$SNAPSHOT" "$message"
  write_metrics "$result" || log "could not write $METRICS"
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

# Puts FETCHED on hold (one "<commit> TAB <reason>" line), then refuses: not retried until the
# branch moves on or the line is deleted.
hold_and_refuse() {
  local reason=$1 message=$2
  printf '%s\t%s\n' "$FETCHED" "$reason" >>"$HOLD_FILE"
  rm -f "$FAILURES_FILE"
  finish refused 3 "$message; $FETCHED is held (delete its line in $HOLD_FILE, or push a new commit)"
}

# A failed step of this commit: counted for the exponential backoff.
fail_step() {
  local count=0 sha rest
  if [[ -s $FAILURES_FILE ]]; then
    IFS=$'\t' read -r sha rest _ <"$FAILURES_FILE"
    if [[ $sha == "$FETCHED" ]]; then
      count=$rest
    fi
  fi
  write_file "$FAILURES_FILE" 600 "$(printf '%s\t%d\t%s' "$FETCHED" "$((count + 1))" "$(now_epoch)")"$'\n'
  finish failed 1 "$1"
}

# Retry delay after the n-th failure of one commit: BACKOFF_BASE * 2^(n-1), at most BACKOFF_MAX.
backoff_delay() {
  local n=$1 delay=$BACKOFF_BASE
  while (( n > 1 && delay < BACKOFF_MAX )); do
    delay=$((delay * 2))
    n=$((n - 1))
  done
  if (( delay > BACKOFF_MAX )); then
    delay=$BACKOFF_MAX
  fi
  printf '%d' "$delay"
}

apply_failed() {
  # The first failed attempt goes into the history, so that labgen-rollback can undo it; a retry
  # that reuses its snapshot adds nothing new to undo.
  if (( REUSED == 0 )); then
    append_history "$(record_line failed)"
  fi
  rm -f "$TOFU_PLAN"
  fail_step "$1; snapshot $SNAPSHOT holds the guests from before this deploy ($PROG retries with backoff; labgen-rollback $\{FETCHED:0:12} returns to the previous deploy)"
}
`;
