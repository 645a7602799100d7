import { shellProgram } from "../../printers/shell/index.ts";

// labgen-rollback.sh, the rollback itself and the dispatch (after ROLLBACK_PROGRAM's functions).
export const ROLLBACK_RUN = shellProgram`
rollback() {
  local commit previous snapshot target_gen current_gen deployed_now=- i line kind a b listing later object
  local incus_now=- incus_target=- db_rewind=0
  local -a held=() restores=() skipped=() names=() later_list=()

  # Before reading anything: an agent run must not append to the history under our feet.
  if (( DRY_RUN == 0 )); then
    take_lock
  fi
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

  if [[ $previous == - ]]; then
    die "$commit was the first deploy on $LAB_HOST: there is no earlier commit to re-apply"
  fi
  if [[ $target_gen == - ]]; then
    die "the deploy of $commit recorded no NixOS generation to return to"
  fi
  if [[ $target_gen != "$current_gen" && ! -e $(generation_link "$target_gen") ]]; then
    die "NixOS generation $target_gen (before the deploy of $commit) has been garbage-collected: $(generation_link "$target_gen") is gone"
  fi

  # Incus's database: back to the set's snapshot only when the generation we return to runs an
  # older Incus, which would refuse the database the running one migrated.
  if [[ $target_gen != "$current_gen" ]]; then
    incus_now=$(incus_package_of "$current_gen")
    incus_target=$(incus_package_of "$target_gen")
    if [[ -n $INCUS_DB_DATASET ]] && incus_db_rewind_needed "$incus_now" "$incus_target"; then
      db_rewind=1
      plan_db_rewind "$snapshot"
    fi
  fi

  # --data: what the snapshot set holds, and whether Incus will restore each (read-only).
  if [[ -n $DATA ]]; then
    if [[ $snapshot == - || ! -f $SNAPSHOT_DIR/$snapshot ]]; then
      die "--data: the snapshot set taken before $commit ($snapshot) no longer exists (pruned?)"
    fi
    while IFS=$'\t' read -r kind a b; do
      if [[ $kind == instance ]]; then
        object=$a
      elif [[ $kind == volume ]]; then
        object=$b
      else
        continue
      fi
      if ! wanted "$object"; then
        continue
      fi
      if ! listing=$(incus_snapshots_of "$kind" "$a" "$b" 2>/dev/null) || [[ $'\n'$listing$'\n' != *$'\n'"$snapshot"$'\n'* ]]; then
        skipped+=("$kind $object: its snapshot is gone (deleted with it by an undone deploy); it comes back empty")
        continue
      fi
      # Incus restores only the newest snapshot unless later ones are removed (zfs.remove_snapshots).
      later=$(printf '%s\n' "$listing" | sed -n "/^$snapshot\$/,\$p" | tail -n +2 | tr '\n' ' ')
      if (( db_rewind == 1 )); then
        # Deleted before the database goes back (plan_db_rewind refused anyone else's without the flag).
        later=
      fi
      # "-" for an instance's empty third field: tab is IFS whitespace, empty fields would collapse.
      restores+=("$kind"$'\t'"$a"$'\t'"$\{b:--}"$'\t'"$later")
    done <"$SNAPSHOT_DIR/$snapshot"
    if [[ $DATA != all ]]; then
      IFS=, read -r -a names <<<"$DATA"
      for object in "$\{names[@]}"; do
        if ! grep -qE "^(instance	([^	:]*:)?$object|volume	[^	]*	$object)\$" "$SNAPSHOT_DIR/$snapshot"; then
          die "--data: $object is not an instance or volume in snapshot set $snapshot"
        fi
      done
    fi
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
  printf '  the lab returns to commit %s.\n' "$previous"
  printf '  NixOS: generation %s (active before that deploy; %s is active now).\n' "$target_gen" "$current_gen"
  if (( APPLIES_TOFU == 1 )); then
    printf '  Incus: OpenTofu applies out/tofu of %s (objects the undone deploys added go,\n' "$(short "$previous")"
    printf '  removed ones come back, new and empty; storage volumes and pools are %s).\n' "$([[ $DESTROY_DATA == 1 ]] && printf 'deleted too' || printf 'kept')"
  fi
  if [[ $incus_target == - || $incus_target == "$incus_now" && $target_gen == "$current_gen" ]]; then
    :
  elif [[ $incus_target == "$incus_now" ]]; then
    printf '  Incus: generation %s runs the same package (%s): its database stays as it is.\n' "$target_gen" "$(package_label "$incus_target")"
  elif (( db_rewind == 0 )); then
    printf '  Incus: generation %s runs %s, this one %s: the newer daemon migrates the database forward;\n' "$target_gen" "$(package_label "$incus_target")" "$(package_label "$incus_now")"
    printf '  it stays as it is.\n'
  else
    printf '  Incus: generation %s runs %s, this one %s: the older daemon refuses\n' "$target_gen" "$(package_label "$incus_target")" "$(package_label "$incus_now")"
    printf '  the database the newer one migrated, so Incus'"'"'s database (%s) goes back to\n' "$INCUS_DB_DATASET"
    printf '  snapshot %s, taken just before that deploy.\n' "$snapshot"
    printf '  First deleted, because the database from before does not know them:\n'
    for line in "$\{DB_LATER_SETS[@]}"; do
      printf '    labgen snapshot set %s (an undone deploy'"'"'s)\n' "$line"
    done
    for line in "$\{DB_OTHER_LATER[@]}"; do
      IFS=$'\t' read -r kind a b <<<"$line"
      printf '    snapshot %s of %s %s\n' "$b" "$kind" "$a"
    done
    if (( $\{#DB_LATER_SETS[@]} + $\{#DB_OTHER_LATER[@]} == 0 )); then
      printf '    nothing\n'
    fi
    for line in "$\{DB_CREATED[@]}"; do
      printf '  %s was created since: unless OpenTofu deletes it, its data stays on ZFS,\n' "$line"
      printf '    unknown to Incus (incus admin recover imports it).\n'
    done
  fi
  if [[ -z $DATA ]]; then
    printf '  Data: untouched (--data restores it from snapshot %s).\n' "$snapshot"
  else
    printf '  Data from snapshot %s (taken before the deploy of %s):\n' "$snapshot" "$(short "$commit")"
    for line in "$\{restores[@]}"; do
      IFS=$'\t' read -r kind a b later <<<"$line"
      printf '    %s %s%s\n' "$kind" "$([[ $kind == volume ]] && printf '%s/%s' "$a" "$b" || printf '%s' "$a")" "$\{later:+ (later snapshots: $later)}"
    done
    for line in "$\{skipped[@]}"; do
      printf '    %s\n' "$line"
    done
  fi
  printf '\n'
  for line in "$\{restores[@]}"; do
    IFS=$'\t' read -r kind a b later <<<"$line"
    if [[ -n $later && $DELETE_LATER == 0 ]]; then
      die "--data: Incus restores $snapshot of $kind $a $b only when no later snapshot exists (it has: $later); rerun with --delete-later-snapshots to delete those first"
    fi
  done

  if (( DRY_RUN == 1 )); then
    printf 'Would run, in order (meanwhile %s keeps the agent from deploying):\n' "$INCOMPLETE_FILE"
  else
    ROLLBACK_COMMIT=$commit
    CHANGING=1
    trap on_exit EXIT
    mark_incomplete "$(now_utc)"
  fi

  if (( db_rewind == 1 )); then
    # While the newer Incus runs, the one that knows the database as it is: OpenTofu first, so that
    # what the undone deploys created is gone before the database forgets it.
    if (( APPLIES_TOFU == 1 )); then
      reapply "$previous" "while the newer Incus runs: what the undone deploys created goes before the database forgets it"
    fi
    rewind_incus_db "$snapshot"
  fi

  if [[ $target_gen != "$current_gen" ]]; then
    run "point the system profile back at generation $target_gen (no rebuild: the exact closure that ran)" \
      nix-env -p "$SYSTEM_PROFILE" --switch-generation "$target_gen" ||
      die "nix-env --switch-generation $target_gen failed; nothing else was changed"
    run "activate it: services, /etc, boot loader default" \
      "$SYSTEM_PROFILE/bin/switch-to-configuration" switch ||
      die "switch-to-configuration failed"
  elif (( DRY_RUN == 1 )); then
    printf '   -  generation %s is already active: no NixOS switch\n' "$target_gen"
  fi
  if [[ $incus_target != - && $incus_target != "$incus_now" ]]; then
    run "the Incus of generation $target_gen (activation does not start a stopped unit)" systemctl start incus.service ||
      die "Incus of generation $target_gen does not start (journalctl -u incus)"
  fi

  if (( APPLIES_TOFU == 1 && db_rewind == 1 )); then
    reapply "$previous" "again, as the older Incus sees its database: nothing should change"
  elif (( APPLIES_TOFU == 1 )); then
    reapply "$previous"
  fi

  for line in "$\{restores[@]}"; do
    IFS=$'\t' read -r kind a b later <<<"$line"
    read -r -a later_list <<<"$later"
    for ((i = $\{#later_list[@]} - 1; i >= 0; i--)); do
      object=$\{later_list[i]}
      if [[ $kind == instance ]]; then
        run "Incus restores only its newest snapshot" incus snapshot delete "$a" "$object" || die "incus snapshot delete $a $object failed"
      else
        run "Incus restores only its newest snapshot" incus storage volume snapshot delete "$a" "$b" "$object" || die "incus storage volume snapshot delete $a $b $object failed"
      fi
    done
    if [[ $kind == instance ]]; then
      run "instance $a back to before $(short "$commit")" incus snapshot restore "$a" "$snapshot" || die "incus snapshot restore $a $snapshot failed"
    else
      run "volume $a/$b back to before $(short "$commit")" incus storage volume snapshot restore "$a" "$b" "$snapshot" || die "incus storage volume snapshot restore $a $b $snapshot failed"
    fi
  done

  STEP_NO=$((STEP_NO + 1))
  if (( DRY_RUN == 1 )); then
    printf '  %2d. (records in %s)\n' "$STEP_NO" "$GITOPS_DIR"
    printf '      deploys.tsv  plus a "rollback" line\n'
    printf '      deployed     %s\n' "$previous"
    printf '      hold         %s\n' "$\{held[*]:-(nothing)}"
    printf '                   the agent refuses these until the branch moves on (push a git revert)\n'
    printf '      %s  result "rolled-back"\n' "$\{STATUS##*/}"
    return 0
  fi
  log "step $STEP_NO: records in $GITOPS_DIR"
  line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(now_utc)" rollback "$previous" "$deployed_now" "$snapshot" "$target_gen" "$current_gen")
  printf '%s\n' "$line" >>"$HISTORY"
  write_file "$DEPLOYED_FILE" 600 "$previous"$'\n'
  rm -f "$ATTEMPT_FILE" "$HOLD_FILE" "$GITOPS_DIR/failures"
  if (( $\{#held[@]} > 0 )); then
    write_file "$HOLD_FILE" 600 "$(printf '%s\tundone by labgen-rollback\n' "$\{held[@]}")"$'\n'
  fi
  write_status rolled-back "" "$previous" "$deployed_now" "$snapshot" "labgen-rollback undid the deploy of $commit and every later one; on hold: $\{held[*]:-nothing}"
  rm -f "$INCOMPLETE_FILE"
  DONE=1
  log "done: the lab is back at $previous; on hold: $\{held[*]:-nothing}"
}

if [[ $MODE == list ]]; then
  list_deploys
else
  rollback
fi
`;
