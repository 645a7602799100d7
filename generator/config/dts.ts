// TypeScript declarations of what lab.config.ts may contain, generated from the config's JSON
// Schema (itself converted from the zod schema): one source for the types, the hover docs (each
// field's `.describe()` text becomes its JSDoc) and the JSON Schema. scripts/build.mjs writes the
// result to generator/config/lab-input.generated.ts, which `defineLab` takes its parameter type
// from: a plain (non-generic) parameter, so a misspelt field is an excess-property error.

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function jsdoc(s: JsonSchema, indent: string): string[] {
  const lines: string[] = [];
  if (s.description) for (const l of s.description.split("\n")) lines.push(l);
  if (s.default !== undefined) lines.push(`@default ${JSON.stringify(s.default)}`);
  if (!lines.length) return [];
  // "*/" inside a description would end the comment early.
  const safe = lines.map((l) => l.replaceAll("*/", "*\\/"));
  return safe.length === 1 ? [`${indent}/** ${safe[0]} */`] : [`${indent}/**`, ...safe.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`];
}

function literal(v: unknown): string {
  return JSON.stringify(v);
}

function typeOf(s: JsonSchema, indent: string): string {
  if (s.const !== undefined) return literal(s.const);
  if (s.enum) return s.enum.map(literal).join(" | ");
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map((a) => typeOf(a, indent)).map((t) => (t.includes("\n") || !t.includes(" | ") ? t : `(${t})`)).join(" | ");
  if (s.allOf) return s.allOf.map((a) => typeOf(a, indent)).join(" & ");
  if (Array.isArray(s.type)) return s.type.map((t) => typeOf({ ...s, type: t }, indent)).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = s.items ? typeOf(s.items, indent) : "unknown";
      return /^[A-Za-z0-9_$"]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case "object":
      return objectType(s, indent);
    default:
      return "unknown";
  }
}

function objectType(s: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    for (const l of jsdoc(prop, inner)) lines.push(l);
    lines.push(`${inner}${IDENT.test(name) ? name : JSON.stringify(name)}${required.has(name) ? "" : "?"}: ${typeOf(prop, inner)};`);
  }
  if (s.additionalProperties && typeof s.additionalProperties === "object") {
    for (const l of jsdoc(s.additionalProperties, inner)) lines.push(l);
    lines.push(`${inner}[name: string]: ${typeOf(s.additionalProperties, inner)};`);
  }
  if (!lines.length) return "{}";
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** The declarations file: `LabInput` (the whole config) and the types of its main parts. */
export function labInputDeclarations(schema: unknown): string {
  const root = schema as JsonSchema;
  if (root.type !== "object" || !root.properties) throw new Error("the lab schema is not an object schema");
  return [
    "// Generated from the zod schema (generator/config/schema.ts) by scripts/build.mjs: do not edit.",
    "// Each field's documentation is its `.describe()` text; the same schema as JSON Schema is",
    "// out/labgen.schema.json (`labgen schema`).",
    "",
    ...jsdoc({ description: `${root.description ?? "A labgen lab."}\nJSON Schema: out/labgen.schema.json (\`labgen schema\`).` }, ""),
    `export interface LabInput ${objectType(root, "")}`,
    "",
    "/** A bare-metal host (a value of `hosts`). */",
    'export type HostInput = LabInput["hosts"][string];',
    "/** An Incus container or VM (a value of `instances`). */",
    'export type InstanceInput = NonNullable<LabInput["instances"]>[string];',
    "",
  ].join("\n");
}
