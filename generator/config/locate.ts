// Maps a config path (["instances","forgejo","ports",0,"host"]) to line:column in lab.config.ts.
// Runs only when there is something to report, so the parser is imported lazily and stays off
// the happy path of `generate`. When a value comes from elsewhere (a variable, an import, a
// spread), the nearest enclosing node that is written in the file is reported.
import { createRequire } from "node:module";
import type { Diagnostic, PathSegment } from "../shared/diagnostics.ts";

// CommonJS, loaded only when there is something to locate.
const require = createRequire(import.meta.url);

type Node = { type: string; loc?: { start: { line: number; column: number } }; [k: string]: any };

function unwrapExpr(n: Node | null | undefined, bindings: Map<string, Node>, depth = 0): Node | null {
  let cur = n ?? null;
  while (cur) {
    if (["TSAsExpression", "TSSatisfiesExpression", "TSNonNullExpression", "ParenthesizedExpression", "TSTypeAssertion"].includes(cur.type)) cur = cur.expression;
    else if (cur.type === "CallExpression" && cur.arguments.length === 1 && cur.callee.type === "Identifier" && cur.callee.name === "defineLab") cur = cur.arguments[0];
    else if (cur.type === "Identifier" && bindings.has(cur.name) && depth < 8) return unwrapExpr(bindings.get(cur.name), bindings, depth + 1) ?? cur;
    else return cur;
  }
  return null;
}

function keyName(p: Node): string | null {
  if (p.computed) return p.key.type === "StringLiteral" ? p.key.value : null;
  if (p.key.type === "Identifier") return p.key.name;
  if (p.key.type === "StringLiteral") return p.key.value;
  if (p.key.type === "NumericLiteral") return String(p.key.value);
  return null;
}

/** Returns a function that locates paths in one source file (parsed once). */
export async function makeLocator(source: string): Promise<(path: readonly PathSegment[]) => { line: number; column: number } | null> {
  let ast: Node;
  try {
    const { parse } = require("@babel/parser") as typeof import("@babel/parser");
    ast = parse(source, { sourceType: "module", plugins: ["typescript"], errorRecovery: true }) as unknown as Node;
  } catch {
    return () => null;
  }
  const bindings = new Map<string, Node>();
  let root: Node | null = null;
  for (const stmt of ast.program.body as Node[]) {
    const decl = stmt.type === "ExportNamedDeclaration" ? stmt.declaration : stmt;
    if (decl?.type === "VariableDeclaration")
      for (const d of decl.declarations) if (d.id.type === "Identifier" && d.init) bindings.set(d.id.name, d.init);
    if (stmt.type === "ExportDefaultDeclaration") root = stmt.declaration;
  }
  const at = (n: Node) => (n.loc ? { line: n.loc.start.line, column: n.loc.start.column + 1 } : null);

  return (path) => {
    let node = unwrapExpr(root, bindings);
    if (!node) return root ? at(root) : null;
    let best = at(node);
    for (const seg of path) {
      let next: Node | null = null;
      let keyNode: Node | null = null;
      if (node.type === "ObjectExpression") {
        // Last matching property wins, as in JavaScript.
        for (const p of node.properties as Node[])
          if ((p.type === "ObjectProperty" || p.type === "ObjectMethod") && keyName(p) === String(seg)) {
            next = p.type === "ObjectProperty" ? p.value : p;
            keyNode = p;
          }
      } else if (node.type === "ArrayExpression" && typeof seg === "number") {
        const el = node.elements[seg];
        if (el && el.type !== "SpreadElement") next = el;
      }
      if (!next) break;
      best = at(keyNode ?? next) ?? best;
      const un = unwrapExpr(next, bindings);
      if (!un) break;
      node = un;
    }
    return best;
  };
}

export async function locateAll(source: string, diagnostics: Diagnostic[]): Promise<void> {
  const pending = diagnostics.filter((d) => d.line === undefined && d.path.length > 0);
  if (pending.length === 0) return;
  const locate = await makeLocator(source);
  for (const d of pending) {
    const loc = locate(d.path);
    if (loc) {
      d.line = loc.line;
      d.column = loc.column;
    }
  }
}
