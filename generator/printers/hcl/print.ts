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
//  - Blank lines are ours too: none at the start or end of a body, never two in a row, and (top
//    level, by default) one around every block, a comment staying attached to the item below it.
//  - fmt rewrites three things besides whitespace, which the printer therefore never emits:
//    labels are re-encoded with hclwrite's escaper (ours is identical, see escape.ts), an
//    attribute whose whole value is `"${expr}"` is unwrapped to `expr` (we throw instead of
//    silently changing its type), and a `variable` block's legacy `type = "string"` / `list` /
//    `map` / `set` is rewritten (we throw).
//
// The text is written as it is decided, one string per line, joined once: no line objects and no
// layout pass. The only lines held back are those of the current alignment run, until the line
// that ends it shows how wide its keys are. Most of this runs for every resource of a big lab,
// largely before V8 optimizes it, so the usual cases (a literal value, a bare key, a dotted
// reference) take short paths that build no path object, closure or intermediate array.
import { escapeHclString, HclPrintError, isHclIdentifier } from "./escape.ts";
import { literalTokenCount } from "./columns.ts";
import type { Block, Body, Expr, ExprNode } from "./ir.ts";
import { child, childAt, childBlock, checkIdent, at, q, isNode, InlineWriter, KEYWORD_KEYS, literalText } from "./inline.ts";
import type { Path } from "./inline.ts";
import { attachedKind, commentLines, indent, padEq, padEqQuote } from "./layout.ts";
import { checkFmtRewrites, inVariable } from "./rewrites.ts";

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
  // A new printer per call, on purpose: a long-lived one would sit in V8's old generation, and
  // every string stored into its buffers would then pay the write barrier (measured).
  const printer = new Printer(options.tupleWidth ?? 80);
  printer.body(body, 0, null, options.separateTopLevelBlocks ?? true);
  return printer.finish();
}

/** Most names a body or object checks for duplicates by scanning before it switches to a Set. */
const SCAN_LIMIT = 16;

function duplicate(what: string, name: string, path: Path): HclPrintError {
  return new HclPrintError(`duplicate ${what} ${q(name)}${at(path)}`);
}

class Printer extends InlineWriter {
  /** The output so far, one string per line (joined once by finish). */
  private readonly out: string[] = [];
  /**
   * Attribute names / object keys of the bodies and objects being printed, as one stack: each
   * level scans only its own segment (a Set only for a long one), so no Set is built per body.
   */
  private readonly seen: string[] = [];
  /** Top of the `seen` stack (the array itself is never shrunk: no length writes). */
  private seenTop = 0;
  // The pending alignment run: single-line `key = value` lines of one body, held until a line that
  // is not one ends the run. Runs never nest (every other line flushes the run before it is
  // written), so one buffer serves all levels.
  private readonly runKeys: string[] = [];
  private readonly runCols: number[] = [];
  private readonly runValues: string[] = [];
  /** Whether a run value is the escaped body of a string (its quotes are added when written). */
  private readonly runQuoted: boolean[] = [];
  private runLength = 0;
  private runDepth = 0;
  private runWidest = 0;

  constructor(private readonly tupleWidth: number) {
    super();
  }

  finish(): string {
    this.flush();
    return this.out.join("");
  }

  /**
   * Records `name` in the current level (segment from `base`, or `set` once the level is long);
   * returns the Set to use from now on, and throws for a name seen before.
   */
  private unique(base: number, set: Set<string> | undefined, name: string, what: string, path: Path): Set<string> | undefined {
    if (set !== undefined) {
      if (set.has(name)) throw duplicate(what, name, path);
      set.add(name);
      return set;
    }
    const seen = this.seen;
    const top = this.seenTop;
    for (let i = base; i < top; i++) if (seen[i] === name) throw duplicate(what, name, path);
    seen[top] = name;
    if (top + 1 - base <= SCAN_LIMIT) {
      this.seenTop = top + 1;
      return undefined;
    }
    const big = new Set(seen.slice(base, top + 1));
    this.seenTop = base;
    return big;
  }

  /** Writes the pending run, each `=` one column after the widest key (fmt's formatCells). */
  private flush(): void {
    const n = this.runLength;
    if (n === 0) return;
    const ind = indent(this.runDepth);
    const widest = this.runWidest;
    const out = this.out;
    for (let k = 0; k < n; k++) {
      const pad = widest - this.runCols[k] + 1;
      // A string's quotes go with the padding and the newline: two string joins fewer per line.
      if (this.runQuoted[k]) out.push(ind + this.runKeys[k] + padEqQuote(pad) + this.runValues[k] + '"\n');
      else out.push(ind + this.runKeys[k] + padEq(pad) + this.runValues[k] + "\n");
    }
    this.runLength = 0;
    this.runWidest = 0;
  }

  /** A line without an assign cell (it ends any alignment run). */
  private line(depth: number, text: string): void {
    if (this.runLength > 0) this.flush();
    this.out.push(indent(depth) + text + "\n");
  }

  /** A single-line `key = value`: joins the current run. */
  private aligned(depth: number, key: string, cols: number, value: string, quoted = false): void {
    const n = this.runLength;
    // Runs are siblings of one body by construction; a depth change would be a printer bug.
    if (n > 0 && depth !== this.runDepth) throw new HclPrintError("internal: alignment run across nesting levels");
    this.runKeys[n] = key;
    this.runCols[n] = cols;
    this.runValues[n] = value;
    this.runQuoted[n] = quoted;
    this.runLength = n + 1;
    this.runDepth = depth;
    if (cols > this.runWidest) this.runWidest = cols;
  }

  // ------------------------------------------------------------------------------------------
  // Bodies

  /**
   * Writes a body's items. Blank lines are decided as the items go: a blank is only written once
   * an item follows it, so none ends a body and none starts one.
   */
  body(items: Body, depth: number, path: Path, separateBlocks: boolean): void {
    const base = this.seenTop;
    let names: Set<string> | undefined;
    let prevKind: string | undefined; // kind of the last item written; undefined before the first
    let blankPending = false;
    for (let idx = 0; idx < items.length; idx++) {
      const item = items[idx];
      const kind = item.kind;
      if (kind === "blank") {
        if (prevKind !== undefined) blankPending = true;
        continue;
      }
      // A comment belongs to the item right below it, so it is separated as that item would be,
      // and nothing is inserted between a comment and its item.
      if (separateBlocks && prevKind !== undefined && !blankPending && prevKind !== "comment") {
        if (prevKind === "block" || attachedKind(items, idx) === "block") blankPending = true;
      }
      if (blankPending) {
        this.line(0, "");
        blankPending = false;
      }
      switch (kind) {
        case "comment":
        {
          const lines = commentLines(item.text, path);
          for (let i = 0; i < lines.length; i++) this.line(depth, lines[i]);
        }
          break;
        case "attribute": {
          const name = item.name;
          checkIdent(name, "attribute name", path);
          // A repeated argument is a parse error ("Attribute redefined"), even for fmt.
          names = this.unique(base, names, name, "attribute", path);
          const value = item.value;
          // The usual value, a literal: nothing for fmt to rewrite, no path to build. (A string
          // `type` in a variable block is the one literal fmt rewrites: checked below.)
          if (!(name === "type" && inVariable(path))) {
            if (typeof value === "string") {
              this.aligned(depth, name, name.length, escapeHclString(value), true);
              break;
            }
            const text = literalText(value);
            if (text !== undefined) {
              this.aligned(depth, name, name.length, text);
              break;
            }
          }
          const here = child(path, name);
          checkFmtRewrites(name, value, path, here);
          this.assignment(name, name.length, value, depth, here);
          break;
        }
        case "block":
          this.block(item, depth, path);
          break;
        default:
          throw new HclPrintError(`unknown body item ${JSON.stringify(item)}${at(path)}`);
      }
      prevKind = kind;
    }
    this.seenTop = base;
  }

  block(b: Block, depth: number, path: Path): void {
    checkIdent(b.type, "block type", path);
    let header = b.type;
    const labels = b.labels;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
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
    // A body of blank lines only prints nothing: `{}` on the header line.
    let empty = true;
    for (let i = 0; i < b.body.length; i++) {
      if (b.body[i].kind !== "blank") {
        empty = false;
        break;
      }
    }
    if (empty) {
      this.line(depth, header + " {}");
      return;
    }
    this.line(depth, header + " {");
    this.body(b.body, depth + 1, childBlock(path, b.type, b.labels), false);
    this.line(depth, "}");
  }

  /** `key = value`: one aligned line if the value fits on a line, else over several lines. */
  assignment(key: string, keyCols: number, value: Expr, depth: number, path: Path): void {
    const one = this.oneLine(value, path);
    if (one !== undefined) this.aligned(depth, key, keyCols, one);
    else this.multi(value, depth, path, key + " = ", "");
  }

  // ------------------------------------------------------------------------------------------
  // Expressions

  /** Whether any of `items` (the first `end` of them) is printed over several lines. */
  anyMultiline(items: readonly Expr[], end = items.length): boolean {
    for (let i = 0; i < end; i++) if (this.isMultiline(items[i])) return true;
    return false;
  }

  isMultiline(e: Expr): boolean {
    // Strings, numbers, booleans and null: one line.
    if (typeof e !== "object" || e === null) return false;
    if (Array.isArray(e)) return this.tupleIsMultiline(e);
    if (!isNode(e)) return false;
    switch (e.kind) {
      case "object":
        return e.entries.length > 0;
      case "tuple":
        return this.tupleIsMultiline(e.items);
      case "call":
        return this.anyMultiline(e.args);
      default:
        return false;
    }
  }

  /**
   * The value's single-line text, or undefined when it is printed over several lines. One pass:
   * a tuple that fits is printed once, not once to measure and again to emit.
   */
  oneLine(e: Expr, path: Path): string | undefined {
    const literal = literalText(e);
    if (literal !== undefined) return literal;
    if (Array.isArray(e)) return this.tupleOneLine(e, path);
    if (isNode(e)) {
      if (e.kind === "object" && e.entries.length > 0) return undefined;
      if (e.kind === "tuple") return this.tupleOneLine(e.items, path);
      if (e.kind === "call" && this.anyMultiline(e.args)) return undefined;
    }
    return this.inline(e, path).text;
  }

  tupleOneLine(items: readonly Expr[], path: Path): string | undefined {
    if (this.anyMultiline(items)) return undefined;
    const text = this.inline(items, path).text;
    return text.length > this.tupleWidth ? undefined : text;
  }

  tupleIsMultiline(items: readonly Expr[]): boolean {
    if (this.anyMultiline(items)) return true;
    // Our own layout choice (fmt never breaks lines), so plain string length is good enough.
    return this.inline(items, null).text.length > this.tupleWidth;
  }

  /**
   * A value over several lines: `prefix` + its opening line, its items one level deeper, then its
   * closing line + `suffix` (prefix and suffix carry what surrounds it: `key = `, `f(`, `,`, `)`).
   */
  multi(e: Expr, depth: number, path: Path, prefix: string, suffix: string): void {
    const items = Array.isArray(e) ? e : isNode(e) && e.kind === "tuple" ? e.items : undefined;
    if (items !== undefined) {
      this.line(depth, prefix + "[");
      this.listItems(items, depth + 1, path, "item");
      this.line(depth, "]" + suffix);
      return;
    }
    const node = e as ExprNode;
    if (node.kind === "object") {
      this.line(depth, prefix + "{");
      const base = this.seenTop;
      let keys: Set<string> | undefined;
      const entries = node.entries;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        const key = entry.key;
        // Terraform rejects duplicate object keys when it evaluates the object.
        if (typeof key === "string") keys = this.unique(base, keys, key, "object key", path);
        // The usual key is a bare name (no key object) and the usual value a literal (no path).
        const bare = typeof key === "string" && isHclIdentifier(key) && !KEYWORD_KEYS.has(key);
        const k = bare ? undefined : this.key(key, path);
        const kText = k === undefined ? (key as string) : k.text;
        const kCols = k === undefined ? kText.length : k.cols;
        const value = entry.value;
        const text = typeof value === "string" ? undefined : literalText(value);
        if (typeof value === "string") this.aligned(depth + 1, kText, kCols, escapeHclString(value), true);
        else if (text !== undefined) this.aligned(depth + 1, kText, kCols, text);
        else this.assignment(kText, kCols, value, depth + 1, child(path, kText));
      }
      this.seenTop = base;
      this.line(depth, "}" + suffix);
      return;
    }
    if (node.kind === "call") {
      const name = this.callName(node.name, path);
      const here = child(path, name + "()");
      const args = node.args;
      // Hug when the last argument is the first (so the only) multi-line one.
      if (args.length > 0 && !this.anyMultiline(args, args.length - 1) && this.isMultiline(args[args.length - 1])) {
        // Hug the only multi-line argument, the last one: `f(a, {` … `})` (as jsonencode({…})).
        let head = prefix + name + "(";
        for (let i = 0; i < args.length - 1; i++) head += this.inline(args[i], here).text + ", ";
        this.multi(args[args.length - 1], depth, here, head, ")" + suffix);
        return;
      }
      // Otherwise one argument per line: hugging two would give fmt's odd `}, {` indentation.
      this.line(depth, prefix + name + "(");
      this.listItems(args, depth + 1, here, "arg");
      this.line(depth, ")" + suffix);
      return;
    }
    throw new HclPrintError(`internal: ${node.kind} is never multi-line${at(path)}`);
  }

  /** Tuple items / call arguments, one per line, each followed by a comma. */
  listItems(items: readonly Expr[], depth: number, path: Path, what: string): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const text = literalText(item);
      if (text !== undefined) {
        this.line(depth, text + ",");
        continue;
      }
      const here = childAt(path, what, i);
      const one = this.oneLine(item, here);
      if (one !== undefined) this.line(depth, one + ",");
      else this.multi(item, depth, here, "", ",");
    }
  }
}
