// Layout of the HCL printer's output lines: fmt's alignment runs of `=`, indentation, blank lines
// between items, comment lines. The rules are listed at the top of print.ts.
import { HclPrintError } from "./escape.ts";
import type { Body, BodyItem } from "./ir.ts";
import { at, type Path } from "./inline.ts";

export interface Line {
  readonly depth: number;
  /** Whole line (after the indent) when it has no assign cell; the lead (key) otherwise. */
  readonly text: string;
  /** The value after `= `; present only on single-line `key = value` lines (alignment runs). */
  readonly assign?: string;
  /** Columns of `text` as fmt counts them (only needed for assign lines). */
  readonly cols?: number;
}

/** Resolve alignment runs and join: the last step of fmt's formatCells, on our own lines. */
export function layout(lines: readonly Line[]): string {
  const out: string[] = new Array(lines.length);
  let i = 0;
  while (i < lines.length) {
    if (lines[i].assign === undefined) {
      const l = lines[i];
      out[i] = l.text === "" ? "" : indent(l.depth) + l.text;
      i++;
      continue;
    }
    let j = i;
    let max = 0;
    while (j < lines.length && lines[j].assign !== undefined) {
      max = Math.max(max, 2 * lines[j].depth + (lines[j].cols as number));
      j++;
    }
    for (let k = i; k < j; k++) {
      const l = lines[k];
      const pad = " ".repeat(max - (2 * l.depth + (l.cols as number)) + 1);
      out[k] = indent(l.depth) + l.text + pad + "= " + l.assign;
    }
    i = j;
  }
  return out.join("\n") + "\n";
}

export interface Multi {
  readonly head: string;
  readonly body: readonly Line[];
  readonly tail: string;
}

export const INDENT: string[] = [];
export function indent(depth: number): string {
  return (INDENT[depth] ??= "  ".repeat(depth));
}

/**
 * Blank lines are layout, so they are normalized here: none at the start or end of a body, never
 * two in a row, and (top level, by default) one around every block.
 */
export function normalizeBlanks(items: Body, separateBlocks: boolean): BodyItem[] {
  const out: BodyItem[] = [];
  items.forEach((item, idx) => {
    const prev = out[out.length - 1];
    if (item.kind === "blank") {
      if (prev !== undefined && prev.kind !== "blank") out.push(item);
      return;
    }
    // A comment belongs to the item right below it, so it is separated as that item would be,
    // and nothing is inserted between a comment and its item.
    if (separateBlocks && prev !== undefined && prev.kind !== "blank" && prev.kind !== "comment") {
      if (prev.kind === "block" || attachedKind(items, idx) === "block") out.push({ kind: "blank" });
    }
    out.push(item);
  });
  while (out.length > 0 && out[out.length - 1].kind === "blank") out.pop();
  return out;
}

export function attachedKind(items: Body, idx: number): BodyItem["kind"] {
  let i = idx;
  while (i < items.length && items[i].kind === "comment") i++;
  return i < items.length && i > idx ? items[i].kind : items[idx].kind;
}

export function commentLines(text: string, path: Path): string[] {
  if (typeof text !== "string") throw new HclPrintError(`comment is not a string${at(path)}`);
  return text.split(/\r\n|\n/).map((line) => {
    // Any other control character could end the comment or corrupt the file.
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) {
      throw new HclPrintError(`comment ${JSON.stringify(text)} contains a control character${at(path)}`);
    }
    const trimmed = line.trimEnd();
    return trimmed === "" ? "#" : "# " + trimmed;
  });
}
