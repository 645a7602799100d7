// The config as ts-morph sees it: finding the node a config path names, and refusing (by name)
// what is computed rather than written as a literal — a call, a spread, an imported constant.
import { Node, Project, SyntaxKind, type ArrayLiteralExpression, type CallExpression, type ObjectLiteralExpression, type PropertyAssignment, type SourceFile } from "ts-morph";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";
import { schemaAt } from "../validate/schema-errors.ts";

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

let project: Project | undefined;

export function parse(text: string): SourceFile {
  project ??= new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  return project.createSourceFile("/lab.config.ts", text, { overwrite: true });
}

export const unwrap = (n: Node): Node => {
  let cur = n;
  while (Node.isAsExpression(cur) || Node.isSatisfiesExpression(cur) || Node.isParenthesizedExpression(cur) || Node.isNonNullExpression(cur) || Node.isTypeAssertion(cur))
    cur = cur.getExpression();
  return cur;
};

const short = (s: string) => {
  const one = s.replace(/\s+/g, " ");
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
};

export function describe(node: Node): string {
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

export function computed(path: string, node: Node, why = ""): EditError {
  const line = node.getStartLineNumber();
  return new EditError(
    `${path || "the config"} is computed, not a literal written in lab.config.ts: ${describe(node)} at line ${line}${why}. labgen edits only literal values; change that code by hand.`,
    path,
    line,
    true,
  );
}

/** Literal key text of a property, or null when the key is computed. */
export function keyOf(p: Node): string | null {
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
export function assertLiteral(node: Node, path: PathSegment[]): void {
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

export type Container = { kind: "object"; obj: ObjectLiteralExpression; index: number } | { kind: "array"; arr: ArrayLiteralExpression; index: number };
export type Located =
  | { found: true; node: Node; container: Container | null; presets: CallExpression[] }
  | { found: false; obj: ObjectLiteralExpression; key: string; presets: CallExpression[] };

export function rootObject(sf: SourceFile): ObjectLiteralExpression {
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
export function findProperty(obj: ObjectLiteralExpression, key: string, path: PathSegment[], appendOk = false): { prop: Node; index: number } | null {
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

export function locate(root: ObjectLiteralExpression, path: PathSegment[], throughPresets: boolean, appendOk = false): Located {
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
export function isListField(path: PathSegment[]): boolean {
  let s = schemaAt(path) as { _zod: { def: Record<string, any> } } | null;
  while (s && ["optional", "default", "nullable", "prefault"].includes(s._zod.def.type)) s = s._zod.def.innerType;
  return s?._zod.def.type === "array";
}

export function isScalar(n: Node): boolean {
  return Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n) || Node.isNumericLiteral(n) || Node.isTrueLiteral(n) || Node.isFalseLiteral(n);
}

