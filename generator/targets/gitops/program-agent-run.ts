import { shellProgram } from "../../printers/shell/index.ts";

// labgen-gitops.sh, the steps themselves (after AGENT_PROGRAM's functions), in the order listed in
// program-agent.ts.
export const AGENT_RUN = shellProgram`
mkdir -p "$GITOPS_DIR"
take_lock
WRITE_STATUS=1

STEP=preflight
tools=(git nixos-rebuild nix nix-env incus zfs jq timeout)
if (( APPLIES_TOFU == 1 )); then
  tools+=(tofu)
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
guard_undo_datasets
if [[ -s $DEPLOYED_FILE ]]; then
  PREVIOUS=$(<"$DEPLOYED_FILE")
fi

STEP=rollback
if [[ -e $INCOMPLETE_FILE ]]; then
  finish refused 3 "a labgen-rollback did not finish ($(<"$INCOMPLETE_FILE")); nothing is deployed until it is run again successfully or $INCOMPLETE_FILE is deleted"
fi

STEP=fetch
# Pinned host keys only: no trust on first use, and the system-wide known_hosts does not count.
# Keepalives: a dead connection ends within a minute instead of hanging the unit.
write_file "$KNOWN_HOSTS_FILE" 600 "$KNOWN_HOSTS"$'\n'
printf -v GIT_SSH_COMMAND 'ssh -i %q -o IdentitiesOnly=yes -o UserKnownHostsFile=%q -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4' "$DEPLOY_KEY" "$KNOWN_HOSTS_FILE"
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
if held_reason=$(hold_reason "$FETCHED"); then
  STEP=
  finish held 75 "$FETCHED is held ($held_reason); push a new commit, or delete its line in $HOLD_FILE"
fi

STEP=backoff
if [[ -s $FAILURES_FILE ]]; then
  IFS=$'\t' read -r failed_sha failed_count failed_at <"$FAILURES_FILE"
  if [[ $failed_sha == "$FETCHED" ]]; then
    retry_at=$((failed_at + $(backoff_delay "$failed_count")))
    if (( $(now_epoch) < retry_at )); then
      STEP=
      finish backoff 75 "$FETCHED failed $failed_count time(s); next attempt at $(date -u -d "@$retry_at" +%Y-%m-%dT%H:%M:%SZ)"
    fi
  else
    rm -f "$FAILURES_FILE"
  fi
fi

STEP=fast-forward
# A commit that does not descend from the deployed one (a force-push, a rewind) would be a
# downgrade path; only an explicit, host-side permission for exactly that commit lets it through.
if [[ -n $PREVIOUS ]] && ! git -C "$CHECKOUT" merge-base --is-ancestor "$PREVIOUS" "$FETCHED" 2>/dev/null; then
  allowed=
  if [[ -s $ALLOW_REWIND_FILE ]]; then
    allowed=$(<"$ALLOW_REWIND_FILE")
  fi
  if [[ $allowed != "$FETCHED" ]]; then
    hold_and_refuse rewind "$FETCHED is not a fast-forward of the deployed $PREVIOUS (force-push or rewind); to deploy it anyway, write its full id into $ALLOW_REWIND_FILE"
  fi
  log "deploying the rewind to $FETCHED: allowed by $ALLOW_REWIND_FILE"
  rm -f "$ALLOW_REWIND_FILE"
fi

if [[ -n $ALLOWED_SIGNERS ]]; then
  STEP=verify
  write_file "$ALLOWED_SIGNERS_FILE" 600 "$ALLOWED_SIGNERS"$'\n'
  if ! git -C "$CHECKOUT" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$ALLOWED_SIGNERS_FILE" verify-commit "$FETCHED"; then
    hold_and_refuse unsigned "$FETCHED is not signed by an allowed signer; nothing was deployed"
  fi
fi

STEP=checkout
# Exactly the commit: untracked files (a stray *.tf, an old .terraform) would change what runs.
if ! git -C "$CHECKOUT" -c advice.detachedHead=false checkout --quiet --force --detach "$FETCHED" ||
  ! git -C "$CHECKOUT" clean -ffdxq; then
  fail_step "checkout of $FETCHED in $CHECKOUT failed"
fi

STEP=drift
# The committed out/ must be what the commit's own lab.config.ts generates (labgen diff, exit 1 on
# drift): a hand-edited or stale out/ is never deployed.
drift_status=0
labgen_run diff || drift_status=$?
if (( drift_status == 1 )); then
  hold_and_refuse drift "the committed out/ differs from what lab.config.ts generates (labgen diff); regenerate and commit"
elif (( drift_status != 0 )); then
  fail_step "labgen diff failed (exit status $drift_status)"
fi

STEP=plan
# labgen plan against the deployed commit: exit 3 when a destroy-data change lacks allowDestroy.
if [[ -n $PREVIOUS ]]; then
  if ! git -C "$CHECKOUT" cat-file -e "$PREVIOUS^{commit}" 2>/dev/null; then
    fail_step "the deployed commit $PREVIOUS is not in $CHECKOUT: cannot compare"
  fi
  plan_status=0
  labgen_run plan --base "$PREVIOUS" --json >"$PLAN_JSON" || plan_status=$?
  if (( plan_status == 3 )); then
    blocked=$(jq -r '[.blocked[] | "\(.risk) \(.kind) \(.name) (\(.path))"] | join(", ")' "$PLAN_JSON" 2>/dev/null || printf 'see labgen plan')
    hold_and_refuse destroy-data "labgen plan: $blocked would destroy data and is not in allowDestroy; nothing was changed"
  elif (( plan_status != 0 )); then
    fail_step "labgen plan --base $PREVIOUS failed (exit status $plan_status)"
  fi
else
  printf '{"changes":[],"blocked":[]}\n' >"$PLAN_JSON"
fi

if (( APPLIES_TOFU == 1 )); then
  STEP=ca
  # The first apply pushes Traefik's certificate: it waits for ca.sh init + issue (install guide).
  while IFS= read -r ca_file; do
    if [[ -n $ca_file && ! -s $(state_path "$ca_file") ]]; then
      STEP=
      finish waiting 75 "waiting for the CA: $(state_path "$ca_file") does not exist yet; run ca.sh init && ca.sh issue (docs/install.md, step 6)"
    fi
  done <<<"$CA_FILES"

  STEP=tofu-plan
  log "tofu -chdir=$CHECKOUT/$TOFU_SUBDIR init, plan"
  if ! tofu_run init -input=false; then
    fail_step "tofu init failed"
  fi
  if ! tofu_run plan -input=false -out="$TOFU_PLAN"; then
    fail_step "tofu plan failed; nothing was changed"
  fi
  # Belt and braces: OpenTofu must not delete a storage volume or pool that labgen plan did not
  # see allowed (e.g. a volume block removed while prevent_destroy could no longer act).
  if ! deletes=$(tofu_run show -json "$TOFU_PLAN" | tofu_deletes); then
    fail_step "tofu show -json of the plan failed; nothing was changed"
  fi
  allowed_deletes=$(jq -r '.changes[] | select(.risk == "destroy-data" and .allowed == true) | "\(.kind)\t\(.name)"' "$PLAN_JSON")
  refused=()
  while IFS=$'\t' read -r address type name; do
    if [[ -z $address ]]; then
      continue
    fi
    kind=volume
    if [[ $type == incus_storage_pool ]]; then
      kind=storagePool
    fi
    if [[ $'\n'$allowed_deletes$'\n' != *$'\n'"$kind"$'\t'"$name"$'\n'* ]]; then
      refused+=("$address")
    fi
  done <<<"$deletes"
  if (( $\{#refused[@]} > 0 )); then
    rm -f "$TOFU_PLAN"
    hold_and_refuse destroy-data "tofu plan deletes $\{refused[*]}, which allowDestroy does not name; nothing was changed"
  fi
fi

STEP=snapshot
# A retry of a commit whose apply failed keeps the snapshots of its first attempt: they hold the
# state before any of its changes, which is what a rollback must return to.
if [[ -s $ATTEMPT_FILE ]]; then
  IFS=$'\t' read -r -a attempt <"$ATTEMPT_FILE"
  if [[ $\{attempt[2]-} == "$FETCHED" && -s $SNAPSHOT_DIR/$\{attempt[4]-} ]]; then
    SNAPSHOT=$\{attempt[4]}
    GEN_BEFORE=$\{attempt[6]-}
    REUSED=1
    log "reusing snapshot $SNAPSHOT of the earlier attempt to deploy $FETCHED"
  fi
fi
if [[ -z $SNAPSHOT ]]; then
  GEN_BEFORE=$(current_generation)
  if ! sequence=$(next_sequence); then
    fail_step "cannot list the existing snapshots; nothing was changed"
  fi
  printf -v SNAPSHOT 'labgen-%06d-%s' "$sequence" "$\{FETCHED:0:12}"
  if ! take_snapshot "$SNAPSHOT"; then
    fail_step "snapshot $SNAPSHOT failed; nothing was switched or applied"
  fi
fi
write_file "$ATTEMPT_FILE" 600 "$(record_line pending)"$'\n'

STEP=rebuild
log "deploying $FETCHED: nixos-rebuild switch --flake $CHECKOUT#$LAB_HOST"
if ! nixos-rebuild switch --flake "$CHECKOUT#$LAB_HOST"; then
  message="nixos-rebuild switch failed; nothing was applied"
  if [[ $(current_generation) != "$GEN_BEFORE" ]]; then
    message+="; generation $(current_generation) was installed but did not activate cleanly"
  fi
  apply_failed "$message"
fi
GEN_AFTER=$(current_generation)

STEP=network
# A pull-based host that can no longer reach its repository cannot pull the fix: prove it still
# can, or go back to the generation that could.
if ! timeout "$NETWORK_DEADLINE" git ls-remote --quiet -- "$REPOSITORY" "refs/heads/$BRANCH" >/dev/null; then
  log "the repository is unreachable after the switch: back to generation $GEN_BEFORE"
  if [[ $GEN_BEFORE != - && $GEN_BEFORE != "$GEN_AFTER" ]] &&
    nix-env -p "$SYSTEM_PROFILE" --switch-generation "$GEN_BEFORE" &&
    "$SYSTEM_PROFILE/bin/switch-to-configuration" switch; then
    GEN_AFTER=$GEN_BEFORE
    append_history "$(record_line failed)"
    rm -f "$ATTEMPT_FILE" "$TOFU_PLAN"
    hold_and_refuse network "after switching to $FETCHED the repository was unreachable for $\{NETWORK_DEADLINE}s; switched back to generation $GEN_BEFORE"
  fi
  hold_and_refuse network "after switching to $FETCHED the repository is unreachable and switching back to generation $GEN_BEFORE failed: needs console access"
fi

if (( APPLIES_TOFU == 1 )); then
  STEP=apply
  log "tofu -chdir=$CHECKOUT/$TOFU_SUBDIR apply (the checked plan)"
  if ! tofu_run apply -input=false "$TOFU_PLAN"; then
    apply_failed "tofu apply failed"
  fi
  rm -f "$TOFU_PLAN"
fi

STEP=record
append_history "$(record_line ok)"
write_file "$DEPLOYED_FILE" 600 "$FETCHED"$'\n'
# A successful deploy of another commit ends any hold and any backoff.
rm -f "$ATTEMPT_FILE" "$HOLD_FILE" "$FAILURES_FILE"

STEP=prune
if ! prune_snapshots; then
  finish failed 1 "deployed $FETCHED, but pruning old labgen snapshots failed"
fi

STEP=
# The normal end of the script: reported like every other outcome, then exit status 0.
report ok "deployed $FETCHED"
`;
