// The HCL printer's inline writer: expressions, keys, traversals and templates as single-line
// text, with the identifier and literal checks fmt would otherwise trip over.
import { escapeHclString, HclPrintError, isHclIdentifier } from "./escape.ts";
import { codeColumns, literalColumns } from "./columns.ts";
import type { Expr, ExprNode, ObjectKey, TemplatePart, TraversalStep } from "./ir.ts";

/** Accumulates single-line text, and its fmt column count when `counting` (keys only). */
export class Inline {
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

// Where we are, for error messages only: a linked list so descending costs one small object, and
// the step's text (`item[3]`, `resource.incus_instance.app0`) is only joined when a message needs it.
export type Path = {
  readonly parent: Path;
  readonly name: string;
  /** Block labels, shown as `name.label…`. */
  readonly labels?: readonly string[];
  /** A list position, shown as `name[index]`. */
  readonly index?: number;
} | null;

export function child(parent: Path, name: string): Path {
  return { parent, name };
}

export function childAt(parent: Path, name: string, index: number): Path {
  return { parent, name, index };
}

export function childBlock(parent: Path, type: string, labels: readonly string[]): Path {
  return { parent, name: type, labels };
}

function stepText(p: NonNullable<Path>): string {
  if (p.labels !== undefined) return [p.name, ...p.labels].join(".");
  if (p.index !== undefined) return `${p.name}[${p.index}]`;
  return p.name;
}

// HCL's keywords. As object keys they are not plain names: `{ for = 1 }` is a parse error (a for
// expression starts), and null/true/false are keyword literals that only become keys by
// conversion, so they are quoted (always safe). As a reference root none of them is a variable.
export const KEYWORD_KEYS = new Set(["for", "null", "true", "false"]);

/** Like assertHclIdentifier, but builds the location text only when it throws. */
export function checkIdent(name: string, what: string, path: Path): void {
  if (typeof name !== "string" || !isHclIdentifier(name)) {
    throw new HclPrintError(
      `${what} ${JSON.stringify(name)} is not an HCL identifier ([A-Za-z_][A-Za-z0-9_-]*)${at(path)}`,
    );
  }
}

export function at(path: Path): string {
  const names: string[] = [];
  for (let p = path; p !== null; p = p.parent) names.unshift(stepText(p));
  return names.length === 0 ? "" : ` (at ${names.join(" > ")})`;
}

export const q = (s: string) => JSON.stringify(s);

export function isNode(e: Expr): e is ExprNode {
  return typeof e === "object" && e !== null && !Array.isArray(e);
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

/**
 * The text of a string, boolean, null or finite number, which needs no path (the errors it can
 * raise name the string itself); undefined for anything else, which takes the general path.
 */
export function literalText(e: Expr): string | undefined {
  switch (typeof e) {
    case "string":
      return '"' + escapeHclString(e) + '"';
    case "boolean":
      return e ? "true" : "false";
    case "number":
      // JS's shortest round-trip form is valid HCL number syntax (see numberText).
      return Number.isFinite(e) ? String(e) : undefined;
    case "bigint":
      return String(e);
    default:
      return e === null ? "null" : undefined;
  }
}

export function mergeParts(parts: readonly TemplatePart[]): TemplatePart[] {
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
 * The single-line half of the printer: keys and expressions written inline (one line of text and,
 * for keys, fmt's column count). The Printer (print.ts) extends it with lines, blocks and layout.
 */
export class InlineWriter {
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
        const here = child(path, `${name}()`);
        const args = node.args;
        for (let i = 0; i < args.length; i++) {
          if (i > 0) out.code(", ");
          this.write(out, args[i], here, false);
        }
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
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.code(", ");
      const item = items[i];
      // A string needs no path (its errors name the string itself).
      if (typeof item === "string") {
        out.code('"');
        out.lit(escapeHclString(item));
        out.code('"');
      } else this.write(out, item, childAt(path, "item", i), false);
    }
    out.code("]");
  }

  writeTraversal(out: Inline, root: string, steps: readonly TraversalStep[], path: Path): void {
    checkIdent(root, "reference root", path);
    if (KEYWORD_KEYS.has(root)) throw new HclPrintError(`"${root}" is a keyword, not a reference root${at(path)}`);
    // One string for the whole reference: the usual one is only names (`incus_network.br0.name`).
    let text = root;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if ("attr" in step && typeof step.attr === "string") {
        checkIdent(step.attr, "reference attribute", path);
        text += "." + step.attr;
      } else if ("index" in step && typeof step.index === "number") {
        if (!Number.isSafeInteger(step.index) || step.index < 0) {
          throw new HclPrintError(`reference index ${step.index} is not a non-negative integer${at(path)}`);
        }
        text += "[" + step.index + "]";
      } else if ("index" in step && typeof step.index === "string") {
        // Flushed first: the literal is counted the way the scanner tokenizes it.
        out.code(text + '["');
        out.lit(escapeHclString(step.index));
        text = '"]';
      } else if ("splat" in step && step.splat === true) {
        text += "[*]";
      } else {
        throw new HclPrintError(`invalid reference step ${JSON.stringify(step)}${at(path)}`);
      }
    }
    out.code(text);
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
