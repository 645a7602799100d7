// What a config string may contain, as pure predicates. The schema and the text check use them to
// refuse a value with a located message; the targets that print the value assert the same
// predicates, so what the config accepts is exactly what the outputs can carry.

/** Code points no output can carry: C0 controls except tab/newline/CR, DEL, C1, U+2028/9, U+FFFE/F. */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Any control character, tab and newline included. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Text every output carries as it is (textProblem is null for it). */
export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Why a config string cannot be used anywhere (null: it can). `multiline` allows tab, newline and
 * CR (cloud-init user data, raw Incus options); elsewhere a value is one line.
 */
export function textProblem(s: string, multiline: boolean): string | null {
  // Printable ASCII is always fine (the common case: names, paths, addresses); the checks below
  // are for the rest.
  if (PRINTABLE_ASCII.test(s)) return null;
  const lone = LONE_SURROGATE.exec(s);
  if (lone) return `is not valid Unicode text: it holds a lone UTF-16 surrogate (${hex(lone[0])}); retype the value`;
  const bad = FORBIDDEN.exec(s);
  if (bad) {
    const c = bad[0].codePointAt(0)!;
    const what = c < 0xa0 ? "the control character" : c >= 0xfffe ? "the non-character" : "the line separator";
    return `contains ${what} ${hex(bad[0])}, which no generated file can carry: remove it`;
  }
  // HCL reads every string back in NFC (hclwrite normalizes), so any other form would not survive
  // the trip through OpenTofu unchanged; the HCL printer refuses it.
  if (s.normalize("NFC") !== s) return `is not in Unicode normal form NFC (a letter written as base + combining mark, e.g. "e" + U+0301): retype it, or write ${JSON.stringify(s.normalize("NFC"))}`;
  if (!multiline) {
    const ws = /[\t\n\r]/.exec(s);
    if (ws) return `must be one line: remove the ${ws[0] === "\t" ? "tab" : ws[0] === "\n" ? "line break" : "carriage return"}`;
  }
  return null;
}

/** ssh-keygen's key type names (a bare public key starts with one of these). */
export const SSH_KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/**
 * A known_hosts line: `[@marker] <hosts> <key type> <key> [comment]` (OpenSSH sshd(8), "SSH_KNOWN_HOSTS
 * FILE FORMAT"). A bare key (no host field) or a host without a key pins nothing.
 */
export function knownHostsProblem(line: string): string | null {
  if (line.trim() === "") return "must not be empty";
  const fields = line.trim().split(/\s+/);
  const n = fields[0].startsWith("@") ? 4 : 3;
  if (fields.length < n || SSH_KEY_TYPE.test(fields[0]))
    return 'want a known_hosts line "<host> <key type> <key>", e.g. "github.com ssh-ed25519 AAAA…" (ssh-keyscan <host> prints them)';
  return null;
}

/** git check-ref-format rules for a branch name (the refspec +refs/heads/<b>:… must stay one refspec). */
export function branchProblem(branch: string): string | null {
  if (branch === "" || branch === "@") return "must not be empty or '@'";
  if (CONTROL.test(branch) || /[\s~^:?*[\\]/.test(branch)) return "must not contain spaces, control characters or any of ~ ^ : ? * [ \\";
  if (branch.includes("..") || branch.includes("@{") || branch.includes("//")) return "must not contain '..', '@{' or '//'";
  if (branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".") || branch.startsWith("-")) return "must not start with '/' or '-', nor end with '/' or '.'";
  if (branch.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) return "no component may start with '.' or end with '.lock'";
  return null;
}

/** ub-common-name / ub-organization-name (RFC 5280): openssl refuses longer subject values. */
export const MAX_SUBJECT_CHARS = 64;

/** A CA subject value (O=, CN=): what openssl takes as one attribute value. */
export function subjectProblem(value: string): string | null {
  if (value.trim() === "") return "must not be empty";
  if (value.trim() !== value) return "must not start or end with whitespace (invisible in every certificate viewer, so almost always a typo)";
  const chars = [...value].length; // openssl counts characters, not UTF-16 units or bytes
  if (chars > MAX_SUBJECT_CHARS) return `at most ${MAX_SUBJECT_CHARS} characters, got ${chars}`;
  if (CONTROL.test(value)) return "must not contain control characters";
  return null;
}

/** Levenshtein distance, ignoring case: how far a misspelt name is from a known one (did-you-mean). */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
