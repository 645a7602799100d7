// Column counting exactly as hclwrite does it for `=` alignment (Tokens.Columns in tokens.go): the
// sum, over the tokens of the text before the `=`, of the number of grapheme clusters in each
// token's bytes (go-textseg v15, i.e. Unicode 15.0 rules). Only non-ASCII text inside quoted
// literals can make this differ from `.length`, so callers pass literal text separately.

// Made on first use: creating it costs about 9 ms of CPU at start-up (ICU data), and only
// non-ASCII text needs it.
let segmenter: Intl.Segmenter | undefined;
const ASCII = /^[\x00-\x7f]*$/;

// The HCL scanner (scan_tokens.rl, TemplateStringLiteral) cuts the body of a quoted string into
// separate tokens at every `$`/`%`: `$${` and `%%{` are one token each, a lone `$` or `%` is a
// token of its own, and everything between (backslash escapes included) is one run. Counting per
// token matters because a combining mark right after such a cut starts a new cluster in fmt's
// count (measured: the key "$́" is 2 columns wide for fmt, 1 grapheme as a whole string).
const LITERAL_TOKENS = /\$\$\{|%%\{|[$%]|[^$%]+/gu;

/** How many scanner tokens the escaped body of a quoted string becomes (see LITERAL_TOKENS). */
export function literalTokenCount(escaped: string): number {
  // Without a `$` or `%` the whole text is one run (no match array to build for the usual label).
  if (!CUT.test(escaped)) return escaped === "" ? 0 : 1;
  return escaped.match(LITERAL_TOKENS)?.length ?? 0;
}
const CUT = /[$%]/;

// Linkers (InCB=Linker): the viramas of Devanagari, Bengali, Gujarati, Oriya, Telugu, Malayalam.
const LINKER = /[\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d]/u;
const LETTER = /\p{L}/u;
const MARK_OR_ZWJ = /[\p{M}\u200d]/u;

/**
 * Grapheme clusters of one token's text under Unicode 15.0 rules. Intl.Segmenter follows the
 * Node's ICU (newer Unicode), so two later rule changes are undone; a full-range experiment
 * (every printable non-ASCII code point c in a key "xcx", measured through fmt's alignment) found
 * exactly these two differences:
 *  - GB9c (Unicode 15.1) joins Indic conjuncts (consonant + virama + consonant) into one cluster;
 *    under 15.0 a letter after a virama starts a new cluster.
 *  - U+11A3A ZANABAZAR SQUARE CLUSTER-INITIAL LETTER RA was Prepend in 15.0 (joins the next
 *    character) and no longer is.
 */
function clusters(text: string): number {
  if (ASCII.test(text)) return text.length;
  let count = 0;
  let prevEndsWithRa = false;
  for (const { segment } of (segmenter ??= new Intl.Segmenter("en", { granularity: "grapheme" })).segment(text)) {
    if (prevEndsWithRa) count--; // 15.0: merged into the previous cluster (GB9b)
    count++;
    const cps = Array.from(segment);
    let afterLinker = false;
    for (let i = 0; i < cps.length; i++) {
      const ch = cps[i];
      if (i > 0 && afterLinker && LETTER.test(ch)) count++;
      if (LINKER.test(ch)) afterLinker = true;
      else if (!MARK_OR_ZWJ.test(ch)) afterLinker = false;
    }
    prevEndsWithRa = cps[cps.length - 1] === "\u{11a3a}";
  }
  return count;
}

/** Columns of the escaped body of a quoted string (the text between its quotes). */
export function literalColumns(escaped: string): number {
  if (ASCII.test(escaped)) return escaped.length;
  let n = 0;
  for (const m of escaped.matchAll(LITERAL_TOKENS)) n += clusters(m[0]);
  return n;
}

/** Columns of non-literal source text (identifiers, punctuation, raw expressions). */
export function codeColumns(text: string): number {
  return clusters(text);
}
