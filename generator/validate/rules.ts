// Semantic (cross-layer) rules. Each rule reads the schema-valid config and reports every
// problem it sees; all rules always run, so the user gets every error at once.
// One file per area in rules/; RULES is the catalogue (docs and tests enumerate it), in the
// order the rules run. A new rule: add it to its area's list, with its id and doc line.
import type { LabConfig } from "../config/schema.ts";
import { DiagnosticBag } from "../shared/diagnostics.ts";
import type { InstancePass, Rule } from "./rules/common.ts";
import { APPS_RULES, checkSecretsInRepository, type RuleContext } from "./rules/apps.ts";
import { DESTROY_RULES } from "./rules/destroy.ts";
import { HOST_RULES } from "./rules/host.ts";
import { INGRESS_RULES } from "./rules/ingress.ts";
import { INSTANCES_RULES } from "./rules/instances.ts";
import { NAMING_RULES } from "./rules/naming.ts";
import { NETWORK_RULES } from "./rules/network.ts";
import { SECRETS_RULES } from "./rules/secrets.ts";
import { STORAGE_RULES } from "./rules/storage.ts";
import { TEXT_RULES } from "./rules/text.ts";

export { secretKind, secretMessage } from "./rules/secrets.ts";
export type { Rule } from "./rules/common.ts";
export type { RuleContext } from "./rules/apps.ts";

export const RULES: readonly Rule[] = [
  ...TEXT_RULES,
  ...NAMING_RULES,
  ...NETWORK_RULES,
  ...STORAGE_RULES,
  ...INSTANCES_RULES,
  ...APPS_RULES,
  ...INGRESS_RULES,
  ...SECRETS_RULES,
  ...HOST_RULES,
  ...DESTROY_RULES,
];

/**
 * Runs every rule (but the `skip`ped ones: those that read a part of the config left out). The
 * instance rules share one pass over the instances; every rule reports into a bag of its own, and
 * the findings come out in the catalogue's order, as if each rule had run on its own in turn.
 */
export function runRules(lab: LabConfig, bag: DiagnosticBag, ctx: RuleContext = {}, skip: ReadonlySet<string> = new Set()): void {
  const bags: DiagnosticBag[] = [];
  const passes: InstancePass[] = [];
  for (const rule of RULES) {
    if (rule.raw || skip.has(rule.id)) continue;
    const own = new DiagnosticBag();
    bags.push(own);
    if (rule.pass) passes.push(rule.pass(lab, own));
    else rule.check(lab, own);
  }
  if (passes.length > 0) {
    // By name: no [name, instance] pair is made for each of 10,000 instances.
    const instances = lab.instances;
    for (const n of Object.keys(instances)) {
      const inst = instances[n];
      for (const p of passes) p.each(n, inst);
    }
    for (const p of passes) p.end?.();
  }
  for (const own of bags) for (const item of own.items) bag.items.push(item);
  checkSecretsInRepository(lab, bag, ctx);
}

/** The rules that run on the raw config, before the schema. */
export const RAW_RULES = RULES.filter((r): r is Extract<Rule, { check: unknown }> => r.raw === true);
