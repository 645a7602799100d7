import { shellProgram, type ShellProgram } from "../../printers/shell/index.ts";
import { CA_COMMANDS } from "./program-commands.ts";

// The fixed program text of ca.sh. It is code, so it is a static literal; every lab-specific value
// arrives through the readonly variables the planner assigns (names listed in plan.ts):
//   CA_DOMAIN CA_DEFAULT_DIR ROOT_SUBJECT INTERMEDIATE_SUBJECT
//   ROOT_DAYS INTERMEDIATE_DAYS LEAF_DAYS RENEW_BEFORE_DAYS
// `$\{` below is bash's `${` (see shellProgram).
// File names must match CA_FILES in generator/shared/ca.ts and CA_ISSUE_LAYOUT in types.ts.
const CA_SETUP = shellProgram`
shopt -s inherit_errexit
# Keys are created under this mask, so they are never readable by others, not even briefly.
umask 077
# ASCII character ranges in the checks below, whatever the caller's locale.
export LC_ALL=C

readonly PROG=ca.sh
readonly DAY=86400
# Apple rejects any TLS server certificate valid for longer, private roots included.
readonly MAX_LEAF_DAYS=825
readonly DNS_NAME_RE='^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'

# LABGEN_CA_DIR wins so that the script can run (and be tested) somewhere else.
CA_DIR=$\{LABGEN_CA_DIR:-$CA_DEFAULT_DIR}
if [[ $CA_DIR != /* ]]; then
  CA_DIR=$PWD/$CA_DIR
fi
readonly CA_DIR
readonly ROOT_KEY=$CA_DIR/root.key
readonly ROOT_CRT=$CA_DIR/root.crt
readonly INT_KEY=$CA_DIR/intermediate.key
readonly INT_CRT=$CA_DIR/intermediate.crt
readonly LEAF_KEY=$CA_DIR/leaf.key
readonly LEAF_CRT=$CA_DIR/leaf.crt
readonly FULLCHAIN=$CA_DIR/fullchain.crt
# issue writes each certificate into issued/<serial>/ and then renames one symlink, current, onto
# it: the switch is a single atomic rename. leaf.key, leaf.crt and fullchain.crt are fixed
# symlinks into current/, so their paths never change.
readonly ISSUED_DIR=$CA_DIR/issued
readonly CURRENT=$CA_DIR/current
# notBefore lies this far in the past, so a client whose clock is a little behind accepts a
# certificate issued just now.
readonly BACKDATE_SECONDS=300

WORK=
SERIAL=

usage() {
  printf 'usage: %s <command>\n\n' "$PROG"
  printf '  init              create the root and intermediate CA; refuses if any CA file exists\n'
  printf '  issue             issue the certificate for *.%s and %s (replaces the current one)\n' "$CA_DOMAIN" "$CA_DOMAIN"
  printf '  renew [--days N]  re-issue only if it expires within N days (default %s)\n' "$RENEW_BEFORE_DAYS"
  printf '  verify            check the chain, dates, keys and host names\n'
  printf '  paths             show where the files are and which ones are public\n'
  printf '  help              this text and the paths\n\n'
  printf 'Files live in the directory named by LABGEN_CA_DIR if set, else in %s.\n' "$CA_DEFAULT_DIR"
}

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

warn() {
  printf '%s: warning: %s\n' "$PROG" "$*" >&2
}

say() {
  printf '%s: %s\n' "$PROG" "$*"
}

usage_error() {
  printf '%s: %s\n\n' "$PROG" "$*" >&2
  usage >&2
  exit 2
}

cleanup() {
  if [[ -n $WORK ]]; then
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# A whole number of days without leading zeros (bash arithmetic would read 08 as octal).
is_count() {
  [[ $1 =~ ^(0|[1-9][0-9]{0,4})$ ]]
}

check_settings() {
  # The domain is written into an openssl config file; the generator validated it, and this
  # re-check keeps a hand-edited value from injecting config syntax.
  if ! [[ $CA_DOMAIN =~ $DNS_NAME_RE && $CA_DOMAIN =~ ^.{1,62}$ ]]; then
    die "CA_DOMAIN must be a DNS name of at most 62 characters (letters, digits, '-', '.'): $CA_DOMAIN"
  fi
  local n
  for n in "$ROOT_DAYS" "$INTERMEDIATE_DAYS" "$LEAF_DAYS" "$RENEW_BEFORE_DAYS"; do
    is_count "$n" || die "day counts must be whole numbers: $n"
  done
  if ((LEAF_DAYS < 1 || LEAF_DAYS > MAX_LEAF_DAYS)); then
    die "LEAF_DAYS must be between 1 and $MAX_LEAF_DAYS (clients reject longer validity): $LEAF_DAYS"
  fi
  if ((INTERMEDIATE_DAYS < 1 || INTERMEDIATE_DAYS > ROOT_DAYS)); then
    die "INTERMEDIATE_DAYS must be between 1 and ROOT_DAYS: $INTERMEDIATE_DAYS"
  fi
}

need_openssl() {
  command -v openssl >/dev/null 2>&1 || die "openssl not found on PATH (OpenSSL 3 or newer is required)"
  local version
  version=$(openssl version)
  [[ $version =~ ^OpenSSL\ ([3-9]|[1-9][0-9])\. ]] || die "OpenSSL 3 or newer is required, found: $version"
}

# Runs openssl quietly; on failure shows what it said and stops.
ossl() {
  local log
  if ! log=$(openssl "$@" 2>&1); then
    printf '%s\n' "$log" >&2
    die "openssl $1 failed"
  fi
}

require_files() {
  local f
  for f in "$@"; do
    [[ -f $f ]] || die "$f is missing (run '$PROG init' and '$PROG issue' first, or set LABGEN_CA_DIR)"
  done
}

# Scratch space inside the CA directory: same file system, so the final mv is an atomic rename.
make_work() {
  WORK=$(mktemp -d "$CA_DIR/.ca-tmp.XXXXXXXX")
  write_config "$WORK/openssl.cnf"
}

# Subjects come from -subj; the sections below hold the extensions. x509 -req ignores extensions in
# the CSR (no -copy_extensions), so what a certificate may do is decided here only.
write_config() {
  cat >"$1" <<EOF
[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = placeholder

[ root_ext ]
basicConstraints     = critical, CA:TRUE, pathlen:1
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints      = critical, @name_constraints

[ int_ext ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
nameConstraints        = critical, @name_constraints

# A constraint binds only its own name form (RFC 5280, 4.2.1.10): without the IP exclusions a
# leaked intermediate could sign any IPv4 or IPv6 address and every device trusting the root
# would accept it. openssl writes an IP range as address/mask, the mask in address form
# (crypto/x509/v3_utl.c, a2i_IPADDRESS_NC), so all of IPv6 is ::/:: rather than ::/0.
[ name_constraints ]
permitted;DNS.0 = $CA_DOMAIN
excluded;IP.0   = 0.0.0.0/0.0.0.0
excluded;IP.1   = ::/::

[ leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = @leaf_san

[ leaf_san ]
DNS.1 = *.$CA_DOMAIN
DNS.2 = $CA_DOMAIN

# openssl ca (issue) is used only for its -startdate (backdating); its database is a scratch
# file in the work directory, and paths are relative because it runs there.
[ leaf_ca ]
database        = index.txt
new_certs_dir   = .
serial          = serial
default_md      = sha384
policy          = leaf_policy
unique_subject  = no
copy_extensions = none
email_in_dn     = no

[ leaf_policy ]
commonName = supplied
EOF
}

new_key() {
  ossl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$1" -out "$2"
}

# Random 128-bit serial (CA/B practice; also makes every re-issue distinguishable).
new_serial() {
  SERIAL=0x$(openssl rand -hex 16)
  [[ $SERIAL =~ ^0x[0-9a-f]{32}$ ]] || die "openssl rand did not return a serial"
}

end_date() {
  local line
  line=$(openssl x509 -noout -enddate -dateopt iso_8601 -in "$1")
  printf '%s' "$\{line#notAfter=}"
}

key_matches() {
  local from_key from_cert
  from_key=$(openssl pkey -in "$1" -pubout)
  from_cert=$(openssl x509 -in "$2" -noout -pubkey)
  [[ $from_key == "$from_cert" ]]
}

# ln never replaces an existing name, so even a concurrent init cannot overwrite a CA; if one link
# fails, the links this run already made are removed again.
place_new() {
  local name other
  for name in "$@"; do
    if ! ln -- "$WORK/$name" "$CA_DIR/$name"; then
      for other in "$@"; do
        if [[ $WORK/$other -ef $CA_DIR/$other ]]; then
          rm -f -- "$CA_DIR/$other"
        fi
      done
      die "could not create $CA_DIR/$name; nothing was changed"
    fi
  done
}

cmd_init() {
  local f
  # A CA is state: regenerating it would change the root every device trusts. Check before
  # touching anything, so a refusal changes nothing.
  for f in "$ROOT_KEY" "$ROOT_CRT" "$INT_KEY" "$INT_CRT" "$LEAF_KEY" "$LEAF_CRT" "$FULLCHAIN" "$CURRENT" "$ISSUED_DIR"; do
    if [[ -e $f || -L $f ]]; then
      die "refusing to overwrite the existing CA: $f exists (nothing was changed)"
    fi
  done
  mkdir -p -- "$CA_DIR"
  chmod 700 -- "$CA_DIR"
  make_work

  new_key P-384 "$WORK/root.key"
  new_serial
  ossl req -x509 -new -utf8 -config "$WORK/openssl.cnf" -extensions root_ext \
    -key "$WORK/root.key" -subj "$ROOT_SUBJECT" -set_serial "$SERIAL" \
    -days "$ROOT_DAYS" -sha384 -out "$WORK/root.crt"

  new_key P-384 "$WORK/intermediate.key"
  ossl req -new -utf8 -config "$WORK/openssl.cnf" \
    -key "$WORK/intermediate.key" -subj "$INTERMEDIATE_SUBJECT" -out "$WORK/intermediate.csr"
  new_serial
  ossl x509 -req -in "$WORK/intermediate.csr" -CA "$WORK/root.crt" -CAkey "$WORK/root.key" \
    -set_serial "$SERIAL" -days "$INTERMEDIATE_DAYS" -sha384 \
    -extfile "$WORK/openssl.cnf" -extensions int_ext -out "$WORK/intermediate.crt"

  ossl verify -x509_strict -CAfile "$WORK/root.crt" "$WORK/intermediate.crt"
  chmod 644 -- "$WORK/root.crt" "$WORK/intermediate.crt"
  place_new root.key root.crt intermediate.key intermediate.crt
  say "created the CA in $CA_DIR"
  say "install $ROOT_CRT on hosts and devices; root.key is needed again only to re-create the intermediate, keep it offline"
  say "next: $PROG issue"
}
`;

/** The whole program: settings, helpers and init (above), then issue, renew, verify, paths and main. */
export const CA_PROGRAM = { text: `${CA_SETUP.text.replace(/\n*$/, "\n")}\n${CA_COMMANDS.text}` } as ShellProgram;
