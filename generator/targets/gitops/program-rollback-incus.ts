import { shellProgram } from "../../printers/shell/index.ts";

// labgen-rollback.sh: Incus's database across an Incus downgrade (after ROLLBACK_PROGRAM, before
// ROLLBACK_RUN). Its own assignment (plan.ts): INCUS_DB_DATASET.
export const ROLLBACK_INCUS_DB = shellProgram`
# The Incus package of NixOS generation $1: the store path that ExecStart= of its incus.service
# runs (nixpkgs nixos/modules/virtualisation/incus.nix: ExecStart = "$\{cfg.package}/bin/incusd
# --group incus-admin"; a generation's etc/ is its /etc, nixos/modules/system/activation/
# top-level.nix), or "-" when that generation has no Incus.
incus_package_of() {
  local line
  if ! line=$(grep -m1 '^ExecStart=' "$(generation_link "$1")/etc/systemd/system/incus.service" 2>/dev/null); then
    printf -- '-'
    return 0
  fi
  line=$\{line#ExecStart=}
  printf '%s' "$\{line%%/bin/incusd*}"
}

# The version in a store path /nix/store/<hash>-<name>-<version>, or nothing.
package_version() {
  local base=$\{1##*/}
  if [[ $base =~ ^[0-9a-z]{32}-.+-([0-9][^-]*)$ ]]; then
    printf '%s' "$\{BASH_REMATCH[1]}"
  fi
}

# "<name> <version>" of a store path, for people.
package_label() {
  local base=$\{1##*/}
  base=$\{base#*-}
  if [[ $base =~ ^(.+)-([0-9][^-]*)$ ]]; then
    printf '%s %s' "$\{BASH_REMATCH[1]}" "$\{BASH_REMATCH[2]}"
  else
    printf '%s' "$base"
  fi
}

# Whether the Incus of the generation we return to ($2) may refuse the database the running one
# ($1) has used. incusd refuses a database whose schema is newer than the updates it was built with
# (lxc/incus internal/server/db/schema/schema.go, ensureUpdatesAreApplied: "schema version '%d' is
# more recent than expected '%d'"; the daemon then fails with "Failed to initialize global
# database"), and applies missing updates to an older one. The updates are compiled into each
# release (internal/server/db/cluster/update.go: SchemaVersion = len(updates)), so only an older
# release can refuse: the same package or the same version cannot, a newer one migrates forward;
# an unreadable version counts as older.
incus_db_rewind_needed() {
  local now=$1 target=$2 v_now v_target lowest
  if [[ $now == - || $target == - || $now == "$target" ]]; then
    return 1
  fi
  v_now=$(package_version "$now")
  v_target=$(package_version "$target")
  if [[ -z $v_now || -z $v_target ]]; then
    return 0
  fi
  if [[ $v_now == "$v_target" ]]; then
    return 1
  fi
  lowest=$(printf '%s\n%s\n' "$v_now" "$v_target" | sort -V)
  [[ $\{lowest%%$'\n'*} == "$v_target" ]]
}

# Live local objects, "instance<TAB>name" and "volume<TAB>pool/volume" lines (as db-object records them).
live_objects() {
  local instances volumes inst pool vol
  instances=$(incus_instances) || return 1
  volumes=$(incus_custom_volumes) || return 1
  while IFS= read -r inst; do
    if [[ -n $inst ]]; then
      printf 'instance\t%s\n' "$inst"
    fi
  done <<<"$instances"
  while IFS=$'\t' read -r pool vol; do
    if [[ -n $vol ]]; then
      printf 'volume\t%s/%s\n' "$pool" "$vol"
    fi
  done <<<"$volumes"
}

# The snapshots of a live object named as db-object names it.
object_snapshots() {
  if [[ $1 == instance ]]; then
    incus_snapshots_of instance "$2"
  else
    incus_snapshots_of volume "$\{2%%/*}" "$\{2#*/}"
  fi
}

# Filled by compare_db_objects: what exists now against what the database of set $1 knows.
DB_DELETED=()   # "kind object": known then, gone now
DB_CREATED=()   # "kind object": exists now, unknown then
DB_LATER=()     # "kind<TAB>object<TAB>snapshot": a snapshot taken since, on an object known then
compare_db_objects() {
  local manifest=$SNAPSHOT_DIR/$1 tag kind object snap live listing
  local -A known=() known_snap=() alive=()
  DB_DELETED=()
  DB_CREATED=()
  DB_LATER=()
  while IFS=$'\t' read -r tag kind object snap; do
    case $tag in
      db-object) known["$object"]=$kind ;;
      db-snapshot) known_snap["$object"$'\t'"$snap"]=1 ;;
    esac
  done <"$manifest"
  live=$(live_objects) || return 1
  while IFS=$'\t' read -r kind object; do
    if [[ -z $object ]]; then
      continue
    fi
    alive["$object"]=1
    if [[ -z $\{known["$object"]+x} ]]; then
      DB_CREATED+=("$kind $object")
      continue
    fi
    listing=$(object_snapshots "$kind" "$object") || return 1
    while IFS= read -r snap; do
      if [[ -n $snap && -z $\{known_snap["$object"$'\t'"$snap"]+x} ]]; then
        DB_LATER+=("$kind"$'\t'"$object"$'\t'"$snap")
      fi
    done <<<"$listing"
  done <<<"$live"
  while IFS= read -r object; do
    if [[ -n $object && -z $\{alive["$object"]+x} ]]; then
      DB_DELETED+=("$\{known[$object]} $object")
    fi
  done < <(printf '%s\n' "$\{!known[@]}" | sort)
}

# Filled by plan_db_rewind.
DB_LATER_SETS=()    # labgen snapshot sets taken after the target one: deleted before the rewind
DB_OTHER_LATER=()   # "kind<TAB>object<TAB>snapshot" taken since and not in those sets
# Checks, changing nothing, that Incus's database can go back to snapshot set $1, or dies saying
# why. What the database from before cannot describe:
#   - snapshots taken since: the rewound database would not know their ZFS snapshots, which then
#     block every older restore (lxc/incus internal/server/storage/drivers/driver_zfs_volumes.go,
#     CanRestoreVolume reads ZFS) and can never be deleted through Incus. labgen's own later sets
#     are deleted (they are the undo points of the deploys being undone); anyone else's only with
#     --delete-later-snapshots;
#   - an object deleted since: the database would list it and its snapshots, whose data is gone,
#     and Incus deletes neither (DeleteVolumeSnapshot fails on a missing ZFS snapshot): refused;
#   - an object created since: after the OpenTofu re-apply only kept volumes remain; their data
#     stays on ZFS, unknown to Incus. "incus admin recover" imports such volumes, but it asks
#     questions on a terminal and imports every unknown volume of every pool
#     (lxc/incus cmd/incus/admin_recover.go), so labgen names them and leaves that to a person;
#   - younger ZFS snapshots of the database dataset: "zfs rollback" without -r refuses them
#     (openzfs cmd/zfs/zfs_main.c, rollback_check); -r would destroy them, so labgen destroys only
#     its own later sets' and leaves anyone else's to a person.
plan_db_rewind() {
  local set=$1 seq n name listing full entry kind object snap
  local -a foreign=() refused=()
  local -A later_sets=()
  if [[ $set == - || ! -f $SNAPSHOT_DIR/$set ]] || ! grep -qx "zfs	$INCUS_DB_DATASET" "$SNAPSHOT_DIR/$set"; then
    die "Incus's database must go back to before that deploy, but snapshot set $set of $INCUS_DB_DATASET no longer exists (pruned?): nothing was changed"
  fi
  if ! grep -qx 'db-known' "$SNAPSHOT_DIR/$set"; then
    die "snapshot set $set does not record what Incus's database knew (an older labgen took it): nothing was changed"
  fi
  [[ $set =~ $SNAPSHOT_RE ]]
  seq=$((10#$\{BASH_REMATCH[1]}))
  DB_LATER_SETS=()
  while read -r n name; do
    if [[ -n $n ]] && (( n > seq )); then
      DB_LATER_SETS+=("$name")
      later_sets[$name]=1
    fi
  done < <(snapshot_sets)
  listing=$(zfs list -H -o name -t snapshot -s createtxg -d 1 "$INCUS_DB_DATASET") || die "cannot list the snapshots of $INCUS_DB_DATASET"
  if [[ $'\n'$listing$'\n' != *$'\n'"$INCUS_DB_DATASET@$set"$'\n'* ]]; then
    die "the ZFS snapshot $INCUS_DB_DATASET@$set is gone: Incus's database cannot go back to before that deploy; nothing was changed"
  fi
  while IFS= read -r full; do
    if [[ -n $full && -z $\{later_sets[$\{full#*@}]+x} ]]; then
      foreign+=("$full")
    fi
  done < <(printf '%s\n' "$listing" | sed -n "\\|@$set\$|,\$p" | tail -n +2)
  if (( $\{#foreign[@]} > 0 )); then
    die "zfs rollback refuses while younger snapshots of $INCUS_DB_DATASET exist, and labgen destroys only its own: $\{foreign[*]}; nothing was changed"
  fi
  compare_db_objects "$set" || die "cannot list Incus's instances and volumes: nothing was changed"
  for entry in "$\{DB_DELETED[@]}"; do
    refused+=("$entry was deleted since")
  done
  if (( $\{#refused[@]} > 0 )); then
    die "$(printf '%s, ' "$\{refused[@]}")so Incus's database from before $set would list it with snapshots whose data is gone, which Incus cannot delete. Nothing was changed; keep the newer Incus instead (push a commit that reverts the rest)"
  fi
  DB_OTHER_LATER=()
  refused=()
  local -A others=()
  for entry in "$\{DB_LATER[@]}"; do
    IFS=$'\t' read -r kind object snap <<<"$entry"
    # Deleted with its set only if that set of this host snapshotted this object (the OpenTofu
    # host's sets use names of their own sequence).
    if [[ -n $\{later_sets[$snap]+x} ]] && set_lists "$snap" "$kind" "$object"; then
      continue
    fi
    DB_OTHER_LATER+=("$entry")
    if [[ ! $snap =~ $SNAPSHOT_RE ]]; then
      others["$kind $object"]+="$\{others["$kind $object"]:+ }$snap"
    fi
  done
  if (( $\{#others[@]} > 0 && DELETE_LATER == 0 )); then
    while IFS= read -r object; do
      refused+=("$object has snapshots taken since ($\{others[$object]})")
    done < <(printf '%s\n' "$\{!others[@]}" | sort)
    die "$(printf '%s; ' "$\{refused[@]}")Incus's database from before $set would not know them, and their ZFS snapshots would block older restores: rerun with --delete-later-snapshots to delete them first; nothing was changed"
  fi
}

# Whether the manifest of set $1 lists local object $2 $3 (as db-object names it).
set_lists() {
  local line
  if [[ $2 == instance ]]; then
    printf -v line 'instance\t%s' "$3"
  else
    printf -v line 'volume\t%s\t%s' "$\{3%%/*}" "$\{3#*/}"
  fi
  grep -qxF "$line" "$SNAPSHOT_DIR/$1"
}

# Deletes, through the running (newer) Incus, every snapshot the database of set $1 will not know,
# then stops the daemon and rolls its dataset back (see plan_db_rewind).
rewind_incus_db() {
  local set=$1 name entry kind object snap
  for name in "$\{DB_LATER_SETS[@]}"; do
    run "snapshot set of an undone deploy: the database from before does not know it" delete_snapshot_set "$name" || die "deleting snapshot set $name failed"
  done
  for entry in "$\{DB_OTHER_LATER[@]}"; do
    IFS=$'\t' read -r kind object snap <<<"$entry"
    if [[ $kind == instance ]]; then
      run "taken since: the database from before does not know it" incus snapshot delete "$object" "$snap" || die "incus snapshot delete $object $snap failed"
    else
      run "taken since: the database from before does not know it" incus storage volume snapshot delete "$\{object%%/*}" "$\{object#*/}" "$snap" ||
        die "incus storage volume snapshot delete $object $snap failed"
    fi
  done
  if (( DRY_RUN == 0 )) && compare_db_objects "$set"; then
    for entry in "$\{DB_CREATED[@]}"; do
      log "$entry was created since $set: its data stays on ZFS, unknown to the rewound database; incus admin recover imports it (it asks on a terminal)"
    done
  fi
  run "stop the daemon only: its instances keep running (incus.nix: KillMode=process, softDaemonRestart); not incus.socket, which incus-startup.service requires: stopping that runs incusd shutdown" \
    systemctl stop incus.service || die "systemctl stop incus.service failed; the database was not touched"
  run "Incus's database back to just before that deploy" \
    zfs rollback "$INCUS_DB_DATASET@$set" || die "zfs rollback of $INCUS_DB_DATASET failed: Incus is stopped (systemctl start incus.service starts it on the database as it was)"
}
`;
