import { shellProgram } from "../../printers/shell/index.ts";

// labgen-rollback.sh, last part (after ROLLBACK_PROGRAM's helpers): the rollback itself, in the
// order the header of program-rollback.ts describes, and the dispatch on the mode.
export const ROLLBACK_RUN = shellProgram`
rollback() {
  local commit previous snapshot target_gen current_gen deployed_now=- listing full ds i seen line why
  local -a datasets=() doomed=() held=() missing_roots=() first=() last=()

  # Before reading anything: an agent run must not append to the history under our feet.
  if (( DRY_RUN == 0 )); then
    take_lock
  fi
  # Read-only discovery first (the dry run does exactly this much).
  find_target "$TARGET"
  split_record "$\{HISTORY_LINES[TARGET_INDEX]}"
  commit=$F_COMMIT
  previous=$F_PREVIOUS
  snapshot=$F_SNAPSHOT
  target_gen=$F_PREV_GEN
  current_gen=$(current_generation)
  if [[ -s $DEPLOYED_FILE ]]; then
    deployed_now=$(<"$DEPLOYED_FILE")
  fi

  if [[ $target_gen == - ]]; then
    die "the deploy of $commit recorded no NixOS generation to return to"
  fi
  if [[ $target_gen != "$current_gen" && ! -e $(generation_link "$target_gen") ]]; then
    die "NixOS generation $target_gen (before the deploy of $commit) has been garbage-collected: $(generation_link "$target_gen") is gone"
  fi

  if [[ $snapshot != - ]]; then
    if (( $\{#ROOTS[@]} == 0 )); then
      die "the deploy of $commit recorded snapshot $snapshot, but this host has no snapshot datasets"
    fi
    listing=$(zfs list -H -o name -t snapshot -s createtxg -r "$\{ROOTS[@]}") || die "zfs list failed"
    while IFS= read -r full; do
      if [[ $full == *"@$snapshot" ]]; then
        datasets+=("$\{full%@*}")
      fi
    done <<<"$listing"
    if (( $\{#datasets[@]} == 0 )); then
      die "snapshot $snapshot no longer exists (pruned?): the guests cannot be returned to the state before $commit"
    fi
    mapfile -t datasets < <(printf '%s\n' "$\{datasets[@]}" | sort)
    # The state dataset goes last: until it is rolled back, the marker and the records survive a
    # failure of any other dataset, so the agent stays away and a rerun finds its deploy again.
    first=()
    last=()
    for ds in "$\{datasets[@]}"; do
      if [[ $ds == "$STATE_DATASET" || $ds == "$STATE_DATASET"/* ]]; then
        last+=("$ds")
      else
        first+=("$ds")
      fi
    done
    datasets=("$\{first[@]}" "$\{last[@]}")
    for ds in "$\{ROOTS[@]}"; do
      if [[ $'\n'$listing$'\n' != *$'\n'"$ds@$snapshot"$'\n'* ]]; then
        missing_roots+=("$ds")
      fi
    done
    # What "rollback -r" destroys: every snapshot of the dataset newer than the target.
    for ds in "$\{datasets[@]}"; do
      seen=0
      while IFS= read -r full; do
        if [[ $full == "$ds@"* ]]; then
          if (( seen == 1 )); then
            doomed+=("$full")
          elif [[ $full == "$ds@$snapshot" ]]; then
            seen=1
          fi
        fi
      done <<<"$listing"
    done
  fi

  # The commits this rollback undoes: the target and every later deploy, the one deployed now and
  # a pending attempt. The agent refuses them until the branch moves on.
  for ((i = TARGET_INDEX; i < $\{#HISTORY_LINES[@]}; i++)); do
    split_record "$\{HISTORY_LINES[i]}"
    if [[ $F_RESULT != rollback ]]; then
      held+=("$F_COMMIT")
    fi
  done
  held+=("$deployed_now")
  if [[ -s $ATTEMPT_FILE ]]; then
    IFS=$'\t' read -r _ _ line _ <"$ATTEMPT_FILE"
    held+=("$line")
  fi
  mapfile -t held < <(printf '%s\n' "$\{held[@]}" | sort -u)
  for i in "$\{!held[@]}"; do
    if [[ $\{held[i]} == - || -z $\{held[i]} || $\{held[i]} == "$previous" ]]; then
      unset 'held[i]'
    fi
  done
  held=("$\{held[@]}")

  if (( DRY_RUN == 1 )); then
    printf '%s: DRY RUN on %s: nothing below is executed or changed.\n\n' "$PROG" "$LAB_HOST"
  fi
  split_record "$\{HISTORY_LINES[TARGET_INDEX]}"
  printf 'Undo the deploy of %s (%s, %s) and every later deploy:\n' "$commit" "$F_RESULT" "$F_TIME"
  if [[ $previous == - ]]; then
    printf '  the lab returns to how it was before its first deploy.\n'
  else
    printf '  the lab returns to commit %s as deployed then.\n' "$previous"
  fi
  printf '  NixOS: generation %s (active before that deploy; %s is active now).\n' "$target_gen" "$current_gen"
  if [[ $snapshot != - ]]; then
    printf '  Guests, OpenTofu state and %s: snapshot %s,\n' "$STATE_DEFAULT_DIR" "$snapshot"
    printf '  taken just before OpenTofu applied %s.\n' "$(short "$commit")"
  else
    printf '  This host does not apply OpenTofu: no dataset is rolled back.\n'
  fi
  if (( $\{#missing_roots[@]} > 0 )); then
    printf '  Not rolled back (no such snapshot there): %s\n' "$\{missing_roots[*]}"
  fi
  printf '\n'
  if (( DRY_RUN == 1 )); then
    printf 'Would run, in order (meanwhile %s keeps the agent from deploying):\n' "$INCOMPLETE_FILE"
  else
    ROLLBACK_COMMIT=$commit
    CHANGING=1
    trap on_exit EXIT
    mark_incomplete "$(now_utc)"
  fi

  if [[ $target_gen != "$current_gen" ]]; then
    run "point the system profile back at generation $target_gen (no rebuild: the exact closure that ran)" \
      nix-env -p "$SYSTEM_PROFILE" --switch-generation "$target_gen" ||
      die "nix-env --switch-generation $target_gen failed; no dataset was touched"
    run "activate it: services, /etc, boot loader default" \
      "$SYSTEM_PROFILE/bin/switch-to-configuration" switch ||
      die "switch-to-configuration failed; no dataset was touched"
  elif (( DRY_RUN == 1 )); then
    printf '   -  generation %s is already active: no NixOS switch\n' "$target_gen"
  fi

  if (( $\{#datasets[@]} > 0 )); then
    run "incusd shutdown: stops every instance cleanly (stopping incus.service alone leaves them running)" \
      systemctl stop incus-startup.service ||
      die "could not stop the instances; no dataset was touched"
    INCUS_STOPPED=1
    run "no daemon and no socket activation while the datasets change" \
      systemctl stop incus.service incus.socket ||
      die "could not stop Incus; no dataset was touched"
    why="every dataset that has the snapshot, back to the state before $(short "$commit") was applied; the state dataset last"
    for ds in "$\{datasets[@]}"; do
      run "$why" zfs rollback -r "$ds@$snapshot" || die "zfs rollback -r $ds@$snapshot failed"
      why=''
      ROLLED_BACK=$((ROLLED_BACK + 1))
    done
  fi

  # The records, written back over what the state dataset's rollback rewound.
  STEP_NO=$((STEP_NO + 1))
  if (( DRY_RUN == 1 )); then
    printf '  %2d. (records in %s)\n' "$STEP_NO" "$GITOPS_DIR"
    printf '      deploys.tsv  every line kept (the state rollback rewinds this file), plus a "rollback" line\n'
    printf '      deployed     %s\n' "$previous"
    printf '      hold         %s\n' "$\{held[*]:-(nothing)}"
    printf '                   the agent refuses these until the branch moves on (push a git revert)\n'
    printf '      %s  result "rolled-back"\n' "$\{STATUS##*/}"
  else
    log "step $STEP_NO: records in $GITOPS_DIR"
    mark_incomplete "$(now_utc)"
    line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(now_utc)" rollback "$previous" "$deployed_now" "$snapshot" "$target_gen" "$current_gen")
    write_file "$HISTORY" 600 "$(printf '%s\n' "$\{HISTORY_LINES[@]}" "$line")"$'\n'
    if [[ $previous == - ]]; then
      rm -f "$DEPLOYED_FILE"
    else
      write_file "$DEPLOYED_FILE" 600 "$previous"$'\n'
    fi
    rm -f "$ATTEMPT_FILE" "$HOLD_FILE"
    if (( $\{#held[@]} > 0 )); then
      write_file "$HOLD_FILE" 600 "$(printf '%s\n' "$\{held[@]}")"$'\n'
    fi
    write_status rolled-back "" "$previous" "$deployed_now" "$snapshot" "labgen-rollback undid the deploy of $commit and every later one; on hold: $\{held[*]:-nothing}"
  fi

  if (( $\{#datasets[@]} > 0 )); then
    run "Incus restarts the instances that were running" \
      systemctl start incus.socket incus.service incus-startup.service ||
      die "the datasets are rolled back, but Incus did not start: systemctl start incus.socket incus.service incus-startup.service"
    INCUS_STOPPED=0
  fi

  if (( DRY_RUN == 0 )); then
    rm -f "$INCOMPLETE_FILE"
    DONE=1
    log "done: the lab is back before $commit; on hold: $\{held[*]:-nothing}"
    return 0
  fi
  if [[ $snapshot != - ]]; then
    printf '\nzfs rollback -r destroys every snapshot newer than the target on those datasets:\n'
    if (( $\{#doomed[@]} == 0 )); then
      printf '  (none)\n'
    else
      printf '  %s\n' "$\{doomed[@]}"
    fi
    printf 'and everything written to them since %s: guest data, OpenTofu state, files in %s.\n' "$snapshot" "$STATE_DEFAULT_DIR"
    printf 'Incus keeps its database outside these datasets: it may still list the destroyed\n'
    printf 'snapshots and the settings of the undone applies until the next deploy applies again.\n'
  fi
}

if [[ $MODE == list ]]; then
  list_deploys
else
  rollback
fi
`;
