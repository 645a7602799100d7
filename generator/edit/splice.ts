// Text splices: where a new entry goes, what removing one takes with it, in the file's own
// layout (one entry per line or all on one line, trailing commas, indentation, quote style).
import { Node, SyntaxKind, type ObjectLiteralExpression, type SourceFile } from "ts-morph";
import type { Style } from "./literal.ts";

export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class Text {
  constructor(readonly s: string) {}
  lineStart(pos: number): number {
    return this.s.lastIndexOf("\n", pos - 1) + 1;
  }
  lineEnd(pos: number): number {
    const i = this.s.indexOf("\n", pos);
    return i < 0 ? this.s.length : i;
  }
  indentAt(pos: number): string {
    return /^[ \t]*/.exec(this.s.slice(this.lineStart(pos)))![0];
  }
  /** Only whitespace before `pos` on its line. */
  ownLine(pos: number): boolean {
    return this.s.slice(this.lineStart(pos), pos).trim() === "";
  }
  /** Index of the comma right after `pos` (whitespace between), or -1. */
  commaAfter(pos: number): number {
    let i = pos;
    while (i < this.s.length && /\s/.test(this.s[i])) i++;
    return this.s[i] === "," ? i : -1;
  }
  /** Only whitespace or a line comment from `pos` to the end of the line. */
  restIsEmpty(pos: number): boolean {
    const rest = this.s.slice(pos, this.lineEnd(pos)).trim();
    return rest === "" || rest.startsWith("//");
  }
  /** Start of the block of whole-line `//` comments directly above the line of `pos`. */
  commentBlockStart(pos: number): number {
    let start = this.lineStart(pos);
    while (start > 0) {
      const prev = this.lineStart(start - 1);
      const line = this.s.slice(prev, start - 1).trim();
      if (!(line.startsWith("//") || (line.startsWith("/*") && line.endsWith("*/")))) break;
      start = prev;
    }
    return start;
  }
}

export function detectStyle(sf: SourceFile, root: ObjectLiteralExpression, t: Text): Style {
  let dq = 0;
  let sq = 0;
  for (const s of sf.getDescendantsOfKind(SyntaxKind.StringLiteral)) if (s.getText().startsWith("'")) sq++;
  else dq++;
  const first = root.getProperties()[0];
  let unit = "  ";
  if (first && t.ownLine(first.getStart())) {
    const a = t.indentAt(first.getStart());
    const b = t.indentAt(root.getStart());
    if (a.startsWith(b) && a.length > b.length) unit = a.slice(b.length);
  }
  return { quote: sq > dq ? "'" : '"', unit, width: 120 };
}

/** Splices that insert `entry` (text for one element, given its indent and column) at `index`. */
export function insertInList(t: Text, open: number, close: number, elements: Node[], index: number, entry: (indent: string, column: number) => string, unit: string): Splice[] {
  if (!elements.length) {
    const multiline = t.s.slice(open, close).includes("\n");
    const ind = t.indentAt(open);
    if (multiline) {
      const inner = ind + unit;
      return [{ start: open + 1, end: close, text: `\n${inner}${entry(inner, inner.length)},\n${ind}` }];
    }
    const col = open + 2 - t.lineStart(open);
    const bracket = t.s[open] === "[" ? "" : " ";
    return [{ start: open + 1, end: close, text: `${bracket}${entry(ind, col)}${bracket}` }];
  }
  if (index < elements.length) {
    const el = elements[index];
    const start = el.getStart();
    if (t.ownLine(start)) {
      const ind = t.indentAt(start);
      const at = t.commentBlockStart(start);
      return [{ start: at, end: at, text: `${ind}${entry(ind, ind.length)},\n` }];
    }
    return [{ start, end: start, text: `${entry(t.indentAt(start), 0)}, ` }];
  }
  const last = elements[elements.length - 1];
  const end = last.getEnd();
  const comma = t.commaAfter(end);
  const after = comma >= 0 ? comma + 1 : end;
  if (t.ownLine(last.getStart())) {
    const ind = t.indentAt(last.getStart());
    const text = `\n${ind}${entry(ind, ind.length)}${comma >= 0 ? "," : ""}`;
    const splices: Splice[] = comma >= 0 ? [] : [{ start: end, end, text: "," }];
    const at = t.restIsEmpty(after) ? t.lineEnd(after) : after;
    return [...splices, { start: at, end: at, text }];
  }
  // Inside a one-line list the new entry stays on that line when it can (column 0: judged alone).
  const col = 0;
  if (comma >= 0) return [{ start: after, end: after, text: ` ${entry(t.indentAt(after), col)},` }];
  return [{ start: end, end, text: `, ${entry(t.indentAt(end), col)}` }];
}

/** Splices that delete element `index` with its separator (and, on its own line, its comment block). */
export function removeFromList(t: Text, open: number, close: number, elements: Node[], index: number): Splice[] {
  const el = elements[index];
  const start = el.getStart();
  const end = el.getEnd();
  const comma = t.commaAfter(end);
  const after = comma >= 0 ? comma + 1 : end;
  if (t.ownLine(start) && t.restIsEmpty(after)) {
    const from = t.commentBlockStart(start);
    const to = Math.min(t.lineEnd(after) + 1, t.s.length);
    if (elements.length === 1 && !t.s.slice(open + 1, from).trim() && !t.s.slice(to, close).trim()) {
      // The only element: leave an empty literal, not a lone newline.
      return [{ start: open + 1, end: close, text: "" }];
    }
    return [{ start: from, end: to, text: "" }];
  }
  if (elements.length === 1) return [{ start: open + 1, end: close, text: "" }];
  if (index < elements.length - 1) return [{ start, end: elements[index + 1].getStart(), text: "" }];
  return [{ start: elements[index - 1].getEnd(), end: after, text: "" }];
}

export function applySplices(text: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].end > sorted[i - 1].start && !(sorted[i].start === sorted[i].end && sorted[i - 1].start === sorted[i - 1].end))
      throw new Error("labgen edit: overlapping splices (a bug)");
  let out = text;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

