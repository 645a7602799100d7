// The one escaper for Nix string syntax. Every literal the Nix printer emits
// (double-quoted strings, quoted attribute names, indented strings) goes
// through this file; the rules below were checked against the real Nix lexer
// (nix-instantiate 2.8) by test/printers/nix.test.ts.

/** Thrown for values that have no faithful Nix spelling (NUL, lone surrogates, bad paths …). */
export class NixPrintError extends Error {
  override name = "NixPrintError";
}

/**
 * Words the Nix lexer always turns into keyword tokens. `or` is a keyword too
 * (OR_KW): Nix accepts it as an attribute name in `{ or = 1; }` but not as a
 * variable (`let or = 1; in or` is a syntax error), so it is always quoted.
 */
export const NIX_KEYWORDS: ReadonlySet<string> = new Set([
  "if",
  "then",
  "else",
  "assert",
  "with",
  "let",
  "in",
  "rec",
  "inherit",
  "or",
]);

// Nix lexer: ID = [a-zA-Z\_][a-zA-Z0-9\_\'\-]*
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** True when `name` can be written bare (identifier grammar and not a keyword). */
export function isBareIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !NIX_KEYWORDS.has(name);
}

const SUSPICIOUS = /[\0\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Rejects what cannot survive the trip into a UTF-8 .nix file and back:
 * NUL (Nix strings are C strings — `"a\0b"` silently evaluates to "a") and
 * lone UTF-16 surrogates (they would be written as U+FFFD).
 */
export function assertEncodable(text: string, what: string): void {
  // One scan for the common case (nothing suspicious); the precise checks only run on a hit.
  if (!SUSPICIOUS.test(text)) return;
  const nul = text.indexOf("\0");
  if (nul !== -1) {
    throw new NixPrintError(
      `${what} contains a NUL character at index ${nul}; Nix strings cannot hold NUL ` +
        `(the evaluator would silently truncate the value there)`,
    );
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    throw new NixPrintError(
      `${what} contains a lone UTF-16 surrogate at index ${lone.index}; it cannot be encoded as UTF-8`,
    );
  }
}

/**
 * Body of a double-quoted Nix string (without the quotes).
 * `\` `"` and the `$` of every `${` are backslash-escaped; \n \r \t use their
 * escapes (a raw CR would be normalised to LF by the lexer); every other
 * character, control characters included, is emitted raw because Nix has no
 * \u escape and takes them verbatim. `$${` needs no special case: escaping the
 * `${` gives `$\${`, which Nix reads back as `$${`.
 */
export function escapeStringBody(value: string): string {
  assertEncodable(value, "string");
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    switch (c) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "$":
        out += value[i + 1] === "{" ? "\\$" : "$";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** A complete double-quoted Nix string literal. */
export function quoteString(value: string): string {
  return `"${escapeStringBody(value)}"`;
}

/** An attribute name: bare when it is a plain identifier, otherwise a quoted string. */
export function attrName(name: string): string {
  return isBareIdentifier(name) ? name : quoteString(name);
}

// ---------------------------------------------------------------------------
// Indented strings ('' … '')
//
// Relevant Nix lexer rules inside '' … '' (longest match wins):
//   ''$ → "$"   ''' → "''"   ''\X → unescaped X   ${ → interpolation   '' → end
//   a single ' followed by ' or $ is lexed on its own, so a raw ' must never be
//   glued to a following escape (''…) or to the closing ''.
// The parser then strips the smallest indentation (literal spaces only) of the
// non-blank lines; an escape or interpolation ends a line's indentation, and a
// last line consisting only of spaces is dropped.
// ---------------------------------------------------------------------------

// A space written as an interpolated string literal: unlike ''\  it does not
// end the line with whitespace.
const TRAILING_SPACE = '${" "}';

/**
 * Encode one line of indented-string content (no "\n" inside).
 * - `''` → `'''`, `${` → `''${`, CR → `''\r`;
 * - a `'` that would touch a following escape (`''…`) or the closing `''` is
 *   written `''\'`, so the lexer never sees `'''` by accident (before a plain
 *   `$` or `${" "}` a raw `'` is fine: the lexer reads `'` on its own there);
 * - the last character of trailing whitespace is written `${" "}` (space) or
 *   `''\t` (tab): the file gets no trailing whitespace (`''\ ` would itself
 *   end in a space) and the line is never "blank" to the indentation rule;
 * - a leading space is written `''\ ` when `escapeLeadingSpace` is set, which
 *   pins the common indentation to the printer's own indentation.
 */
export function encodeIndentedLine(line: string, escapeLeadingSpace: boolean, isLastOfContent: boolean): string {
  assertEncodable(line, "indented string");
  if (line.includes("\n")) throw new NixPrintError("encodeIndentedLine: line must not contain a newline");

  // Position of the last character of a trailing whitespace run (spaces/tabs), if any.
  let trailing = -1;
  if (line.length > 0 && (line.endsWith(" ") || line.endsWith("\t"))) trailing = line.length - 1;

  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      let run = 0;
      while (line[i + run] === "'") run++;
      for (let k = 0; k + 1 < run; k += 2) tokens.push("'''");
      if (run % 2 === 1) tokens.push("'"); // decided below, once the next token is known
      i += run;
      continue;
    }
    if (c === "$") {
      tokens.push(line[i + 1] === "{" ? "''$" : "$");
    } else if (c === "\r") {
      tokens.push("''\\r");
    } else if (i === trailing) {
      tokens.push(c === " " ? TRAILING_SPACE : "''\\t");
    } else if (i === 0 && c === " " && escapeLeadingSpace) {
      tokens.push("''\\ ");
    } else {
      tokens.push(c);
    }
    i++;
  }

  // `$${` lexes as the text "$${", so a raw $ before the ${" "} token would
  // swallow the interpolation. (Runs first: it turns a $ into a '-token.)
  for (let t = 0; t + 1 < tokens.length; t++) {
    if (tokens[t] === "$" && tokens[t + 1] === TRAILING_SPACE) tokens[t] = "''$";
  }
  // A raw single quote glued to a token that starts with a quote (another
  // quote, an escape) or to the closing '' would form ''' — escape it.
  for (let t = 0; t < tokens.length; t++) {
    const next = tokens[t + 1];
    if (tokens[t] === "'" && (next === undefined ? isLastOfContent : next.startsWith("'"))) tokens[t] = "''\\'";
  }
  return tokens.join("");
}

/**
 * Encode indented-string content as the list of physical lines that go
 * between the opening `''` and the closing `''`.
 * The caller prefixes every non-empty line with its indentation; because the
 * first non-empty line never starts with a raw space (it is escaped), the
 * common indentation Nix strips is exactly that prefix.
 */
export function encodeIndentedLines(value: string): string[] {
  assertEncodable(value, "indented string");
  const lines = value.split("\n");
  const firstNonEmpty = lines.findIndex((l) => l.length > 0);
  return lines.map((line, idx) =>
    encodeIndentedLine(line, idx === firstNonEmpty && line.startsWith(" "), idx === lines.length - 1),
  );
}
