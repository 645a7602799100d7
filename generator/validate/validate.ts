// validate: raw default export → schema-valid LabConfig, plus every finding at once: the rules
// that read the raw config (text no output can carry), shape (zod) errors, and the semantic
// rules — which run even when the shape is wrong, on the parts that parsed, so the user gets every
// error in one round.
import { z } from "zod";
import { LabSchema, type LabConfig } from "../config/schema.ts";
import { DiagnosticBag, type Diagnostic, type PathSegment } from "../shared/diagnostics.ts";
import { RAW_RULES, runRules, type RuleContext } from "./rules.ts";
import { placeholderDiagnostics, placeholderPaths, scanRaw, underAny } from "./placeholders.ts";
import { zodIssuesToDiagnostics } from "./schema-errors.ts";

export interface Validated {
  /** Null when there are errors. */
  readonly config: LabConfig | null;
  readonly diagnostics: Diagnostic[];
}

export function validate(raw: unknown, ctx: RuleContext = {}): Validated {
  const scan = scanRaw(raw);
  // Rules that cannot fire are not run (each walks the whole config). The text rule finds only
  // keys and strings that are not printable ASCII. The secret-value rule reads every string of the
  // parsed config: the raw config's strings and the schema's defaults (none of which looks like a
  // secret; a test checks), so without a raw string that may be a secret it has nothing to find.
  const skip = new Set<string>();
  if (scan.printable) skip.add("text");
  if (!scan.secretHint) skip.add("secret-value");
  // A placeholder left by `labgen init` is one error, whatever else its made-up value breaks.
  const holes = placeholderDiagnostics(raw, scan);
  if (holes.length) {
    const paths = placeholderPaths(raw, scan);
    const rest = validateFilled(raw, ctx, skip).diagnostics.filter((d) => !underAny(paths, d.path));
    return { config: null, diagnostics: [...holes, ...rest] };
  }
  return validateFilled(raw, ctx, skip);
}

// zod's compiler (z.compile's code generation) turns the instances' schema into one generated
// function that parses them without zod's per-value payloads and issue lists: half the CPU and
// garbage of the schema's own parse at 1,000 instances. It only ever answers "valid, here are the
// instances" (the same value, a test checks): anything it refuses is parsed again by the schema
// itself, so every error is zod's own. Generating and compiling it costs ~5 ms, which pays off
// from a few hundred instances; the rest of the config is small and parsed as written.
const COMPILE_FROM_INSTANCES = 200;
let compiled: typeof LabSchema | null | undefined;

/** LabSchema with its instances parsed by zod's compiled form (LabSchema itself if that cannot be made). */
export function compiledLabSchema(): typeof LabSchema {
  if (compiled === undefined) {
    try {
      const instances = LabSchema.shape.instances;
      compiled = LabSchema.extend({ instances: z.withParser(instances, z.core.compileFn(instances)) });
    } catch {
      // A schema feature the compiler does not support: the schema parses on its own.
      compiled = null;
    }
  }
  return compiled ?? LabSchema;
}

/** The schema to parse `raw` with: with compiled instances for a large lab, as written otherwise. */
export function schemaFor(raw: unknown): typeof LabSchema {
  const instances = raw && typeof raw === "object" ? (raw as { instances?: unknown }).instances : undefined;
  if (!instances || typeof instances !== "object" || Object.keys(instances).length < COMPILE_FROM_INSTANCES) return LabSchema;
  return compiledLabSchema();
}

function validateFilled(raw: unknown, ctx: RuleContext, skip: ReadonlySet<string>): Validated {
  const bagText = new DiagnosticBag();
  for (const rule of RAW_RULES) if (!skip.has(rule.id)) rule.check(raw as LabConfig, bagText);
  const text = bagText.items;
  const parsed = schemaFor(raw).safeParse(raw);
  if (parsed.success && text.length === 0) {
    const bag = new DiagnosticBag();
    runRules(parsed.data, bag, ctx, skip);
    return { config: bag.errors.length ? null : parsed.data, diagnostics: bag.items };
  }
  // One error per mistake: a value refused for its characters is not reported again for its shape.
  const textAt = new Set(text.map((d) => key(d.path)));
  const shape = parsed.success ? [] : zodIssuesToDiagnostics(parsed.error.issues, raw).filter((d) => !textAt.has(key(d.path)));
  const errors = [...text, ...shape];
  return { config: null, diagnostics: [...errors, ...rulesOnWhatParsed(raw, errors, ctx, skip)] };
}

const key = (path: readonly PathSegment[]): string => JSON.stringify(path);

// ---------------------------------------------------------------------------------------------
// Rules on what parsed. Every named thing with an error (a host, an instance, a route …) is left
// out, as is a settings section with one; what remains is parsed again and the rules run on it.
// Their findings are kept unless they could be a consequence of an error already reported:
// anything at or around an erroneous path, a reference to a thing that was left out (it exists,
// it is only broken), and the rules that read a section that was left out.

const COLLECTIONS = new Set(["hosts", "networks", "storage", "profiles", "instances", "admins"]);
/** Where a reference's config path ends → the collection it names. */
const REFERENCE_OF: Record<string, string> = { host: "hosts", network: "networks", storage: "storage", instance: "instances", profiles: "profiles" };
/** Rules that read a whole section: skipped when that section (or a host, for the apply host) was left out. */
const READS: Record<string, string[]> = {
  domain: ["domain", "ingress-hostname"],
  tofu: ["tofu-host", "ingress-apply-host"],
  hosts: ["tofu-host", "ingress-apply-host"],
  ca: ["ca-validity"],
  admins: ["admins"],
};

type Unit = { kind: "entity"; collection: string; name: string; route?: boolean } | { kind: "section"; name: string };

function unitOf(path: readonly PathSegment[]): Unit | null {
  const [top, second] = path;
  if (typeof top !== "string") return null;
  if (COLLECTIONS.has(top) && path.length >= 2) return { kind: "entity", collection: top, name: String(second) };
  if (top === "ingress" && path[1] === "routes" && path.length >= 3) return { kind: "entity", collection: "routes", name: String(path[2]), route: true };
  return { kind: "section", name: top };
}

/**
 * A copy of the plain objects and arrays (the config may hold anything: functions, class instances)
 * of the top three levels, the only ones changed below (a section, a collection, ingress.routes).
 * Deeper values are shared, so an object inside itself is not copied forever: the schema refuses it.
 */
function copy(v: unknown, depth = 3): unknown {
  if (depth === 0) return v;
  if (Array.isArray(v)) return v.map((x) => copy(x, depth - 1));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x, depth - 1)]));
  return v;
}

const related = (a: readonly PathSegment[], b: readonly PathSegment[]): boolean => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

function getAt(v: unknown, path: readonly PathSegment[]): unknown {
  let cur: any = v;
  for (const seg of path) cur = cur == null ? undefined : cur[seg as any];
  return cur;
}

function rulesOnWhatParsed(raw: unknown, errors: readonly Diagnostic[], ctx: RuleContext, skipped: ReadonlySet<string>): Diagnostic[] {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return [];
  const lab = copy(raw) as Record<string, any>;
  const broken = new Map<string, Set<string>>();
  const sections = new Set<string>();
  // A misspelt key stands for the key it was meant to be: that one is missing because of the typo.
  const meant = errors.flatMap((e) => {
    const m = e.rule === "schema" ? /^unknown setting '[^']*': did you mean '([^']+)'\?/.exec(e.message) : null;
    return m ? [{ ...e, path: [...e.path.slice(0, -1), m[1]] }] : [];
  });
  for (const e of [...errors, ...meant]) {
    const u = unitOf(e.path);
    if (u === null) return [];
    if (u.kind === "entity") {
      const set = broken.get(u.collection) ?? broken.set(u.collection, new Set()).get(u.collection)!;
      set.add(u.name);
      const parent = u.route ? lab.ingress?.routes : lab[u.collection];
      if (parent && typeof parent === "object") delete parent[u.name];
    } else sections.add(u.name);
  }
  // A section with an error: its default takes its place where it has one; without one there is
  // nothing to check against, so the rules stay silent.
  for (const s of sections) {
    if (s === "name") lab.name = "lab";
    else if (s === "domain") lab.domain = "lab.invalid";
    else if (s === "admins") lab.admins = {};
    else if (s === "hosts") return [];
    else delete lab[s];
  }
  const parsed = LabSchema.safeParse(lab);
  if (!parsed.success) return [];
  // The copy holds a subset of the raw config's strings: what `skipped` rules out stays ruled out.
  const skip = new Set<string>(skipped);
  for (const s of sections) for (const r of READS[s] ?? []) skip.add(r);
  if (broken.has("hosts")) for (const r of READS.hosts) skip.add(r);

  const bag = new DiagnosticBag();
  try {
    runRules(parsed.data, bag, ctx, skip);
  } catch {
    // The rules are written for whole configs; a partial one must never turn into a crash.
    return [];
  }
  return bag.items.filter((d) => {
    if (errors.some((e) => related(e.path, d.path))) return false;
    const last = d.path.at(-1);
    const collection = REFERENCE_OF[String(typeof last === "number" ? d.path.at(-2) : last)];
    const value = getAt(raw, d.path);
    if (collection && (sections.has(collection) || (typeof value === "string" && broken.get(collection)?.has(value)))) return false;
    return true;
  });
}
