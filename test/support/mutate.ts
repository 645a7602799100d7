// Seeded random mutations of a lab config, for the fuzz test: wrong types, empty strings, huge
// numbers, tricky unicode, deleted keys and duplicated subtrees. Each mutant is also written
// out as a lab.config.ts a user could have typed (an object literal, no JSON-only tricks).
import type { Obj, Rng } from "./lab-fixtures.ts";

type Path = (string | number)[];

/** Every path in the tree (the root excluded), objects and arrays included. */
function allPaths(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...path, i]), allPaths(x, [...path, i], out)));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push([...path, k]), allPaths(x, [...path, k], out);
  return out;
}

function parentOf(root: Obj, path: Path): { parent: any; key: string | number } {
  let cur: any = root;
  for (const seg of path.slice(0, -1)) cur = cur[seg];
  return { parent: cur, key: path[path.length - 1] };
}

const WRONG: unknown[] = [0, -1, 1.5, 1e308, 2 ** 53 + 2, "x", "", " ", true, false, null, [], {}, ["x"], { a: 1 }, [1, 2], "0", "true"];
const NUMBERS: number[] = [0, -0, -1, 1, 1.5, 1e-7, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.NaN, Infinity, -Infinity];
// Characters each output language treats specially, invisible or malformed code points,
// and text that looks like another language's syntax.
const PIECES: string[] = [
  " ", "\t", "\n", "\r\n", ":", "é", "ß", "İ", "ǅ", "🙂", "\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u00a0", "\u200b", "\u2028", "\u202e",
  "\ud800", "\udfff", "\ufeff", "\uffff", "{{", "}}", "${", "$(", "`", "\\", "\"", "'", ";", "#", "*", "/", "..", "@", "-", "A", "Ω", "''", "\\n",
  "%", "&", "|", "<", ">", "=", ",", "[", "]", "{", "}", "~", "!", "?", "+", "e\u0301", "\u212b", "\u0301", "%{", "$$", "\u00ad",
];

export interface Mutation {
  readonly op: string;
  readonly path: string;
}

/** Applies 1–3 random mutations to a deep copy of `base`; returns the mutant and what was done. */
export function mutate(base: Obj, r: Rng): { lab: Obj; did: Mutation[] } {
  const lab: Obj = structuredClone(base);
  const did: Mutation[] = [];
  const n = r.next() < 0.6 ? 1 : r.next() < 0.7 ? 2 : 3;
  for (let i = 0; i < n; i++) {
    const paths = allPaths(lab);
    if (paths.length === 0) break;
    const path = r.pick(paths);
    const { parent, key } = parentOf(lab, path);
    const value = parent[key];
    const ops = ["wrongType", "empty", "number", "unicode", "delete", "duplicate", "trailingSpace", "replaceText"];
    const op = r.pick(ops);
    const at = path.join(".");
    switch (op) {
      case "wrongType":
        parent[key] = structuredClone(r.pick(WRONG));
        break;
      case "empty":
        parent[key] = typeof value === "string" || r.next() < 0.5 ? "" : Array.isArray(value) ? [] : {};
        break;
      case "number":
        parent[key] = typeof value === "number" && r.next() < 0.4 ? value + r.pick([-1, 1, 1000, -1000]) : r.pick(NUMBERS);
        break;
      case "unicode": {
        const s = typeof value === "string" ? value : String(key);
        const piece = r.pick(PIECES);
        const where = r.int(s.length + 1);
        parent[key] = s.slice(0, where) + piece + s.slice(where);
        break;
      }
      case "trailingSpace":
        parent[key] = typeof value === "string" ? `${value}${r.pick([" ", "\t", "\n"])}` : value;
        break;
      case "replaceText":
        parent[key] = Array.from({ length: 1 + r.int(6) }, () => r.pick(PIECES)).join("");
        break;
      case "delete":
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case "duplicate": {
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(value));
        else {
          // A copy of a record entry under a new name (a second host, instance, route…), or of a
          // value under a mangled key.
          const name = `${String(key)}${r.pick(["2", "-copy", "x", "Z", " ", "_2"])}`;
          parent[name] = structuredClone(value);
        }
        break;
      }
    }
    did.push({ op, path: at });
  }
  return { lab, did };
}

function tsValue(v: unknown, indent: string): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : String(v);
  if (typeof v === "string" || typeof v === "boolean" || v === null) return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `[\n${v.map((x) => `${inner}${tsValue(x, inner)},`).join("\n")}\n${indent}]`;
  const entries = Object.entries(v as Obj);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k)}: ${tsValue(x, inner)},`).join("\n")}\n${indent}}`;
}

/** The mutant as a lab.config.ts. */
export function labSource(lab: Obj): string {
  return `import { defineLab } from "labgen";\n\nexport default defineLab(${tsValue(lab, "")});\n`;
}
