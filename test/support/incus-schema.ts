// Validate generated OpenTofu HCL against the hand-extracted schema of the Incus provider
// (test/fixtures/upstream/incus-provider/schema.json, lxc/incus v1.1.1), following that README's
// "How to validate generated HCL with it". Test tooling only: never on the generate path.
//
// Values come from @cdktf/hcl2json (the real HCL parser); whether an item was written as an
// attribute (`x = …`) or as a block (`x { … }`) comes from scanHclStructure, because hcl2json's
// JSON renders `x { … }` and `x = [{ … }]` identically (see hcl-syntax.ts).

import { readFileSync } from "node:fs";
import { parse } from "@cdktf/hcl2json";
import { scanHclStructure } from "./hcl-syntax.ts";
import type { SyntaxBlock, SyntaxItem } from "./hcl-syntax.ts";

// ---------------------------------------------------------------------------------------------
// Schema types (see the README's "Format of schema.json")

export interface SchemaAttribute {
  readonly type: string;
  readonly required: boolean;
  readonly optional: boolean;
  readonly computed: boolean;
  readonly allowed_values?: readonly (string | number)[];
  readonly validators?: readonly string[];
  readonly nesting?: "single" | "set" | "map";
  readonly attributes?: Readonly<Record<string, SchemaAttribute>>;
}

export interface SchemaBlock {
  readonly nesting: "list" | "set";
  readonly min_items: number;
  readonly max_items: number | null;
  readonly attributes: Readonly<Record<string, SchemaAttribute>>;
  readonly blocks: Readonly<Record<string, SchemaBlock>>;
}

export interface SchemaBody {
  readonly attributes: Readonly<Record<string, SchemaAttribute>>;
  readonly blocks: Readonly<Record<string, SchemaBlock>>;
}

export interface IncusSchema {
  readonly provider_source: string;
  readonly provider_version: string;
  readonly provider: SchemaBody;
  readonly resources: Readonly<Record<string, SchemaBody>>;
  readonly data_sources: readonly string[];
}

const SCHEMA_URL = new URL("../fixtures/upstream/incus-provider/schema.json", import.meta.url);
let cachedSchema: IncusSchema | undefined;

export function loadIncusSchema(): IncusSchema {
  cachedSchema ??= JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as IncusSchema;
  return cachedSchema;
}

// Terraform/OpenTofu meta-arguments, accepted on every resource (README "Unknown names").
const META_ATTRIBUTES = new Set(["count", "for_each", "depends_on", "provider"]);
const META_BLOCKS = new Set(["lifecycle", "provisioner", "connection"]);
const LIFECYCLE_ATTRIBUTES = new Set(["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"]);
const LIFECYCLE_BLOCKS = new Set(["precondition", "postcondition"]);
// Accepted spellings of the provider's source address (registry host is optional).
const INCUS_SOURCES = new Set(["lxc/incus", "registry.terraform.io/lxc/incus", "registry.opentofu.org/lxc/incus"]);

// ---------------------------------------------------------------------------------------------
// Values as hcl2json renders them

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/**
 * hcl2json writes every non-literal expression as a template string (`"${var.x}"`,
 * `"a${b}"`) and re-escapes `${`/`%{` in literal strings as `$${`/`%%{`. Decode with HCL's own
 * scanning rule (`$${` is an escape, `${` opens an interpolation, a lone `$` is text): a string
 * with no live `${`/`%{` is a literal whose value is returned; otherwise undefined (not a literal).
 */
export function literalString(s: string): string | undefined {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if ((c === "$" || c === "%") && s[i + 1] === c && s[i + 2] === "{") {
      out += c + "{";
      i += 2;
    } else if ((c === "$" || c === "%") && s[i + 1] === "{") {
      return undefined;
    } else out += c;
  }
  return out;
}

/** A literal scalar's value, or undefined when the value is an expression (unknown here). */
function literal(v: Json): string | number | boolean | null | undefined {
  if (typeof v === "string") return literalString(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
  return undefined;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const q = (s: string) => JSON.stringify(s);

// ---------------------------------------------------------------------------------------------
// The validator

interface Ctx {
  readonly file: string;
  readonly problems: string[];
}

/**
 * Check every `provider "incus"` block, every `resource "incus_*"` and `data "incus_*"` block and
 * the `terraform { required_providers }` of a set of .tf files against the provider schema.
 * Returns human-readable problems (`file:line: address: path: what`); empty means valid.
 */
export async function validateIncusHcl(files: Readonly<Record<string, string>>): Promise<string[]> {
  const schema = loadIncusSchema();
  const problems: string[] = [];
  let usesIncus = false;
  let requiredProviders = 0;

  for (const file of Object.keys(files).sort()) {
    if (!file.endsWith(".tf")) continue;
    const text = files[file];
    let json: JsonObject;
    let items: SyntaxItem[];
    try {
      json = (await parse(file, text)) as JsonObject;
      items = scanHclStructure(text);
    } catch (e) {
      problems.push(`${file}: not valid HCL: ${(e as Error).message}`);
      continue;
    }
    const ctx: Ctx = { file, problems };
    const seen = new Map<string, number>(); // occurrence index per block address in this file

    for (const item of items) {
      if (item.kind !== "block") continue;
      const key = [item.type, ...item.labels].join("\u0000");
      const index = seen.get(key) ?? 0;
      seen.set(key, index + 1);
      const [t0, t1] = item.labels;

      if (item.type === "resource" && t0?.startsWith("incus_")) {
        usesIncus = true;
        const address = `${t0}.${t1}`;
        const res = schema.resources[t0];
        if (res === undefined) {
          ctx.problems.push(`${file}:${item.line}: ${address}: unknown resource type ${q(t0)}`);
          continue;
        }
        const body = pick(json, ["resource", t0, t1], index);
        checkBody(ctx, address, "", res, item, body, "resource");
      } else if (item.type === "data" && t0?.startsWith("incus_")) {
        usesIncus = true;
        if (!schema.data_sources.includes(t0)) {
          ctx.problems.push(`${file}:${item.line}: data.${t0}.${t1}: unknown data source type ${q(t0)}`);
        }
      } else if (item.type === "provider" && t0 === "incus") {
        usesIncus = true;
        const body = pick(json, ["provider", "incus"], index);
        checkBody(ctx, 'provider "incus"', "", schema.provider, item, body, "provider");
      } else if (item.type === "terraform") {
        requiredProviders += checkTerraformBlock(ctx, item, pick(json, ["terraform"], index), schema);
      }
    }
  }

  if (usesIncus && requiredProviders === 0) {
    problems.push(
      `terraform: no required_providers entry for incus; add terraform { required_providers { incus = { source = "lxc/incus" } } }`,
    );
  }
  return problems;
}

/** hcl2json nests labelled blocks by label and keeps repeated blocks as an array. */
function pick(json: JsonObject, path: readonly string[], index: number): JsonObject {
  let v: Json | undefined = json;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  const el = Array.isArray(v) ? v[index] : undefined;
  return isObject(el) ? el : {};
}

type BodyKind = "resource" | "provider" | "block";

function checkBody(
  ctx: Ctx,
  address: string,
  prefix: string,
  schema: SchemaBody,
  syntax: SyntaxBlock,
  json: JsonObject,
  kind: BodyKind,
): void {
  const where = (line: number, path: string) =>
    `${ctx.file}:${line}: ${address}: ${path === "" ? "" : path + ": "}`;
  const present = new Set<string>();
  const blockCount = new Map<string, number>();

  for (const item of syntax.body) {
    const name = item.kind === "attribute" ? item.name : item.type;
    const path = prefix + name;
    if (item.kind === "attribute") {
      if (present.has(name)) ctx.problems.push(`${where(item.line, "")}duplicate argument ${q(name)}`);
      present.add(name);
      const value = json[name];
      if ((kind === "resource" && META_ATTRIBUTES.has(name)) || (kind === "provider" && name === "alias")) continue;
      if (schema.blocks[name] !== undefined || (kind === "resource" && META_BLOCKS.has(name))) {
        ctx.problems.push(`${where(item.line, "")}${q(name)} is a block: write ${name} { ... }, not ${name} = ...`);
        continue;
      }
      const attr = schema.attributes[name];
      if (attr === undefined) {
        ctx.problems.push(`${where(item.line, "")}unsupported argument ${q(name)}`);
        continue;
      }
      if (value === undefined) continue;
      checkAttribute(ctx.problems, where(item.line, path), attr, value);
      checkValidators(ctx.problems, where(item.line, path), attr, value, json);
      continue;
    }

    const n = blockCount.get(name) ?? 0;
    blockCount.set(name, n + 1);
    present.add(name);
    const elements = labelled(json[name], item.labels);
    const element = isObject(elements[n]) ? (elements[n] as JsonObject) : {};
    if (kind === "resource" && name === "lifecycle") {
      checkLifecycle(ctx, `${ctx.file}:${item.line}: ${address}: lifecycle`, item);
      continue;
    }
    if (kind === "resource" && META_BLOCKS.has(name)) continue;
    if (kind === "resource" && name === "dynamic") {
      checkDynamic(ctx, address, prefix, schema, item, element);
      continue;
    }
    if (schema.attributes[name] !== undefined) {
      ctx.problems.push(`${where(item.line, "")}${q(name)} is an attribute: write ${name} = ..., not ${name} { ... }`);
      continue;
    }
    const block = schema.blocks[name];
    if (block === undefined) {
      ctx.problems.push(`${where(item.line, "")}unsupported block type ${q(name)}`);
      continue;
    }
    if (item.labels.length > 0) {
      ctx.problems.push(`${where(item.line, "")}block ${q(name)} takes no labels`);
      continue;
    }
    checkBody(ctx, address, `${path}[${n}].`, block, item, element, "block");
  }

  const headerLine = syntax.line;
  for (const [name, attr] of Object.entries(schema.attributes)) {
    if (!attr.required) continue;
    if (!present.has(name)) {
      ctx.problems.push(`${where(headerLine, prefix.slice(0, -1))}missing required argument ${q(name)}`);
    } else if (json[name] === null) {
      ctx.problems.push(`${where(headerLine, prefix.slice(0, -1))}required argument ${q(name)} is null`);
    }
  }
  for (const [name, block] of Object.entries(schema.blocks)) {
    const count = blockCount.get(name) ?? 0;
    if (count < block.min_items) {
      ctx.problems.push(`${where(headerLine, prefix.slice(0, -1))}at least ${block.min_items} ${q(name)} block(s) required`);
    }
    if (block.max_items !== null && count > block.max_items) {
      ctx.problems.push(`${where(headerLine, prefix.slice(0, -1))}at most ${block.max_items} ${q(name)} block(s) allowed`);
    }
  }
  if (kind === "resource") checkResourceConstraints(ctx, where(headerLine, ""), address, syntax, json);
}

/** hcl2json nests a labelled block under its labels: `provisioner "x" {}` → { x: [ … ] }. */
function labelled(v: Json | undefined, labels: readonly string[]): Json[] {
  let cur: Json | undefined = v;
  for (const l of labels) cur = isObject(cur) ? cur[l] : undefined;
  return Array.isArray(cur) ? cur : [];
}

function checkLifecycle(ctx: Ctx, where: string, block: SyntaxBlock): void {
  for (const item of block.body) {
    if (item.kind === "attribute" && !LIFECYCLE_ATTRIBUTES.has(item.name)) {
      ctx.problems.push(`${where}: unsupported argument ${q(item.name)}`);
    } else if (item.kind === "block" && !LIFECYCLE_BLOCKS.has(item.type)) {
      ctx.problems.push(`${where}: unsupported block type ${q(item.type)}`);
    }
  }
}

/** `dynamic "device" { for_each = …; content { … } }`: content is checked as a device block. */
function checkDynamic(
  ctx: Ctx,
  address: string,
  prefix: string,
  schema: SchemaBody,
  item: SyntaxBlock,
  json: JsonObject,
): void {
  const target = item.labels[0] ?? "";
  const block = schema.blocks[target];
  if (block === undefined) {
    ctx.problems.push(`${ctx.file}:${item.line}: ${address}: dynamic block ${q(target)} is not a block of this resource`);
    return;
  }
  const content = item.body.find((i): i is SyntaxBlock => i.kind === "block" && i.type === "content");
  if (content === undefined) {
    ctx.problems.push(`${ctx.file}:${item.line}: ${address}: dynamic ${q(target)} has no content block`);
    return;
  }
  const contentJson = labelled(json.content, []);
  const element = isObject(contentJson[0]) ? (contentJson[0] as JsonObject) : {};
  checkBody(ctx, address, `${prefix}dynamic.${target}.content.`, block, content, element, "block");
}

// ---------------------------------------------------------------------------------------------
// Attribute values

/** Type shape, allowed values, and nested objects (required / unknown / computed-only keys). */
function checkAttribute(problems: string[], where: string, attr: SchemaAttribute, value: Json): void {
  if (!attr.optional && !attr.required) {
    problems.push(`${where}computed by the provider; it cannot be set`);
    return;
  }
  if (value === null) return;
  if (typeof value === "string" && literalString(value) === undefined) return; // an expression
  const type = attr.type;
  switch (type) {
    case "string":
    case "number":
    case "bool":
      checkScalar(problems, where, type, value, attr.allowed_values);
      return;
    case "map(string)":
      if (!isObject(value)) return void problems.push(`${where}expected a map of strings`);
      for (const [k, v] of Object.entries(value)) checkScalar(problems, `${where}[${q(k)}]: `, "string", v);
      return;
    case "list(string)":
    case "set(string)":
      if (!Array.isArray(value)) return void problems.push(`${where}expected a ${type.slice(0, 4)} of strings`);
      value.forEach((v, i) => checkScalar(problems, `${where}[${i}]: `, "string", v));
      return;
    case "object":
      if (!isObject(value)) return void problems.push(`${where}expected an object { ... }`);
      checkObject(problems, where, attr, value);
      return;
    case "set(object)":
      if (!Array.isArray(value)) return void problems.push(`${where}expected a list of objects [{ ... }]`);
      value.forEach((v, i) => {
        if (typeof v === "string" && literalString(v) === undefined) return;
        if (!isObject(v)) return void problems.push(`${where}[${i}]: expected an object { ... }`);
        checkObject(problems, `${where}[${i}]: `, attr, v);
      });
      return;
    case "map(object)":
      if (!isObject(value)) return void problems.push(`${where}expected a map of objects { key = { ... } }`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === "string" && literalString(v) === undefined) continue;
        if (!isObject(v)) problems.push(`${where}[${q(k)}]: expected an object { ... }`);
        else checkObject(problems, `${where}[${q(k)}]: `, attr, v);
      }
      return;
    default:
      problems.push(`${where}schema type ${q(type)} is not understood by the validator`);
  }
}

function checkObject(problems: string[], where: string, attr: SchemaAttribute, value: JsonObject): void {
  const inner = attr.attributes ?? {};
  for (const [k, v] of Object.entries(value)) {
    const a = inner[k];
    if (a === undefined) problems.push(`${where}unsupported attribute ${q(k)}`);
    else {
      checkAttribute(problems, `${where}${k}: `, a, v);
      checkValidators(problems, `${where}${k}: `, a, v, value);
    }
  }
  for (const [k, a] of Object.entries(inner)) {
    if (a.required && (value[k] === undefined || value[k] === null)) {
      problems.push(`${where}missing required attribute ${q(k)}`);
    }
  }
}

function checkScalar(
  problems: string[],
  where: string,
  type: "string" | "number" | "bool",
  value: Json,
  allowed?: readonly (string | number)[],
): void {
  if (Array.isArray(value) || isObject(value)) {
    problems.push(`${where}expected a ${type}, not a ${Array.isArray(value) ? "list" : "map/object"}`);
    return;
  }
  const lit = literal(value);
  if (lit === undefined || lit === null) return;
  // Terraform converts between strings, numbers and bools where the text allows it.
  if (type === "number" && (typeof lit === "boolean" || (typeof lit === "string" && !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(lit)))) {
    problems.push(`${where}expected a number, got ${JSON.stringify(lit)}`);
  } else if (type === "bool" && (typeof lit === "number" || (typeof lit === "string" && lit !== "true" && lit !== "false"))) {
    problems.push(`${where}expected a bool, got ${JSON.stringify(lit)}`);
  } else if (allowed !== undefined && !allowed.map(String).includes(String(lit))) {
    problems.push(`${where}${JSON.stringify(lit)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  }
}

/** The schema's validator vocabulary (README "Format of schema.json"), for literal values. */
function checkValidators(
  problems: string[],
  where: string,
  attr: SchemaAttribute,
  value: Json,
  siblings: JsonObject,
): void {
  for (const v of attr.validators ?? []) {
    const [name, arg = ""] = v.split(":");
    const n = Number(arg);
    const lit = literal(value);
    switch (name) {
      case "length_at_least":
        if (typeof lit === "string" && [...lit].length < n) problems.push(`${where}must be at least ${n} character(s) long`);
        break;
      case "each_element_length_at_least":
        if (Array.isArray(value)) {
          value.forEach((e, i) => {
            const s = literal(e);
            if (typeof s === "string" && [...s].length < n) problems.push(`${where}[${i}]: must not be empty`);
          });
        }
        break;
      case "each_value_length_at_least":
        if (isObject(value)) {
          for (const [k, e] of Object.entries(value)) {
            const s = literal(e);
            if (typeof s === "string" && [...s].length < n) problems.push(`${where}[${q(k)}]: value must not be empty`);
          }
        }
        break;
      case "keys_must_not_start_with":
        if (isObject(value)) {
          for (const k of Object.keys(value)) {
            const key = literalString(k);
            const bad = arg.split(",").find((p) => key?.startsWith(p));
            if (bad !== undefined) problems.push(`${where}key ${q(key as string)} must not start with ${q(bad)}`);
          }
        }
        break;
      case "at_least":
        if (typeof lit === "number" && lit < n) problems.push(`${where}must be at least ${n}`);
        break;
      case "size_at_least":
        if (Array.isArray(value) && value.length < n) problems.push(`${where}must have at least ${n} element(s)`);
        break;
      case "conflicts_with":
        for (const other of arg.split(",")) {
          if (value !== null && siblings[other] !== undefined && siblings[other] !== null) {
            problems.push(`${where}conflicts with ${q(other)}; set only one of them`);
          }
        }
        break;
      case "also_requires":
        if (value !== null && (siblings[arg] === undefined || siblings[arg] === null)) {
          problems.push(`${where}also requires ${q(arg)} to be set`);
        }
        break;
      case "sibling_protocol_must_equal":
      case "sibling_protocol_must_equal_if_set": {
        const protocol = siblings.protocol === undefined ? undefined : literal(siblings.protocol);
        const ifSet = name.endsWith("_if_set");
        if (value === null || (ifSet && (protocol === undefined || protocol === null))) break;
        if (protocol !== undefined && protocol !== arg && (protocol !== null || !ifSet)) {
          problems.push(`${where}requires protocol = ${q(arg)}`);
        }
        break;
      }
      case "incus_architecture":
        break; // the canonical names are the attribute's allowed_values, checked already
      default:
        problems.push(`${where}schema validator ${q(v)} is not understood by the validator`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules from the README's "Key validation facts", where the values are literals

function checkResourceConstraints(ctx: Ctx, where: string, address: string, syntax: SyntaxBlock, json: JsonObject): void {
  const type = address.slice(0, address.indexOf("."));
  const blocks = (name: string): JsonObject[] =>
    (Array.isArray(json[name]) ? (json[name] as Json[]) : []).filter(isObject);
  const lit = (o: JsonObject, k: string) => (o[k] === undefined ? undefined : literal(o[k]));
  const p = ctx.problems;

  if (type === "incus_network" && isObject(json.config)) {
    for (const key of ["ipv4.address", "ipv6.address"]) {
      const v = json.config[key];
      if (v !== undefined && literal(v) === "auto") {
        p.push(`${where}config[${q(key)}]: "auto" is rejected by the provider; give a CIDR or "none"`);
      }
    }
  }

  if (type === "incus_image") {
    const sources = ["source_file", "source_image", "source_instance"].filter((k) => json[k] !== undefined && json[k] !== null);
    if (sources.length !== 1) {
      p.push(`${where}exactly one of "source_file", "source_image", "source_instance" must be set (found ${sources.length})`);
    }
  }

  if (type === "incus_instance" || type === "incus_storage_volume") {
    blocks("file").forEach((f, i) => {
      if (f.content !== undefined && f.source_path !== undefined) {
        p.push(`${where}file[${i}]: "content" and "source_path" are mutually exclusive`);
      }
    });
  }

  if (type !== "incus_instance") return;
  const instanceType = lit(json, "type");
  const isVm = instanceType === "virtual-machine";
  const isContainer = instanceType === undefined || instanceType === null || instanceType === "container";
  const running = lit(json, "running");
  const hasFiles = syntax.body.some((i) => i.kind === "block" && i.type === "file");
  const waits = blocks("wait_for");

  if (lit(json, "ephemeral") === true && running === false) p.push(`${where}ephemeral = true requires running to be true`);
  if (hasFiles && running === false) p.push(`${where}file blocks need the instance running (running = false)`);
  if (json.exec !== undefined && running === false) p.push(`${where}exec needs the instance running (running = false)`);
  if (isObject(json.exec)) {
    for (const [k, e] of Object.entries(json.exec)) {
      if (!isObject(e) || !Array.isArray(e.command)) continue;
      const first = e.command.length > 0 ? literal(e.command[0]) : "";
      if (first === "") p.push(`${where}exec[${q(k)}]: command must be non-empty with a non-empty first element`);
    }
  }
  waits.forEach((w, i) => {
    const t = lit(w, "type");
    const at = `${where}wait_for[${i}]: `;
    if (t === "delay" && (w.delay === undefined || w.delay === null)) p.push(`${at}type "delay" requires "delay"`);
    if (t === "cloud-init" && w.delay !== undefined) p.push(`${at}"delay" is not allowed with type "cloud-init"`);
    if (typeof t === "string" && !["ipv4", "ipv6"].includes(t) && w.nic !== undefined) {
      p.push(`${at}"nic" is only allowed with type "ipv4" or "ipv6"`);
    }
    if (t === "agent" && isContainer) p.push(`${at}type "agent" is rejected for containers (type unset or "container")`);
    if (t === "ready" && isVm) p.push(`${at}type "ready" is rejected for virtual machines`);
  });
  if (isVm && hasFiles && !waits.some((w) => lit(w, "type") === "agent")) {
    p.push(`${where}file blocks on a virtual machine need wait_for { type = "agent" }`);
  }
}

// ---------------------------------------------------------------------------------------------
// terraform { required_providers }

/** Returns 1 if this block declares the incus provider, else 0. */
function checkTerraformBlock(ctx: Ctx, item: SyntaxBlock, json: JsonObject, schema: IncusSchema): number {
  let found = 0;
  let index = 0;
  for (const rp of item.body) {
    if (rp.kind === "attribute" && rp.name === "required_providers") {
      ctx.problems.push(`${ctx.file}:${rp.line}: terraform: "required_providers" is a block: write required_providers { ... }`);
      continue;
    }
    if (rp.kind !== "block" || rp.type !== "required_providers") continue;
    const rpJson = labelled(json.required_providers, [])[index++];
    const entries = isObject(rpJson) ? rpJson : {};
    for (const e of rp.body) {
      const name = e.kind === "attribute" ? e.name : e.type;
      if (name !== "incus") continue;
      const where = `${ctx.file}:${e.line}: terraform.required_providers.incus: `;
      found = 1;
      const v = entries.incus;
      if (e.kind === "block" || !isObject(v)) {
        ctx.problems.push(`${where}write incus = { source = "lxc/incus", version = "..." }`);
        continue;
      }
      const source = v.source === undefined ? undefined : literal(v.source);
      if (typeof source !== "string" || !INCUS_SOURCES.has(source.toLowerCase())) {
        ctx.problems.push(`${where}source must be "lxc/incus", got ${JSON.stringify(source ?? null)}`);
      }
      if (v.version !== undefined) {
        const c = literal(v.version);
        if (typeof c !== "string") ctx.problems.push(`${where}version must be a constraint string`);
        else {
          const verdict = constraintAdmits(c, schema.provider_version);
          if (verdict !== true) ctx.problems.push(`${where}version ${q(c)} ${verdict}`);
        }
      }
    }
  }
  return found;
}

type Version = readonly [number, number, number];

function parseVersion(s: string): { v: Version; parts: number } | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(s.trim());
  if (m === null) return undefined;
  const parts = m.slice(1).filter((x) => x !== undefined).length;
  return { v: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], parts };
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Terraform/OpenTofu version constraint semantics (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma =
 * and). Returns true, or why the constraint does not admit `version`.
 */
export function constraintAdmits(constraint: string, version: string): true | string {
  const target = parseVersion(version);
  if (target === undefined) return `cannot check: bad version ${q(version)}`;
  for (const clause of constraint.split(",")) {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(clause);
    const parsed = m === null ? undefined : parseVersion(m[2]);
    if (m === null || parsed === undefined) return `is not a valid version constraint`;
    const op = m[1] ?? "=";
    const c = cmp(target.v, parsed.v);
    let ok: boolean;
    switch (op) {
      case "=":
        ok = c === 0;
        break;
      case "!=":
        ok = c !== 0;
        break;
      case ">":
        ok = c > 0;
        break;
      case ">=":
        ok = c >= 0;
        break;
      case "<":
        ok = c < 0;
        break;
      case "<=":
        ok = c <= 0;
        break;
      default: {
        // ~> X.Y allows X.(>=Y); ~> X.Y.Z allows X.Y.(>=Z); ~> X allows X.*
        const [x, y] = parsed.v;
        const upper: Version = parsed.parts >= 3 ? [x, y + 1, 0] : [x + 1, 0, 0];
        ok = c >= 0 && cmp(target.v, upper) < 0;
      }
    }
    if (!ok) return `does not admit provider version ${version} (the version schema.json describes)`;
  }
  return true;
}
