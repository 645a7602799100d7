// The YAML printer: plain data → canonical YAML through the `yaml` library, which is the one
// escaper for YAML (it quotes whatever would otherwise parse as another type or break the line).
// Keys are sorted at every level, no anchors or aliases, no line folding: the same data always
// prints the same bytes.
import { Document, isScalar, parse, Scalar, visit } from "yaml";

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

function readsBack(s: string, version: "1.1" | "1.2"): boolean {
  try {
    return parse(s, { version }) === s;
  } catch {
    return false;
  }
}

// A safe-plain string that starts with a letter, '_' or '/' can only be read as something else
// if it is one of YAML 1.1's booleans or nulls (numbers, dates and sexagesimals start with a digit,
// a sign or a dot); for those the parse round trip below is skipped (it dominates print time).
const LETTER_FIRST = /^[A-Za-z_/]/;
const SPECIAL_WORDS = new Set(["y", "yes", "n", "no", "on", "off", "true", "false", "null"]);

function plainIsSafe(s: string): boolean {
  if (!SAFE_PLAIN.test(s) || s.includes(": ") || s.endsWith(":")) return false;
  if (LETTER_FIRST.test(s)) return !SPECIAL_WORDS.has(s.toLowerCase());
  return readsBack(s, "1.2") && readsBack(s, "1.1");
}

export function printYaml(value: YamlValue, opts: { header?: readonly string[] } = {}): string {
  const doc = new Document(canonical(value, "$"), { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === "string" && !plainIsSafe(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  if (opts.header?.length) doc.commentBefore = opts.header.map((l) => ` ${l}`).join("\n");
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true });
}
