// Turns zod issues into diagnostics that say what to do, in the user's words (config paths,
// the field's own description, the known keys when a key is unknown).
import type { z } from "zod";
import { LabSchema } from "../config/schema.ts";
import type { Diagnostic, PathSegment } from "../shared/diagnostics.ts";
import { editDistance } from "../shared/text.ts";
import { secretKind, secretMessage } from "./rules/secrets.ts";

type AnySchema = z.ZodType & { _zod: { def: Record<string, any> } };

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const def = cur._zod.def;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") cur = def.innerType;
    else if (def.type === "pipe") cur = def.in;
    else return cur;
  }
}

/** The schema node at a config path (for descriptions and known keys), or null. */
export function schemaAt(path: readonly PathSegment[], root: AnySchema = LabSchema as unknown as AnySchema, input?: unknown): AnySchema | null {
  let cur: AnySchema = root;
  let value: any = input;
  for (const seg of path) {
    const node = unwrap(cur);
    const def = node._zod.def;
    if (def.type === "object") {
      const next = def.shape[seg as string];
      if (!next) return null;
      cur = next;
    } else if (def.type === "record") cur = def.valueType;
    else if (def.type === "array") cur = def.element;
    else if (def.type === "union") {
      // Discriminated unions (LAN mode): pick the option matching the input's discriminator.
      const opts: AnySchema[] = def.options;
      const disc = def.discriminator as string | undefined;
      const chosen =
        (disc && value && typeof value === "object"
          ? opts.find((o) => unwrap(o)._zod.def.shape?.[disc]?._zod.def.values?.includes(value[disc]))
          : undefined) ?? opts.find((o) => unwrap(o)._zod.def.shape?.[seg as string]);
      if (!chosen) return null;
      const next = unwrap(chosen)._zod.def.shape?.[seg as string];
      if (!next) return null;
      cur = next;
    } else return null;
    value = value == null ? undefined : value[seg as any];
  }
  return cur;
}

function knownKeys(node: AnySchema | null, input: unknown): string[] {
  if (!node) return [];
  const inner = unwrap(node);
  const def = inner._zod.def;
  if (def.type === "object") return Object.keys(def.shape).sort();
  if (def.type === "union") {
    const disc = def.discriminator as string | undefined;
    const v = input as any;
    const chosen = def.options.find((o: AnySchema) => disc && v && unwrap(o)._zod.def.shape?.[disc]?._zod.def.values?.includes(v[disc]));
    if (chosen) return Object.keys(unwrap(chosen)._zod.def.shape).sort();
  }
  return [];
}

function getAt(input: unknown, path: readonly PathSegment[]): unknown {
  let v: any = input;
  for (const seg of path) v = v == null ? undefined : v[seg as any];
  return v;
}

const FOUNDATION = "ZFS, Incus, OpenSSH, Tailscale and the GitOps agent";

/** The foundation rule's message (also for services in a host's extra.nix). */
export function hostAppServiceMessage(apps: readonly string[]): string {
  return `hosts run no application service: only ${FOUNDATION}. Declare ${apps.map((a) => `'${a}'`).join(", ")} as ${apps.length > 1 ? "instances" : "an instance"} (${apps.map((a) => `instances.${a}`).join(", ")}) running on this host instead`;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * One mistake, one error: zod reports every failed check of a value (a wrong type also fails its
 * length check; a safe integer's own bounds come with the field's). Per value, a type error alone,
 * else the tightest bound; other checks are kept.
 */
function oneIssuePerValue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const at = (i: z.core.$ZodIssue) => JSON.stringify(i.path.map(String));
  const typed = new Set(issues.filter((i) => i.code === "invalid_type").map(at));
  const best = new Map<string, z.core.$ZodIssue>();
  for (const i of issues) {
    if (i.code !== "too_small" && i.code !== "too_big") continue;
    const k = `${at(i)} ${i.code}`;
    const prev = best.get(k) as (z.core.$ZodIssue & { minimum?: number; maximum?: number }) | undefined;
    const cur = i as z.core.$ZodIssue & { minimum?: number; maximum?: number };
    if (!prev || (i.code === "too_small" ? Number(cur.minimum) > Number(prev.minimum) : Number(cur.maximum) < Number(prev.maximum))) best.set(k, i);
  }
  return issues.filter((i) => {
    if (typed.has(at(i)) && i.code !== "invalid_type") return false;
    if (i.code === "too_small" || i.code === "too_big") return best.get(`${at(i)} ${i.code}`) === i;
    return true;
  });
}

export function zodIssuesToDiagnostics(issues: readonly z.core.$ZodIssue[], input: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const push = (path: readonly PathSegment[], message: string, rule = "schema") =>
    out.push({ severity: "error", rule, path: path.map((p) => (typeof p === "symbol" ? String(p) : p)) as PathSegment[], message });

  const secretReported = new Set<string>();
  // A secret pasted where a path or a key belongs: say so, and never echo it back (terminals, CI logs).
  const reportSecret = (path: readonly PathSegment[], value: unknown): boolean => {
    const kind = typeof value === "string" ? secretKind(value) : null;
    if (!kind) return false;
    const key = JSON.stringify(path);
    if (!secretReported.has(key))
      push(path, secretMessage(kind, path), "secret-value");
    secretReported.add(key);
    return true;
  };

  for (const issue of oneIssuePerValue(issues)) {
    const path = issue.path as PathSegment[];
    const node = schemaAt(path, undefined, input);
    const desc = node?.description;
    if (issue.code !== "unrecognized_keys" && reportSecret(path, getAt(input, path))) continue;
    switch (issue.code) {
      case "unrecognized_keys": {
        const parent = schemaAt(path, undefined, input);
        const known = knownKeys(parent, getAt(input, path));
        for (const key of issue.keys) {
          reportSecret([...path, key], getAt(input, [...path, key]));
          const close = known
            .map((k) => [k, editDistance(k, key)] as const)
            .filter(([, dist]) => dist <= 2 && dist < key.length)
            .sort((a, b) => a[1] - b[1]);
          // Hosts have a closed list of settings: what is not a typo of one is an application,
          // which must become an instance.
          if (path.length === 2 && path[0] === "hosts" && close.length === 0) {
            const value = getAt(input, [...path, key]);
            // NixOS habit: services.nginx = { … } → name the services themselves.
            const apps =
              key === "services" && value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length
                ? Object.keys(value)
                : [key];
            push([...path, key], hostAppServiceMessage(apps), "host-no-app-services");
            continue;
          }
          const hint = close.length ? `did you mean '${close[0][0]}'? ` : "";
          push([...path, key], `unknown setting '${key}': ${hint}known settings here are ${known.map((k) => `'${k}'`).join(", ")}`);
        }
        break;
      }
      case "invalid_type": {
        const got = getAt(input, path);
        if (got === undefined) push(path, `missing required setting${desc ? `: ${desc}` : ""}`);
        else push(path, `expected ${issue.expected}, got ${describeType(got)}${desc ? ` (${desc})` : ""}`);
        break;
      }
      case "invalid_value": {
        const vals = (issue as any).values as unknown[];
        push(path, `must be one of ${vals.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(getAt(input, path))}`);
        break;
      }
      case "invalid_union": {
        const got = getAt(input, path);
        // A discriminated union (LAN mode) with a missing or unknown discriminator: list its values.
        const options = (issue as { options?: unknown[] }).options;
        if (options?.length) {
          const values = options.map((v) => JSON.stringify(v)).join(", ");
          push(path, got === undefined ? `missing required setting: one of ${values}` : `must be one of ${values}, got ${JSON.stringify(got)}`);
          break;
        }
        // Discriminated union with a wrong discriminator (LAN mode).
        push(path, `does not match any allowed form${desc ? ` (${desc})` : ""}; got ${describeType(got)}`);
        break;
      }
      case "too_small": {
        const i = issue as any;
        if (i.origin === "array") push(path, `needs at least ${i.minimum} item(s)${desc ? ` (${desc})` : ""}`);
        else if (i.origin === "string") push(path, `must not be empty${desc ? ` (${desc})` : ""}`);
        else push(path, `must be ≥ ${i.minimum}, got ${JSON.stringify(getAt(input, path))}`);
        break;
      }
      case "too_big": {
        const i = issue as any;
        push(path, `must be ≤ ${i.maximum}, got ${JSON.stringify(getAt(input, path))}`);
        break;
      }
      default: {
        const got = getAt(input, path);
        const shown = typeof got === "string" ? `, got ${JSON.stringify(got)}` : "";
        push(path, `${issue.message}${shown}`);
      }
    }
  }
  // One mistake, one error: a misspelt required key is reported as the typo ("did you mean 'cpu'?"),
  // not a second time as the key it was meant to be, now missing.
  const meant = new Set(
    out.flatMap((d) => {
      const m = /^unknown setting '[^']*': did you mean '([^']+)'\?/.exec(d.message);
      return m ? [JSON.stringify([...d.path.slice(0, -1), m[1]])] : [];
    }),
  );
  return out.filter((d) => !(d.message.startsWith("missing required setting") && meant.has(JSON.stringify(d.path))));
}
