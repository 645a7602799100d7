// References between the config's named things, for rename (follow them) and remove (take what
// only pointed at the removed entry with it).
import { Node, type ObjectLiteralExpression } from "ts-morph";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";
import { keyOf, parse, rootObject, unwrap } from "./ast.ts";
import { printString, type Style } from "./literal.ts";
import { parsePath } from "./path.ts";
import type { Splice } from "./splice.ts";

// References a rename must follow: which collection's keys are named where.

export type Pattern = readonly (string | "*")[];
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
export function findStrings(root: Node, pattern: Pattern, value: string, keep: (path: PathSegment[], parent: ObjectLiteralExpression | null) => boolean): { node: Node; path: PathSegment[] }[] {
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

export function renameReferences(root: ObjectLiteralExpression, path: PathSegment[], from: string, to: string, quote: Style["quote"]): { splices: Splice[]; paths: string[] } {
  const hits: { node: Node; path: PathSegment[] }[] = [];
  if (path.length === 2 && typeof path[0] === "string" && REFERENCES[path[0]]) {
    for (const p of REFERENCES[path[0]]) for (const h of findStrings(root, p, from, () => true)) hits.push(h);
  } else if (path.length === 5 && path[0] === "hosts" && path[2] === "zfs" && path[3] === "pools") {
    // A zpool name is unique per host: only storage pools on that host refer to it.
    const host = path[1];
    const onHost = (_p: PathSegment[], parent: ObjectLiteralExpression | null) => {
      const h = parent?.getProperty("host");
      const v = h && Node.isPropertyAssignment(h) ? unwrap(h.getInitializerOrThrow()) : null;
      return !!v && Node.isStringLiteral(v) && v.getLiteralValue() === host;
    };
    for (const h of findStrings(root, ["storage", "*", "zpool"], from, onHost)) hits.push(h);
  }
  return {
    splices: hits.map((h) => ({ start: h.node.getStart(), end: h.node.getEnd(), text: printString(to, h.node.getText().startsWith("'") ? "'" : quote) })),
    paths: hits.map((h) => formatPath(h.path)),
  };
}


// What goes with a removed entry: the routes to a removed instance, a removed profile in the
// instances' profile lists. (A removed network, storage pool or host is a required reference
// elsewhere; the pipeline then says where, and nothing is written.)
const DEPENDENTS: Record<string, { pattern: Pattern; keep: number }> = {
  instances: { pattern: ["ingress", "routes", "*", "instance"], keep: 3 },
  profiles: { pattern: ["instances", "*", "profiles", "*"], keep: 4 },
};

export function dependents(text: string, pathText: string): string[] {
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

