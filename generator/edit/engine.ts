// The edit engine: typed operations on lab.config.ts addressed by config path (set, add, remove,
// rename), done as minimal text splices at positions ts-morph finds, so comments, formatting and
// every unrelated byte stay as they were. It edits only what is written as a literal in the file:
// a value that is computed (a function call, a spread, an imported constant, a variable) is
// refused with a message naming it — with one exception: `set` may write into the object literal
// passed as the only argument of a preset call (`forgejo({ memory: "2GiB" })`), and the caller
// then checks that the loaded config really has the new value at that path (presetChecks).
// Pure: text in, text out. Validation and writing are the session's job (session.ts).
import { Node, Project, SyntaxKind, type ArrayLiteralExpression, type CallExpression, type ObjectLiteralExpression, type PropertyAssignment, type SourceFile } from "ts-morph";
import { formatPath, type PathSegment } from "../validate/diagnostics.ts";
import { schemaAt } from "../validate/schema-errors.ts";
import { printKey, printString, printValue, ValueError, type Style } from "./literal.ts";
import { parsePath, PathSyntaxError } from "./path.ts";

export type Edit =
  | { readonly op: "set"; readonly path: string; readonly value: unknown }
  | { readonly op: "add"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "rename"; readonly path: string; readonly to: string };

/** A refused edit: why, for which path, and the line in the config when there is one. */
export class EditError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly line?: number,
    /** The refusal is about a computed value (a preset call may still take the edit). */
    readonly computed = false,
  ) {
    super(message);
  }
}

/**
 * What the loaded config must show after an edit made inside a preset call's argument (the engine
 * cannot know what a function does with its argument): the value at `path`, or that `path` is
 * gone (remove), or that it exists (rename). `call` names the preset for the message.
 */
export interface PresetCheck {
  readonly path: readonly PathSegment[];
  /** "new": absent from the config before the edit (an entry added next to a spread). */
  readonly expect: "equal" | "absent" | "present" | "new";
  readonly value?: unknown;
  readonly call: string;
  /** Line of the call, for the diagnostic. */
  readonly line: number;
}

export interface EditResult {
  readonly text: string;
  readonly presetChecks: readonly PresetCheck[];
  /** Config paths of references that a rename updated (for the report). */
  readonly renamedReferences: readonly string[];
  /** Entries removed with the one a remove named, because they only pointed at it. */
  readonly removedReferences: readonly string[];
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

let project: Project | undefined;

function parse(text: string): SourceFile {
  project ??= new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  return project.createSourceFile("/lab.config.ts", text, { overwrite: true });
}

const unwrap = (n: Node): Node => {
  let cur = n;
  while (Node.isAsExpression(cur) || Node.isSatisfiesExpression(cur) || Node.isParenthesizedExpression(cur) || Node.isNonNullExpression(cur) || Node.isTypeAssertion(cur))
    cur = cur.getExpression();
  return cur;
};

const short = (s: string) => {
  const one = s.replace(/\s+/g, " ");
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
};

function describe(node: Node): string {
  const sf = node.getSourceFile();
  if (Node.isCallExpression(node)) return `the function call ${short(node.getExpression().getText())}(…)`;
  if (Node.isSpreadAssignment(node) || Node.isSpreadElement(node)) return `the spread ...${short(node.getExpression().getText())}`;
  if (Node.isShorthandPropertyAssignment(node)) return `the shorthand property { ${node.getName()} }, ${describe(node.getNameNode())}`;
  if (Node.isIdentifier(node)) {
    const name = node.getText();
    for (const imp of sf.getImportDeclarations()) {
      const named = imp.getNamedImports().find((n) => (n.getAliasNode() ?? n.getNameNode()).getText() === name);
      if (named || imp.getDefaultImport()?.getText() === name || imp.getNamespaceImport()?.getText() === name)
        return `the imported constant ${name} (from "${imp.getModuleSpecifierValue()}")`;
    }
    if (sf.getVariableDeclaration(name)) return `the variable ${name}`;
    return `the identifier ${name}`;
  }
  if (Node.isTemplateExpression(node)) return `the template string ${short(node.getText())} (it has substitutions)`;
  if (Node.isPropertyAssignment(node)) return `the computed key ${short(node.getNameNode().getText())}`;
  return `the expression ${short(node.getText())}`;
}

function computed(path: string, node: Node, why = ""): EditError {
  const line = node.getStartLineNumber();
  return new EditError(
    `${path || "the config"} is computed, not a literal written in lab.config.ts: ${describe(node)} at line ${line}${why}. labgen edits only literal values; change that code by hand.`,
    path,
    line,
    true,
  );
}

/** Literal key text of a property, or null when the key is computed. */
function keyOf(p: Node): string | null {
  if (!Node.isPropertyAssignment(p)) return null;
  const k = p.getNameNode();
  if (Node.isIdentifier(k) || Node.isPrivateIdentifier(k)) return k.getText();
  if (Node.isStringLiteral(k) || Node.isNoSubstitutionTemplateLiteral(k) || Node.isNumericLiteral(k)) return String(k.getLiteralValue());
  if (Node.isComputedPropertyName(k)) {
    const e = unwrap(k.getExpression());
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) return e.getLiteralValue();
  }
  return null;
}

/** Throws unless the value is written entirely as literals (what a replace or a rename may touch). */
function assertLiteral(node: Node, path: PathSegment[]): void {
  const n = unwrap(node);
  if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n) || Node.isNumericLiteral(n) || Node.isTrueLiteral(n) || Node.isFalseLiteral(n)) return;
  if (Node.isPrefixUnaryExpression(n) && n.getOperatorToken() === SyntaxKind.MinusToken && Node.isNumericLiteral(n.getOperand())) return;
  if (Node.isObjectLiteralExpression(n)) {
    for (const p of n.getProperties()) {
      const k = keyOf(p);
      if (k === null || !Node.isPropertyAssignment(p)) throw computed(formatPath(path), p);
      assertLiteral(p.getInitializerOrThrow(), [...path, k]);
    }
    return;
  }
  if (Node.isArrayLiteralExpression(n)) {
    n.getElements().forEach((e, i) => {
      if (Node.isSpreadElement(e)) throw computed(formatPath(path), e);
      assertLiteral(e, [...path, i]);
    });
    return;
  }
  throw computed(formatPath(path), n);
}

type Container = { kind: "object"; obj: ObjectLiteralExpression; index: number } | { kind: "array"; arr: ArrayLiteralExpression; index: number };
type Located =
  | { found: true; node: Node; container: Container | null; presets: CallExpression[] }
  | { found: false; obj: ObjectLiteralExpression; key: string; presets: CallExpression[] };

function rootObject(sf: SourceFile): ObjectLiteralExpression {
  const ea = sf.getExportAssignment((e) => !e.isExportEquals());
  if (!ea) throw new EditError("the config has no `export default defineLab({ ... })`", "");
  let e = unwrap(ea.getExpression());
  if (Node.isCallExpression(e) && e.getExpression().getText() === "defineLab" && e.getArguments().length === 1) e = unwrap(e.getArguments()[0]);
  if (Node.isIdentifier(e)) {
    const init = sf.getVariableDeclaration(e.getText())?.getInitializer();
    if (init) e = unwrap(init);
    if (Node.isCallExpression(e) && e.getExpression().getText() === "defineLab" && e.getArguments().length === 1) e = unwrap(e.getArguments()[0]);
  }
  if (!Node.isObjectLiteralExpression(e)) throw computed("", e);
  return e;
}

/** The property of `obj` named `key` (the last one, as in JavaScript), refusing what could hide it. */
/**
 * `appendOk`: the caller will append the key when it is missing — after every spread, so the new
 * property wins and a spread before it cannot hide it (set; not add, which must not override).
 */
function findProperty(obj: ObjectLiteralExpression, key: string, path: PathSegment[], appendOk = false): { prop: Node; index: number } | null {
  const props = obj.getProperties();
  let match = -1;
  props.forEach((p, i) => {
    if (Node.isPropertyAssignment(p) && keyOf(p) === key) match = i;
    if ((Node.isShorthandPropertyAssignment(p) || Node.isMethodDeclaration(p) || Node.isGetAccessorDeclaration(p) || Node.isSetAccessorDeclaration(p)) && p.getName() === key) match = i;
  });
  const here = formatPath([...path, key]);
  if (match < 0 && appendOk) return null;
  // A spread or a computed key after the match (or anywhere, when nothing matches) may define it.
  for (let i = match + 1; i < props.length; i++) {
    const p = props[i];
    if (Node.isSpreadAssignment(p)) throw computed(here, p, `, which may define or override '${key}'`);
    if (Node.isPropertyAssignment(p) && keyOf(p) === null) throw computed(here, p, `, which may be '${key}'`);
  }
  if (match < 0) return null;
  const p = props[match];
  if (!Node.isPropertyAssignment(p)) throw computed(here, p);
  return { prop: p, index: match };
}

function locate(root: ObjectLiteralExpression, path: PathSegment[], throughPresets: boolean, appendOk = false): Located {
  let node: Node = root;
  let container: Container | null = null;
  const presets: CallExpression[] = [];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const here = path.slice(0, i);
    node = unwrap(node);
    if (Node.isCallExpression(node)) {
      const args = node.getArguments();
      const arg = args.length === 1 ? unwrap(args[0]) : null;
      if (throughPresets && arg && Node.isObjectLiteralExpression(arg)) {
        presets.push(node);
        node = arg;
      } else throw computed(formatPath(here), node);
    }
    if (typeof seg === "string") {
      if (!Node.isObjectLiteralExpression(node)) {
        if (Node.isArrayLiteralExpression(node)) throw new EditError(`${formatPath(here)} is a list: address its items by index, e.g. ${formatPath([...here, 0])}`, formatPath(path), node.getStartLineNumber());
        if (isScalar(node)) throw new EditError(`${formatPath(here)} is a single value, it has no '${seg}'`, formatPath(path), node.getStartLineNumber());
        throw computed(formatPath(here), node);
      }
      const hit = findProperty(node, seg, here, appendOk && i === path.length - 1);
      if (!hit) {
        if (i === path.length - 1) return { found: false, obj: node, key: seg, presets };
        throw new EditError(`${formatPath(path.slice(0, i + 1))} does not exist (set it as a whole first)`, formatPath(path), node.getStartLineNumber());
      }
      container = { kind: "object", obj: node, index: hit.index };
      node = (hit.prop as PropertyAssignment).getInitializerOrThrow();
    } else {
      if (!Node.isArrayLiteralExpression(node)) {
        if (Node.isObjectLiteralExpression(node) || isScalar(node)) throw new EditError(`${formatPath(here)} is not a list`, formatPath(path), node.getStartLineNumber());
        throw computed(formatPath(here), node);
      }
      const els = node.getElements();
      const spread = els.slice(0, seg + 1).find((e) => Node.isSpreadElement(e));
      if (spread) throw computed(formatPath([...here, seg]), spread);
      if (seg >= els.length) throw new EditError(`${formatPath(here)} has ${els.length} item(s): there is no ${formatPath([...here, seg])}`, formatPath(path), node.getStartLineNumber());
      container = { kind: "array", arr: node, index: seg };
      node = els[seg];
    }
  }
  return { found: true, node, container, presets };
}

/** The config schema says the field at `path` is a list. */
function isListField(path: PathSegment[]): boolean {
  let s = schemaAt(path) as { _zod: { def: Record<string, any> } } | null;
  while (s && ["optional", "default", "nullable", "prefault"].includes(s._zod.def.type)) s = s._zod.def.innerType;
  return s?._zod.def.type === "array";
}

function isScalar(n: Node): boolean {
  return Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n) || Node.isNumericLiteral(n) || Node.isTrueLiteral(n) || Node.isFalseLiteral(n);
}

// ---------------------------------------------------------------------------------------------
// Text positions

class Text {
  constructor(readonly s: string) {}
  lineStart(pos: number): number {
    return this.s.lastIndexOf("\n", pos - 1) + 1;
  }
  lineEnd(pos: number): number {
    const i = this.s.indexOf("\n", pos);
    return i < 0 ? this.s.length : i;
  }
  indentAt(pos: number): string {
    return /^[ \t]*/.exec(this.s.slice(this.lineStart(pos)))![0];
  }
  /** Only whitespace before `pos` on its line. */
  ownLine(pos: number): boolean {
    return this.s.slice(this.lineStart(pos), pos).trim() === "";
  }
  /** Index of the comma right after `pos` (whitespace between), or -1. */
  commaAfter(pos: number): number {
    let i = pos;
    while (i < this.s.length && /\s/.test(this.s[i])) i++;
    return this.s[i] === "," ? i : -1;
  }
  /** Only whitespace or a line comment from `pos` to the end of the line. */
  restIsEmpty(pos: number): boolean {
    const rest = this.s.slice(pos, this.lineEnd(pos)).trim();
    return rest === "" || rest.startsWith("//");
  }
  /** Start of the block of whole-line `//` comments directly above the line of `pos`. */
  commentBlockStart(pos: number): number {
    let start = this.lineStart(pos);
    while (start > 0) {
      const prev = this.lineStart(start - 1);
      const line = this.s.slice(prev, start - 1).trim();
      if (!(line.startsWith("//") || (line.startsWith("/*") && line.endsWith("*/")))) break;
      start = prev;
    }
    return start;
  }
}

function detectStyle(sf: SourceFile, root: ObjectLiteralExpression, t: Text): Style {
  let dq = 0;
  let sq = 0;
  for (const s of sf.getDescendantsOfKind(SyntaxKind.StringLiteral)) if (s.getText().startsWith("'")) sq++;
  else dq++;
  const first = root.getProperties()[0];
  let unit = "  ";
  if (first && t.ownLine(first.getStart())) {
    const a = t.indentAt(first.getStart());
    const b = t.indentAt(root.getStart());
    if (a.startsWith(b) && a.length > b.length) unit = a.slice(b.length);
  }
  return { quote: sq > dq ? "'" : '"', unit, width: 120 };
}

/** Splices that insert `entry` (text for one element, given its indent and column) at `index`. */
function insertInList(t: Text, open: number, close: number, elements: Node[], index: number, entry: (indent: string, column: number) => string, unit: string): Splice[] {
  if (!elements.length) {
    const multiline = t.s.slice(open, close).includes("\n");
    const ind = t.indentAt(open);
    if (multiline) {
      const inner = ind + unit;
      return [{ start: open + 1, end: close, text: `\n${inner}${entry(inner, inner.length)},\n${ind}` }];
    }
    const col = open + 2 - t.lineStart(open);
    const bracket = t.s[open] === "[" ? "" : " ";
    return [{ start: open + 1, end: close, text: `${bracket}${entry(ind, col)}${bracket}` }];
  }
  if (index < elements.length) {
    const el = elements[index];
    const start = el.getStart();
    if (t.ownLine(start)) {
      const ind = t.indentAt(start);
      const at = t.commentBlockStart(start);
      return [{ start: at, end: at, text: `${ind}${entry(ind, ind.length)},\n` }];
    }
    return [{ start, end: start, text: `${entry(t.indentAt(start), 0)}, ` }];
  }
  const last = elements[elements.length - 1];
  const end = last.getEnd();
  const comma = t.commaAfter(end);
  const after = comma >= 0 ? comma + 1 : end;
  if (t.ownLine(last.getStart())) {
    const ind = t.indentAt(last.getStart());
    const text = `\n${ind}${entry(ind, ind.length)}${comma >= 0 ? "," : ""}`;
    const splices: Splice[] = comma >= 0 ? [] : [{ start: end, end, text: "," }];
    const at = t.restIsEmpty(after) ? t.lineEnd(after) : after;
    return [...splices, { start: at, end: at, text }];
  }
  // Inside a one-line list the new entry stays on that line when it can (column 0: judged alone).
  const col = 0;
  if (comma >= 0) return [{ start: after, end: after, text: ` ${entry(t.indentAt(after), col)},` }];
  return [{ start: end, end, text: `, ${entry(t.indentAt(end), col)}` }];
}

/** Splices that delete element `index` with its separator (and, on its own line, its comment block). */
function removeFromList(t: Text, open: number, close: number, elements: Node[], index: number): Splice[] {
  const el = elements[index];
  const start = el.getStart();
  const end = el.getEnd();
  const comma = t.commaAfter(end);
  const after = comma >= 0 ? comma + 1 : end;
  if (t.ownLine(start) && t.restIsEmpty(after)) {
    const from = t.commentBlockStart(start);
    const to = Math.min(t.lineEnd(after) + 1, t.s.length);
    if (elements.length === 1 && !t.s.slice(open + 1, from).trim() && !t.s.slice(to, close).trim()) {
      // The only element: leave an empty literal, not a lone newline.
      return [{ start: open + 1, end: close, text: "" }];
    }
    return [{ start: from, end: to, text: "" }];
  }
  if (elements.length === 1) return [{ start: open + 1, end: close, text: "" }];
  if (index < elements.length - 1) return [{ start, end: elements[index + 1].getStart(), text: "" }];
  return [{ start: elements[index - 1].getEnd(), end: after, text: "" }];
}

function applySplices(text: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].end > sorted[i - 1].start && !(sorted[i].start === sorted[i].end && sorted[i - 1].start === sorted[i - 1].end))
      throw new Error("labgen edit: overlapping splices (a bug)");
  let out = text;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

// ---------------------------------------------------------------------------------------------
// References a rename must follow: which collection's keys are named where.

type Pattern = readonly (string | "*")[];
const REFERENCES: Record<string, readonly Pattern[]> = {
  // allowDestroy is deliberately not followed: its entries name what a deploy destroys, and after a
  // rename that is the object under its old name.
  instances: [["ingress", "instance"], ["ingress", "routes", "*", "instance"]],
  networks: [["instances", "*", "nics", "*", "network"]],
  storage: [["instances", "*", "storage"], ["instances", "*", "volumes", "*", "storage"]],
  profiles: [["instances", "*", "profiles", "*"]],
  hosts: [["networks", "*", "host"], ["storage", "*", "host"], ["instances", "*", "host"], ["tofu", "host"]],
};

/** String literals at `pattern` (through literal objects, lists and preset arguments) equal to `value`. */
function findStrings(root: Node, pattern: Pattern, value: string, keep: (path: PathSegment[], parent: ObjectLiteralExpression | null) => boolean): { node: Node; path: PathSegment[] }[] {
  const out: { node: Node; path: PathSegment[] }[] = [];
  const walk = (n: Node, i: number, path: PathSegment[], parent: ObjectLiteralExpression | null) => {
    let node = unwrap(n);
    if (Node.isCallExpression(node) && node.getArguments().length === 1 && Node.isObjectLiteralExpression(unwrap(node.getArguments()[0]))) node = unwrap(node.getArguments()[0]);
    if (i === pattern.length) {
      if ((Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) && node.getLiteralValue() === value && keep(path, parent)) out.push({ node, path });
      return;
    }
    const seg = pattern[i];
    if (Node.isObjectLiteralExpression(node)) {
      for (const p of node.getProperties()) {
        const k = keyOf(p);
        if (k === null || !Node.isPropertyAssignment(p) || (seg !== "*" && seg !== k)) continue;
        walk(p.getInitializerOrThrow(), i + 1, [...path, k], node);
      }
    } else if (Node.isArrayLiteralExpression(node) && seg === "*") {
      node.getElements().forEach((e, j) => walk(e, i + 1, [...path, j], parent));
    }
  };
  walk(root, 0, [], null);
  return out;
}

function renameReferences(root: ObjectLiteralExpression, path: PathSegment[], from: string, to: string, quote: Style["quote"]): { splices: Splice[]; paths: string[] } {
  const hits: { node: Node; path: PathSegment[] }[] = [];
  if (path.length === 2 && typeof path[0] === "string" && REFERENCES[path[0]]) {
    for (const p of REFERENCES[path[0]]) hits.push(...findStrings(root, p, from, () => true));
  } else if (path.length === 5 && path[0] === "hosts" && path[2] === "zfs" && path[3] === "pools") {
    // A zpool name is unique per host: only storage pools on that host refer to it.
    const host = path[1];
    const onHost = (_p: PathSegment[], parent: ObjectLiteralExpression | null) => {
      const h = parent?.getProperty("host");
      const v = h && Node.isPropertyAssignment(h) ? unwrap(h.getInitializerOrThrow()) : null;
      return !!v && Node.isStringLiteral(v) && v.getLiteralValue() === host;
    };
    hits.push(...findStrings(root, ["storage", "*", "zpool"], from, onHost));
  }
  return {
    splices: hits.map((h) => ({ start: h.node.getStart(), end: h.node.getEnd(), text: printString(to, h.node.getText().startsWith("'") ? "'" : quote) })),
    paths: hits.map((h) => formatPath(h.path)),
  };
}

// ---------------------------------------------------------------------------------------------

function applyOne(text: string, edit: Edit): EditResult {
  let path: PathSegment[];
  try {
    path = parsePath(edit.path);
  } catch (e) {
    if (e instanceof PathSyntaxError) throw new EditError(e.message, edit.path);
    throw e;
  }
  const sf = parse(text);
  const root = rootObject(sf);
  const t = new Text(text);
  const style = detectStyle(sf, root, t);
  const where = formatPath(path);
  const presetChecks: PresetCheck[] = [];
  let renamedReferences: string[] = [];
  let splices: Splice[] = [];
  const entryFor = (key: string | null, value: unknown) => (indent: string, column: number) => {
    const k = key === null ? "" : `${printKey(key, style.quote)}: `;
    return `${k}${printValue(value, style, indent, column + k.length)}`;
  };
  const listOf = (c: ObjectLiteralExpression | ArrayLiteralExpression) => ({
    open: c.getStart(),
    close: c.getEnd() - 1,
    elements: Node.isObjectLiteralExpression(c) ? (c.getProperties() as Node[]) : (c.getElements() as Node[]),
  });

  try {
    switch (edit.op) {
      case "set": {
        if (edit.value === undefined) throw new EditError(`${where}: set needs a value (to delete it, use remove)`, where);
        const loc = locate(root, path, true, true);
        if (loc.presets.length) presetChecks.push({ path, expect: "equal", value: edit.value, call: loc.presets.map((c) => `${c.getExpression().getText()}(…)`).join(" in "), line: loc.presets[0].getStartLineNumber() });
        if (loc.found) {
          const node = unwrap(loc.node);
          assertLiteral(node, path);
          const start = node.getStart();
          const s = Node.isStringLiteral(node) && node.getText().startsWith("'") ? { ...style, quote: "'" as const } : style;
          splices = [{ start, end: node.getEnd(), text: printValue(edit.value, s, t.indentAt(start), start - t.lineStart(start)) }];
        } else {
          const l = listOf(loc.obj);
          splices = insertInList(t, l.open, l.close, l.elements, l.elements.length, entryFor(loc.key, edit.value), style.unit);
        }
        break;
      }
      case "add": {
        if (edit.value === undefined) throw new EditError(`${where}: add needs a value`, where);
        const last = path[path.length - 1];
        if (typeof last === "number") {
          const parent = locate(root, path.slice(0, -1), false);
          const arr = parent.found ? unwrap(parent.node) : null;
          if (!arr || !Node.isArrayLiteralExpression(arr)) throw new EditError(`${formatPath(path.slice(0, -1))} is not a list`, where);
          const l = listOf(arr);
          if (l.elements.some((e) => Node.isSpreadElement(e))) throw computed(formatPath(path.slice(0, -1)), l.elements.find((e) => Node.isSpreadElement(e))!);
          if (last > l.elements.length) throw new EditError(`${formatPath(path.slice(0, -1))} has ${l.elements.length} item(s): add at most at index ${l.elements.length}`, where);
          splices = insertInList(t, l.open, l.close, l.elements, last, entryFor(null, edit.value), style.unit);
          break;
        }
        const loc = locate(root, path, false, true);
        if (!loc.found) {
          // Next to a spread (`...lab.instances`) the new key may already come from code: the
          // session checks the loaded config before the edit.
          const spread = loc.obj.getProperties().find((p) => Node.isSpreadAssignment(p));
          if (spread) presetChecks.push({ path, expect: "new", call: describe(spread), line: spread.getStartLineNumber() });
        }
        if (loc.found) {
          const node = unwrap(loc.node);
          if (!Node.isArrayLiteralExpression(node)) throw new EditError(`${where} already exists: use set to change it`, where, node.getStartLineNumber());
          const l = listOf(node);
          if (l.elements.some((e) => Node.isSpreadElement(e))) throw computed(where, l.elements.find((e) => Node.isSpreadElement(e))!);
          splices = insertInList(t, l.open, l.close, l.elements, l.elements.length, entryFor(null, edit.value), style.unit);
        } else {
          // Adding an item to a list that is not written yet writes the list.
          const value = isListField(path) && !Array.isArray(edit.value) ? [edit.value] : edit.value;
          const l = listOf(loc.obj);
          splices = insertInList(t, l.open, l.close, l.elements, l.elements.length, entryFor(loc.key, value), style.unit);
        }
        break;
      }
      case "remove": {
        const loc = locate(root, path, false);
        if (!loc.found) throw new EditError(`${where} does not exist`, where, loc.obj.getStartLineNumber());
        if (!loc.container) throw new EditError("the whole config cannot be removed", where);
        const c = loc.container.kind === "object" ? loc.container.obj : loc.container.arr;
        const l = listOf(c);
        splices = removeFromList(t, l.open, l.close, l.elements, loc.container.index);
        break;
      }
      case "rename": {
        const to = edit.to;
        if (!to) throw new EditError(`${where}: rename needs a new name`, where);
        const loc = locate(root, path, false);
        if (!loc.found) throw new EditError(`${where} does not exist`, where, loc.obj.getStartLineNumber());
        const last = path[path.length - 1];
        if (typeof last === "number") {
          // A list item with a name (a volume, a NIC): rename means setting that name.
          const item = unwrap(loc.node);
          const nameProp = Node.isObjectLiteralExpression(item) ? findProperty(item, "name", path) : null;
          if (!nameProp) throw new EditError(`${where} has no name to change`, where, item.getStartLineNumber());
          const v = unwrap((nameProp.prop as PropertyAssignment).getInitializerOrThrow());
          assertLiteral(v, [...path, "name"]);
          splices = [{ start: v.getStart(), end: v.getEnd(), text: printString(to, v.getText().startsWith("'") ? "'" : style.quote) }];
          break;
        }
        const obj = loc.container!.kind === "object" ? loc.container!.obj : null;
        if (!obj) throw new EditError(`${where} is not a named entry`, where);
        if (findProperty(obj, to, path.slice(0, -1))) throw new EditError(`${formatPath([...path.slice(0, -1), to])} already exists`, where, obj.getStartLineNumber());
        const prop = obj.getProperties()[loc.container!.index] as PropertyAssignment;
        const k = prop.getNameNode();
        const q = k.getText().startsWith("'") ? "'" : style.quote;
        const keyText = Node.isStringLiteral(k) ? printString(to, q) : printKey(to, q);
        const refs = renameReferences(root, path, String(last), to, style.quote);
        splices = [{ start: k.getStart(), end: k.getEnd(), text: keyText }, ...refs.splices];
        renamedReferences = refs.paths;
        break;
      }
      default:
        throw new EditError(`unknown edit operation '${(edit as { op: string }).op}' (set, add, remove, rename)`, where);
    }
  } catch (e) {
    if (e instanceof ValueError) throw new EditError(`${where}: ${e.message}`, where);
    // An instance made by a preset call, e.g. `...apps(grafana({ ...on, url }))`: edit its argument.
    const viaPreset = e instanceof EditError && e.computed ? presetEdit(sf, root, t, style, path, edit) : null;
    if (!viaPreset) throw e;
    splices = viaPreset.splices;
    presetChecks.push(...viaPreset.checks);
    renamedReferences = viaPreset.renamedReferences;
  }
  return { text: applySplices(text, splices), presetChecks, renamedReferences, removedReferences: [] };
}

/**
 * The one preset call that makes instance `name`: a call of one object literal whose `name` is
 * that name, or, without a `name`, a call of a function with that name (`grafana({ ... })`).
 * The session checks the result by loading the config, so a wrong guess is refused, never written.
 */
function presetCallFor(sf: SourceFile, name: string): { call: CallExpression; arg: ObjectLiteralExpression } | null {
  const hits: { call: CallExpression; arg: ObjectLiteralExpression }[] = [];
  for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const args = call.getArguments();
    if (!Node.isIdentifier(callee) || callee.getText() === "defineLab" || args.length !== 1) continue;
    const arg = unwrap(args[0]);
    if (!Node.isObjectLiteralExpression(arg)) continue;
    const np = arg.getProperties().find((p) => keyOf(p) === "name");
    const v = np && Node.isPropertyAssignment(np) ? unwrap(np.getInitializerOrThrow()) : null;
    if (v ? Node.isStringLiteral(v) && v.getLiteralValue() === name : callee.getText() === name) hits.push({ call, arg });
  }
  return hits.length === 1 ? hits[0] : null;
}

function presetEdit(
  sf: SourceFile,
  root: ObjectLiteralExpression,
  t: Text,
  style: Style,
  path: PathSegment[],
  edit: Edit,
): { splices: Splice[]; checks: PresetCheck[]; renamedReferences: string[] } | null {
  if (path[0] !== "instances" || path.length < 2 || edit.op === "add") return null;
  const name = String(path[1]);
  const found = presetCallFor(sf, name);
  if (!found) return null;
  const { call, arg } = found;
  const line = call.getStartLineNumber();
  const label = `the preset call ${call.getExpression().getText()}(…) at line ${line}`;
  const rest = path.slice(2);
  const inArg = (p: PathSegment[], appendOk: boolean) => {
    try {
      return locate(arg, p, false, appendOk);
    } catch (e) {
      // Its messages name paths inside the argument: say which argument.
      if (e instanceof EditError) throw new EditError(`${e.message.replace(/\.$/, "")} (in the argument of ${label})`, formatPath(path), e.line, e.computed);
      throw e;
    }
  };
  const list = (c: ObjectLiteralExpression | ArrayLiteralExpression) =>
    Node.isObjectLiteralExpression(c) ? (c.getProperties() as Node[]) : (c.getElements() as Node[]);
  const setIn = (p: PathSegment[], value: unknown): Splice[] => {
    const loc = inArg(p, true);
    if (loc.found) {
      const node = unwrap(loc.node);
      assertLiteral(node, path);
      const start = node.getStart();
      return [{ start, end: node.getEnd(), text: printValue(value, style, t.indentAt(start), start - t.lineStart(start)) }];
    }
    const els = list(loc.obj);
    return insertInList(t, loc.obj.getStart(), loc.obj.getEnd() - 1, els, els.length, (indent, column) => {
      const k = `${printKey(loc.key, style.quote)}: `;
      return `${k}${printValue(value, style, indent, column + k.length)}`;
    }, style.unit);
  };
  switch (edit.op) {
    case "set":
      if (!rest.length) return null;
      return { splices: setIn(rest, edit.value), checks: [{ path, expect: "equal", value: edit.value, call: label, line }], renamedReferences: [] };
    case "remove": {
      if (rest.length) {
        const loc = inArg(rest, false);
        if (!loc.found || !loc.container) return null;
        const c = loc.container.kind === "object" ? loc.container.obj : loc.container.arr;
        return { splices: removeFromList(t, c.getStart(), c.getEnd() - 1, list(c), loc.container.index), checks: [{ path, expect: "absent", call: label, line }], renamedReferences: [] };
      }
      // The whole instance: the call leaves the list it is in (apps(a(), b()) or [a(), b()]).
      const parent = call.getParent();
      if (Node.isCallExpression(parent) && parent.getArguments().includes(call)) {
        const open = parent.getFirstChildByKindOrThrow(SyntaxKind.OpenParenToken).getStart();
        const args = parent.getArguments() as Node[];
        return { splices: removeFromList(t, open, parent.getEnd() - 1, args, args.indexOf(call)), checks: [{ path, expect: "absent", call: label, line }], renamedReferences: [] };
      }
      if (Node.isArrayLiteralExpression(parent)) {
        const els = parent.getElements() as Node[];
        return { splices: removeFromList(t, parent.getStart(), parent.getEnd() - 1, els, els.indexOf(call)), checks: [{ path, expect: "absent", call: label, line }], renamedReferences: [] };
      }
      return null;
    }
    case "rename": {
      if (rest.length) return null;
      const refs = renameReferences(root, path, name, edit.to, style.quote);
      return {
        splices: [...setIn(["name"], edit.to), ...refs.splices],
        checks: [
          { path, expect: "absent", call: label, line },
          { path: ["instances", edit.to], expect: "present", call: label, line },
        ],
        renamedReferences: refs.paths,
      };
    }
  }
}

// What goes with a removed entry: the routes to a removed instance, a removed profile in the
// instances' profile lists. (A removed network, storage pool or host is a required reference
// elsewhere; the pipeline then says where, and nothing is written.)
const DEPENDENTS: Record<string, { pattern: Pattern; keep: number }> = {
  instances: { pattern: ["ingress", "routes", "*", "instance"], keep: 3 },
  profiles: { pattern: ["instances", "*", "profiles", "*"], keep: 4 },
};

function dependents(text: string, pathText: string): string[] {
  let path: PathSegment[];
  try {
    path = parsePath(pathText);
  } catch {
    return [];
  }
  const dep = path.length === 2 && typeof path[0] === "string" ? DEPENDENTS[path[0]] : undefined;
  if (!dep) return [];
  let root: ObjectLiteralExpression;
  try {
    root = rootObject(parse(text));
  } catch {
    return [];
  }
  const paths = findStrings(root, dep.pattern, String(path[1]), () => true).map((h) => h.path.slice(0, dep.keep));
  // Later list items first, so earlier indices stay valid while removing one after the other.
  return paths
    .sort((a, b) => (typeof a.at(-1) === "number" && typeof b.at(-1) === "number" ? (b.at(-1) as number) - (a.at(-1) as number) : 0))
    .map((p) => formatPath(p));
}

/** Whether `path` is written in the config (as a literal or not). */
export function hasPath(text: string, path: string): boolean {
  try {
    return locate(rootObject(parse(text)), parsePath(path), true).found;
  } catch {
    return false;
  }
}

/** Applies edits in order, each to the result of the previous one. Throws EditError when refused. */
export function applyEdits(text: string, edits: readonly Edit[]): EditResult {
  let cur = text;
  const presetChecks: PresetCheck[] = [];
  const renamedReferences: string[] = [];
  const removedReferences: string[] = [];
  for (const e of edits) {
    const deps = e.op === "remove" ? dependents(cur, e.path) : [];
    const r = applyOne(cur, e);
    cur = r.text;
    presetChecks.push(...r.presetChecks);
    renamedReferences.push(...r.renamedReferences);
    for (const d of deps) cur = applyOne(cur, { op: "remove", path: d }).text;
    removedReferences.push(...deps);
  }
  return { text: cur, presetChecks, renamedReferences, removedReferences };
}
