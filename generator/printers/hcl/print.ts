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
import { escapeHclString, HclPrintError } from "./escape.ts";
import { literalTokenCount } from "./columns.ts";
import type { Block, Body, Expr, ExprNode } from "./ir.ts";
import { child, childAt, childBlock, checkIdent, at, q, isNode, mergeParts, InlineWriter } from "./inline.ts";
import type { Path } from "./inline.ts";
import { layout, normalizeBlanks, commentLines } from "./layout.ts";
import type { Line, Multi } from "./layout.ts";

export interface PrintOptions {
  /**
   * Put one blank line between adjacent top-level items when either is a block (a comment stays
   * attached to the item below it). Default true; explicit `hcl.blank()` items are kept either way.
   */
  readonly separateTopLevelBlocks?: boolean;
  /** A tuple of single-line items longer than this many characters is printed one item per line. */
  readonly tupleWidth?: number;
}

/** Print a body (a whole file) as canonical HCL, ending in a newline (empty body → ""). */
export function printHcl(body: Body, options: PrintOptions = {}): string {
  const printer = new Printer(options.tupleWidth ?? 80);
  const lines = printer.body(body, 0, null, options.separateTopLevelBlocks ?? true);
  return lines.length === 0 ? "" : layout(lines);
}

class Printer extends InlineWriter {
  constructor(private readonly tupleWidth: number) {
    super();
  }

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
    const here = childBlock(path, b.type, b.labels);
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
    // A top-level `variable "name"` block (its path step is the type plus at least one label).
    const inVariable =
      parent !== null && parent.parent === null && parent.name === "variable" && (parent.labels?.length ?? 0) > 0;
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
    const one = this.oneLine(value, path);
    if (one !== undefined) {
      lines.push({ depth, text: key, cols: keyCols, assign: one });
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

  /**
   * The value's single-line text, or undefined when it is printed over several lines. One pass:
   * a tuple that fits is printed once, not once to measure and again to emit.
   */
  oneLine(e: Expr, path: Path): string | undefined {
    if (typeof e === "string") return '"' + escapeHclString(e) + '"';
    if (Array.isArray(e)) return this.tupleOneLine(e, path);
    if (isNode(e)) {
      if (e.kind === "object" && e.entries.length > 0) return undefined;
      if (e.kind === "tuple") return this.tupleOneLine(e.items, path);
      if (e.kind === "call" && e.args.some((a) => this.isMultiline(a))) return undefined;
    }
    return this.inline(e, path).text;
  }

  tupleOneLine(items: readonly Expr[], path: Path): string | undefined {
    if (items.some((i) => this.isMultiline(i))) return undefined;
    const text = this.inline(items, path).text;
    return text.length > this.tupleWidth ? undefined : text;
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
      const here = childAt(path, what, i);
      const one = this.oneLine(item, here);
      if (one !== undefined) {
        lines.push({ depth, text: one + "," });
        return;
      }
      const m = this.multi(item, depth, here);
      lines.push({ depth, text: m.head });
      for (const l of m.body) lines.push(l);
      lines.push({ depth, text: m.tail + "," });
    });
    return lines;
  }
}
