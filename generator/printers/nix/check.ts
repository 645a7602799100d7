// The Nix printer's IR walk: JS shorthands normalised to IR nodes, and every node re-checked
// (IR values may be hand-written object literals). Layout lives in print.ts and layout.ts.
import { NixPrintError, assertEncodable, attrName } from "./escape.ts";
import { checkFloat, checkIdentifier, checkInt, checkPath, checkRaw } from "./ir.ts";
import type { NixEntry, NixExpr, NixNode, NixPattern } from "./ir.ts";

// ---------------------------------------------------------------------------
// Normalisation of JS shorthands
// ---------------------------------------------------------------------------

export type Leaf = { readonly kind: "bool"; readonly value: boolean } | { readonly kind: "null" };
export type N = NixNode | Leaf;

const TRUE: Leaf = { kind: "bool", value: true };
const FALSE: Leaf = { kind: "bool", value: false };
const NULL: Leaf = { kind: "null" };

export function normalize(e: NixExpr): N {
  if (e === null) return NULL;
  switch (typeof e) {
    case "string":
      return { kind: "string", value: e };
    case "boolean":
      return e ? TRUE : FALSE;
    case "number":
      // 1.0 and 1 are the same JS number, so only integers may use the
      // shorthand; floats must say so with nix.float().
      if (!Number.isSafeInteger(e)) {
        throw new NixPrintError(`number ${e} is not a safe integer; use nix.float(${e}) for a Nix float`);
      }
      return { kind: "int", value: BigInt(e) };
    case "object":
      return e;
    default:
      throw new NixPrintError(`not a Nix IR value: ${String(e)}`);
  }
}

// ---------------------------------------------------------------------------
// Validation (IR values may be hand-written object literals, so the printer
// re-checks what the constructors check)
// ---------------------------------------------------------------------------

export function validate(n: N): void {
  switch (n.kind) {
    case "string":
    case "indented":
      assertEncodable(n.value, n.kind === "string" ? "string" : "indented string");
      return;
    case "int":
      checkInt(n.value);
      return;
    case "float":
      checkFloat(n.value);
      return;
    case "path":
      checkPath(n.value);
      return;
    case "raw":
      checkRaw(n.code, n.multiline === true);
      return;
    case "bool":
    case "null":
      return;
    case "list":
      for (const item of n.items) validate(normalize(item));
      return;
    case "attrs":
      validateEntries(n.entries);
      return;
    case "let":
      if (n.entries.length === 0) throw new NixPrintError("let needs at least one binding");
      validateEntries(n.entries);
      validate(normalize(n.body));
      return;
    case "apply":
      if (n.args.length === 0) throw new NixPrintError("function application needs at least one argument");
      validate(normalize(n.fn));
      for (const a of n.args) validate(normalize(a));
      return;
    case "lambda":
      validateParam(n.param);
      validate(normalize(n.body));
      return;
    default:
      throw new NixPrintError(`unknown Nix IR node ${JSON.stringify((n as { kind?: unknown }).kind)}`);
  }
}

function validateParam(param: string | NixPattern): void {
  if (typeof param === "string") {
    checkIdentifier(param, "lambda parameter");
    return;
  }
  const seen = new Set<string>();
  for (const f of param.formals) {
    checkIdentifier(f.name, "formal parameter");
    if (seen.has(f.name)) throw new NixPrintError(`duplicate formal parameter "${f.name}"`);
    seen.add(f.name);
    if (f.default !== undefined) validate(normalize(f.default));
  }
  if (param.bind !== undefined) checkIdentifier(param.bind, "@-binding");
}

interface TrieNode {
  leaf: boolean;
  readonly children: Map<string, TrieNode>;
}

/**
 * Rejects attribute sets Nix would refuse ("attribute … already defined"),
 * following addAttr in Nix's parser: a path may descend into any set built so
 * far (implicit `a.b` sets and `{ … }` literals alike); a literal bound to a
 * name that is already a set is merged ONE level deep — its top-level names
 * must be new (`a.z.w = 1; a = { z.v = 2; };` is an error). Every other value
 * is a leaf nothing may share a path with.
 */
function validateEntries(entries: readonly NixEntry[]): void {
  insertEntries(openNode(), entries, null);
}

const openNode = (): TrieNode => ({ leaf: false, children: new Map() });
// Leaves are never descended into nor merged into, so they can all be one object (a Map per
// leaf was most of the validation's cost).
const LEAF: TrieNode = { leaf: true, children: new Map() };

/**
 * Where a set literal sits, as a chain of attribute paths from the outermost set: only error
 * messages need it flat, so it is not copied for every nested literal.
 */
interface Prefix {
  readonly up: Prefix | null;
  readonly path: readonly string[];
}

const flatPrefix = (p: Prefix | null): string[] => (p === null ? [] : [...flatPrefix(p.up), ...p.path]);

/** Insert `entries` into `node`; `prefix` (the path of `node`) only serves error messages. */
function insertEntries(node: TrieNode, entries: readonly NixEntry[], prefix: Prefix | null): void {
  for (const entry of entries) {
    if (entry.comment !== undefined) assertEncodable(entry.comment, "comment");
    if (entry.kind === "inherit") {
      if (entry.names.length === 0) throw new NixPrintError("inherit needs at least one name");
      if (entry.from !== undefined) validate(normalize(entry.from));
      for (const name of entry.names) {
        assertEncodable(name, "attribute name");
        insertLeaf(node, [name], prefix);
      }
      continue;
    }
    const path = entry.path;
    if (path.length === 0) throw new NixPrintError("attribute path must not be empty");
    for (const name of path) assertEncodable(name, "attribute name");
    const value = normalize(entry.value);
    if (value.kind !== "attrs") {
      validate(value);
      insertLeaf(node, path, prefix);
      continue;
    }
    // The literal is built on its own first, then attached or merged.
    const literal = openNode();
    insertEntries(literal, value.entries, { up: prefix, path });
    const parent = walk(node, path, prefix);
    const name = path[path.length - 1];
    const existing = parent.children.get(name);
    if (existing === undefined) {
      parent.children.set(name, literal);
    } else if (existing.leaf) {
      throw duplicate(prefix, path, path.length);
    } else {
      for (const [key, child] of literal.children) {
        if (existing.children.has(key)) throw duplicate(prefix, [...path, key], path.length + 1);
        existing.children.set(key, child);
      }
    }
  }
}

/** Descend along all but the last name of `path` (creating sets), failing on leaves. */
function walk(node: TrieNode, path: readonly string[], prefix: Prefix | null): TrieNode {
  let cur = node;
  for (let i = 0; i < path.length - 1; i++) {
    let next = cur.children.get(path[i]);
    if (next === undefined) {
      next = openNode();
      cur.children.set(path[i], next);
    } else if (next.leaf) {
      throw duplicate(prefix, path, i + 1);
    }
    cur = next;
  }
  return cur;
}

function insertLeaf(node: TrieNode, path: readonly string[], prefix: Prefix | null): void {
  const parent = walk(node, path, prefix);
  const name = path[path.length - 1];
  if (parent.children.has(name)) throw duplicate(prefix, path, path.length);
  parent.children.set(name, LEAF);
}

/** `path[0..conflictLength)` (under `prefix`) is the attribute that already exists. */
function duplicate(prefix: Prefix | null, path: readonly string[], conflictLength: number): NixPrintError {
  const show = (p: readonly string[]) => p.map(attrName).join(".");
  const at = show([...flatPrefix(prefix), ...path.slice(0, conflictLength)]);
  const full = show([...flatPrefix(prefix), ...path]);
  return new NixPrintError(`attribute ${at} is already defined` + (at === full ? "" : ` (while adding ${full})`));
}
