// Prints a JSON value as a TypeScript literal in the style of the file it goes into (quote
// character, indentation unit), on one line when it fits, else one entry per line with trailing
// commas — the way the reference lab is written.

export interface Style {
  readonly quote: '"' | "'";
  /** One level of indentation, e.g. two spaces. */
  readonly unit: string;
  /** Lines longer than this are broken into one entry per line. */
  readonly width: number;
}

export class ValueError extends Error {}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function printString(s: string, quote: Style["quote"]): string {
  const json = JSON.stringify(s);
  if (quote === '"') return json;
  // JSON's escapes are valid in a single-quoted string too; only the quotes swap roles.
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

export function printKey(key: string, quote: Style["quote"]): string {
  return IDENT.test(key) ? key : printString(key, quote);
}

/** `indent` is the indentation of the line the value starts on. */
export function printValue(v: unknown, style: Style, indent: string, column = indent.length): string {
  if (typeof v === "string") return printString(v, style.quote);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new ValueError(`${v} is not a number a config can hold`);
    return String(v);
  }
  if (typeof v === "boolean") return String(v);
  if (v === null) throw new ValueError("null is not a config value: remove the field instead");
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    const inner = indent + style.unit;
    const items = v.map((x) => printValue(x, style, inner));
    const flat = `[${items.join(", ")}]`;
    if (!flat.includes("\n") && column + flat.length <= style.width) return flat;
    return `[\n${v.map((x) => `${inner}${printValue(x, style, inner)},\n`).join("")}${indent}]`;
  }
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (!entries.length) return "{}";
    const inner = indent + style.unit;
    const flat = `{ ${entries.map(([k, x]) => `${printKey(k, style.quote)}: ${printValue(x, style, inner)}`).join(", ")} }`;
    if (!flat.includes("\n") && column + flat.length <= style.width) return flat;
    return `{\n${entries
      .map(([k, x]) => {
        const key = `${inner}${printKey(k, style.quote)}: `;
        return `${key}${printValue(x, style, inner, key.length)},\n`;
      })
      .join("")}${indent}}`;
  }
  throw new ValueError(`a ${typeof v} is not a config value`);
}
