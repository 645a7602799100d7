// Typed IR for the Nix printer. Targets build these values; print.ts turns
// them into canonical text. Literal vs. code is explicit in the types: a plain
// JS string is ALWAYS a string literal (escaped), code only enters through
// `nix.expr(...)`.

import { NixPrintError, assertEncodable, isBareIdentifier } from "./escape.ts";

/** JS shorthands: string → "…", safe integer → int, boolean → true/false, null → null. */
export type NixScalar = string | number | boolean | null;

export type NixExpr = NixScalar | NixNode;

export type NixNode =
  | NixString
  | NixIndentedString
  | NixInt
  | NixFloat
  | NixPath
  | NixList
  | NixAttrs
  | NixRaw
  | NixApply
  | NixLambda
  | NixLet;

/** A double-quoted string literal (the same as a plain JS string). */
export interface NixString {
  readonly kind: "string";
  readonly value: string;
}

/** An indented string `'' … ''`, for multi-line scripts and text files. */
export interface NixIndentedString {
  readonly kind: "indented";
  readonly value: string;
}

/** A 64-bit signed integer. */
export interface NixInt {
  readonly kind: "int";
  readonly value: bigint;
}

/** A float (finite, and in the range Nix's lexer accepts). */
export interface NixFloat {
  readonly kind: "float";
  readonly value: number;
}

/** A path literal such as `./disko.nix`. */
export interface NixPath {
  readonly kind: "path";
  readonly value: string;
}

export interface NixList {
  readonly kind: "list";
  readonly items: readonly NixExpr[];
}

/** An attribute set (never `rec`). Entries are printed in the given order. */
export interface NixAttrs {
  readonly kind: "attrs";
  readonly entries: readonly NixEntry[];
}

/** Raw Nix code (`pkgs.incus`, `lib.mkDefault 5`); printed verbatim. */
export interface NixRaw {
  readonly kind: "raw";
  readonly code: string;
  /** Must be true for code spanning several lines (guards against accidental newlines). */
  readonly multiline?: boolean;
}

/** Function application `fn arg1 arg2`. */
export interface NixApply {
  readonly kind: "apply";
  readonly fn: NixExpr;
  readonly args: readonly NixExpr[];
}

/** `x: body` or `{ a, b ? d, ... }: body`. */
export interface NixLambda {
  readonly kind: "lambda";
  readonly param: string | NixPattern;
  readonly body: NixExpr;
}

export interface NixPattern {
  readonly kind: "pattern";
  readonly formals: readonly NixFormal[];
  /** Adds `...` (accept further attributes). */
  readonly ellipsis: boolean;
  /** `name@{ … }` binding of the whole argument set. */
  readonly bind?: string;
}

export interface NixFormal {
  readonly name: string;
  readonly default?: NixExpr;
}

/** `let <entries> in <body>`. */
export interface NixLet {
  readonly kind: "let";
  readonly entries: readonly NixEntry[];
  readonly body: NixExpr;
}

/** Presentation hints an entry may carry; they never change the value. */
export interface NixEntryMeta {
  /** Printed as `# …` line(s) above the entry; "\n" separates lines. */
  readonly comment?: string;
  /** Leave one empty line before this entry (ignored for the first entry of a block). */
  readonly blankLineBefore?: boolean;
}

/** `a.b.c = value;` — `path` is the attribute path, one element per name. */
export interface NixBinding extends NixEntryMeta {
  readonly kind: "binding";
  readonly path: readonly string[];
  readonly value: NixExpr;
}

/** `inherit a b;` or `inherit (from) a b;`. */
export interface NixInherit extends NixEntryMeta {
  readonly kind: "inherit";
  readonly from?: NixExpr;
  readonly names: readonly string[];
}

export type NixEntry = NixBinding | NixInherit;

// ---------------------------------------------------------------------------
// Validation shared by the constructors and the printer (IR values can also be
// written as object literals, so the printer re-checks everything).
// ---------------------------------------------------------------------------

const INT_MAX = 2n ** 63n - 1n;
// -2^63 has no literal spelling (9223372036854775808 overflows the lexer).
const INT_MIN = -INT_MAX;

export function checkInt(value: bigint): bigint {
  if (value > INT_MAX || value < INT_MIN) {
    throw new NixPrintError(`integer ${value} is outside the range Nix can write as a literal (±(2^63-1))`);
  }
  return value;
}

// Nix's lexer runs strtod and rejects results that over- or underflow
// (`1.0e309` and subnormals like `1.0e-310` are "invalid float").
const MIN_NORMAL = 2.2250738585072014e-308;

export function checkFloat(value: number): number {
  if (!Number.isFinite(value)) throw new NixPrintError(`float ${value} has no Nix literal (NaN/Infinity)`);
  if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
    throw new NixPrintError(`float ${value} is subnormal; Nix's lexer rejects it as an invalid float`);
  }
  return value;
}

// Nix lexer: PATH_CHAR = [a-zA-Z0-9\.\_\-\+]; a path needs at least one "/",
// segments are non-empty and a trailing slash is an error.
const PATH_SEGMENT = /^[A-Za-z0-9._+-]+$/;

export function checkPath(value: string): string {
  const fail = (why: string): never => {
    throw new NixPrintError(`invalid Nix path literal ${JSON.stringify(value)}: ${why}`);
  };
  let rest: string;
  if (value.startsWith("~/")) rest = value.slice(2);
  else if (value.startsWith("/")) rest = value.slice(1);
  else if (value.startsWith("./") || value.startsWith("../")) rest = value.slice(value.indexOf("/") + 1);
  else return fail('must start with "./", "../", "/" or "~/"');
  if (rest === "") return fail("needs at least one segment after the slash (and no trailing slash)");
  for (const seg of rest.split("/")) {
    if (seg === "") return fail("empty segment or trailing slash");
    if (!PATH_SEGMENT.test(seg)) return fail(`segment ${JSON.stringify(seg)} may only use [A-Za-z0-9._+-]`);
  }
  return value;
}

export function checkRaw(code: string, multiline: boolean): string {
  assertEncodable(code, "raw Nix expression");
  if (code.trim() === "") throw new NixPrintError("raw Nix expression is empty");
  if (code !== code.trim()) {
    throw new NixPrintError(`raw Nix expression ${JSON.stringify(code)} has surrounding whitespace`);
  }
  if (code.includes("\r")) throw new NixPrintError("raw Nix expression contains a carriage return");
  if (code.includes("\n")) {
    if (!multiline) {
      throw new NixPrintError(
        `raw Nix expression ${JSON.stringify(code)} contains a newline; pass { multiline: true } if intended`,
      );
    }
    for (const line of code.split("\n")) {
      if (line !== line.trimEnd()) throw new NixPrintError("raw Nix expression has a line with trailing whitespace");
    }
  }
  return code;
}

/** Lambda parameters, formals and `@` binds must be plain identifiers. */
export function checkIdentifier(name: string, what: string): string {
  if (!isBareIdentifier(name)) {
    throw new NixPrintError(`${what} ${JSON.stringify(name)} must be a Nix identifier and not a keyword`);
  }
  return name;
}

// JS objects iterate integer-like keys first, in numeric order, regardless of
// how they were written; such keys would silently be reordered.
const ARRAY_INDEX_KEY = /^(0|[1-9][0-9]*)$/;

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

type PathArg = string | readonly string[];

function toPath(path: PathArg): readonly string[] {
  // A string is ONE attribute name, even if it contains dots: "a.b" is the
  // quoted name "a.b". Use an array for the dotted path a.b.
  return typeof path === "string" ? [path] : path;
}

function entriesFromRecord(record: Readonly<Record<string, NixExpr>>): NixEntry[] {
  return Object.keys(record).map((key) => {
    if (ARRAY_INDEX_KEY.test(key)) {
      throw new NixPrintError(
        `attribute name ${JSON.stringify(key)} looks like an array index; JS would reorder it — ` +
          `build the set from entries (nix.attrs([nix.bind(...)])) instead of an object`,
      );
    }
    return { kind: "binding", path: [key], value: record[key] } satisfies NixBinding;
  });
}

export const nix = {
  /** Double-quoted string literal (same as passing the JS string itself). */
  str(value: string): NixString {
    return { kind: "string", value };
  },
  /** Indented string `'' … ''` holding exactly `value`. */
  indented(value: string): NixIndentedString {
    return { kind: "indented", value };
  },
  int(value: number | bigint): NixInt {
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new NixPrintError(`nix.int(${value}): not a safe integer; pass a bigint for large values`);
    }
    return { kind: "int", value: checkInt(BigInt(value)) };
  },
  float(value: number): NixFloat {
    return { kind: "float", value: checkFloat(value) };
  },
  path(value: string): NixPath {
    return { kind: "path", value: checkPath(value) };
  },
  list(items: readonly NixExpr[]): NixList {
    return { kind: "list", items };
  },
  /**
   * Attribute set from an object (keys are single attribute names, printed in
   * insertion order) or from an explicit list of entries (paths, comments,
   * blank lines, inherit).
   */
  attrs(content: Readonly<Record<string, NixExpr>> | readonly NixEntry[]): NixAttrs {
    return { kind: "attrs", entries: isEntryList(content) ? content : entriesFromRecord(content) };
  },
  /** `path = value;` — a string path is one name, an array is a dotted attribute path. */
  bind(path: PathArg, value: NixExpr, meta: NixEntryMeta = {}): NixBinding {
    return { kind: "binding", path: toPath(path), value, ...meta };
  },
  inherit(names: readonly string[], options: NixEntryMeta & { readonly from?: NixExpr } = {}): NixInherit {
    return { kind: "inherit", names, ...options };
  },
  /** Raw Nix code, printed verbatim. Multi-line code must say so. */
  expr(code: string, options: { readonly multiline?: boolean } = {}): NixRaw {
    const multiline = options.multiline ?? false;
    return { kind: "raw", code: checkRaw(code, multiline), ...(multiline ? { multiline } : {}) };
  },
  apply(fn: NixExpr, ...args: NixExpr[]): NixApply {
    return { kind: "apply", fn, args };
  },
  /** `nix.call("lib.mkDefault", 5)` → `lib.mkDefault 5`. */
  call(fnCode: string, ...args: NixExpr[]): NixApply {
    return { kind: "apply", fn: nix.expr(fnCode), args };
  },
  lambda(param: string | NixPattern, body: NixExpr): NixLambda {
    if (typeof param === "string") checkIdentifier(param, "lambda parameter");
    return { kind: "lambda", param, body };
  },
  /** `{ a, b ? default, ... }` — strings are formals without default. */
  pattern(
    formals: readonly (string | NixFormal)[],
    options: { readonly ellipsis?: boolean; readonly bind?: string } = {},
  ): NixPattern {
    const list = formals.map((f) => (typeof f === "string" ? { name: f } : f));
    for (const f of list) checkIdentifier(f.name, "formal parameter");
    if (options.bind !== undefined) checkIdentifier(options.bind, "@-binding");
    return {
      kind: "pattern",
      formals: list,
      ellipsis: options.ellipsis ?? false,
      ...(options.bind !== undefined ? { bind: options.bind } : {}),
    };
  },
  let(entries: Readonly<Record<string, NixExpr>> | readonly NixEntry[], body: NixExpr): NixLet {
    return { kind: "let", entries: isEntryList(entries) ? entries : entriesFromRecord(entries), body };
  },
} as const;

function isEntryList(x: Readonly<Record<string, NixExpr>> | readonly NixEntry[]): x is readonly NixEntry[] {
  return Array.isArray(x);
}
