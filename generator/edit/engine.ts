// The edit engine: typed operations on lab.config.ts addressed by config path (set, add, remove,
// rename), done as minimal text splices at positions ts-morph finds, so comments, formatting and
// every unrelated byte stay as they were. It edits only what is written as a literal in the file:
// a value that is computed (a function call, a spread, an imported constant, a variable) is
// refused with a message naming it — with one exception: `set` may write into the object literal
// passed as the only argument of a preset call (`forgejo({ memory: "2GiB" })`), and the caller
// then checks that the loaded config really has the new value at that path (presetChecks).
// Pure: text in, text out. Validation and writing are the session's job (session.ts).
import { Node, type ArrayLiteralExpression, type ObjectLiteralExpression, type PropertyAssignment } from "ts-morph";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";
import { assertLiteral, computed, describe, EditError, findProperty, isListField, locate, parse, rootObject, unwrap, type PresetCheck } from "./ast.ts";
import { printKey, printString, printValue, ValueError } from "./literal.ts";
import { parsePath, PathSyntaxError } from "./path.ts";
import { presetEdit } from "./presets.ts";
import { dependents, renameReferences } from "./refs.ts";
import { applySplices, detectStyle, insertInList, removeFromList, Text, type Splice } from "./splice.ts";

export { EditError, type PresetCheck } from "./ast.ts";

export type Edit =
  | { readonly op: "set"; readonly path: string; readonly value: unknown }
  | { readonly op: "add"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "rename"; readonly path: string; readonly to: string };

/** A refused edit: why, for which path, and the line in the config when there is one. */

export interface EditResult {
  readonly text: string;
  readonly presetChecks: readonly PresetCheck[];
  /** Config paths of references that a rename updated (for the report). */
  readonly renamedReferences: readonly string[];
  /** Entries removed with the one a remove named, because they only pointed at it. */
  readonly removedReferences: readonly string[];
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
    for (const c of viaPreset.checks) presetChecks.push(c);
    renamedReferences = viaPreset.renamedReferences;
  }
  return { text: applySplices(text, splices), presetChecks, renamedReferences, removedReferences: [] };
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
    for (const c of r.presetChecks) presetChecks.push(c);
    for (const p of r.renamedReferences) renamedReferences.push(p);
    for (const d of deps) cur = applyOne(cur, { op: "remove", path: d }).text;
    for (const d of deps) removedReferences.push(d);
  }
  return { text: cur, presetChecks, renamedReferences, removedReferences };
}
