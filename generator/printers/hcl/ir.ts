// HCL IR. What an item *is* is always explicit in its type, never guessed from a value's shape:
// attribute vs block are different node kinds, and a plain JS string is ALWAYS a string literal
// (escaped when printed). References, calls, templates and raw text each need their own node.

// ---------------------------------------------------------------------------------------------
// Expressions

/**
 * An expression. Shorthands: a JS string is an escaped string literal, a number/bigint a number
 * literal, a boolean/null the keyword, a JS array a tuple. Everything else is an ExprNode.
 */
export type Expr = string | number | bigint | boolean | null | readonly Expr[] | ExprNode;

export type ExprNode =
  | StringLit
  | NumberLit
  | TupleExpr
  | ObjectExpr
  | TraversalExpr
  | CallExpr
  | TemplateExpr
  | RawExpr;

/** Explicit form of the plain-string shorthand. */
export interface StringLit {
  readonly kind: "string";
  readonly value: string;
}

export interface NumberLit {
  readonly kind: "number";
  readonly value: number | bigint;
}

/** `[a, b]`; printed on one line unless an element is multi-line or the line would be long. */
export interface TupleExpr {
  readonly kind: "tuple";
  readonly items: readonly Expr[];
}

/** `{ key = value … }`, always one entry per line (and `{}` when empty). */
export interface ObjectExpr {
  readonly kind: "object";
  readonly entries: readonly ObjectEntry[];
}

export interface ObjectEntry {
  readonly key: ObjectKey;
  readonly value: Expr;
}

/** A string key (bare if it is an identifier, else quoted), or an explicit key expression. */
export type ObjectKey = string | KeyExpr;

/** `(expr) = …`: a computed key; printed in parentheses so HCL never reads it as a bare name. */
export interface KeyExpr {
  readonly kind: "key";
  readonly expr: Expr;
}

/** A reference such as `incus_network.lab0.name`, `var.x`, `path.module`, `local.m["k"][0]`. */
export interface TraversalExpr {
  readonly kind: "traversal";
  readonly root: string;
  readonly steps: readonly TraversalStep[];
}

export type TraversalStep =
  | { readonly attr: string }
  | { readonly index: number | string }
  | { readonly splat: true };

/** `name(arg, …)`; `name` may be namespaced (`provider::incus::foo`). */
export interface CallExpr {
  readonly kind: "call";
  readonly name: string;
  readonly args: readonly Expr[];
}

/** A quoted template: literal parts are escaped, interpolations are `${expr}`. */
export interface TemplateExpr {
  readonly kind: "template";
  readonly parts: readonly TemplatePart[];
}

export type TemplatePart = { readonly text: string } | { readonly interp: Expr };

/**
 * Last resort: printed verbatim. It must be a single line, and the caller owns both its validity
 * and its canonical spacing (the printer cannot check either).
 */
export interface RawExpr {
  readonly kind: "raw";
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// Bodies

export type Body = readonly BodyItem[];

export type BodyItem = Attribute | Block | BlankLine | Comment;

/** `name = value`; the name must be an identifier. */
export interface Attribute {
  readonly kind: "attribute";
  readonly name: string;
  readonly value: Expr;
}

/** `type "label" … { body }`; the type must be an identifier, labels are escaped strings. */
export interface Block {
  readonly kind: "block";
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: Body;
}

export interface BlankLine {
  readonly kind: "blank";
}

/** `# …` line(s): one per line of `text` (split on line breaks). */
export interface Comment {
  readonly kind: "comment";
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// Constructors

const ROOT_OR_STEP = /^([A-Za-z_][A-Za-z0-9_-]*)|^\.([A-Za-z_][A-Za-z0-9_-]*)|^\[(\d+)\]|^\[\*\]/;

/**
 * `a.b.c` (identifiers joined by dots, as /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/
 * says) as a traversal, or undefined for anything else (the general parser decides).
 */
function parseDotted(path: string): TraversalExpr | undefined {
  let root: string | undefined;
  const steps: TraversalStep[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === start) return undefined; // empty name
      const name = path.slice(start, i);
      if (root === undefined) root = name;
      else steps.push({ attr: name });
      start = i + 1;
    } else if (i === start) {
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return undefined;
    } else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) {
      return undefined;
    }
  }
  return root === undefined ? undefined : { kind: "traversal", root, steps };
}

/**
 * Parse a dotted reference such as `incus_network.lab0.name` or `aws.x[0].y[*].z`. Only
 * identifiers, `[N]` and `[*]` are accepted (string indexes go through `hcl.traversal`), so a
 * malformed or injected reference throws here instead of printing broken HCL.
 */
function parseRef(path: string): TraversalExpr {
  // The usual reference, dotted names only (`incus_network.lab0.name`): one scan, no regex.
  const dotted = typeof path === "string" ? parseDotted(path) : undefined;
  if (dotted !== undefined) return dotted;
  let rest = path;
  let root: string | undefined;
  const steps: TraversalStep[] = [];
  while (rest.length > 0) {
    const m = ROOT_OR_STEP.exec(rest);
    if (m === null || (root === undefined) !== (m[1] !== undefined)) {
      throw new TypeError(`hcl.ref: ${JSON.stringify(path)} is not a reference (a.b.c, a[0], a[*])`);
    }
    if (m[1] !== undefined) root = m[1];
    else if (m[2] !== undefined) steps.push({ attr: m[2] });
    else if (m[3] !== undefined) steps.push({ index: Number(m[3]) });
    else steps.push({ splat: true });
    rest = rest.slice(m[0].length);
  }
  if (root === undefined) throw new TypeError("hcl.ref: empty reference");
  return { kind: "traversal", root, steps };
}

const BLANK: BlankLine = Object.freeze({ kind: "blank" });

/** Small constructors so targets read like the HCL they produce. */
export const hcl = {
  attr(name: string, value: Expr): Attribute {
    return { kind: "attribute", name, value };
  },
  block(type: string, labels: readonly string[], body: Body): Block {
    return { kind: "block", type, labels, body };
  },
  /** One shared, frozen node: a blank line carries nothing, and big bodies have thousands. */
  blank(): BlankLine {
    return BLANK;
  },
  comment(text: string): Comment {
    return { kind: "comment", text };
  },
  /** `lifecycle { prevent_destroy = true }`: the state guard for data that outlives its code. */
  preventDestroy(): Block {
    return { kind: "block", type: "lifecycle", labels: [], body: [hcl.attr("prevent_destroy", true)] };
  },

  str(value: string): StringLit {
    return { kind: "string", value };
  },
  num(value: number | bigint): NumberLit {
    return { kind: "number", value };
  },
  tuple(items: readonly Expr[]): TupleExpr {
    return { kind: "tuple", items };
  },
  /**
   * An object from a record (JS key order: note integer-like keys come first) or from an entry
   * list (exact order, and keys may be `hcl.key(expr)`).
   */
  object(entries: Readonly<Record<string, Expr>> | readonly (readonly [ObjectKey, Expr])[]): ObjectExpr {
    const list = Array.isArray(entries)
      ? (entries as readonly (readonly [ObjectKey, Expr])[])
      : Object.entries(entries as Record<string, Expr>);
    // A plain loop (no destructuring): objects are built for every resource of a big lab.
    const out: ObjectEntry[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = { key: list[i][0], value: list[i][1] };
    return { kind: "object", entries: out };
  },
  key(expr: Expr): KeyExpr {
    return { kind: "key", expr };
  },
  ref(path: string): TraversalExpr {
    return parseRef(path);
  },
  traversal(root: string, steps: readonly TraversalStep[]): TraversalExpr {
    return { kind: "traversal", root, steps };
  },
  call(name: string, args: readonly Expr[] = []): CallExpr {
    return { kind: "call", name, args };
  },
  /** From parts: `hcl.template([hcl.ref("path.module"), "/keys/admin.pub"])` (strings = text). */
  template(parts: readonly Expr[]): TemplateExpr {
    return {
      kind: "template",
      parts: parts.map((p) => (typeof p === "string" ? { text: p } : { interp: p })),
    };
  },
  /** Tagged form: hcl.tpl`${hcl.ref("path.module")}/keys/admin.pub` (cooked text, so `\n` is LF). */
  tpl(strings: TemplateStringsArray, ...values: Expr[]): TemplateExpr {
    const parts: TemplatePart[] = [];
    strings.forEach((text, i) => {
      if (text === undefined) throw new TypeError("hcl.tpl: invalid escape in template text");
      if (text !== "") parts.push({ text });
      if (i < values.length) parts.push({ interp: values[i] });
    });
    return { kind: "template", parts };
  },
  raw(text: string): RawExpr {
    return { kind: "raw", text };
  },
} as const;
