import { shellProgram } from "../../printers/shell/index.ts";

// labgen-rollback.sh (after COMMON_PROGRAM). Its own assignment (plan.ts): STATE_DATASET.
//
// `labgen-rollback <commit>` undoes the deploy of <commit> and every later one:
//   1. NixOS: the system profile goes back to the generation that ran before that deploy
//      (recorded at deploy time) and is activated: no rebuild, no network, the exact old closure.
//   2. Guests and state: Incus stops its instances and itself; every dataset that has the deploy's
//      pre-apply snapshot (Incus datasets and the labgen state dataset, children included) is rolled
//      back to it with `zfs rollback -r`; Incus starts again and restarts the instances.
//   3. Records: the history (which the state rollback rewound) is written back with a "rollback"
//      line, the deployed commit becomes the one before <commit>, and the undone commits go on
//      hold so the agent does not redeploy them at its next run. Then Incus starts again.
// The NixOS switch comes first: if it fails, no data has been touched yet. A marker file keeps
// the agent away from the start until the end, and survives a failure half-way.
export const ROLLBACK_PROLOGUE = shellProgram`
readonly PROG=labgen-rollback
`;

export const ROLLBACK_PROGRAM = shellProgram`
usage() {
  printf 'usage: %s --list\n' "$PROG"
  printf '       %s [--dry-run] <commit>\n\n' "$PROG"
  printf '  --list      the deploys on %s, newest first (commit, time, NixOS generation, snapshot)\n' "$LAB_HOST"
  printf '  <commit>    undo the deploy of <commit> (7 to 40 hex digits) and every later deploy:\n'
  printf '              NixOS returns to the generation that ran before it, the Incus datasets and\n'
  printf '              the labgen state to the snapshot taken just before its OpenTofu apply; the\n'
  printf '              agent then refuses to redeploy the undone commits (push a git revert).\n'
  printf '  --dry-run   print every step of that rollback and change nothing\n'
}

usage_error() {
  printf '%s: %s\n\n' "$PROG" "$*" >&2
  usage >&2
  exit 2
}

MODE=
TARGET=
DRY_RUN=0
while (( $# > 0 )); do
  case $1 in
    --list) MODE=list ;;
    --dry-run | -n) DRY_RUN=1 ;;
    --help | -h)
      usage
      exit 0
      ;;
    -*) usage_error "unknown option $1" ;;
    *)
      if [[ -n $TARGET ]]; then
        usage_error "one commit at a time"
      fi
      TARGET=$1
      ;;
  esac
  shift
done
if [[ $MODE == list && ( -n $TARGET || $DRY_RUN == 1 ) ]]; then
  usage_error "--list takes no commit and no --dry-run"
fi
if [[ $MODE != list && -z $TARGET ]]; then
  usage_error "which deploy? give a commit, or --list to see them"
fi

# Fields of one history line (columns in COMMON_PROGRAM).
F_TIME='' F_RESULT='' F_COMMIT='' F_PREVIOUS='' F_SNAPSHOT='' F_GEN='' F_PREV_GEN=''
split_record() {
  IFS=$'\t' read -r F_TIME F_RESULT F_COMMIT F_PREVIOUS F_SNAPSHOT F_GEN F_PREV_GEN _ <<<"$1"
}

short() {
  if [[ $1 == - || -z $1 ]]; then
    printf -- '-'
  else
    printf '%s' "$\{1:0:12}"
  fi
}

generation_link() {
  printf '%s' "$SYSTEM_PROFILE-$1-link"
}

# Whether <name> (a snapshot name) appears in a "zfs list -o name" listing.
listed() {
  [[ $'\n'$1$'\n' == *"@$2"$'\n'* ]]
}

list_deploys() {
  local i snapshots='' gen rollback
  load_history
  if (( $\{#HISTORY_LINES[@]} == 0 )); then
    printf 'No deploy recorded on %s yet (%s).\n' "$LAB_HOST" "$HISTORY"
    return 0
  fi
  if (( $\{#ROOTS[@]} > 0 )); then
    snapshots=$(zfs list -H -o name -t snapshot -d 1 "$\{ROOTS[@]}") || die "zfs list failed"
  fi
  printf 'Deploys on %s, newest first. "%s <commit>" undoes that deploy and every later one.\n' "$LAB_HOST" "$PROG"
  printf '%-20s  %-8s  %-12s  %-12s  %-10s  %-26s  %s\n' TIME RESULT COMMIT PREVIOUS GENERATION "SNAPSHOT (BEFORE APPLY)" "ROLLBACK TO BEFORE IT"
  for ((i = $\{#HISTORY_LINES[@]} - 1; i >= 0; i--)); do
    split_record "$\{HISTORY_LINES[i]}"
    gen="$F_PREV_GEN->$F_GEN"
    if [[ $F_RESULT == rollback ]]; then
      rollback="(restored $(short "$F_COMMIT"))"
    elif [[ $F_SNAPSHOT != - ]] && ! listed "$snapshots" "$F_SNAPSHOT"; then
      rollback="no: snapshot pruned"
    elif [[ $F_PREV_GEN == - ]]; then
      rollback="no: generation unknown"
    elif [[ ! -e $(generation_link "$F_PREV_GEN") ]]; then
      rollback="no: generation $F_PREV_GEN deleted"
    else
      rollback=possible
    fi
    printf '%-20s  %-8s  %-12s  %-12s  %-10s  %-26s  %s\n' "$F_TIME" "$F_RESULT" "$(short "$F_COMMIT")" "$(short "$F_PREVIOUS")" "$gen" "$F_SNAPSHOT" "$rollback"
  done
}

# The newest deploy (ok or failed) of the commit starting with $1: its index in HISTORY_LINES.
TARGET_INDEX=-1
find_target() {
  local prefix=$1 i commit=
  if [[ ! $prefix =~ ^[0-9a-f]{7,40}$ ]]; then
    usage_error "'$prefix' is not a commit id (7 to 40 lowercase hex digits)"
  fi
  load_history
  for ((i = $\{#HISTORY_LINES[@]} - 1; i >= 0; i--)); do
    split_record "$\{HISTORY_LINES[i]}"
    if [[ $F_RESULT != rollback && $F_COMMIT == "$prefix"* ]]; then
      if [[ -z $commit ]]; then
        commit=$F_COMMIT
        TARGET_INDEX=$i
      elif [[ $F_COMMIT != "$commit" ]]; then
        die "'$prefix' matches more than one deployed commit ($commit, $F_COMMIT): give more digits"
      fi
    fi
  done
  if (( TARGET_INDEX < 0 )); then
    die "no deploy of a commit starting with $prefix in $HISTORY (see $PROG --list)"
  fi
}

STEP_NO=0
# Runs one step, or in a dry run prints it (numbered, as a command line, with why if given).
run() {
  local why=$1 line
  shift
  STEP_NO=$((STEP_NO + 1))
  printf -v line '%q ' "$@"
  line=$\{line% }
  if (( DRY_RUN == 1 )); then
    printf '  %2d. %s\n' "$STEP_NO" "$line"
    if [[ -n $why ]]; then
      printf '      # %s\n' "$why"
    fi
    return 0
  fi
  log "step $STEP_NO: $line$\{why:+  # $why}"
  "$@"
}

INCUS_STOPPED=0
ROLLED_BACK=0
CHANGING=0
DONE=0
ROLLBACK_COMMIT=''

# While a rollback runs (and after one that failed half-way) this file keeps the agent from
# deploying onto a lab that is neither before nor after.
mark_incomplete() {
  mkdir -p "$GITOPS_DIR"
  write_file "$INCOMPLETE_FILE" 600 "labgen-rollback $ROLLBACK_COMMIT, started $1"$'\n'
}

# A failed real run: Incus back up only if no dataset changed yet, the status says what happened.
on_exit() {
  local code=$?
  if (( CHANGING == 0 || DONE == 1 )); then
    return 0
  fi
  if (( INCUS_STOPPED == 1 )); then
    if (( ROLLED_BACK == 0 )); then
      log "no dataset was rolled back: starting Incus again"
      systemctl start incus.socket incus.service incus-startup.service || log "could not start Incus: systemctl start incus.socket incus.service incus-startup.service"
    else
      log "Incus is left STOPPED: some datasets were rolled back and others not, so the guests would see two points in time at once; fix the cause and run $PROG $ROLLBACK_COMMIT again (rolling a dataset back twice to the same snapshot is harmless)"
    fi
  fi
  mark_incomplete "$(now_utc)" || true
  write_status failed rollback "$ROLLBACK_COMMIT" "" "" "labgen-rollback of $ROLLBACK_COMMIT stopped at step $STEP_NO (exit status $code); the agent does not deploy while $INCOMPLETE_FILE exists: fix the cause and run $PROG $ROLLBACK_COMMIT again, or delete that file" || true
  log "the rollback did not finish; the agent does not deploy while $INCOMPLETE_FILE exists"
}
`;
