// What every rule file shares: the rule type and helpers that keep rules linear in the config.
import type { InstanceConfig, LabConfig } from "../../config/schema.ts";
import { formatPath, type DiagnosticBag, type PathSegment } from "../../shared/diagnostics.ts";

/**
 * A semantic rule: its id (what diagnostics carry and the docs list), its doc line, and its check,
 * or (made by instanceRule) its step per instance.
 */
export type Rule = {
  readonly id: string;
  readonly summary: string;
} & (
  | {
      check: (lab: LabConfig, d: DiagnosticBag) => void;
      /** Reads the raw config, before the schema (so it must expect any value anywhere). */
      readonly raw?: true;
      readonly pass?: undefined;
    }
  | { readonly pass: (lab: LabConfig, d: DiagnosticBag) => InstancePass; readonly raw?: undefined }
);

/** A rule's step for each instance, in the order of lab.instances, and what it does after the last. */
export interface InstancePass {
  each(name: string, inst: InstanceConfig): void;
  end?(): void;
}

/**
 * A rule whose work is one step per instance. runRules makes one pass over lab.instances for all
 * such rules (a lab of 10,000 instances was read once per rule, ~20 times), each rule reporting
 * into a bag of its own so that the findings keep the catalogue's order. `pass` does what comes
 * before the first instance and returns the steps.
 */
export const instanceRule = (r: { id: string; summary: string; pass: (lab: LabConfig, d: DiagnosticBag) => InstancePass }): Rule => r;

/**
 * Unknown names, one error per name: a name missing from its section (a host renamed, a pool never
 * declared) is one mistake however often it is used. Reported at its first use, naming the others.
 */
export class UnknownNames {
  private readonly uses = new Map<string, PathSegment[][]>();
  add(name: string, path: PathSegment[]): void {
    const list = this.uses.get(name);
    if (list) list.push(path);
    else this.uses.set(name, [path]);
  }
  report(d: DiagnosticBag, rule: string, message: (name: string) => string): void {
    for (const [name, [first, ...others]] of this.uses) {
      const shown = others.slice(0, 3).map(formatPath).join(", ");
      const more = others.length > 3 ? ` and ${others.length - 3} more` : "";
      d.error(rule, first, `${message(name)}${others.length ? ` (also used at ${shown}${more})` : ""}`);
    }
  }
}

/** World-readable: no secret, key or state may live below it. */
export const NIX_STORE = "/nix/store";

// Instances grouped by host, computed once per config: rules that look per host must stay
// linear in instances (10,000-instance labs are in the performance budget).
const byHostCache = new WeakMap<LabConfig, Map<string, [string, LabConfig["instances"][string]][]>>();
export function instancesByHost(lab: LabConfig): Map<string, [string, LabConfig["instances"][string]][]> {
  let m = byHostCache.get(lab);
  if (!m) {
    m = new Map();
    for (const e of Object.entries(lab.instances)) {
      const list = m.get(e[1].host);
      if (list) list.push(e);
      else m.set(e[1].host, [e]);
    }
    byHostCache.set(lab, m);
  }
  return m;
}
