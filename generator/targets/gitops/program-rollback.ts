import { shellProgram } from "../../printers/shell/index.ts";

// labgen-rollback.sh (after COMMON_PROGRAM and SNAPSHOT_PROGRAM). Its own assignment (plan.ts):
// INCUS_DB_DATASET.
//
// `labgen-rollback <commit>` undoes the deploy of <commit> and every later one by re-applying the
// state of the deploy before it ("code is disposable, state is sacred: re-apply the state"):
//   1. NixOS: the system profile goes back to the generation that ran before that deploy
//      (recorded at deploy time) and is activated: no rebuild, no network, the exact old closure.
//   2. Incus: OpenTofu applies the previous commit's out/tofu against its current state (never a
//      rewind of OpenTofu's state behind Incus's back), so afterwards `tofu plan` of that commit is
//      empty. A storage volume or pool that only the undone deploys declared is not deleted: it
//      leaves OpenTofu's state and stays in Incus (unless --destroy-data).
//   3. Data only when asked (--data): instances and custom volumes go back to the labgen-<seq>
//      snapshot Incus took before that deploy (`incus snapshot restore`,
//      `incus storage volume snapshot restore`).
//   4. Records: a "rollback" history line, the deployed commit becomes the one before <commit>,
//      and the undone commits go on hold so the agent does not redeploy them.
// When the generation it returns to runs an older Incus than the one running now, Incus's database
// goes back too (see plan_db_rewind): the older daemon refuses a database the newer one migrated.
// The whole run is a transient systemd unit (systemd-run), so a dropped SSH session cannot stop it
// half-way; a marker file keeps the agent away from the start until the end.
export const ROLLBACK_PROLOGUE = shellProgram`
readonly PROG=labgen-rollback
`;

export const ROLLBACK_PROGRAM = shellProgram`
usage() {
  printf 'usage: %s --list\n' "$PROG"
  printf '       %s [--dry-run] [--data[=all|<name>,...]] [--delete-later-snapshots] [--destroy-data] <commit>\n\n' "$PROG"
  printf '  --list      the deploys on %s, newest first (commit, time, NixOS generation, snapshot)\n' "$LAB_HOST"
  printf '  <commit>    undo the deploy of <commit> (7 to 40 hex digits) and every later deploy:\n'
  printf '              NixOS returns to the generation that ran before it and OpenTofu applies the\n'
  printf '              commit deployed before it; the agent then refuses to redeploy the undone\n'
  printf '              commits (push a git revert).\n'
  printf '  --data      also restore instance and volume data from the labgen snapshot taken just\n'
  printf '              before that deploy: all of them, or the instances/volumes named\n'
  printf '  --delete-later-snapshots  Incus restores a snapshot only when no later one exists\n'
  printf '              (zfs.remove_snapshots): delete those later snapshots first\n'
  printf '  --destroy-data  delete storage volumes and pools that only the undone deploys\n'
  printf '              declared (by default they leave OpenTofu state and stay in Incus)\n'
  printf '  --dry-run   print every step of that rollback and change nothing\n'
  printf '\n  When the NixOS generation it returns to runs an older Incus, Incus'"'"'s database goes back\n'
  printf '  to the snapshot taken just before that deploy (the older daemon refuses a newer one).\n'
}

usage_error() {
  printf '%s: %s\n\n' "$PROG" "$*" >&2
  usage >&2
  exit 2
}

MODE=
TARGET=
DRY_RUN=0
DATA=
DELETE_LATER=0
DESTROY_DATA=0
ARGS=("$@")
while (( $# > 0 )); do
  case $1 in
    --list) MODE=list ;;
    --dry-run | -n) DRY_RUN=1 ;;
    --data) DATA=all ;;
    --data=*) DATA=$\{1#--data=} ;;
    --delete-later-snapshots) DELETE_LATER=1 ;;
    --destroy-data) DESTROY_DATA=1 ;;
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
if [[ $MODE == list && ( -n $TARGET || $DRY_RUN == 1 || -n $DATA ) ]]; then
  usage_error "--list takes no commit and no other option"
fi
if [[ $MODE != list && -z $TARGET ]]; then
  usage_error "which deploy? give a commit, or --list to see them"
fi

readonly TOFU_PLAN=$GITOPS_DIR/rollback.plan

# The real run is a transient unit: it outlives the SSH session that started it.
if [[ $MODE != list && $DRY_RUN == 0 && -z $\{LABGEN_ROLLBACK_UNIT-} ]]; then
  log "running as the transient unit labgen-rollback (journalctl -u labgen-rollback shows it)"
  env_args=(--setenv=LABGEN_ROLLBACK_UNIT=1)
  for name in LABGEN_STATE_DIR LABGEN_LOCK_FILE LABGEN_SYSTEM_PROFILE LABGEN_NOW; do
    if [[ -n $\{!name-} ]]; then
      env_args+=("--setenv=$name=$\{!name}")
    fi
  done
  exec systemd-run --unit=labgen-rollback --wait --collect --quiet --service-type=exec "$\{env_args[@]}" -- "$BASH" "$0" "$\{ARGS[@]}"
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

list_deploys() {
  local i gen rollback
  load_history
  if (( $\{#HISTORY_LINES[@]} == 0 )); then
    printf 'No deploy recorded on %s yet (%s).\n' "$LAB_HOST" "$HISTORY"
    return 0
  fi
  printf 'Deploys on %s, newest first. "%s <commit>" undoes that deploy and every later one.\n' "$LAB_HOST" "$PROG"
  printf '%-20s  %-8s  %-12s  %-12s  %-10s  %-26s  %s\n' TIME RESULT COMMIT PREVIOUS GENERATION "SNAPSHOT (BEFORE DEPLOY)" "ROLLBACK TO BEFORE IT"
  for ((i = $\{#HISTORY_LINES[@]} - 1; i >= 0; i--)); do
    split_record "$\{HISTORY_LINES[i]}"
    gen="$F_PREV_GEN->$F_GEN"
    if [[ $F_RESULT == rollback ]]; then
      rollback="(restored $(short "$F_COMMIT"))"
    elif [[ $F_PREVIOUS == - ]]; then
      rollback="no: first deploy"
    elif [[ $F_PREV_GEN == - ]]; then
      rollback="no: generation unknown"
    elif [[ ! -e $(generation_link "$F_PREV_GEN") ]]; then
      rollback="no: generation $F_PREV_GEN deleted"
    elif [[ $F_SNAPSHOT != - && ! -f $SNAPSHOT_DIR/$F_SNAPSHOT ]]; then
      rollback="possible (data snapshot pruned)"
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

CHANGING=0
DONE=0
ROLLBACK_COMMIT=''

# While a rollback runs (and after one that failed half-way) this file keeps the agent from
# deploying onto a lab that is neither before nor after.
mark_incomplete() {
  mkdir -p "$GITOPS_DIR"
  write_file "$INCOMPLETE_FILE" 600 "labgen-rollback $ROLLBACK_COMMIT, started $1"$'\n'
}

on_exit() {
  local code=$?
  if (( CHANGING == 0 || DONE == 1 )); then
    return 0
  fi
  mark_incomplete "$(now_utc)" || true
  write_status failed rollback "$ROLLBACK_COMMIT" "" "" "labgen-rollback of $ROLLBACK_COMMIT stopped at step $STEP_NO (exit status $code); the agent does not deploy while $INCOMPLETE_FILE exists: fix the cause and run $PROG $ROLLBACK_COMMIT again (every step can be repeated), or delete that file" || true
  log "the rollback did not finish; the agent does not deploy while $INCOMPLETE_FILE exists"
}

# Whether <name> is in the comma-separated --data selection; an instance of another host
# ("beta:files") is also selected by its bare name (instance names are unique in a lab).
wanted() {
  [[ $DATA == all || ,$DATA, == *",$1,"* || ,$DATA, == *",$\{1#*:},"* ]]
}

# The OpenTofu part: plan the previous commit, keep (state rm) or delete what only the undone
# deploys declared, apply ($2: why this apply, for the step list). In a dry run the plan is only shown.
reapply() {
  local commit=$1 deletes address type name
  run "the OpenTofu configuration of $(short "$commit"), exactly as committed$\{2:+; $2}" \
    git -C "$CHECKOUT" -c advice.detachedHead=false checkout --quiet --force --detach "$commit" || die "checkout of $commit failed"
  run "" git -C "$CHECKOUT" clean -ffdxq || die "git clean failed"
  if (( DRY_RUN == 1 )); then
    run "what it changes in Incus; storage volumes and pools it would delete are kept (tofu state rm) unless --destroy-data" \
      tofu -chdir="$CHECKOUT/$TOFU_SUBDIR" plan -out="$TOFU_PLAN"
    run "" tofu -chdir="$CHECKOUT/$TOFU_SUBDIR" apply "$TOFU_PLAN"
    return 0
  fi
  log "step $STEP_NO: tofu init + plan of $(short "$commit")"
  tofu_run init -input=false || die "tofu init failed"
  tofu_run plan -input=false -out="$TOFU_PLAN" || die "tofu plan failed"
  deletes=$(tofu_run show -json "$TOFU_PLAN" | tofu_deletes) || die "tofu show -json failed"
  if [[ -n $deletes && $DESTROY_DATA == 0 ]]; then
    while IFS=$'\t' read -r address type name; do
      log "keeping $type $name: only the undone deploys declared it; it leaves OpenTofu's state and stays in Incus (delete it by hand, or rerun with --destroy-data)"
      run "" tofu_run state rm "$address" || die "tofu state rm $address failed"
    done <<<"$deletes"
    tofu_run plan -input=false -out="$TOFU_PLAN" || die "tofu plan failed"
  fi
  run "Incus back to commit $(short "$commit")" tofu_run apply -input=false "$TOFU_PLAN" || die "tofu apply of $commit failed"
  rm -f "$TOFU_PLAN"
}
`;
