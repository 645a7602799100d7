// The root lab is the user's: the suite reads it for one thing only, that the committed out/ and
// lab.lock.json are exactly its generation (what `labgen diff` checks). Whatever lab the user keeps
// at the root, this is the only test that looks at it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { planWrite } from "../../generator/write/writer.ts";
import { ROOT } from "../support/golden.ts";

const config = join(ROOT, "lab.config.ts");

describe.skipIf(!existsSync(config))("the root lab", () => {
  it("has out/ and lab.lock.json equal to its generation (run `labgen generate` after editing)", async () => {
    const r = await compile({ configFile: config, lockFile: join(ROOT, "lab.lock.json") });
    if (!r.ok) throw new Error(`the root lab.config.ts is invalid: run \`npx labgen check\`\n${r.diagnostics.map((d) => `${d.path.join(".")}: ${d.message}`).join("\n")}`);
    expect(r.lockChanged, "lab.lock.json is not up to date").toBe(false);
    const plan = planWrite(join(ROOT, "out"), r.files);
    const changed = plan.changes.filter((c) => c.kind !== "unchanged").map((c) => `${c.kind} ${c.path}`);
    expect(changed).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.manifestChanged).toBe(false);
    expect(readFileSync(join(ROOT, "lab.lock.json"), "utf8")).toBe(r.lockText);
  });
});
