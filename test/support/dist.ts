// Tests that run the built CLI (bin/labgen.mjs → dist/) rebuild dist/ first when a source is newer
// than the bundle (CI builds it in `npm ci`; locally it may be stale).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./golden.ts";

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureBuilt(): void {
  const built = ["labgen.cjs", "labgen-edit.cjs"].map((f) => join(ROOT, "dist", f));
  const sources = Math.max(newest(join(ROOT, "generator")), statSync(join(ROOT, "scripts", "build.mjs")).mtimeMs);
  if (built.some((f) => !existsSync(f) || statSync(f).mtimeMs < sources)) execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: "ignore" });
}
