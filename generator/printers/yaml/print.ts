// The YAML printer: plain data → canonical YAML, written directly (block style, 2-space indent,
// sequences indented under their key). Keys are sorted at every level, no anchors or aliases, no
// line folding: the same data always prints the same bytes.
//
// The bytes are those the `yaml` library (eemeli/yaml 2.x) writes for this data with
// `{ lineWidth: 0, minContentWidth: 0, indentSeq: true }` and every string that is not plain-safe
// forced to double quotes: test/printers/yaml.test.ts prints the same data through the library
// and compares byte for byte. Writing it here keeps the library's document model, visitor and
// stringifier (a few hundred kB of code, most of a small lab's YAML time) off the generate path.
// `doubleQuoted` below is the one escaper for YAML.

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

export class YamlPrintError extends Error {}

// Outside YAML's c-printable set and not escaped by the library: NUL, DEL, C1, U+FFFE/F, lone
// surrogates; and NEL/LS/PS, which the library writes raw although YAML 1.1 parsers take them for
// line breaks (refused rather than read back differently).
const NOT_PRINTABLE = /[\u0000\u007f\u0080-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function canonical(v: YamlValue, path: string): YamlValue {
  if (v === null || typeof v === "string" || typeof v === "boolean") {
    // The yaml library writes DEL and C1 controls raw, which YAML forbids outside escapes (c-printable);
    // nothing labgen prints needs them, so they are refused rather than emitted as invalid YAML.
    if (typeof v === "string" && NOT_PRINTABLE.test(v)) throw new YamlPrintError(`${path}: ${JSON.stringify(v)} has a character YAML cannot carry here (NUL, DEL, C1 control or non-character)`);
    return v;
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new YamlPrintError(`${path}: ${v} is not a finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => canonical(x, `${path}[${i}]`));
  if (typeof v === "object") {
    const out: Record<string, YamlValue> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, YamlValue>)[k];
      if (x === undefined) throw new YamlPrintError(`${path}.${k}: undefined (omit the key instead)`);
      out[k] = canonical(x, `${path}.${k}`);
    }
    return out;
  }
  throw new YamlPrintError(`${path}: unsupported value of type ${typeof v}`);
}

// Plain (unquoted) only for boring words: letters, digits and a few separators, single spaces,
// no ": " or " #", not ending in ':' — and only if YAML 1.2 and 1.1 both read it back as the same
// string (so not yes/no/0o17/=/<<…). Everything else is double-quoted with escapes, which every
// YAML parser reads the same way (tabs or line separators in plain or block scalars do not).
const SAFE_PLAIN = /^[A-Za-z0-9_/.][A-Za-z0-9_./:()`@+=-]*(?: [A-Za-z0-9_./:()`@+=-]+)*$/;

// A safe-plain string that starts with a letter, '_' or '/' can only be read as something else
// if it is one of YAML 1.1's booleans or nulls (numbers, dates and sexagesimals start with a digit,
// a sign or a dot).
const LETTER_FIRST = /^[A-Za-z_/]/;
const SPECIAL_WORDS = new Set(["y", "yes", "n", "no", "on", "off", "true", "false", "null"]);

// The implicit types a plain scalar starting with a digit or a dot can resolve to, YAML 1.2 core
// and YAML 1.1 (eemeli/yaml src/schema/core/{int,float}.ts, src/schema/yaml-1.1/{int,float,
// timestamp}.ts). A safe-plain string none of them matches reads back as itself in both.
const TYPED: readonly RegExp[] = [
  // 1.2 core
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  // 1.1
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
];

function plainIsSafe(s: string): boolean {
  if (!SAFE_PLAIN.test(s) || s.includes(": ") || s.endsWith(":")) return false;
  if (LETTER_FIRST.test(s)) return !SPECIAL_WORDS.has(s.toLowerCase());
  // "..." alone or before a space ends a document.
  if (s === "..." || s.startsWith("... ")) return false;
  return !TYPED.some((re) => re.test(s));
}

// The library's document markers: a plain string starting with one is quoted as a top-level key.
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * A double-quoted scalar, as the library writes it (eemeli/yaml src/stringify/stringifyString.ts,
 * doubleQuotedString, with lineWidth 0 so nothing is folded): JSON's escapes, then YAML's short
 * forms for a few controls, and — in a value, not a key — a line break in a string of 40 or more
 * characters written as a real line break continued at `indent`.
 */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  if (!json.includes("\\")) return json;
  const ind = indent || (DOCUMENT_MARKER.test(value) ? "  " : "");
  let str = "";
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === " " && json[i + 1] === "\\" && json[i + 2] === "n") {
      // A space before a line break is escaped so that it is not folded away.
      str += `${json.slice(start, i)}\\ `;
      i += 1;
      start = i;
      ch = "\\";
    }
    if (ch === "\\")
      switch (json[i + 1]) {
        case "u": {
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case "0000":
              str += "\\0";
              break;
            case "0007":
              str += "\\a";
              break;
            case "000b":
              str += "\\v";
              break;
            case "001b":
              str += "\\e";
              break;
            case "0085":
              str += "\\N";
              break;
            case "00a0":
              str += "\\_";
              break;
            case "2028":
              str += "\\L";
              break;
            case "2029":
              str += "\\P";
              break;
            default:
              str += code.substr(0, 2) === "00" ? `\\x${code.substr(2)}` : json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case "n":
          if (implicitKey || json[i + 2] === '"' || json.length < 40) i += 1;
          else {
            // The first line break is folded away on reading, hence two.
            str += `${json.slice(start, i)}\n\n`;
            while (json[i + 2] === "\\" && json[i + 3] === "n" && json[i + 4] !== '"') {
              str += "\n";
              i += 2;
            }
            str += ind;
            // A space after a line break is escaped so that it is not folded away.
            if (json[i + 2] === " ") str += "\\";
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
  }
  return start ? str + json.slice(start) : json;
}

const STEP = "  ";

function scalar(v: string | number | boolean | null, indent: string, implicitKey: boolean, topKey: boolean): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : JSON.stringify(v);
  if (plainIsSafe(v) && !(topKey && DOCUMENT_MARKER.test(v))) return v;
  return doubleQuoted(v, indent, implicitKey);
}

const isEmptyCollection = (v: YamlValue): boolean =>
  Array.isArray(v) ? v.length === 0 : v !== null && typeof v === "object" && Object.keys(v).length === 0;

/** `v` in block style; continuation lines start at `indent` (the collection's own indentation). */
function node(v: YamlValue, indent: string): string {
  if (v === null || typeof v !== "object") return scalar(v, indent, false, false);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const itemIndent = indent + STEP;
    let out = "";
    for (let i = 0; i < v.length; i++) out += `${i ? `\n${indent}` : ""}- ${node(v[i], itemIndent)}`;
    return out;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  const inner = indent + STEP;
  let out = "";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = (v as Record<string, YamlValue>)[k];
    let key = scalar(k, inner, true, indent === "");
    // A key longer than 1024 characters must be explicit (`? key` then `: value`).
    key = key.length > 1024 ? `? ${key}\n${indent}:` : `${key}:`;
    const value = node(x, inner);
    const block = x !== null && typeof x === "object" && !isEmptyCollection(x);
    const pair = block && !key.startsWith("? ") ? `${key}\n${inner}${value}` : `${key} ${value}`;
    out += i ? `\n${indent}${pair}` : pair;
  }
  return out;
}

export function printYaml(value: YamlValue, opts: { header?: readonly string[] } = {}): string {
  const body = node(canonical(value, "$"), "");
  // A comment line is "#" plus the line ("# text"); an empty line is a bare "#".
  const header = opts.header?.length ? `${opts.header.map((l) => ` ${l}`).join("\n").replace(/^(?!$)(?: $)?/gm, "#")}\n\n` : "";
  return `${header}${body}\n`;
}
