// Instances made by preset calls (`grafana({ ...on, url })`, also inside `apps(...)` spread into
// `instances`): set, remove and rename edit that call's argument, or drop the call from its list.
// The engine cannot know what a preset does with its argument, so every such edit carries checks
// (PresetCheck) that the session runs on the loaded config before anything is written.
import { Node, SyntaxKind, type ArrayLiteralExpression, type CallExpression, type ObjectLiteralExpression, type SourceFile } from "ts-morph";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";
import { assertLiteral, EditError, keyOf, locate, unwrap, type PresetCheck } from "./ast.ts";
import type { Edit } from "./engine.ts";
import { printKey, printValue, type Style } from "./literal.ts";
import { renameReferences } from "./refs.ts";
import { insertInList, removeFromList, type Splice, type Text } from "./splice.ts";

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

export function presetEdit(
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
