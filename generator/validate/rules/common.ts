// What every rule file shares: the rule type and helpers that keep rules linear in the config.
import type { LabConfig } from "../../config/schema.ts";
import type { DiagnosticBag } from "../../shared/diagnostics.ts";

/** A semantic rule: its id (what diagnostics carry and the docs list), its doc line, its check. */
export type Rule = { readonly id: string; readonly summary: string; check: (lab: LabConfig, d: DiagnosticBag) => void };

/** World-readable: no secret, key or state may live below it. */
export const NIX_STORE = "/nix/store";

export const entries = <T>(r: Record<string, T>): [string, T][] => Object.entries(r);

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
