// Nix printer: IR → canonical text in the layout of nixfmt (RFC 166 "standard
// Nix format"). The printer never reorders anything; targets decide order.
//
// Layout rules (facts taken from NixOS/nixfmt standard.md and the nixfmt
// Pretty.hs port in Mic92/nixfmt-rs; see the report for details):
//   - 2-space indentation, `[ ]` / `{ }` for empties, no trailing whitespace.
//   - Lists with two or more items: always one item per line. A one-item list
//     stays `[ x ]` when it fits in the width.
//   - Attribute sets: a set with two or more entries (or any comment) is
//     always expanded, one entry per line. A set that is the value of a
//     binding or the body of a function is always expanded, except a set
//     holding a single `inherit`. Elsewhere (list item, argument) a
//     one-entry set stays `{ a = 1; }` when it fits.
//   - `key = value;`: lists, sets and multi-line '' strings start on the same
//     line ("absorbed"); strings, paths and scalars always stay on the line.
//     A function call stays on the line when it fits or when its last argument
//     can be absorbed; otherwise it moves to the next line, indented.
//   - Set patterns `{ a, b, ... }:` stay on one line only with at most two
//     formals and no defaults; otherwise one formal per line with trailing
//     commas. The body of a set-pattern function starts on its own line,
//     not indented.
//   - `let` is always multi-line; `in` on its own line; body not indented.
//   - `inherit a b c;` on one line for fewer than four names, else one name
//     per line with the `;` on its own line.
//   - The width limit (default 100) counts the whole line, indentation included.

import { NixPrintError, attrName, encodeIndentedLines, quoteString } from "./escape.ts";
import type { NixApply, NixAttrs, NixEntry, NixExpr, NixLambda, NixLet, NixList, NixPattern } from "./ir.ts";
import { normalize, validate } from "./check.ts";
import type { N } from "./check.ts";
import { pad, width, commentLines, formatFloat, needsParens, isAbsorbable, isForcedWide, keyText, reindent } from "./layout.ts";

export interface PrintNixOptions {
  /** Comment lines printed as `# …` at the top of the file. */
  readonly header?: readonly string[];
  /** Line width used for "fits on one line" decisions (default 100, nixfmt's default). */
  readonly width?: number;
}

/** Print an IR expression as a complete Nix file: canonical layout, trailing newline. */
export function printNix(expr: NixExpr, options: PrintNixOptions = {}): string {
  const printer = new Printer(options.width ?? 100);
  const root = normalize(expr);
  validate(root);
  const header = (options.header ?? []).flatMap((line) => commentLines(line, ""));
  const body = printer.render(root, 0, 0, 0, false);
  return [...header, body].join("\n") + "\n";
}

// ---------------------------------------------------------------------------
// The printer
// ---------------------------------------------------------------------------

const sameLine = (key: string, text: string): string => `${key} = ${text};`;
const nextLine = (key: string, indent: number, text: string): string => `${key} =\n${pad(indent + 2)}${text};`;

class Printer {
  // flat() is asked for the same composite node at several nesting levels;
  // caching keeps printing linear in the size of the IR. Leaves are cheap and
  // often fresh objects from normalize(), so they bypass the cache.
  private readonly flatCache = new Map<object, string | null>();

  constructor(private readonly maxWidth: number) {}

  private fits(col: number, text: string, trail: number): boolean {
    return col + width(text) + trail <= this.maxWidth;
  }

  /**
   * One-line rendering when the layout rules allow one (regardless of width),
   * else undefined. Sets here are "regular" (not force-expanded).
   */
  flat(n: N): string | undefined {
    const composite = n.kind === "list" || n.kind === "attrs" || n.kind === "apply" || n.kind === "lambda";
    if (!composite) return this.computeFlat(n);
    const cached = this.flatCache.get(n);
    if (cached !== undefined) return cached ?? undefined;
    const computed = this.computeFlat(n);
    this.flatCache.set(n, computed ?? null);
    return computed;
  }

  private computeFlat(n: N): string | undefined {
    switch (n.kind) {
      case "string":
        return quoteString(n.value);
      case "indented":
        return n.value.includes("\n") ? undefined : `''${encodeIndentedLines(n.value)[0]}''`;
      case "int":
        return n.value.toString();
      case "float":
        return formatFloat(n.value);
      case "path":
        return n.value;
      case "bool":
        return n.value ? "true" : "false";
      case "null":
        return "null";
      case "raw":
        return n.code.includes("\n") ? undefined : n.code;
      case "list": {
        if (n.items.length === 0) return "[ ]";
        if (n.items.length > 1) return undefined;
        const item = this.flatElement(normalize(n.items[0]));
        return item === undefined ? undefined : `[ ${item} ]`;
      }
      case "attrs": {
        if (n.entries.length === 0) return "{ }";
        const entry = n.entries[0];
        if (n.entries.length > 1 || entry.comment !== undefined) return undefined;
        const text = this.flatEntry(entry);
        return text === undefined ? undefined : `{ ${text} }`;
      }
      case "apply": {
        const parts = this.applyParts(n).map((p, i) => (i === 0 ? this.flatFunction(p) : this.flatElement(p)));
        return parts.every((p) => p !== undefined) ? parts.join(" ") : undefined;
      }
      case "lambda": {
        const body = normalize(n.body);
        const param = this.flatParam(n.param);
        if (param === undefined || isForcedWide(body)) return undefined;
        const bodyText = this.flat(body);
        return bodyText === undefined ? undefined : `${param}: ${bodyText}`;
      }
      case "let":
        return undefined;
    }
  }

  private flatElement(n: N): string | undefined {
    const text = this.flat(n);
    if (text === undefined) return undefined;
    return needsParens(n) ? `(${text})` : text;
  }

  private flatFunction(n: N): string | undefined {
    // applyParts() already flattened `(f a) b` into `f a b` (application is
    // left-associative), so anything compound left here needs parentheses.
    const text = this.flat(n);
    if (text === undefined) return undefined;
    return needsParens(n) ? `(${text})` : text;
  }

  private flatEntry(entry: NixEntry): string | undefined {
    if (entry.kind === "inherit") {
      if (entry.names.length >= 4) return undefined;
      let from = "";
      if (entry.from !== undefined) {
        const f = this.flat(normalize(entry.from));
        if (f === undefined) return undefined;
        from = ` (${f})`;
      }
      return `inherit${from} ${entry.names.map(attrName).join(" ")};`;
    }
    const value = normalize(entry.value);
    if (isForcedWide(value)) return undefined;
    const v = this.flat(value);
    return v === undefined ? undefined : `${keyText(entry.path)} = ${v};`;
  }

  private flatParam(param: string | NixPattern): string | undefined {
    if (typeof param === "string") return param;
    // nixfmt keeps `{ a, b, ... }` compact only for at most two plain formals.
    if (param.formals.length > 2 || param.formals.some((f) => f.default !== undefined)) return undefined;
    const items = [...param.formals.map((f) => f.name), ...(param.ellipsis ? ["..."] : [])];
    const set = items.length === 0 ? "{ }" : `{ ${items.join(", ")} }`;
    return param.bind === undefined ? set : `${param.bind}@${set}`;
  }

  private applyParts(n: NixApply): N[] {
    const fn = normalize(n.fn);
    const head = fn.kind === "apply" ? this.applyParts(fn) : [fn];
    return [...head, ...n.args.map(normalize)];
  }

  /**
   * Render `n` starting at column `col`; continuation lines are indented
   * relative to `indent`. `trail` is the width of what follows on the last
   * line (e.g. `;`). `wide` force-expands a non-empty attribute set.
   */
  render(n: N, col: number, indent: number, trail: number, wide: boolean): string {
    switch (n.kind) {
      case "indented":
        return n.value.includes("\n") ? this.renderIndented(n.value, indent) : this.flat(n)!;
      case "raw":
        return n.code.includes("\n") ? reindent(n.code, indent) : n.code;
      case "list":
        return this.renderList(n, col, indent, trail);
      case "attrs":
        return this.renderAttrs(n, col, indent, trail, wide && isForcedWide(n));
      case "apply":
        return this.renderApply(n, col, indent, trail);
      case "lambda":
        return this.renderLambda(n, col, indent, trail);
      case "let":
        return this.renderLet(n, indent, trail);
      default:
        return this.flat(n)!;
    }
  }

  private renderElement(n: N, col: number, indent: number, trail: number): string {
    if (!needsParens(n)) return this.render(n, col, indent, trail, false);
    return `(${this.render(n, col + 1, indent, trail + 1, false)})`;
  }

  private renderIndented(value: string, indent: number): string {
    const lines = encodeIndentedLines(value);
    const endsWithNewline = value.endsWith("\n");
    const body = (endsWithNewline ? lines.slice(0, -1) : lines).map((l) => (l === "" ? "" : pad(indent + 2) + l));
    // With a trailing newline the closing '' sits on its own line; Nix drops
    // that last all-spaces line, so the value ends exactly with "\n".
    return `''\n${body.join("\n")}${endsWithNewline ? `\n${pad(indent)}''` : "''"}`;
  }

  private renderList(n: NixList, col: number, indent: number, trail: number): string {
    const flat = this.flat(n);
    if (flat !== undefined && this.fits(col, flat, trail)) return flat;
    if (n.items.length === 0) return "[ ]";
    const inner = indent + 2;
    const lines = n.items.map((item) => pad(inner) + this.renderElement(normalize(item), inner, inner, 0));
    return `[\n${lines.join("\n")}\n${pad(indent)}]`;
  }

  private renderAttrs(n: NixAttrs, col: number, indent: number, trail: number, forceExpand: boolean): string {
    if (n.entries.length === 0) return "{ }";
    if (!forceExpand) {
      const flat = this.flat(n);
      if (flat !== undefined && this.fits(col, flat, trail)) return flat;
    }
    return `{\n${this.renderEntries(n.entries, indent + 2)}\n${pad(indent)}}`;
  }

  private renderEntries(entries: readonly NixEntry[], indent: number): string {
    const p = pad(indent);
    let out = "";
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (i > 0) out += entry.blankLineBefore ? "\n\n" : "\n";
      if (entry.comment !== undefined) for (const l of commentLines(entry.comment, p)) out += `${l}\n`;
      out += p;
      out += entry.kind === "inherit" ? this.renderInherit(entry, indent) : this.renderBinding(entry.path, entry.value, indent);
    }
    return out;
  }

  private renderInherit(entry: Extract<NixEntry, { kind: "inherit" }>, indent: number): string {
    const flat = this.flatEntry(entry);
    if (flat !== undefined && this.fits(indent, flat, 0)) return flat;
    const from =
      entry.from === undefined
        ? ""
        : ` (${this.render(normalize(entry.from), indent + "inherit (".length, indent + 2, 1, false)})`;
    const names = entry.names.map((name) => `\n${pad(indent + 2)}${attrName(name)}`).join("");
    return `inherit${from}${names}\n${pad(indent + 2)};`;
  }

  private renderBinding(path: readonly string[], rawValue: NixExpr, indent: number): string {
    const key = keyText(path);
    const value = normalize(rawValue);
    const col = indent + width(key) + 3; // after "key = "

    // Lists, sets and multi-line strings start right after "=".
    if (isAbsorbable(value)) return sameLine(key, this.render(value, col, indent, 1, true));

    switch (value.kind) {
      case "apply": {
        const flat = this.flat(value);
        if (flat !== undefined && this.fits(col, flat, 1)) return sameLine(key, flat);
        const absorbed = this.absorbedApply(value, col, indent, 1);
        if (absorbed !== undefined) return sameLine(key, absorbed);
        if (flat !== undefined && this.fits(indent + 2, flat, 1)) return nextLine(key, indent, flat);
        return nextLine(key, indent, this.render(value, indent + 2, indent + 2, 1, false));
      }
      case "lambda": {
        const flat = this.flat(value);
        if (flat !== undefined && this.fits(col, flat, 1)) return sameLine(key, flat);
        // `f = x: {` — simple-parameter functions with an absorbable body stay on the line.
        if (typeof value.param === "string" && isAbsorbable(normalize(value.body))) {
          return sameLine(key, this.render(value, col, indent, 1, false));
        }
        return nextLine(key, indent, this.render(value, indent + 2, indent + 2, 1, false));
      }
      case "let":
        return nextLine(key, indent, this.render(value, indent + 2, indent + 2, 1, false));
      case "raw": {
        if (value.code.includes("\n")) return sameLine(key, reindent(value.code, indent));
        if (this.fits(col, value.code, 1) || !this.fits(indent + 2, value.code, 1)) return sameLine(key, value.code);
        return nextLine(key, indent, value.code);
      }
      default:
        // Strings, paths, numbers, empty collections: nothing to gain from a new line.
        return sameLine(key, this.render(value, col, indent, 1, false));
    }
  }

  /** `f a b {` … `}`: all but the last argument on the first line, the last one absorbed. */
  private absorbedApply(n: NixApply, col: number, indent: number, trail: number): string | undefined {
    const parts = this.applyParts(n);
    const last = parts[parts.length - 1];
    if (!isAbsorbable(last)) return undefined;
    const head = parts.slice(0, -1).map((p, i) => (i === 0 ? this.flatFunction(p) : this.flatElement(p)));
    if (!head.every((h) => h !== undefined)) return undefined;
    const prefix = `${head.join(" ")} `;
    // The first line must fit up to the opening bracket of the absorbed term.
    if (!this.fits(col, prefix, 1)) return undefined;
    return prefix + this.render(last, col + width(prefix), indent, trail, false);
  }

  private renderApply(n: NixApply, col: number, indent: number, trail: number): string {
    const flat = this.flat(n);
    if (flat !== undefined && this.fits(col, flat, trail)) return flat;
    const absorbed = this.absorbedApply(n, col, indent, trail);
    if (absorbed !== undefined) return absorbed;
    // Otherwise the function on the first line and every argument on its own
    // line, one level deeper.
    const [fn, ...args] = this.applyParts(n);
    const fnText = needsParens(fn)
      ? `(${this.render(fn, col + 1, indent, 1, false)})`
      : this.render(fn, col, indent, 0, false);
    const argLines = args.map((arg, i) => {
      const t = i === args.length - 1 ? trail : 0;
      return `\n${pad(indent + 2)}${this.renderElement(arg, indent + 2, indent + 2, t)}`;
    });
    return fnText + argLines.join("");
  }

  private renderParam(param: string | NixPattern, col: number, indent: number): string {
    const flat = this.flatParam(param);
    if (flat !== undefined && this.fits(col, flat, 1)) return flat;
    const p = param as NixPattern; // an identifier always has a flat form
    const inner = indent + 2;
    const lines = p.formals.map((f) => {
      if (f.default === undefined) return `${pad(inner)}${f.name},`;
      const prefix = `${f.name} ? `;
      return `${pad(inner)}${prefix}${this.render(normalize(f.default), inner + width(prefix), inner, 1, false)},`;
    });
    if (p.ellipsis) lines.push(`${pad(inner)}...`);
    const open = p.bind === undefined ? "{" : `${p.bind}@{`;
    return `${open}\n${lines.join("\n")}\n${pad(indent)}}`;
  }

  private renderLambda(n: NixLambda, col: number, indent: number, trail: number): string {
    const flat = this.flat(n);
    if (flat !== undefined && this.fits(col, flat, trail)) return flat;
    const body = normalize(n.body);
    const param = this.renderParam(n.param, col, indent);
    if (typeof n.param === "string" && isAbsorbable(body)) {
      const prefix = `${param}: `;
      return prefix + this.render(body, col + width(prefix), indent, trail, true);
    }
    // The body starts on its own line without extra indentation.
    return `${param}:\n${pad(indent)}${this.render(body, indent, indent, trail, true)}`;
  }

  private renderLet(n: NixLet, indent: number, trail: number): string {
    const body = this.render(normalize(n.body), indent, indent, trail, false);
    return `let\n${this.renderEntries(n.entries, indent + 2)}\n${pad(indent)}in\n${pad(indent)}${body}`;
  }
}

// Re-exported so targets need a single import for printing-related errors.
export { NixPrintError };
