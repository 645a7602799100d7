// The one HCL string escaper, plus the identifier rule. Both are shared by every place the printer
// writes a quoted string (attribute values, object keys, block labels, template literal parts).

/** Thrown for IR the printer refuses to print (bad identifier, non-NFC string, …). */
export class HclPrintError extends Error {
  override name = "HclPrintError";
}

// HCL's identifier is ID_Start/'_' then ID_Continue/'-' (hclsyntax scan_tokens.rl). We accept the
// ASCII subset only: every Terraform/OpenTofu block type, argument and provider name is ASCII, so
// the restriction never rejects a real schema name, and elsewhere (object keys) a non-ASCII name is
// simply quoted, which is always valid.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function isHclIdentifier(name: string): boolean {
  // A char loop: names are short and checked for every attribute, key and reference step, where
  // the regex call itself cost more than the scan (measured); IDENTIFIER states the same rule.
  const n = name.length;
  if (n === 0) return false;
  let c = name.charCodeAt(0);
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return false;
  for (let i = 1; i < n; i++) {
    c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) return false;
  }
  return true;
}

export function assertHclIdentifier(name: string, what: string): void {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new HclPrintError(
      `${what} ${JSON.stringify(name)} is not an HCL identifier ([A-Za-z_][A-Za-z0-9_-]*)`,
    );
  }
}

/**
 * Why a string cannot be printed so that HCL reads back the same string, or undefined if it can.
 * Exposed so that config validation can reject such input with a friendly message up front.
 *  - HCL normalizes every string literal to Unicode NFC after decoding escapes (checked with
 *    terraform console: both "e\u0301" and the raw decomposed bytes come back as "é"), so a
 *    non-NFC string can never round-trip, escaped or not.
 *  - A lone UTF-16 surrogate has no UTF-8 encoding at all.
 */
export function hclStringProblem(s: string): string | undefined {
  if (ASCII_ONLY.test(s)) return undefined;
  if (LONE_SURROGATE.test(s)) return "contains a lone UTF-16 surrogate (not valid Unicode text)";
  if (s.normalize("NFC") !== s) {
    return "is not in Unicode NFC; HCL normalizes strings to NFC, so it would not read back unchanged (normalize it first)";
  }
  return undefined;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;
// With the u flag a well-formed surrogate pair is one code point and does not match.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
// Fast path: printable ASCII without the characters that need escaping (", $, %, \), i.e.
// /^[\x20-\x21\x23\x26-\x5b\x5d-\x7e]*$/ as a char loop (every value goes through it; measured faster).
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x24 || c === 0x25 || c === 0x5c) return false;
  }
  return true;
}

// Printable = Go's unicode.IsPrint (categories L, M, N, P, S plus the ASCII space), which is what
// hclwrite's escapeQuotedStringLit uses. Go 1.23 (terraform 1.11, current OpenTofu) has Unicode
// 15.0; this Node may know a newer Unicode, so code points assigned after 15.0 are subtracted.
// The list was obtained by experiment, not typed from memory: every code point was written as an
// escaped block label and run through `terraform fmt` (which re-encodes labels with that very
// function), and the set it printed raw was compared with the regex below: the regex is a strict
// superset by exactly these ranges (all new in Unicode 15.1–17.0). The fmt-exactness test re-runs
// this comparison.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const NEWER_THAN_UNICODE_15_0 = new RegExp(
  "^[" +
    "\\u088f\\u0897\\u0c5c\\u0cdc\\u1acf-\\u1add\\u1ae0-\\u1aeb\\u1b4e-\\u1b4f\\u1b7f\\u1c89-\\u1c8a\\u20c1" +
    "\\u2427-\\u2429\\u2b96\\u2ffc-\\u2fff\\u31e4-\\u31e5\\u31ef\\ua7cb-\\ua7cf\\ua7d2\\ua7d4\\ua7da-\\ua7dc" +
    "\\ua7f1\\ufbc3-\\ufbd2\\ufd90-\\ufd91\\ufdc8-\\ufdce\\u{105c0}-\\u{105f3}\\u{10940}-\\u{10959}" +
    "\\u{10d40}-\\u{10d65}\\u{10d69}-\\u{10d85}\\u{10d8e}-\\u{10d8f}\\u{10ec2}-\\u{10ec7}" +
    "\\u{10ed0}-\\u{10ed8}\\u{10efa}-\\u{10efc}\\u{11380}-\\u{11389}\\u{1138b}\\u{1138e}" +
    "\\u{11390}-\\u{113b5}\\u{113b7}-\\u{113c0}\\u{113c2}\\u{113c5}\\u{113c7}-\\u{113ca}" +
    "\\u{113cc}-\\u{113d5}\\u{113d7}-\\u{113d8}\\u{113e1}-\\u{113e2}\\u{116d0}-\\u{116e3}" +
    "\\u{11b60}-\\u{11b67}\\u{11bc0}-\\u{11be1}\\u{11bf0}-\\u{11bf9}\\u{11db0}-\\u{11ddb}" +
    "\\u{11de0}-\\u{11de9}\\u{11f5a}\\u{13460}-\\u{143fa}\\u{16100}-\\u{16139}\\u{16d40}-\\u{16d79}" +
    "\\u{16ea0}-\\u{16eb8}\\u{16ebb}-\\u{16ed3}\\u{16ff2}-\\u{16ff6}\\u{187f8}-\\u{187ff}\\u{18cff}" +
    "\\u{18d09}-\\u{18d1e}\\u{18d80}-\\u{18df2}\\u{1cc00}-\\u{1ccfc}\\u{1cd00}-\\u{1ceb3}" +
    "\\u{1ceba}-\\u{1ced0}\\u{1cee0}-\\u{1cef0}\\u{1e5d0}-\\u{1e5fa}\\u{1e5ff}\\u{1e6c0}-\\u{1e6de}" +
    "\\u{1e6e0}-\\u{1e6f5}\\u{1e6fe}-\\u{1e6ff}\\u{1f6d8}\\u{1f777}-\\u{1f77a}\\u{1f8b2}-\\u{1f8bb}" +
    "\\u{1f8c0}-\\u{1f8c1}\\u{1f8d0}-\\u{1f8d8}\\u{1fa54}-\\u{1fa57}\\u{1fa89}-\\u{1fa8a}" +
    "\\u{1fa8e}-\\u{1fa8f}\\u{1fabe}\\u{1fac6}\\u{1fac8}\\u{1facd}\\u{1fadc}\\u{1fadf}\\u{1fae9}-\\u{1faea}" +
    "\\u{1faef}\\u{1fbcb}-\\u{1fbef}\\u{1fbfa}\\u{2b73a}-\\u{2b73f}\\u{2cea2}-\\u{2cead}" +
    "\\u{2ebf0}-\\u{2ee5d}\\u{323b0}-\\u{33479}" +
    "]$",
  "u",
);

function isPrintable(ch: string, cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return PRINTABLE.test(ch) && !NEWER_THAN_UNICODE_15_0.test(ch);
}

export interface EscapeOptions {
  /**
   * The text is a template literal part that is directly followed by an interpolation. A final
   * `$` would then merge with the `${` into the escape `$${`, so it is written `\u0024` instead
   * (the only spelling of a `$` right before an interpolation; verified with terraform console).
   */
  readonly beforeInterpolation?: boolean;
}

/**
 * Escape `s` for use between the double quotes of an HCL quoted template. Identical to hclwrite's
 * escapeQuotedStringLit (the function `terraform fmt` re-encodes block labels with), so a label
 * printed with it is left alone by fmt:
 *  - `\n \r \t \" \\` as backslash escapes, so a quoted string never contains a raw line break;
 *  - `${` → `$${` and `%{` → `%%{`, so data never starts an interpolation or directive;
 *  - every other non-printable code point (C0 controls, DEL, C1 controls, format characters such as
 *    the BOM, ZWJ and bidi controls, non-ASCII spaces, unassigned code points) as `\uNNNN` or
 *    `\UNNNNNNNN` with lowercase hex. Escaping invisible characters also keeps them visible in
 *    review and in diffs.
 * Throws HclPrintError for strings HCL cannot read back unchanged (see hclStringProblem).
 */
export function escapeHclString(s: string, options?: EscapeOptions): string {
  if (isPlainAscii(s)) return s;
  const problem = hclStringProblem(s);
  if (problem !== undefined) throw new HclPrintError(`string ${JSON.stringify(s)} ${problem}`);
  let out = "";
  const chars = Array.from(s); // code points, not UTF-16 units
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    switch (ch) {
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "$":
      case "%": {
        const next = chars[i + 1];
        if (next === "{") out += ch + ch;
        else if (next === undefined && ch === "$" && options?.beforeInterpolation) out += "\\u0024";
        else out += ch;
        continue;
      }
    }
    const cp = ch.codePointAt(0) as number;
    if (isPrintable(ch, cp)) out += ch;
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out;
}

/** `"…"`: an escaped, quoted HCL string literal. */
export function quoteHclString(s: string): string {
  return '"' + escapeHclString(s) + '"';
}
