import { shellProgram } from "../../printers/shell/index.ts";

// The second half of ca.sh's program (program.ts joins them): issue, renew, verify, paths and the
// command line. Same rules as program.ts: static text, `$\{` is bash's `${`.
export const CA_COMMANDS = shellProgram`
# UTC time in openssl ca's GeneralizedTime form, from seconds since the epoch.
asn1_time() {
  date -u -d "@$1" +%Y%m%d%H%M%SZ
}

# Replaces a regular file left by an older ca.sh with the fixed symlink into current/.
link_into_current() {
  local name=$1
  if [[ -L $CA_DIR/$name ]]; then
    return 0
  fi
  ln -sfn -- "current/$name" "$CA_DIR/.$name.link"
  mv -fT -- "$CA_DIR/.$name.link" "$CA_DIR/$name"
}

cmd_issue() {
  require_files "$INT_KEY" "$INT_CRT" "$ROOT_CRT"
  make_work

  new_key P-256 "$WORK/leaf.key"
  ossl req -new -utf8 -config "$WORK/openssl.cnf" \
    -key "$WORK/leaf.key" -subj "/CN=*.$CA_DOMAIN" -out "$WORK/leaf.csr"
  new_serial
  local now start end previous
  now=$(date -u +%s)
  start=$((now - BACKDATE_SECONDS))
  # Exactly LEAF_DAYS of validity, counted from the backdated start.
  end=$((start + LEAF_DAYS * DAY))
  : >"$WORK/index.txt"
  printf '%s\n' "$\{SERIAL#0x}" >"$WORK/serial"
  (
    cd -- "$WORK"
    ossl ca -batch -notext -config openssl.cnf -name leaf_ca -in leaf.csr \
      -cert "$INT_CRT" -keyfile "$INT_KEY" -startdate "$(asn1_time "$start")" \
      -enddate "$(asn1_time "$end")" -extfile openssl.cnf -extensions leaf_ext -out leaf.crt
  )
  cat -- "$WORK/leaf.crt" "$INT_CRT" >"$WORK/fullchain.crt"
  chmod 644 -- "$WORK/leaf.crt" "$WORK/fullchain.crt"

  # Check the new certificate before it replaces anything.
  ossl verify -x509_strict -purpose sslserver -CAfile "$ROOT_CRT" -untrusted "$INT_CRT" \
    -verify_hostname "$CA_DOMAIN" "$WORK/leaf.crt"

  # The new set in its own directory, then one rename of the current symlink: a reader sees the
  # old key, certificate and chain or the new ones, never a mix.
  local serial_dir=$\{SERIAL#0x}
  mkdir -p -- "$ISSUED_DIR"
  mkdir -- "$ISSUED_DIR/$serial_dir"
  mv -- "$WORK/leaf.key" "$WORK/leaf.crt" "$WORK/fullchain.crt" "$ISSUED_DIR/$serial_dir/"
  previous=
  if [[ -L $CURRENT ]]; then
    previous=$(readlink -- "$CURRENT")
  fi
  ln -sfn -- "issued/$serial_dir" "$CA_DIR/.current.link"
  mv -fT -- "$CA_DIR/.current.link" "$CURRENT"
  link_into_current leaf.key
  link_into_current leaf.crt
  link_into_current fullchain.crt
  # Keep the previous set (a reader may still hold it open), remove older ones.
  local d name
  for d in "$ISSUED_DIR"/*; do
    name=$(basename -- "$d")
    if [[ $name != "$serial_dir" && issued/$name != "$previous" ]]; then
      rm -rf -- "$d"
    fi
  done

  say "issued *.$CA_DOMAIN and $CA_DOMAIN, serial $SERIAL, valid until $(end_date "$LEAF_CRT")"
  if ! openssl x509 -noout -checkend $((LEAF_DAYS * DAY)) -in "$INT_CRT" >/dev/null; then
    warn "intermediate.crt expires before this certificate ($(end_date "$INT_CRT")); clients will reject the chain from then on"
  fi
}

cmd_renew() {
  local days=$RENEW_BEFORE_DAYS expires
  while (($# > 0)); do
    case $1 in
      --days)
        (($# >= 2)) || usage_error "renew: --days needs a number"
        days=$2
        shift 2
        ;;
      --days=*)
        days=$\{1#--days=}
        shift
        ;;
      *)
        usage_error "renew: unknown argument: $1"
        ;;
    esac
  done
  is_count "$days" || usage_error "renew: --days wants a whole number of days, got: $days"
  check_settings
  need_openssl

  if [[ -f $LEAF_CRT ]] && openssl x509 -noout -checkend $((days * DAY)) -in "$LEAF_CRT" >/dev/null 2>&1; then
    expires=$(end_date "$LEAF_CRT")
    say "still valid for more than $days days (until $expires); not renewed"
    return 0
  fi
  say "the certificate is missing or expires within $days days; re-issuing"
  cmd_issue
}

cmd_verify() {
  require_files "$ROOT_CRT" "$INT_CRT" "$LEAF_CRT" "$LEAF_KEY" "$FULLCHAIN"
  local host f
  ossl verify -x509_strict -CAfile "$ROOT_CRT" "$INT_CRT"
  say "ok: intermediate.crt is signed by root.crt and within its dates"
  # The apex, and one name that only the wildcard covers.
  for host in "$CA_DOMAIN" "verify-wildcard.$CA_DOMAIN"; do
    ossl verify -x509_strict -purpose sslserver -CAfile "$ROOT_CRT" -untrusted "$INT_CRT" \
      -verify_hostname "$host" "$LEAF_CRT"
    say "ok: leaf.crt chains to root.crt and is valid for $host"
  done
  cat -- "$LEAF_CRT" "$INT_CRT" | cmp -s - "$FULLCHAIN" ||
    die "fullchain.crt is not leaf.crt followed by intermediate.crt (run '$PROG issue')"
  say "ok: fullchain.crt is leaf.crt + intermediate.crt"
  key_matches "$LEAF_KEY" "$LEAF_CRT" || die "leaf.key does not belong to leaf.crt (run '$PROG issue')"
  if [[ -f $INT_KEY ]]; then
    key_matches "$INT_KEY" "$INT_CRT" || die "intermediate.key does not belong to intermediate.crt"
  fi
  if [[ -f $ROOT_KEY ]]; then
    key_matches "$ROOT_KEY" "$ROOT_CRT" || die "root.key does not belong to root.crt"
  fi
  say "ok: the keys belong to their certificates"
  for f in "$ROOT_CRT" "$INT_CRT" "$LEAF_CRT"; do
    say "$(basename -- "$f") valid until $(end_date "$f")"
  done
  if ! openssl x509 -noout -checkend $((RENEW_BEFORE_DAYS * DAY)) -in "$LEAF_CRT" >/dev/null; then
    warn "leaf.crt expires within $RENEW_BEFORE_DAYS days: run '$PROG renew'"
  fi
  say "verify: all checks passed"
}

cmd_paths() {
  printf 'CA directory: %s\n' "$CA_DIR"
  printf '  (configured: %s; LABGEN_CA_DIR overrides it)\n\n' "$CA_DEFAULT_DIR"
  printf '%-7s %-16s %s\n' \
    public root.crt "root certificate: install it on hosts and devices as the trust anchor" \
    secret root.key "root key: needed only to (re-)create the intermediate; keep it offline" \
    public intermediate.crt "intermediate certificate (also inside fullchain.crt)" \
    secret intermediate.key "signs the server certificate (issue, renew)" \
    public leaf.crt "server certificate for *.$CA_DOMAIN and $CA_DOMAIN" \
    public fullchain.crt "leaf.crt + intermediate.crt: what the server sends (Traefik certFile)" \
    secret leaf.key "server key (Traefik keyFile)"
  printf '\nSecret files are mode 0600 and never belong in a repository.\n'
}

main() {
  (($# > 0)) || usage_error "missing command"
  local cmd=$1
  shift
  case $cmd in
    init | issue | verify | paths)
      (($# == 0)) || usage_error "$cmd takes no arguments"
      ;;
  esac
  case $cmd in
    init)
      check_settings
      need_openssl
      cmd_init
      ;;
    issue)
      check_settings
      need_openssl
      cmd_issue
      ;;
    renew)
      cmd_renew "$@"
      ;;
    verify)
      check_settings
      need_openssl
      cmd_verify
      ;;
    paths)
      cmd_paths
      ;;
    help | -h | --help)
      usage
      printf '\n'
      cmd_paths
      ;;
    *)
      usage_error "unknown command: $cmd"
      ;;
  esac
}

main "$@"
`;
