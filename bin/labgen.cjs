#!/usr/bin/env node
// Runs the bundled CLI (npm ci builds dist/ through the prepare script). The bundle is compiled
// with V8's code cache from the build when V8 accepts it (same V8 and flags), which saves most of
// the parse and compile time of a cold start; otherwise it is compiled as usual.
// CommonJS on purpose: an ES module entry makes Node set up its ESM loader first (about 5 ms of
// CPU, 3% of a small lab's whole run). bin/labgen.mjs, the older entry, loads this file.
"use strict";
const { existsSync, readFileSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

const file = join(__dirname, "..", "dist", "labgen.cjs");
if (!existsSync(file)) {
  process.stderr.write("labgen: dist/ is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}
const cacheFile = `${file}.cache`;
const training = process.env.LABGEN_WRITE_CODE_CACHE;
const cachedData = !training && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
// A Buffer decoded in one go is faster than readFileSync's own utf8 path on this file (~1 ms).
const script = new Script(Module.wrap(readFileSync(file).toString("utf8")), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dirname(file));

(async () => {
  try {
    process.exitCode = await mod.exports.run(process.argv.slice(2));
    // The build's training run: the cache now holds the functions a real run compiled.
    if (training) writeFileSync(training, script.createCachedData());
  } catch (e) {
    process.stderr.write(`labgen: internal error (a bug in labgen, please report it):\n${e?.stack ?? e}\n`);
    process.exitCode = 70;
  }
})();
