#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds dist/ through the prepare script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/labgen.mjs", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("labgen: dist/ is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}
const { run } = await import(entry.href);
try {
  process.exitCode = await run(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`labgen: internal error (a bug in labgen, please report it):\n${e?.stack ?? e}\n`);
  process.exitCode = 70;
}
