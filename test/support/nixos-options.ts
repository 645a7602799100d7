// Checks NixOS option definitions, given as Nix printer IR, against upstream option
// declarations (test/fixtures/upstream/nixos-options/options.json + supplement.json).
//
// Every binding is resolved to a declared option path (`<name>` matches any attribute name, `*`
// a list item) or to the freeform type of an enclosing "open submodule"; every literal value is
// checked against the declared type description (bool, ints with ranges, strings with patterns,
// enums, lists, attribute sets, null-or, either, submodules recursively). Values that are Nix
// expressions (nix.expr, function calls, lambdas) only get their path checked.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NixAttrs, NixExpr } from "../../generator/printers/nix/index.ts";
import { REPO_ROOT } from "./lab-fixtures.ts";

export const OPTIONS_DIR = join(REPO_ROOT, "test/fixtures/upstream/nixos-options");

export interface OptionDecl {
  readonly path: string;
  readonly type: string;
  readonly hasDefault: boolean;
  readonly internal: boolean;
  readonly readOnly: boolean;
  readonly visible: boolean;
  readonly declared_in: string;
}

interface Supplement {
  readonly options: OptionDecl[];
  readonly typeAliases: Record<string, { readonly means: string }>;
}

/** "a.b.\"c.d\".e" → ["a", "b", "c.d", "e"] */
export function splitOptionPath(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '"') {
      let j = i + 1;
      let seg = "";
      while (path[j] !== '"') {
        if (path[j] === "\\") j++;
        seg += path[j++];
      }
      out.push(seg);
      i = j + 2; // closing quote and the dot
    } else {
      const j = path.indexOf(".", i);
      out.push(path.slice(i, j === -1 ? path.length : j));
      i = j === -1 ? path.length : j + 1;
    }
  }
  return out;
}

/** A value's shape as the checker sees it. */
type Shape = "string" | "int" | "float" | "bool" | "null" | "path" | "list" | "attrs" | "expression";

function shapeOf(v: NixExpr): Shape {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "int";
    case "boolean":
      return "bool";
  }
  switch (v.kind) {
    case "string":
    case "indented":
      return "string";
    case "int":
      return "int";
    case "float":
      return "float";
    case "path":
      return "path";
    case "list":
      return "list";
    case "attrs":
      return "attrs";
    default:
      return "expression"; // raw, apply, lambda, let
  }
}

const stringOf = (v: NixExpr): string => (typeof v === "string" ? v : (v as { value: string }).value);
const intOf = (v: NixExpr): bigint => (typeof v === "number" ? BigInt(v) : (v as { value: bigint }).value);
const pathText = (p: readonly string[]): string => p.map((s) => (/^[A-Za-z_][A-Za-z0-9_'-]*$/.test(s) || s === "<name>" || s === "*" ? s : JSON.stringify(s))).join(".");

/** Removes parentheses that wrap the whole description. */
function strip(desc: string): string {
  let d = desc.trim();
  for (;;) {
    if (!d.startsWith("(") || !d.endsWith(")")) return d;
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < d.length; i++) {
      if (d[i] === "(") depth++;
      else if (d[i] === ")") depth--;
      if (depth === 0 && i < d.length - 1) {
        wraps = false;
        break;
      }
    }
    if (!wraps) return d;
    d = d.slice(1, -1).trim();
  }
}

/** Splits "A or B or (C or D)" at the top level (outside parentheses and quotes). */
function splitOr(desc: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < desc.length; i++) {
    const c = desc[i];
    if (c === '"' && desc[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && desc.startsWith(" or ", i)) {
      parts.push(desc.slice(start, i));
      start = i + 4;
      i += 3;
    }
  }
  parts.push(desc.slice(start));
  return parts.map((p) => p.trim());
}

/** NixOS strMatching uses POSIX ERE via builtins.match (whole string). */
function posixRegex(pattern: string): RegExp {
  const js = pattern
    .replaceAll("[:alnum:]", "A-Za-z0-9")
    .replaceAll("[:alpha:]", "A-Za-z")
    .replaceAll("[:digit:]", "0-9")
    .replaceAll("[:xdigit:]", "0-9A-Fa-f")
    .replaceAll("[:space:]", " \\t\\n\\r\\f\\v");
  return new RegExp(`^(?:${js})$`);
}

/** Leaf type descriptions that contain " or " without being an `either`. */
const NOT_EITHER = new Set(["string, not containing newlines or colons", "absolute path, not containing newlines or colons"]);

export interface CheckedOption {
  /** Path as written (attribute names), e.g. users.users.alice.isNormalUser. */
  readonly path: string;
  /** The declaration it resolved to, e.g. users.users.<name>.isNormalUser, or "freeform of <decl>". */
  readonly declaration: string;
  /** The declared type, or "expression" when the value is Nix code (path-checked only). */
  readonly type: string;
}

export interface CheckResult {
  readonly problems: string[];
  readonly checked: CheckedOption[];
}

export class NixosOptions {
  private readonly byLength = new Map<number, { segs: string[]; decl: OptionDecl }[]>();
  private readonly aliases: Record<string, string>;
  readonly declarations: OptionDecl[];

  constructor(dir = OPTIONS_DIR) {
    const upstream = JSON.parse(readFileSync(join(dir, "options.json"), "utf8")) as OptionDecl[];
    const supplement = JSON.parse(readFileSync(join(dir, "supplement.json"), "utf8")) as Supplement;
    this.declarations = [...upstream, ...supplement.options];
    this.aliases = Object.fromEntries(Object.entries(supplement.typeAliases).map(([k, v]) => [k, v.means]));
    for (const decl of this.declarations) {
      const segs = splitOptionPath(decl.path);
      const list = this.byLength.get(segs.length) ?? [];
      list.push({ segs, decl });
      this.byLength.set(segs.length, list);
    }
  }

  private static matches(pattern: readonly string[], path: readonly string[]): boolean {
    return pattern.every((p, i) => p === path[i] || (p === "<name>" && path[i] !== "*") || (p === "*" && path[i] === "*"));
  }

  /** The declaration of exactly this path; literal names win over `<name>`. */
  find(path: readonly string[]): OptionDecl | undefined {
    const candidates = (this.byLength.get(path.length) ?? []).filter((c) => NixosOptions.matches(c.segs, path));
    const literalness = (segs: string[]) => segs.filter((s) => s !== "<name>").length;
    candidates.sort((a, b) => literalness(b.segs) - literalness(a.segs));
    return candidates[0]?.decl;
  }

  /** Whether some declaration lies strictly below this path. */
  hasBelow(path: readonly string[]): boolean {
    for (const [len, list] of this.byLength) {
      if (len <= path.length) continue;
      if (list.some((c) => NixosOptions.matches(c.segs.slice(0, path.length), path))) return true;
    }
    return false;
  }

  /** Declarations directly or deeper below `path` that have no default (required in a submodule instance). */
  private requiredBelow(path: readonly string[]): { rest: string[]; decl: OptionDecl }[] {
    const out: { rest: string[]; decl: OptionDecl }[] = [];
    for (const [len, list] of this.byLength) {
      if (len !== path.length + 1) continue;
      for (const c of list)
        if (!c.decl.hasDefault && !c.decl.internal && !c.decl.readOnly && NixosOptions.matches(c.segs.slice(0, path.length), path))
          out.push({ rest: c.segs.slice(path.length), decl: c.decl });
    }
    return out;
  }

  /** Checks every binding of a module body (skipping `imports`). */
  checkModule(body: NixAttrs, skip: readonly string[] = ["imports"]): CheckResult {
    const problems: string[] = [];
    const checked: CheckedOption[] = [];
    for (const entry of body.entries) {
      if (entry.kind !== "binding") {
        problems.push(`inherit at the top of a module is not an option definition`);
        continue;
      }
      if (entry.path.length === 1 && skip.includes(entry.path[0])) continue;
      this.checkOption(entry.path, entry.value, problems, checked);
    }
    return { problems, checked };
  }

  checkOption(path: readonly string[], value: NixExpr, problems: string[], checked: CheckedOption[]): void {
    const decl = this.find(path);
    if (decl) {
      if (decl.visible === false && !decl.internal) {
        problems.push(`${pathText(path)}: ${decl.path} is a renamed or removed option (hidden alias)`);
        return;
      }
      if (decl.readOnly) {
        problems.push(`${pathText(path)}: ${decl.path} is read-only`);
        return;
      }
      this.checkType(decl.type, value, path, decl.path, problems, checked, true);
      return;
    }
    if (shapeOf(value) === "attrs" && this.hasBelow(path)) {
      for (const e of (value as NixAttrs).entries) {
        if (e.kind !== "binding") problems.push(`${pathText(path)}: inherit is not an option definition`);
        else this.checkOption([...path, ...e.path], e.value, problems, checked);
      }
      return;
    }
    // A key of a freeform ("open") submodule: the nearest declared ancestor decides.
    for (let i = path.length - 1; i >= 1; i--) {
      const anc = this.find(path.slice(0, i));
      if (!anc) continue;
      const type = this.descend(anc.type, path.slice(i));
      if (type === null) break;
      this.checkType(type, value, path, `freeform of ${anc.path}`, problems, checked, false);
      return;
    }
    problems.push(`${pathText(path)}: no such option`);
  }

  /** The type at `segs` below a value of type `desc` (attribute-set elements and freeform keys), or null. */
  private descend(desc: string, segs: readonly string[]): string | null {
    if (segs.length === 0) return desc;
    const d = this.resolve(desc);
    if (d === "YAML 1.1 value" || d === "JSON value") return d;
    const alts = splitOr(d);
    if (alts.length > 1) {
      for (const alt of alts) {
        if (alt === "null") continue;
        const r = this.descend(alt, segs);
        if (r !== null) return r;
      }
      return null;
    }
    for (const prefix of ["attribute set of ", "lazy attribute set of "])
      if (d.startsWith(prefix)) return this.descend(d.slice(prefix.length), segs.slice(1));
    if (d.startsWith("open submodule of ")) {
      const elem = this.freeformElement(d.slice("open submodule of ".length));
      return elem === null ? null : this.descend(elem, segs.slice(1));
    }
    return null;
  }

  private freeformElement(freeform: string): string | null {
    const f = this.resolve(freeform);
    if (f === "YAML 1.1 value" || f === "JSON value") return f;
    return f.startsWith("attribute set of ") ? f.slice("attribute set of ".length) : null;
  }

  private resolve(desc: string): string {
    const d = strip(desc);
    return this.aliases[d] !== undefined ? strip(this.aliases[d]) : d;
  }

  /**
   * Checks `value` against a type description. `requireAll`: the value is a submodule instance
   * created here (a list item or a plain submodule), so sub-options without default must be set.
   */
  private checkType(
    desc: string,
    value: NixExpr,
    path: readonly string[],
    declaration: string,
    problems: string[],
    checked: CheckedOption[],
    requireAll: boolean,
  ): void {
    const shape = shapeOf(value);
    if (shape === "expression") {
      checked.push({ path: pathText(path), declaration, type: "expression" });
      return;
    }
    const local: string[] = [];
    this.checkShape(this.resolve(desc), value, shape, path, declaration, local, checked, requireAll);
    if (local.length === 0) checked.push({ path: pathText(path), declaration, type: desc });
    problems.push(...local);
  }

  private checkShape(
    d: string,
    value: NixExpr,
    shape: Shape,
    path: readonly string[],
    declaration: string,
    problems: string[],
    checked: CheckedOption[],
    requireAll: boolean,
  ): void {
    const fail = (why: string): void => {
      problems.push(`${pathText(path)} (${declaration}: ${d}): ${why}`);
    };
    if (d.startsWith("string matching the pattern ")) {
      if (shape !== "string") return fail(`expected a string, got ${shape}`);
      const re = posixRegex(d.slice("string matching the pattern ".length));
      if (!re.test(stringOf(value))) fail(`${JSON.stringify(stringOf(value))} does not match ${re}`);
      return;
    }
    // Descriptions whose own words contain " or ".
    const alts = NOT_EITHER.has(d) ? [d] : splitOr(d);
    if (alts.length > 1) {
      const attempts = alts.map((alt) => {
        const p: string[] = [];
        const c: CheckedOption[] = [];
        this.checkShape(this.resolve(alt.replace(/ convertible to it$/, "")), value, shape, path, declaration, p, c, requireAll);
        return { p, c };
      });
      const ok = attempts.find((a) => a.p.length === 0);
      if (ok) checked.push(...ok.c);
      else fail(`matches none of the alternatives:\n    ${attempts.flatMap((a) => a.p).join("\n    ")}`);
      return;
    }
    if (d.startsWith("list of ") || d.startsWith("non-empty (list of ")) {
      if (shape !== "list") return fail(`expected a list, got ${shape}`);
      const nonEmpty = d.startsWith("non-empty");
      const elem = nonEmpty ? strip(d.slice("non-empty ".length)).slice("list of ".length) : d.slice("list of ".length);
      const items = (value as { items: readonly NixExpr[] }).items;
      if (nonEmpty && items.length === 0) fail("expected a non-empty list");
      items.forEach((item) => this.checkType(elem, item, [...path, "*"], declaration, problems, checked, true));
      return;
    }
    if (d.startsWith("attribute set of ") || d.startsWith("lazy attribute set of ")) {
      if (shape !== "attrs") return fail(`expected an attribute set, got ${shape}`);
      const elem = d.slice(d.indexOf(" of ") + 4);
      const elemIsSubmodule = /submodule/.test(strip(elem));
      for (const e of (value as NixAttrs).entries) {
        if (e.kind !== "binding") {
          fail("inherit inside an attribute set of values");
          continue;
        }
        const child = [...path, ...e.path];
        if (e.path.length === 1) this.checkType(elem, e.value, child, declaration, problems, checked, false);
        else if (elemIsSubmodule) this.checkOption(child, e.value, problems, checked);
        else this.checkType(elem, { kind: "attrs", entries: [{ ...e, path: e.path.slice(1) }] }, [...path, e.path[0]], declaration, problems, checked, false);
      }
      return;
    }
    if (d === "submodule" || d.startsWith("open submodule of ")) {
      if (shape !== "attrs") return fail(`expected an attribute set (submodule), got ${shape}`);
      for (const e of (value as NixAttrs).entries) {
        if (e.kind !== "binding") fail("inherit inside a submodule");
        else this.checkOption([...path, ...e.path], e.value, problems, checked);
      }
      // A plain submodule value made here (an option of submodule type, a list item) must set its
      // sub-options that have no default; attrsOf entries get theirs (name, …) from the module.
      if (requireAll && d === "submodule") {
        const set = new Set((value as NixAttrs).entries.flatMap((e) => (e.kind === "binding" ? [e.path[0]] : [])));
        for (const r of this.requiredBelow(path)) if (!set.has(r.rest[0])) fail(`required sub-option ${r.rest.join(".")} (${r.decl.path}) is not set`);
      }
      return;
    }
    const oneOf = /^one of (.*)$/.exec(d);
    if (oneOf) {
      const quoted = [...oneOf[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
      if (quoted.length === 0) {
        // disko's tagged unions ("one of gpt,zfs,…"): an attribute set whose `type` names the variant.
        const variants = oneOf[1].split(",");
        if (shape !== "attrs") return fail(`expected an attribute set with a type, got ${shape}`);
        const type = (value as NixAttrs).entries.find((e) => e.kind === "binding" && e.path.length === 1 && e.path[0] === "type");
        if (!type || type.kind !== "binding" || shapeOf(type.value) !== "string" || !variants.includes(stringOf(type.value)))
          fail(`type must be one of ${variants.join(", ")}`);
        return;
      }
      if (shape !== "string" || !quoted.includes(stringOf(value))) fail(`${shape === "string" ? JSON.stringify(stringOf(value)) : shape} is not one of ${quoted.join(", ")}`);
      return;
    }
    const single = /^value "((?:[^"\\]|\\.)*)" \(singular enum\)$/.exec(d);
    if (single) {
      if (shape !== "string" || stringOf(value) !== JSON.parse(`"${single[1]}"`)) fail(`expected the string "${single[1]}"`);
      return;
    }
    const range = /^(?:integer|16 bit unsigned integer;) between (-?\d+) and (-?\d+) \(both inclusive\)$/.exec(d);
    if (range) {
      if (shape !== "int") return fail(`expected an integer, got ${shape}`);
      const n = intOf(value);
      if (n < BigInt(range[1]) || n > BigInt(range[2])) fail(`${n} is out of range`);
      return;
    }
    switch (d) {
      case "null":
        if (shape !== "null") fail(`expected null, got ${shape}`);
        return;
      case "boolean":
        if (shape !== "bool") fail(`expected a boolean, got ${shape}`);
        return;
      case "signed integer":
      case "integer":
        if (shape !== "int") fail(`expected an integer, got ${shape}`);
        return;
      case "unsigned integer, meaning >=0":
      case "positive integer, meaning >0":
        if (shape !== "int") return fail(`expected an integer, got ${shape}`);
        if (intOf(value) < (d.startsWith("positive") ? 1n : 0n)) fail(`${intOf(value)} is too small`);
        return;
      case "floating point number":
        if (shape !== "float") fail(`expected a float, got ${shape}`);
        return;
      case "string":
      case "configured template name":
        if (shape !== "string") fail(`expected a string, got ${shape}`);
        return;
      case "non-empty string":
        if (shape !== "string" || stringOf(value).trim() === "") fail("expected a non-empty string");
        return;
      case "(optionally newline-terminated) single-line string":
        if (shape !== "string" || !/^[^\n\r]*\n?$/.test(stringOf(value))) fail("expected a single-line string");
        return;
      case "string without spaces":
        if (shape !== "string" || /\s/.test(stringOf(value))) fail("expected a string without whitespace");
        return;
      case "string, not containing newlines or colons":
        if (shape !== "string" || /[\n:]/.test(stringOf(value))) fail("expected a string without newlines or colons");
        return;
      case "absolute path":
      case "An absolute path": // disko's optionTypes.absolute-pathname
      case "path":
      case "absolute path, not containing newlines or colons":
        if (shape === "path") return;
        if (shape !== "string" || !stringOf(value).startsWith("/")) fail(`expected an absolute path, got ${shape}`);
        else if (d.includes("colons") && /[\n:]/.test(stringOf(value))) fail("path contains a newline or colon");
        return;
      case "package":
        fail("a package must be a Nix expression, not a literal");
        return;
      case "attribute set":
        if (shape !== "attrs") fail(`expected an attribute set, got ${shape}`);
        return;
      case "raw value":
      case "unspecified value":
      case "anything":
      case "YAML 1.1 value":
      case "JSON value":
        return;
      case "systemd option":
        if (shape === "list") {
          for (const item of (value as { items: readonly NixExpr[] }).items)
            if (!["string", "int", "bool", "path"].includes(shapeOf(item))) fail(`list item of kind ${shapeOf(item)}`);
        } else if (!["string", "int", "bool", "path", "expression"].includes(shape)) fail(`expected a systemd value, got ${shape}`);
        return;
    }
    if (/^strings concatenated with ".*"$/.test(d)) {
      if (shape !== "string") fail(`expected a string, got ${shape}`);
      return;
    }
    if (/^Nix config atom \(/.test(d) || /^atom \(/.test(d)) {
      if (!["null", "bool", "int", "float", "string", "path"].includes(shape)) fail(`expected an atom, got ${shape}`);
      return;
    }
    fail("type description not understood by the checker (extend test/support/nixos-options.ts)");
  }
}
