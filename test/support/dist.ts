// The tests that run the real CLI process (bin/labgen.mjs) run dist/, which `npm run build` makes
// from generator/. A stale bundle would test old code: refuse it, by content (scripts/build.mjs
// records the same hash of the sources it bundled), not by mtimes a checkout rewrites.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./lab-fixtures.ts";

function sourcesHash(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else h.update(`${rel}${e.name}\0`).update(readFileSync(join(d, e.name))).update("\0");
    }
  };
  walk(dir, "");
  return h.digest("hex");
}

/** Null when dist/ was built from the current generator/, else what to do. */
export function distProblem(): string | null {
  const recorded = join(REPO_ROOT, "dist/sources.sha256");
  if (!existsSync(recorded)) return "dist/ is missing or predates its source hash: run `npm run build`";
  if (readFileSync(recorded, "utf8").trim() !== sourcesHash(join(REPO_ROOT, "generator"))) return "dist/ was built from other sources than generator/: run `npm run build`";
  return null;
}
