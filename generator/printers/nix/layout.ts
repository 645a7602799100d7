// Layout decisions of the Nix printer (nixfmt's rules, see print.ts): widths, parentheses,
// absorption, comments. Pure functions of one node or string.
import { assertEncodable, attrName, isBareIdentifier } from "./escape.ts";
import type { N } from "./check.ts";

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

// Indentation strings are asked for at every line; the few distinct ones are made once.
const PADS: string[] = [];
export const pad = (n: number): string => (PADS[n] ??= " ".repeat(n));

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** Display width in code points (deterministic; good enough for the width heuristic). */
export function width(text: string): number {
  // A surrogate pair is one code point: count UTF-16 units, less one per pair.
  let w = text.length;
  if (!HIGH_SURROGATE.test(text)) return w;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        w--;
        i++;
      }
    }
  }
  return w;
}

export function commentLines(comment: string, indent: string): string[] {
  assertEncodable(comment, "comment");
  // A CR would end a # comment in the Nix lexer, so every line break style splits.
  return comment.split(/\r\n|\r|\n/).map((line) => {
    const text = line.trimEnd();
    return text === "" ? `${indent}#` : `${indent}# ${text}`;
  });
}

export function formatFloat(value: number): string {
  // -0.0 would print as a negation that evaluates to 0.0 anyway.
  if (value === 0) return "0.0";
  // Shortest round-trip form from JS, then adapted to the Nix float grammar,
  // which needs a "." in the mantissa (1e21 → 1.0e+21, 5 → 5.0).
  const s = String(value);
  const e = s.indexOf("e");
  if (e === -1) return s.includes(".") ? s : `${s}.0`;
  const mantissa = s.slice(0, e);
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}${s.slice(e)}`;
}

// pkgs.incus, config.boot.kernelPackages, true: a variable or attribute selection
// never needs parentheses as a list item or argument.
const SELECT_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;

function isSimpleRaw(code: string): boolean {
  return SELECT_PATH.test(code) && code.split(".").every((part) => isBareIdentifier(part));
}

/** Whether `n` must be parenthesised as a list item or function argument. */
export function needsParens(n: N): boolean {
  switch (n.kind) {
    case "int":
      return n.value < 0n;
    case "float":
      return n.value < 0;
    case "raw":
      return !isSimpleRaw(n.code);
    case "apply":
    case "lambda":
    case "let":
      return true;
    default:
      return false;
  }
}

/** Terms nixfmt lets start on the current line and continue below ("absorbable"). */
export function isAbsorbable(n: N): boolean {
  switch (n.kind) {
    case "list":
      return n.items.length > 0;
    case "attrs":
      return n.entries.length > 0;
    case "indented":
      return n.value.includes("\n");
    default:
      return false;
  }
}

/** Non-empty sets are force-expanded as binding values and function bodies (not a lone inherit). */
export function isForcedWide(n: N): boolean {
  return n.kind === "attrs" && n.entries.length > 0 && !(n.entries.length === 1 && n.entries[0].kind === "inherit");
}

export function keyText(path: readonly string[]): string {
  return path.length === 1 ? attrName(path[0]) : path.map(attrName).join(".");
}

/** Multi-line raw code: continuation lines move with the surrounding indentation. */
export function reindent(code: string, indent: number): string {
  return code
    .split("\n")
    .map((line, i) => (i === 0 || line === "" ? line : pad(indent) + line))
    .join("\n");
}
