// validate() parses a large lab with compiledLabSchema(): LabSchema whose instances are parsed by
// zod's compiled form of their schema, which answers only "valid, here are the instances" and hands
// everything else to the schema itself. That is sound only if the result is always the schema's own:
// the same value (keys in the same order) or the same issues. Checked here on every case config,
// on 2,000 seeded mutants of the reference lab (the fuzz test's mutations) and on a large
// synthetic lab, which is the one that takes that path.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
// @ts-expect-error: the bench's synthetic labs are plain JavaScript
import { syntheticLab } from "../../bench/synthetic.mjs";
import { loadConfig } from "../../generator/config/load.ts";
import { LabSchema } from "../../generator/config/schema.ts";
import { zodIssuesToDiagnostics } from "../../generator/validate/schema-errors.ts";
import { compiledLabSchema, schemaFor, validate } from "../../generator/validate/validate.ts";
import { INVALID_CASES_DIR, type Obj, REFERENCE_CONFIG, REPO_ROOT, rng } from "../support/lab-fixtures.ts";
import { mutate } from "../support/mutate.ts";

const compiled = compiledLabSchema();
const instancesParser = z.core.compileFn(LabSchema.shape.instances);

/** The schema with compiled instances gives exactly what LabSchema gives on `raw`. */
function agree(raw: unknown, what: string): void {
  const runtime = LabSchema.safeParse(raw);
  const fast = compiled.safeParse(raw);
  expect(fast.success, what).toBe(runtime.success);
  if (runtime.success) {
    // JSON text: the same values with the same keys in the same order.
    expect(JSON.stringify(fast.data), what).toBe(JSON.stringify(runtime.data));
    expect(fast.data, what).toEqual(runtime.data);
  } else expect(fast.error!.issues, what).toEqual(runtime.error.issues);
  // And the compiled instances parser on its own never accepts instances the schema refuses.
  const instances = raw && typeof raw === "object" ? (raw as Obj).instances : undefined;
  const alone = LabSchema.shape.instances.safeParse(instances);
  const out = instancesParser(instances);
  if (!alone.success) expect(out, `${what}: compiled instances parser accepts what the schema refuses`).toBe(z.INVALID);
  else expect(JSON.stringify(out), what).toBe(JSON.stringify(alone.data));
}

describe("the compiled schema", () => {
  it("agrees with the schema on every case config, valid and invalid", async () => {
    const dirs = [
      ...readdirSync(join(REPO_ROOT, "test", "cases")).map((d) => join(REPO_ROOT, "test", "cases", d)),
      ...readdirSync(INVALID_CASES_DIR).map((d) => join(INVALID_CASES_DIR, d)),
    ];
    let n = 0;
    for (const dir of dirs) {
      const file = join(dir, "lab.config.ts");
      if (!existsSync(file)) continue;
      let raw: unknown;
      try {
        raw = (await loadConfig(file)).raw;
      } catch {
        continue; // a case about loading (syntax errors, throws): nothing to parse
      }
      agree(raw, file);
      n++;
    }
    expect(n).toBeGreaterThan(60);
  });

  it("agrees with the schema on 2,000 mutants of the reference lab", async () => {
    const base = (await loadConfig(REFERENCE_CONFIG)).raw as Obj;
    const r = rng(20261207);
    for (let i = 0; i < 2000; i++) {
      const { lab, did } = mutate(base, r);
      agree(lab, `mutant ${i} (${did.map((d) => `${d.op} ${d.path}`).join("; ")})`);
    }
  });

  it("is what validate() parses a large lab with, with the same result as the schema", () => {
    const lab = syntheticLab(1000, "dhcp") as Obj;
    expect(compiled).not.toBe(LabSchema);
    expect(schemaFor(lab)).toBe(compiled);
    expect(schemaFor(baseLabLike())).toBe(LabSchema);
    agree(lab, "synthetic 1,000");
    expect(validate(lab).config).toEqual(LabSchema.parse(lab));
    // An error in a large lab is the schema's own: the same diagnostics as the schema's issues give.
    lab.instances.app7.cpu = 0;
    const issues = LabSchema.safeParse(lab).error!.issues;
    const got = validate(lab).diagnostics.slice(0, 1);
    expect(got).toEqual(zodIssuesToDiagnostics(issues, lab));
    expect(got.map((x) => x.path.join("."))).toEqual(["instances.app7.cpu"]);
  });
});

const baseLabLike = () => ({ instances: { a: {} } });
