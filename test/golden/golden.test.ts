// Golden files: each case's generation must equal its expected files byte for byte, and the
// lock must be complete (a case that still needs allocations would change on the next run).
// Refresh after an intended change with `UPDATE_GOLDEN=1 npx vitest run test/golden`, then read
// the diff (git diff) before committing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCase, expectedFiles, goldenCases } from "../support/golden.ts";

const update = process.env.UPDATE_GOLDEN === "1";

describe.each(goldenCases())("golden case $name", (c) => {
  it("generates exactly the expected files", async () => {
    const r = await compileCase(c);
    if (update) {
      rmSync(c.expectedDir, { recursive: true, force: true });
      for (const f of r.files) {
        mkdirSync(dirname(join(c.expectedDir, f.path)), { recursive: true });
        writeFileSync(join(c.expectedDir, f.path), f.content, { mode: f.executable ? 0o755 : 0o644 });
      }
      if (r.lockChanged) writeFileSync(c.lockFile, r.lockText);
    }
    const expected = expectedFiles(c);
    const actual = new Map(r.files.map((f) => [f.path, f.content]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of actual) {
      // toBe on strings shows a line diff on failure: the golden reads as a diff.
      expect(content, `${c.name}: ${path}`).toBe(expected.get(path));
    }
  });

  it("has a complete lock (nothing left to allocate)", async () => {
    const r = await compileCase(c);
    expect(r.allocated).toEqual([]);
    expect(r.lockChanged).toBe(false);
    expect(readFileSync(c.lockFile, "utf8")).toBe(r.lockText);
  });
});
