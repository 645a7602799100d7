// Layout pieces of the HCL printer's output: indentation, the padding before an aligned `=`, which
// item a comment belongs to, comment lines. The rules are listed at the top of print.ts.
import { HclPrintError } from "./escape.ts";
import type { Body, BodyItem } from "./ir.ts";
import { at, type Path } from "./inline.ts";

const INDENT: string[] = [];
/** Two spaces per level; built once per depth. */
export function indent(depth: number): string {
  return (INDENT[depth] ??= "  ".repeat(depth));
}

const PAD_EQ: string[] = [];
/** `n` spaces then `= `: what goes between an aligned key and its value; built once per width. */
export function padEq(n: number): string {
  return (PAD_EQ[n] ??= " ".repeat(n) + "= ");
}

const PAD_EQ_QUOTE: string[] = [];
/** padEq and the opening quote of a string value. */
export function padEqQuote(n: number): string {
  return (PAD_EQ_QUOTE[n] ??= " ".repeat(n) + '= "');
}

/** The kind of item a run of comments starting at `idx` is attached to (the item below it). */
export function attachedKind(items: Body, idx: number): BodyItem["kind"] {
  let i = idx;
  while (i < items.length && items[i].kind === "comment") i++;
  return i < items.length && i > idx ? items[i].kind : items[idx].kind;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function commentLines(text: string, path: Path): string[] {
  if (typeof text !== "string") throw new HclPrintError(`comment is not a string${at(path)}`);
  // The usual comment: one line of printable ASCII (no split, no per-line check).
  if (PRINTABLE_ASCII.test(text)) {
    const trimmed = text.trimEnd();
    return [trimmed === "" ? "#" : "# " + trimmed];
  }
  return text.split(/\r\n|\n/).map((line) => {
    // Any other control character could end the comment or corrupt the file.
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) {
      throw new HclPrintError(`comment ${JSON.stringify(text)} contains a control character${at(path)}`);
    }
    const trimmed = line.trimEnd();
    return trimmed === "" ? "#" : "# " + trimmed;
  });
}
