import { shellProgram } from "../../printers/shell/index.ts";

// labgen-cert-renew.sh: the daily renewal on the host that holds the CA (the OpenTofu host). Its
// assignments (plan.ts): CA_DEFAULT_DIR INGRESS_INSTANCE CERT_TARGET KEY_TARGET INTERMEDIATE_WARN_DAYS
// INTERMEDIATE_FAIL_DAYS.
//
// 1. `labgen-ca renew` (out/ca/ca.sh, packaged by configuration.nix) re-issues the wildcard
//    certificate when it expires within ca.renewBeforeDays; otherwise nothing changes.
// 2. When the chain changed, it reaches Traefik here, by `incus file push` of the two files and a
//    restart of the ingress instance only. OpenTofu cannot do it: the provider notices a file
//    block's change only when its path changes (lxc/terraform-provider-incus
//    internal/common/incus_file.go, HasFileContentChanged), so a renewed certificate at the same
//    source_path is never pushed again; and Traefik reads certificates with its configuration,
//    which has not changed, so a restart is what makes it load them.
// 3. The intermediate cannot be renewed automatically (its key signs, the root is offline): a
//    warning in the journal from INTERMEDIATE_WARN_DAYS before it expires, a failed unit (its
//    OnFailure= hook) from INTERMEDIATE_FAIL_DAYS.
export const RENEW_PROLOGUE = shellProgram`
readonly PROG=labgen-cert-renew
`;

export const RENEW_PROGRAM = shellProgram`
shopt -s inherit_errexit
umask 077
export LC_ALL=C

log() {
  printf '%s: %s\n' "$PROG" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

DAYS_ARGS=()
case $# in
  0) ;;
  2)
    if [[ $1 != --days || ! $2 =~ ^[0-9]+$ ]]; then
      die "usage: $PROG [--days N]"
    fi
    DAYS_ARGS=(--days "$2")
    ;;
  *) die "usage: $PROG [--days N]" ;;
esac

CA_DIR=$\{LABGEN_CA_DIR:-$CA_DEFAULT_DIR}
readonly CA_DIR
readonly FULLCHAIN=$CA_DIR/fullchain.crt
readonly LEAF_KEY=$CA_DIR/leaf.key
readonly INTERMEDIATE=$CA_DIR/intermediate.crt
readonly DAY=86400

fingerprint() {
  if [[ -f $1 ]]; then
    sha256sum <"$1"
  else
    printf 'none'
  fi
}

before=$(fingerprint "$FULLCHAIN")
labgen-ca renew "$\{DAYS_ARGS[@]}" || die "labgen-ca renew failed; the certificate Traefik serves is unchanged"
after=$(fingerprint "$FULLCHAIN")

if [[ $before != "$after" ]]; then
  log "the certificate was renewed: pushing it to $INGRESS_INSTANCE and restarting only that instance"
  incus file push --uid 0 --gid 0 --mode 0644 "$FULLCHAIN" "$INGRESS_INSTANCE$CERT_TARGET" ||
    die "incus file push of the chain failed; rerun $PROG"
  incus file push --uid 0 --gid 0 --mode 0600 "$LEAF_KEY" "$INGRESS_INSTANCE$KEY_TARGET" ||
    die "incus file push of the key failed; rerun $PROG"
  incus restart "$INGRESS_INSTANCE" || die "incus restart $INGRESS_INSTANCE failed; Traefik still serves the old certificate"
else
  log "the certificate is not due for renewal"
fi

if [[ -f $INTERMEDIATE ]]; then
  ends=$(openssl x509 -noout -enddate -in "$INTERMEDIATE")
  if ! openssl x509 -noout -checkend $((INTERMEDIATE_FAIL_DAYS * DAY)) -in "$INTERMEDIATE" >/dev/null; then
    die "the intermediate CA expires within $INTERMEDIATE_FAIL_DAYS days ($\{ends#notAfter=}): make a new one with the offline root (docs/install.md)"
  fi
  if ! openssl x509 -noout -checkend $((INTERMEDIATE_WARN_DAYS * DAY)) -in "$INTERMEDIATE" >/dev/null; then
    log "warning: the intermediate CA expires within $INTERMEDIATE_WARN_DAYS days ($\{ends#notAfter=}): plan a new one with the offline root"
  fi
fi
`;
