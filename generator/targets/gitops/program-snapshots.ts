import { shellProgram } from "../../printers/shell/index.ts";

// Shared by both scripts: labgen itself, OpenTofu, and the labgen snapshot sets.
//
// A snapshot set, taken before anything of a deploy changes, is named labgen-<sequence>-<first 12
// hex of the commit> and consists of (instances and volumes of every host in SNAPSHOT_HOSTS: on the
// agent that applies OpenTofu, every lab host, the others through their Incus remotes, so that the
// set taken before an apply covers everything that apply changes):
//   - an Incus-native snapshot of every instance (`incus snapshot create`) and every custom volume
//     (`incus storage volume snapshot create`), with --no-expiry so that an instance's
//     snapshots.expiry never removes it: Incus keeps these as ZFS snapshots "@snapshot-<name>",
//     which it can restore; a foreign ZFS snapshot on its datasets would make it refuse every
//     restore of an older snapshot (lxc/incus internal/server/storage/drivers/driver_zfs_volumes.go,
//     CanRestoreVolume: "cannot be restored due to subsequent internal snapshot(s)");
//   - a ZFS snapshot of labgen's own undo datasets (OpenTofu state, Incus's database), which are
//     not Incus storage: Incus refuses a pool source with any snapshot (driver_zfs.go, Create()).
// The manifest $SNAPSHOT_DIR/<name> lists what the set holds; its last line is "complete". Before
// the ZFS snapshot it also records what Incus's database knows at that moment: every local
// instance and custom volume ("db-object" lines) and each of their snapshots ("db-snapshot"), so a
// rollback that rewinds the database can tell what the database from before will not know.
export const SNAPSHOT_PROGRAM = shellProgram`
# The labgen of the checked-out commit (the one that generated its out/), run in the checkout.
labgen_run() {
  (cd "$CHECKOUT" && nix --extra-experimental-features 'nix-command flakes' run "$CHECKOUT#default" -- "$@")
}

# tofu with the state passphrase in its environment only: never an argument, never logged.
tofu_run() {
  local passphrase
  passphrase=$(<"$PASSPHRASE_FILE") || return 1
  TF_VAR_state_passphrase=$passphrase TF_IN_AUTOMATION=1 tofu -chdir="$CHECKOUT/$TOFU_SUBDIR" "$@"
}

readonly SNAPSHOT_RE='^labgen-([0-9]+)-([0-9a-f]{12})$'

# Refuses to run if a dataset labgen snapshots is, or is inside, a dataset Incus owns.
guard_undo_datasets() {
  local ds parent
  for ds in "$\{UNDO[@]}"; do
    for parent in "$\{PARENTS[@]}"; do
      if [[ $ds == "$parent" || $ds == "$parent"/* ]]; then
        die "refusing to snapshot $ds: it is Incus storage (below $parent)"
      fi
    done
  done
}

# The names of the instances, one per line: of this host, or of remote $1 ("<host>:", see
# SNAPSHOT_HOSTS), each name then prefixed with it, as the incus CLI takes [<remote>:]<instance>
# (lxc/incus cmd/incus/snapshot.go, u.Instance.Remote(); list.go takes [<remote>:]).
incus_instances() {
  local remote=$\{1-} listing inst
  if [[ -z $remote ]]; then
    incus list --format csv,noheader --columns n
    return
  fi
  listing=$(incus list "$remote" --format csv,noheader --columns n) || return 1
  while IFS= read -r inst; do
    if [[ -n $inst ]]; then
      printf '%s%s\n' "$remote" "$inst"
    fi
  done <<<"$listing"
}

# "pool<TAB>volume" of every custom volume (not instances' or images' volumes, not snapshots), of
# this host or of remote $1, whose pools then carry it ("beta:bulk"; storage_volume_snapshot.go
# takes [<remote>:]<pool> <volume>).
incus_custom_volumes() {
  local remote=$\{1-} pools pool listing type vol
  if [[ -z $remote ]]; then
    pools=$(incus storage list --format csv,noheader --columns n) || return 1
  else
    pools=$(incus storage list "$remote" --format csv,noheader --columns n) || return 1
  fi
  while IFS= read -r pool; do
    if [[ -z $pool ]]; then
      continue
    fi
    pool=$remote$pool
    listing=$(incus storage volume list "$pool" --format csv,noheader --columns tn) || return 1
    while IFS=, read -r type vol; do
      if [[ $type == custom && -n $vol && $vol != */* ]]; then
        printf '%s\t%s\n' "$pool" "$vol"
      fi
    done <<<"$listing"
  done <<<"$pools"
}

# "seq name" of every labgen snapshot set (manifests), oldest first.
snapshot_sets() {
  local file name
  if [[ ! -d $SNAPSHOT_DIR ]]; then
    return 0
  fi
  for file in "$SNAPSHOT_DIR"/labgen-*; do
    name=$\{file##*/}
    if [[ -f $file && $name =~ $SNAPSHOT_RE ]]; then
      printf '%d %s\n' "$((10#$\{BASH_REMATCH[1]}))" "$name"
    fi
  done | sort -k1,1n -k2,2
}

# One above every sequence number in use (manifests, the history, the undo datasets), so a name is
# never reused, even after a set was pruned.
next_sequence() {
  local max=0 seq line listing full fields
  while read -r seq _; do
    if [[ -n $seq ]] && (( seq > max )); then
      max=$seq
    fi
  done < <(snapshot_sets)
  load_history
  for line in "$\{HISTORY_LINES[@]}"; do
    IFS=$'\t' read -r -a fields <<<"$line"
    if [[ $\{fields[4]-} =~ $SNAPSHOT_RE ]] && (( 10#$\{BASH_REMATCH[1]} > max )); then
      max=$((10#$\{BASH_REMATCH[1]}))
    fi
  done
  if (( $\{#UNDO[@]} > 0 )); then
    listing=$(zfs list -H -o name -t snapshot -d 1 "$\{UNDO[@]}") || return 1
    while IFS= read -r full; do
      if [[ $\{full#*@} =~ $SNAPSHOT_RE ]] && (( 10#$\{BASH_REMATCH[1]} > max )); then
        max=$((10#$\{BASH_REMATCH[1]}))
      fi
    done <<<"$listing"
  fi
  printf '%d' "$((max + 1))"
}

# Takes snapshot set <name>: Incus-native snapshots of every instance and custom volume, then one
# atomic ZFS snapshot per pool of the undo datasets. The manifest grows as each snapshot exists,
# so a set that failed half-way is still pruned later.
take_snapshot() {
  local name=$1 manifest local_instances local_volumes instances volumes inst pool vol ds host
  local -A by_pool=()
  local -a group
  manifest=$SNAPSHOT_DIR/$name
  mkdir -p "$SNAPSHOT_DIR"
  local_instances=$(incus_instances) || return 1
  local_volumes=$(incus_custom_volumes) || return 1
  : >"$manifest"
  for host in "$\{SNAP_HOSTS[@]}"; do
    if [[ $host == "$LAB_HOST" ]]; then
      instances=$local_instances
      volumes=$local_volumes
    else
      instances=$(incus_instances "$host:") || return 1
      volumes=$(incus_custom_volumes "$host:") || return 1
    fi
    snapshot_objects "$manifest" "$name" "$instances" "$volumes" || return 1
  done
  record_db_objects "$manifest" "$local_instances" "$local_volumes" || return 1
  for ds in "$\{UNDO[@]}"; do
    by_pool[$\{ds%%/*}]+="$ds "
  done
  for pool in $(printf '%s\n' "$\{!by_pool[@]}" | sort); do
    read -r -a group <<<"$\{by_pool[$pool]}"
    log "zfs snapshot $\{group[*]/%/@$name}"
    zfs snapshot "$\{group[@]/%/@$name}" || return 1
    for ds in "$\{group[@]}"; do
      printf 'zfs\t%s\n' "$ds" >>"$manifest"
    done
  done
  printf 'complete\n' >>"$manifest"
}

# Incus snapshot <name> of instances $3 and volumes $4, each recorded in manifest $1 once it exists.
snapshot_objects() {
  local manifest=$1 name=$2 inst pool vol
  while IFS= read -r inst; do
    if [[ -n $inst ]]; then
      log "incus snapshot create --no-expiry $inst $name"
      incus snapshot create --no-expiry "$inst" "$name" || return 1
      printf 'instance\t%s\n' "$inst" >>"$manifest"
    fi
  done <<<"$3"
  while IFS=$'\t' read -r pool vol; do
    if [[ -n $vol ]]; then
      log "incus storage volume snapshot create --no-expiry $pool $vol $name"
      incus storage volume snapshot create --no-expiry "$pool" "$vol" "$name" || return 1
      printf 'volume\t%s\t%s\n' "$pool" "$vol" >>"$manifest"
    fi
  done <<<"$4"
}

# Appends to manifest $1 the local instances ($2, one per line) and custom volumes ($3,
# "pool<TAB>volume" lines) with their snapshots: what Incus's database knows right now. An object
# is named by one field: the instance, or "pool/volume" (pool names have no "/").
record_db_objects() {
  local manifest=$1 inst pool vol listing snap
  printf 'db-known\n' >>"$manifest"
  while IFS= read -r inst; do
    if [[ -n $inst ]]; then
      listing=$(incus_snapshots_of instance "$inst") || return 1
      printf 'db-object\tinstance\t%s\n' "$inst" >>"$manifest"
      while IFS= read -r snap; do
        if [[ -n $snap ]]; then
          printf 'db-snapshot\tinstance\t%s\t%s\n' "$inst" "$snap" >>"$manifest"
        fi
      done <<<"$listing"
    fi
  done <<<"$2"
  while IFS=$'\t' read -r pool vol; do
    if [[ -n $vol ]]; then
      listing=$(incus_snapshots_of volume "$pool" "$vol") || return 1
      printf 'db-object\tvolume\t%s/%s\n' "$pool" "$vol" >>"$manifest"
      while IFS= read -r snap; do
        if [[ -n $snap ]]; then
          printf 'db-snapshot\tvolume\t%s/%s\t%s\n' "$pool" "$vol" "$snap" >>"$manifest"
        fi
      done <<<"$listing"
    fi
  done <<<"$3"
}

# Whether Incus object <kind> (instance|volume) has snapshot <name>: "instance NAME" or
# "volume POOL VOL"; fails when the object itself is gone.
incus_snapshots_of() {
  if [[ $1 == instance ]]; then
    incus snapshot list "$2" --format csv,noheader --columns n
  else
    incus storage volume snapshot list "$2" "$3" --format csv,noheader --columns n
  fi
}

# Deletes snapshot set <name>: only what its manifest names, only if it still exists.
delete_snapshot_set() {
  local name=$1 kind a b listing
  while IFS=$'\t' read -r kind a b; do
    case $kind in
      instance | volume)
        if listing=$(incus_snapshots_of "$kind" "$a" "$b" 2>/dev/null) && [[ $'\n'$listing$'\n' == *$'\n'"$name"$'\n'* ]]; then
          if [[ $kind == instance ]]; then
            incus snapshot delete "$a" "$name" || return 1
          else
            incus storage volume snapshot delete "$a" "$b" "$name" || return 1
          fi
        fi
        ;;
      zfs)
        if listing=$(zfs list -H -o name -t snapshot -d 1 "$a") && [[ $'\n'$listing$'\n' == *$'\n'"$a@$name"$'\n'* ]]; then
          zfs destroy "$a@$name" || return 1
        fi
        ;;
    esac
  done <"$SNAPSHOT_DIR/$name"
  rm -f "$SNAPSHOT_DIR/$name"
}

# Keeps the newest KEEP_SNAPSHOTS labgen sets; older ones go. Nothing else is ever deleted: the
# names come from labgen's own manifests, never from a listing of other tools' snapshots.
prune_snapshots() {
  local sets entry i
  local -a names=()
  sets=$(snapshot_sets)
  if [[ -n $sets ]]; then
    mapfile -t names <<<"$sets"
  fi
  for ((i = 0; i < $\{#names[@]} - KEEP_SNAPSHOTS; i++)); do
    entry=$\{names[i]#* }
    log "pruning snapshot set $entry (keeping the newest $KEEP_SNAPSHOTS)"
    delete_snapshot_set "$entry" || return 1
  done
}

# "address<TAB>type<TAB>name" of every storage volume or pool a "tofu show -json" plan deletes
# (actions "delete", or ["delete","create"] / ["create","delete"] for a replacement).
tofu_deletes() {
  jq -r '.resource_changes[]? | select(.type == "incus_storage_volume" or .type == "incus_storage_pool") | select(.change.actions | index("delete")) | [.address, .type, (.change.before.name // .name)] | @tsv'
}
`;
