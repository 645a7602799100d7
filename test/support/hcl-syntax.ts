// A small structural scan of HCL native syntax: for every body, which items are attributes
// (`name = …`) and which are blocks (`type "label" … { … }`), with line numbers.
//
// Why it exists: @cdktf/hcl2json (the real HCL parser) turns a block `x { … }` into an array of
// objects, but it turns an attribute `x = [{ … }]` into the very same array, so its JSON cannot
// tell the provider's "set nested attribute" from a repeated block (checked: `blk { q = 1 }` and
// `attrlist = [{ q = 1 }]` both come out as `[{ "q": 1 }]`; only `x = { … }` differs, as a plain
// object). The validator therefore takes values from hcl2json and the attribute/block distinction
// from this scan. Expressions are skipped, not parsed: the scan only has to find where each one
// ends (newline at bracket depth 0), minding strings, templates, heredocs and comments.

export interface SyntaxAttribute {
  readonly kind: "attribute";
  readonly name: string;
  readonly line: number;
}

export interface SyntaxBlock {
  readonly kind: "block";
  readonly type: string;
  readonly labels: readonly string[];
  readonly line: number;
  readonly body: readonly SyntaxItem[];
}

export type SyntaxItem = SyntaxAttribute | SyntaxBlock;

export class HclSyntaxError extends Error {
  override name = "HclSyntaxError";
}

const IDENT_START = /[\p{ID_Start}_]/u;
const IDENT_CONTINUE = /[\p{ID_Continue}\-]/u;

/** Scan a whole file into its top-level items. Throws HclSyntaxError on malformed structure. */
export function scanHclStructure(src: string): SyntaxItem[] {
  return new Scanner(src).file();
}

class Scanner {
  private pos = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src[i] === "\n") this.lineStarts.push(i + 1);
  }

  file(): SyntaxItem[] {
    return this.body(false);
  }

  private line(at = this.pos): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private fail(message: string): never {
    throw new HclSyntaxError(`line ${this.line()}: ${message}`);
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? "";
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  /** Spaces, tabs, CRs and comments, but not newlines (they end attributes). */
  private skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "#" || this.startsWith("//")) this.skipLineComment();
      else if (this.startsWith("/*")) {
        const end = this.src.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated /* comment");
        this.pos = end + 2;
      } else return;
    }
  }

  private skipLineComment(): void {
    const end = this.src.indexOf("\n", this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }

  private ident(): string {
    const start = this.pos;
    if (!IDENT_START.test(String.fromCodePoint(this.src.codePointAt(this.pos) ?? 0))) {
      this.fail(`expected a name, found ${JSON.stringify(this.src.slice(this.pos, this.pos + 10))}`);
    }
    while (this.pos < this.src.length) {
      const ch = String.fromCodePoint(this.src.codePointAt(this.pos) as number);
      if (!IDENT_CONTINUE.test(ch)) break;
      this.pos += ch.length;
    }
    return this.src.slice(start, this.pos);
  }

  private body(closing: boolean): SyntaxItem[] {
    const items: SyntaxItem[] = [];
    for (;;) {
      this.skipInline();
      const c = this.peek();
      if (c === "\n") {
        this.pos++;
        continue;
      }
      if (c === "") {
        if (closing) this.fail("unexpected end of file: missing }");
        return items;
      }
      if (c === "}") {
        if (!closing) this.fail("unexpected }");
        this.pos++;
        return items;
      }
      const line = this.line();
      const name = this.ident();
      this.skipInline();
      if (this.peek() === "=" && this.peek(1) !== "=") {
        this.pos++;
        this.skipExpression();
        items.push({ kind: "attribute", name, line });
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.skipInline();
        if (this.peek() === '"') labels.push(this.quotedLabel());
        else if (this.peek() === "{") break;
        else labels.push(this.ident());
      }
      this.pos++; // {
      items.push({ kind: "block", type: name, labels, line, body: this.body(true) });
    }
  }

  /** A label is a plain quoted string: decode its escapes (no templates are allowed in it). */
  private quotedLabel(): string {
    this.pos++; // opening quote
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("unterminated label");
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = this.peek(1);
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (e in simple) {
          out += simple[e];
          this.pos += 2;
        } else if (e === "u" || e === "U") {
          const len = e === "u" ? 4 : 8;
          const hex = this.src.slice(this.pos + 2, this.pos + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail("bad \\u escape in label");
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + len;
        } else this.fail(`bad escape \\${e} in label`);
        continue;
      }
      if (this.startsWith("$${") || this.startsWith("%%{")) {
        out += c + "{";
        this.pos += 3;
        continue;
      }
      if (this.startsWith("${") || this.startsWith("%{")) this.fail("template sequence in a label");
      const cp = String.fromCodePoint(this.src.codePointAt(this.pos) as number);
      out += cp;
      this.pos += cp.length;
    }
  }

  /**
   * Skip an attribute's expression: up to a newline (or the `}` of a one-line block) at bracket
   * depth 0. Newlines inside brackets, strings, templates and heredocs do not end it.
   */
  private skipExpression(): void {
    let depth = 0;
    for (;;) {
      const c = this.peek();
      if (c === "") {
        if (depth > 0) this.fail("unexpected end of file inside an expression");
        return;
      }
      if (c === "\n" && depth === 0) return;
      if (c === "#" || this.startsWith("//")) {
        this.skipLineComment();
        continue;
      }
      if (this.startsWith("/*")) {
        this.skipInline();
        continue;
      }
      if (c === '"') {
        this.pos++;
        this.skipQuotedRest();
        continue;
      }
      if (this.startsWith("<<")) {
        this.skipHeredoc();
        continue;
      }
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") {
        if (depth === 0) {
          if (c === "}") return; // end of a one-line block: `x { a = 1 }`
          this.fail(`unbalanced ${c}`);
        }
        depth--;
      }
      this.pos++;
    }
  }

  /** After the opening quote of a quoted template: skip to just past its closing quote. */
  private skipQuotedRest(): void {
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("unterminated string");
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === "\\") this.pos += 2;
      else if (this.startsWith("$${") || this.startsWith("%%{")) this.pos += 3;
      else if (this.startsWith("${") || this.startsWith("%{")) {
        this.pos += 2;
        this.skipTemplateSequence();
      } else this.pos++;
    }
  }

  /** After `${` or `%{`: skip to just past the matching `}`. */
  private skipTemplateSequence(): void {
    let depth = 0;
    for (;;) {
      const c = this.peek();
      if (c === "") this.fail("unterminated template sequence");
      if (c === '"') {
        this.pos++;
        this.skipQuotedRest();
        continue;
      }
      if (this.startsWith("<<")) {
        this.skipHeredoc();
        continue;
      }
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") {
        if (depth === 0 && c === "}") {
          this.pos++;
          return;
        }
        depth--;
      }
      this.pos++;
    }
  }

  /** `<<EOT` / `<<-EOT` … a line holding only `EOT`. (`<<` that is not a heredoc is skipped.) */
  private skipHeredoc(): void {
    const m = /^<<-?([\p{ID_Start}_][\p{ID_Continue}\-]*)\r?\n/u.exec(this.src.slice(this.pos, this.pos + 200));
    if (m === null) {
      this.pos += 2;
      return;
    }
    this.pos += m[0].length;
    for (;;) {
      const end = this.src.indexOf("\n", this.pos);
      const lineText = this.src.slice(this.pos, end < 0 ? this.src.length : end);
      if (lineText.trim() === m[1]) {
        this.pos += lineText.length;
        return;
      }
      if (end < 0) this.fail(`unterminated heredoc ${m[1]}`);
      this.pos = end + 1;
    }
  }
}
