import { shellProgram } from "../../printers/shell/index.ts";
import type { ShellProgram } from "../../printers/shell/index.ts";

/**
 * Joins static program parts into one body. Every part is itself a ShellProgram (static text made
 * by the shellProgram tag), so the result still contains no data; the cast only re-applies the
 * brand that the parts already carry.
 */
export function joinPrograms(...parts: readonly ShellProgram[]): ShellProgram {
  return { text: parts.map((p) => p.text.replace(/\n*$/, "\n")).join("\n") } as ShellProgram;
}

// Shared by labgen-gitops.sh and labgen-rollback.sh: paths, logging, JSON, atomic files, the
// deploy history and the labgen snapshots. Both scripts assign (see plan.ts):
//   PROG (in the script's prologue) and commonAssignments: LAB_HOST STATE_DEFAULT_DIR STATUS_FILE
//   UNDO_DATASETS INCUS_PARENTS SNAPSHOT_HOSTS CHECKOUT_DIR KEEP_SNAPSHOTS APPLIES_TOFU
//   TOFU_PASSPHRASE_FILE TOFU_SUBDIR
// `$\{` below is bash's `${` (see shellProgram).
export const COMMON_PROGRAM = shellProgram`
shopt -s inherit_errexit
# Files may hold commit ids of a private repository and secrets' neighbours: owner only.
umask 077
# Byte-wise patterns and sorting, and tool messages in one language, whatever the caller's locale.
export LC_ALL=C

# LABGEN_STATE_DIR moves every configured path below the state directory (tests, a staging copy).
STATE_DIR=$\{LABGEN_STATE_DIR:-$STATE_DEFAULT_DIR}
if [[ $STATE_DIR != /* ]]; then
  STATE_DIR=$PWD/$STATE_DIR
fi
readonly STATE_DIR
# On tmpfs, not in the state directory: a rollback of the state dataset must not rewind the lock.
readonly LOCK_FILE=$\{LABGEN_LOCK_FILE:-/run/labgen-gitops.lock}
readonly SYSTEM_PROFILE=$\{LABGEN_SYSTEM_PROFILE:-/nix/var/nix/profiles/system}

readonly GITOPS_DIR=$STATE_DIR/gitops
# One line per deploy (and rollback), tab-separated, "-" for an empty value:
#   time  result(ok|failed|rollback)  commit  previous  snapshot  generation  previous-generation
readonly HISTORY=$GITOPS_DIR/deploys.tsv
readonly DEPLOYED_FILE=$GITOPS_DIR/deployed
readonly ATTEMPT_FILE=$GITOPS_DIR/attempt
readonly HOLD_FILE=$GITOPS_DIR/hold
readonly INCOMPLETE_FILE=$GITOPS_DIR/rollback-incomplete
# One manifest per labgen snapshot set (see take_snapshot).
readonly SNAPSHOT_DIR=$GITOPS_DIR/snapshots

UNDO=()
if [[ -n $UNDO_DATASETS ]]; then
  mapfile -t UNDO <<<"$UNDO_DATASETS"
fi
readonly UNDO
PARENTS=()
if [[ -n $INCUS_PARENTS ]]; then
  mapfile -t PARENTS <<<"$INCUS_PARENTS"
fi
readonly PARENTS
SNAP_HOSTS=()
if [[ -n $SNAPSHOT_HOSTS ]]; then
  mapfile -t SNAP_HOSTS <<<"$SNAPSHOT_HOSTS"
fi
readonly SNAP_HOSTS

log() {
  printf '%s: %s\n' "$PROG" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

# A configured path, moved along with the state directory when LABGEN_STATE_DIR is set.
state_path() {
  local path=$1
  if [[ $path == "$STATE_DEFAULT_DIR" ]]; then
    printf '%s' "$STATE_DIR"
  elif [[ $path == "$STATE_DEFAULT_DIR"/* ]]; then
    printf '%s' "$STATE_DIR/$\{path#"$STATE_DEFAULT_DIR"/}"
  else
    printf '%s' "$path"
  fi
}

STATUS=$(state_path "$STATUS_FILE")
readonly STATUS
CHECKOUT=$(state_path "$CHECKOUT_DIR")
readonly CHECKOUT
PASSPHRASE_FILE=$(state_path "$TOFU_PASSPHRASE_FILE")
readonly PASSPHRASE_FILE

now_utc() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

# Seconds since the epoch (LABGEN_NOW fixes it: tests never wait for a clock).
now_epoch() {
  if [[ -n $\{LABGEN_NOW-} ]]; then
    printf '%s' "$LABGEN_NOW"
  else
    date -u +%s
  fi
}

# Replaces FILE with CONTENT in one rename, so a reader (or a crash) never sees half a file.
write_file() {
  local file=$1 mode=$2 content=$3 tmp
  tmp=$(mktemp "$file.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  sync "$tmp"
  mv -f "$tmp" "$file"
}

# A JSON string: backslash, quote and every control character escaped.
json_string() {
  local s=$1 i c
  s=$\{s//\\/\\\\}
  s=$\{s//\"/\\\"}
  if [[ $s != *[[:cntrl:]]* ]]; then
    printf '"%s"' "$s"
    return 0
  fi
  for ((i = 1; i < 32; i++)); do
    printf -v c '%b' "\\0$(printf '%03o' "$i")"
    if [[ $s == *"$c"* ]]; then
      s=$\{s//"$c"/$(printf '\\u%04x' "$i")}
    fi
  done
  printf '"%s"' "$s"
}

# "-" (the history's empty value) and "" are null; anything else a string (or a number).
json_opt() {
  if [[ -z $1 || $1 == - ]]; then
    printf 'null'
  else
    json_string "$1"
  fi
}

json_number() {
  if [[ $1 =~ ^[0-9]+$ ]]; then
    printf '%s' "$1"
  else
    printf 'null'
  fi
}

# Status file: the machine-readable result of the last run (monitoring reads it).
write_status() {
  local result=$1 step=$2 commit=$3 previous=$4 snapshot=$5 message=$6 deployed=-
  if [[ -s $DEPLOYED_FILE ]]; then
    deployed=$(<"$DEPLOYED_FILE")
  fi
  mkdir -p "$\{STATUS%/*}"
  write_file "$STATUS" 644 "{
  \"host\": $(json_string "$LAB_HOST"),
  \"result\": $(json_string "$result"),
  \"failedStep\": $(json_opt "$step"),
  \"commit\": $(json_opt "$commit"),
  \"previousCommit\": $(json_opt "$previous"),
  \"deployedCommit\": $(json_opt "$deployed"),
  \"time\": $(json_string "$(now_utc)"),
  \"snapshot\": $(json_opt "$snapshot"),
  \"generation\": $(json_number "$(current_generation)"),
  \"message\": $(json_string "$message")
}
"
}

# The NixOS system generation the profile points at (system-42-link → 42), or "-".
current_generation() {
  local link
  if ! link=$(readlink "$SYSTEM_PROFILE" 2>/dev/null); then
    printf -- '-'
    return 0
  fi
  if [[ $\{link##*/} =~ ^"$\{SYSTEM_PROFILE##*/}"-([0-9]+)-link$ ]]; then
    printf '%s' "$\{BASH_REMATCH[1]}"
  else
    printf -- '-'
  fi
}

# Takes the lock shared by the agent and labgen-rollback, or refuses (exit 75, EX_TEMPFAIL).
take_lock() {
  if ! command -v flock >/dev/null; then
    die "flock (util-linux) is not on PATH"
  fi
  exec {LOCK_FD}>>"$LOCK_FILE"
  if ! flock --nonblock "$LOCK_FD"; then
    log "refused: another labgen-gitops or labgen-rollback run holds $LOCK_FILE; not starting a second one"
    exit 75
  fi
}

# The reason a commit is on hold ("<commit> TAB <reason>" lines; a bare commit was undone by
# labgen-rollback); fails when it is not held.
hold_reason() {
  local commit reason
  if [[ ! -f $HOLD_FILE ]]; then
    return 1
  fi
  while IFS=$'\t' read -r commit reason; do
    if [[ $commit == "$1" ]]; then
      printf '%s' "$\{reason:-undone by labgen-rollback}"
      return 0
    fi
  done <"$HOLD_FILE"
  return 1
}

# Lines of the deploy history (none when nothing was deployed yet).
HISTORY_LINES=()
load_history() {
  HISTORY_LINES=()
  if [[ -f $HISTORY ]]; then
    mapfile -t HISTORY_LINES <"$HISTORY"
  fi
}
`;
