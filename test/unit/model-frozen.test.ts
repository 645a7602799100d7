// The Model is read-only for the targets. A plain `generate` skips the runtime freeze (a walk over
// every object of the Model), so the guarantee is checked here: under the test suite resolve
// freezes the whole Model, every golden case and target test plans from that frozen Model (a
// write throws in strict code), and this file proves the freeze really is deep and really is on.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { deepFreeze, FREEZE_MODEL } from "../../generator/resolve/resolve.ts";
import { ROOT } from "../support/golden.ts";

/** Paths of every object or array reachable from `o` that is not frozen. */
function unfrozen(o: unknown, path = "model", out: string[] = []): string[] {
  if (typeof o !== "object" || o === null) return out;
  if (!Object.isFrozen(o)) out.push(path);
  if (Array.isArray(o)) o.forEach((v, i) => unfrozen(v, `${path}[${i}]`, out));
  else for (const [k, v] of Object.entries(o)) unfrozen(v, `${path}.${k}`, out);
  return out;
}

describe("the Model is frozen wherever output is checked", () => {
  it("is on in the test suite", () => {
    expect(FREEZE_MODEL).toBe(true);
  });

  it("freezes every object and array of the reference lab's Model", async () => {
    const dir = join(ROOT, "test", "cases", "reference");
    const r = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.model.instances.length).toBeGreaterThan(3);
    expect(unfrozen(r.model)).toEqual([]);
    // What a target that wrote to the Model would run into (strict code throws, never ignores).
    const inst = r.model.instances[0] as unknown as { name: string; nics: unknown[] };
    expect(() => {
      inst.name = "other";
    }).toThrow(TypeError);
    expect(() => inst.nics.push({})).toThrow(TypeError);
  });

  it("deepFreeze reaches objects inside arrays inside objects, and leaves primitives alone", () => {
    const m = deepFreeze({ a: [{ b: { c: [1, "x", null] } }], s: "text", n: 1 });
    expect(unfrozen(m)).toEqual([]);
    expect(m.s).toBe("text");
  });
});
