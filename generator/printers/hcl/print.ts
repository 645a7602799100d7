// HCL printer: IR → text exactly as `terraform fmt` / `tofu fmt` leaves it.
//
// Layout facts, taken from hclwrite's format.go and confirmed with terraform 1.11 fmt:
//  - Indent is 2 spaces per open bracket *line*: a line whose brackets net-open (`x = f({`) adds
//    one level however many it opens, and the line that net-closes them (`})`) removes it.
//  - fmt splits each line into lead / assign (from the first `=` whose rest of line has balanced
//    brackets) / trailing comment. Consecutive lines that have an assign cell form a run, and the
//    `=` of every line in the run is placed one column after the widest lead (columns = grapheme
//    clusters per token, see columns.ts). Any line without an assign cell ends the run: a blank
//    line, a comment line, a block header or `}`, and the first line of a multi-line value
//    (`x = {`, `x = [`, `x = f({` have unbalanced brackets). So runs never span nesting levels.
//  - fmt never adds or removes line breaks (blank lines, `{}` vs `{\n}` are kept as written) and
//    only adds the final newline; the layout choices below are ours, made once, deterministically.
//  - fmt rewrites three things besides whitespace, which the printer therefore never emits:
//    labels are re-encoded with hclwrite's escaper (ours is identical, see escape.ts), an
//    attribute whose whole value is `"${expr}"` is unwrapped to `expr` (we throw instead of
//    silently changing its type), and a `variable` block's legacy `type = "string"` / `list` /
//    `map` / `set` is rewritten (we throw).

import { escapeHclString, HclPrintError, isHclIdentifier } from "./escape.ts";
import { codeColumns, literalColumns, literalTokenCount } from "./columns.ts";
import type { Block, Body, BodyItem, Expr, ExprNode, ObjectKey, TemplatePart, TraversalStep } from "./ir.ts";

export interface PrintOptions {
  /**
   * Put one blank line between adjacent top-level items when either is a block (a comment stays
   * attached to the item below it). Default true; explicit `hcl.blank()` items are kept either way.
   */
  readonly separateTopLevelBlocks?: boolean;
  /** A tuple of single-line items longer than this many characters is printed one item per line. */
  readonly tupleWidth?: number;
}

interface Line {
  readonly depth: number;
  /** Whole line (after the indent) when it has no assign cell; the lead (key) otherwise. */
  readonly text: string;
  /** The value after `= `; present only on single-line `key = value` lines (alignment runs). */
  readonly assign?: string;
  /** Columns of `text` as fmt counts them (only needed for assign lines). */
  readonly cols?: number;
}

/** Print a body (a whole file) as canonical HCL, ending in a newline (empty body → ""). */
export function printHcl(body: Body, options: PrintOptions = {}): string {
  const printer = new Printer(options.tupleWidth ?? 80);
  const lines = printer.body(body, 0, null, options.separateTopLevelBlocks ?? true);
  return lines.length === 0 ? "" : layout(lines);
}

/** Resolve alignment runs and join: the last step of fmt's formatCells, on our own lines. */
function layout(lines: readonly Line[]): string {
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

/** Accumulates single-line text, and its fmt column count when `counting` (keys only). */
class Inline {
  text = "";
  cols = 0;
  constructor(private readonly counting = false) {}
  code(s: string): void {
    this.text += s;
    if (this.counting) this.cols += codeColumns(s);
  }
  /** An already-escaped literal body, counted the way the HCL scanner tokenizes it. */
  lit(escaped: string): void {
    this.text += escaped;
    if (this.counting) this.cols += literalColumns(escaped);
  }
}

interface Multi {
  readonly head: string;
  readonly body: readonly Line[];
  readonly tail: string;
}

// Where we are, for error messages only: a linked list so descending costs one small object.
type Path = { readonly parent: Path; readonly name: string } | null;

function child(parent: Path, name: string): Path {
  return { parent, name };
}

// Bare keys that are not plain names: `{ for = 1 }` is a parse error (a for expression starts), and
// null/true/false are keyword literals that only become keys by conversion. Quoting is always safe.
const KEYWORD_KEYS = new Set(["for", "null", "true", "false"]);
const NOT_A_ROOT = new Set(["true", "false", "null", "for"]);

/** Like assertHclIdentifier, but builds the location text only when it throws. */
function checkIdent(name: string, what: string, path: Path): void {
  if (typeof name !== "string" || !isHclIdentifier(name)) {
    throw new HclPrintError(
      `${what} ${JSON.stringify(name)} is not an HCL identifier ([A-Za-z_][A-Za-z0-9_-]*)${at(path)}`,
    );
  }
}

const INDENT: string[] = [];
function indent(depth: number): string {
  return (INDENT[depth] ??= "  ".repeat(depth));
}

function at(path: Path): string {
  const names: string[] = [];
  for (let p = path; p !== null; p = p.parent) names.unshift(p.name);
  return names.length === 0 ? "" : ` (at ${names.join(" > ")})`;
}

const q = (s: string) => JSON.stringify(s);

function isNode(e: Expr): e is ExprNode {
  return typeof e === "object" && e !== null && !Array.isArray(e);
}

class Printer {
  constructor(private readonly tupleWidth: number) {}

  // ------------------------------------------------------------------------------------------
  // Bodies

  /** Appends the body's lines to `lines` (one shared array: no copying per nesting level). */
  body(items: Body, depth: number, path: Path, separateBlocks: boolean, lines: Line[] = []): Line[] {
    const norm = normalizeBlanks(items, separateBlocks);
    const names = new Set<string>();
    for (const item of norm) {
      switch (item.kind) {
        case "blank":
          lines.push({ depth: 0, text: "" });
          break;
        case "comment":
          for (const text of commentLines(item.text, path)) lines.push({ depth, text });
          break;
        case "attribute": {
          checkIdent(item.name, "attribute name", path);
          // A repeated argument is a parse error ("Attribute redefined"), even for fmt.
          if (names.has(item.name)) throw new HclPrintError(`duplicate attribute ${q(item.name)}${at(path)}`);
          names.add(item.name);
          const here = child(path, item.name);
          this.checkFmtRewrites(item.name, item.value, path, here);
          this.assignment(lines, item.name, item.name.length, item.value, depth, here);
          break;
        }
        case "block":
          this.block(lines, item, depth, path);
          break;
        default:
          throw new HclPrintError(`unknown body item ${JSON.stringify(item)}${at(path)}`);
      }
    }
    return lines;
  }

  block(lines: Line[], b: Block, depth: number, path: Path): void {
    checkIdent(b.type, "block type", path);
    let header = b.type;
    for (const label of b.labels) {
      if (typeof label !== "string") {
        throw new HclPrintError(`block label ${String(label)} is not a string${at(path)}`);
      }
      const escaped = escapeHclString(label);
      // hclwrite only recognizes a label whose body is ONE scanner token, and fmt silently deletes
      // any other (terraform fmt turns `b "a$b" {}` into `b {}`; hashicorp/terraform#35417, open).
      // A `$` or `%` next to other text splits the token, so such labels cannot be printed safely.
      if (literalTokenCount(escaped) > 1) {
        throw new HclPrintError(
          `block label ${JSON.stringify(label)}: a "$" or "%" next to other text makes terraform fmt ` +
            `delete the label (hashicorp/terraform#35417)${at(path)}`,
        );
      }
      header += ' "' + escaped + '"';
    }
    const here = child(path, [b.type, ...b.labels].join("."));
    const headerAt = lines.length;
    lines.push({ depth, text: header + " {" });
    this.body(b.body, depth + 1, here, false, lines);
    if (lines.length === headerAt + 1) lines[headerAt] = { depth, text: header + " {}" };
    else lines.push({ depth, text: "}" });
  }

  /** fmt would rewrite these; refuse them rather than print text that fmt then changes. */
  checkFmtRewrites(name: string, value: Expr, parent: Path, here: Path): void {
    if (isNode(value) && value.kind === "template") {
      const parts = mergeParts(value.parts);
      if (parts.length === 1 && "interp" in parts[0]) {
        throw new HclPrintError(
          `attribute ${name}: a template that is only "\${…}" is unwrapped by terraform fmt; ` +
            `use the expression itself (or tostring(…)) instead${at(here)}`,
        );
      }
    }
    const inVariable = parent !== null && parent.parent === null && parent.name.startsWith("variable.");
    if (inVariable && name === "type") {
      const legacy =
        (typeof value === "string" && ["string", "list", "map"].includes(value)) ||
        (isNode(value) &&
          value.kind === "traversal" &&
          value.steps.length === 0 &&
          ["list", "map", "set"].includes(value.root));
      if (legacy) {
        throw new HclPrintError(
          `variable type ${JSON.stringify(value)} is rewritten by terraform fmt; write the type ` +
            `expression in full, e.g. hcl.raw("list(string)")${at(here)}`,
        );
      }
    }
  }

  /** `key = value`: one aligned line if the value fits on a line, else head / body / tail. */
  assignment(
    lines: Line[],
    key: string,
    keyCols: number,
    value: Expr,
    depth: number,
    path: Path,
  ): void {
    if (!this.isMultiline(value)) {
      lines.push({ depth, text: key, cols: keyCols, assign: this.inline(value, path).text });
      return;
    }
    const m = this.multi(value, depth, path);
    lines.push({ depth, text: key + " = " + m.head });
    for (const l of m.body) lines.push(l);
    lines.push({ depth, text: m.tail });
  }

  // ------------------------------------------------------------------------------------------
  // Expressions

  isMultiline(e: Expr): boolean {
    if (Array.isArray(e)) return this.tupleIsMultiline(e);
    if (!isNode(e)) return false;
    switch (e.kind) {
      case "object":
        return e.entries.length > 0;
      case "tuple":
        return this.tupleIsMultiline(e.items);
      case "call":
        return e.args.some((a) => this.isMultiline(a));
      default:
        return false;
    }
  }

  tupleIsMultiline(items: readonly Expr[]): boolean {
    if (items.some((i) => this.isMultiline(i))) return true;
    // Our own layout choice (fmt never breaks lines), so plain string length is good enough.
    return this.inline(items, null).text.length > this.tupleWidth;
  }

  multi(e: Expr, depth: number, path: Path): Multi {
    const items = Array.isArray(e) ? e : isNode(e) && e.kind === "tuple" ? e.items : undefined;
    if (items !== undefined) {
      return { head: "[", body: this.listItems(items, depth + 1, path, "item"), tail: "]" };
    }
    const node = e as ExprNode;
    if (node.kind === "object") {
      const body: Line[] = [];
      const keys = new Set<string>();
      for (const entry of node.entries) {
        // Terraform rejects duplicate object keys when it evaluates the object.
        if (typeof entry.key === "string") {
          if (keys.has(entry.key)) throw new HclPrintError(`duplicate object key ${q(entry.key)}${at(path)}`);
          keys.add(entry.key);
        }
        const k = this.key(entry.key, path);
        this.assignment(body, k.text, k.cols, entry.value, depth + 1, child(path, k.text));
      }
      return { head: "{", body, tail: "}" };
    }
    if (node.kind === "call") {
      const name = this.callName(node.name, path);
      const here = child(path, name + "()");
      const args = node.args;
      const firstMulti = args.findIndex((a) => this.isMultiline(a));
      if (firstMulti === args.length - 1) {
        // Hug the only multi-line argument, the last one: `f(a, {` … `})` (as jsonencode({…})).
        const lead = args.slice(0, -1).map((a) => this.inline(a, here).text);
        const m = this.multi(args[args.length - 1], depth, here);
        const prefix = name + "(" + lead.map((t) => t + ", ").join("");
        return { head: prefix + m.head, body: m.body, tail: m.tail + ")" };
      }
      // Otherwise one argument per line: hugging two would give fmt's odd `}, {` indentation.
      return { head: name + "(", body: this.listItems(args, depth + 1, here, "arg"), tail: ")" };
    }
    throw new HclPrintError(`internal: ${node.kind} is never multi-line${at(path)}`);
  }

  /** Tuple items / call arguments, one per line, each followed by a comma. */
  listItems(items: readonly Expr[], depth: number, path: Path, what: string): Line[] {
    const lines: Line[] = [];
    items.forEach((item, i) => {
      const here = child(path, `${what}[${i}]`);
      if (!this.isMultiline(item)) {
        lines.push({ depth, text: this.inline(item, here).text + "," });
        return;
      }
      const m = this.multi(item, depth, here);
      lines.push({ depth, text: m.head });
      for (const l of m.body) lines.push(l);
      lines.push({ depth, text: m.tail + "," });
    });
    return lines;
  }

  key(k: ObjectKey, path: Path): { text: string; cols: number } {
    if (typeof k === "string") {
      if (isHclIdentifier(k) && !KEYWORD_KEYS.has(k)) return { text: k, cols: k.length };
      const escaped = escapeHclString(k);
      return { text: '"' + escaped + '"', cols: 2 + literalColumns(escaped) };
    }
    if (typeof k === "object" && k !== null && k.kind === "key") {
      // Parenthesized so that a bare reference is evaluated instead of read as a literal name.
      const out = new Inline(true);
      out.code("(");
      this.write(out, k.expr, path, false);
      out.code(")");
      return out;
    }
    throw new HclPrintError(`object key ${JSON.stringify(k)} is neither a string nor hcl.key()${at(path)}`);
  }

  inline(e: Expr, path: Path): Inline {
    const out = new Inline();
    this.write(out, e, path, false);
    return out;
  }

  /** Single-line rendering. `interpStart`: directly after `${`, where fmt spaces a unary minus. */
  write(out: Inline, e: Expr, path: Path, interpStart: boolean): void {
    if (typeof e === "string") {
      out.code('"');
      out.lit(escapeHclString(e));
      out.code('"');
      return;
    }
    if (typeof e === "number" || typeof e === "bigint") {
      out.code(numberText(e, interpStart, path));
      return;
    }
    if (typeof e === "boolean") {
      out.code(e ? "true" : "false");
      return;
    }
    if (e === null) {
      out.code("null");
      return;
    }
    if (Array.isArray(e)) {
      this.writeTuple(out, e, path);
      return;
    }
    const node = e as ExprNode;
    switch (node.kind) {
      case "string":
        this.write(out, node.value, path, interpStart);
        return;
      case "number":
        out.code(numberText(node.value, interpStart, path));
        return;
      case "tuple":
        this.writeTuple(out, node.items, path);
        return;
      case "object":
        if (node.entries.length > 0) {
          throw new HclPrintError(`a non-empty object cannot be written on one line (inside a template or key)${at(path)}`);
        }
        out.code("{}");
        return;
      case "traversal":
        this.writeTraversal(out, node.root, node.steps, path);
        return;
      case "call": {
        const name = this.callName(node.name, path);
        out.code(name + "(");
        node.args.forEach((a, i) => {
          if (i > 0) out.code(", ");
          this.write(out, a, child(path, `${name}()`), false);
        });
        out.code(")");
        return;
      }
      case "template":
        this.writeTemplate(out, node.parts, path);
        return;
      case "raw":
        if (typeof node.text !== "string" || node.text.trim() === "" || /[\r\n]/.test(node.text)) {
          throw new HclPrintError(`raw expression must be non-empty single-line text${at(path)}`);
        }
        out.code(node.text);
        return;
      default:
        throw new HclPrintError(`unknown expression ${JSON.stringify(node)}${at(path)}`);
    }
  }

  writeTuple(out: Inline, items: readonly Expr[], path: Path): void {
    out.code("[");
    items.forEach((item, i) => {
      if (i > 0) out.code(", ");
      this.write(out, item, child(path, `item[${i}]`), false);
    });
    out.code("]");
  }

  writeTraversal(out: Inline, root: string, steps: readonly TraversalStep[], path: Path): void {
    checkIdent(root, "reference root", path);
    if (NOT_A_ROOT.has(root)) throw new HclPrintError(`"${root}" is a keyword, not a reference root${at(path)}`);
    out.code(root);
    for (const step of steps) {
      if ("attr" in step && typeof step.attr === "string") {
        checkIdent(step.attr, "reference attribute", path);
        out.code("." + step.attr);
      } else if ("index" in step && typeof step.index === "number") {
        if (!Number.isSafeInteger(step.index) || step.index < 0) {
          throw new HclPrintError(`reference index ${step.index} is not a non-negative integer${at(path)}`);
        }
        out.code(`[${step.index}]`);
      } else if ("index" in step && typeof step.index === "string") {
        out.code('["');
        out.lit(escapeHclString(step.index));
        out.code('"]');
      } else if ("splat" in step && step.splat === true) {
        out.code("[*]");
      } else {
        throw new HclPrintError(`invalid reference step ${JSON.stringify(step)}${at(path)}`);
      }
    }
  }

  writeTemplate(out: Inline, rawParts: readonly TemplatePart[], path: Path): void {
    const parts = mergeParts(rawParts);
    out.code('"');
    parts.forEach((part, i) => {
      if ("text" in part) {
        const next = parts[i + 1];
        out.lit(escapeHclString(part.text, { beforeInterpolation: next !== undefined }));
        return;
      }
      if (this.isMultilineOnlyShape(part.interp)) {
        throw new HclPrintError(`a non-empty object cannot be interpolated into a template${at(path)}`);
      }
      out.code("${");
      this.write(out, part.interp, child(path, "${}"), true);
      out.code("}");
    });
    out.code('"');
  }

  isMultilineOnlyShape(e: Expr): boolean {
    return isNode(e) && e.kind === "object" && e.entries.length > 0;
  }

  callName(name: string, path: Path): string {
    // Provider-defined functions are namespaced: provider::<name>::<function>.
    if (typeof name !== "string" || !name.split("::").every((seg) => isHclIdentifier(seg))) {
      throw new HclPrintError(`function name ${JSON.stringify(name)} is not an identifier${at(path)}`);
    }
    return name;
  }
}

function numberText(n: number | bigint, interpStart: boolean, path: Path): string {
  if (typeof n === "number" && !Number.isFinite(n)) {
    throw new HclPrintError(`number ${n} has no HCL literal${at(path)}`);
  }
  // JS's shortest round-trip form ("0.1", "1e+21", "5e-7") is valid HCL number syntax.
  const text = String(n);
  // fmt's unary-minus heuristic treats `-` after `${` as subtraction and spaces it: `${- 1}`.
  return interpStart && text.startsWith("-") ? "- " + text.slice(1) : text;
}

function mergeParts(parts: readonly TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    if ("text" in p) {
      if (typeof p.text !== "string") throw new HclPrintError(`template text part is not a string`);
      if (p.text === "") continue;
      const last = out[out.length - 1];
      if (last !== undefined && "text" in last) out[out.length - 1] = { text: last.text + p.text };
      else out.push(p);
    } else if ("interp" in p) {
      out.push(p);
    } else {
      throw new HclPrintError(`template part ${JSON.stringify(p)} is neither text nor interp`);
    }
  }
  return out;
}

/**
 * Blank lines are layout, so they are normalized here: none at the start or end of a body, never
 * two in a row, and (top level, by default) one around every block.
 */
function normalizeBlanks(items: Body, separateBlocks: boolean): BodyItem[] {
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

function attachedKind(items: Body, idx: number): BodyItem["kind"] {
  let i = idx;
  while (i < items.length && items[i].kind === "comment") i++;
  return i < items.length && i > idx ? items[i].kind : items[idx].kind;
}

function commentLines(text: string, path: Path): string[] {
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
