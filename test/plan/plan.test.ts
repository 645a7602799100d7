// planLab: every risk class, from small labs. Each rule names the upstream source it encodes.
import { describe, expect, it } from "vitest";
import { planLab, type LabPlan, type PlanChange } from "../../generator/plan/plan.ts";
import { emptyLock, type Lock } from "../../generator/resolve/lock.ts";
import type { Model } from "../../generator/resolve/model.ts";
import { resolve } from "../../generator/resolve/resolve.ts";
import { validate } from "../../generator/validate/validate.ts";
import { baseLab, ingressLab, type Obj } from "../support/lab-fixtures.ts";

/** Resolve a lab object; `lock` carries allocations over from the base, as lab.lock.json does. */
function modelOf(lab: Obj, lock: Lock = emptyLock()): { model: Model; lock: Lock } {
  const v = validate(lab);
  if (!v.config) throw new Error(v.diagnostics.map((d) => `${d.path.join(".")}: ${d.message}`).join("\n"));
  const r = resolve(v.config, lock);
  if (!r.resolved) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { model: r.resolved.model, lock: r.resolved.lock };
}

/** The plan from `lab` to `edit(lab)`. */
function planOf(make: () => Obj, edit: (l: Obj) => void): LabPlan {
  const a = modelOf(make());
  const next = make();
  edit(next);
  return planLab(a.model, modelOf(next, a.lock).model);
}

const brief = (c: PlanChange) => `${c.risk} ${c.kind} ${c.name} @ ${c.path}`;
const briefs = (p: LabPlan) => p.changes.map(brief);

describe("planLab", () => {
  it("no change: an empty plan", () => {
    const p = planOf(baseLab, () => {});
    expect(p.changes).toEqual([]);
    expect(p.blocked).toEqual([]);
  });

  it("a first deploy (no base): everything is an add", () => {
    const { model } = modelOf(ingressLab());
    const p = planLab(null, model);
    expect(new Set(p.changes.map((c) => c.risk))).toEqual(new Set(["add"]));
    expect(briefs(p)).toEqual(
      expect.arrayContaining(["add host nas @ hosts.nas", "add instance web @ instances.web", "add route web @ ingress.routes.web", "add storagePool fast @ storage.fast", "add network lab0 @ networks.lab0"]),
    );
  });

  it("removing an instance with a volume: destroy-data for the root disk and the volume, blocked", () => {
    const p = planOf(
      () => {
        const l = baseLab();
        l.instances.web.volumes = [{ name: "data", size: "10GiB", path: "/srv" }];
        return l;
      },
      (l) => delete l.instances.web,
    );
    expect(briefs(p)).toEqual(["destroy-data instance web @ instances", "destroy-data volume web-data @ instances"]);
    expect(p.blocked.map(brief)).toEqual(briefs(p));
    expect(p.changes.every((c) => c.allowed === false)).toBe(true);
  });
});
