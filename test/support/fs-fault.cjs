// Preloaded (node --require) into a labgen process by the interruption test: counts the calls that
// change the file system under LABGEN_FAULT_DIR and kills the process with SIGKILL just before the
// LABGEN_FAULT_AT-th one (1-based), as a power cut or `kill -9` would. The count of calls a run
// made is written to LABGEN_FAULT_COUNT_FILE at exit, so the test knows when it has tried them all.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.LABGEN_FAULT_DIR;
const at = Number(process.env.LABGEN_FAULT_AT ?? "0");
const countFile = process.env.LABGEN_FAULT_COUNT_FILE;
if (!dir) throw new Error("fs-fault.cjs needs LABGEN_FAULT_DIR");
const root = path.resolve(dir) + path.sep;
let count = 0;

const MUTATING = ["mkdirSync", "writeFileSync", "chmodSync", "renameSync", "unlinkSync", "rmdirSync", "rmSync", "copyFileSync", "appendFileSync", "truncateSync"];
for (const name of MUTATING) {
  const original = fs[name];
  fs[name] = function (target, ...rest) {
    if (typeof target === "string" && path.resolve(target).startsWith(root)) {
      count++;
      if (count === at) process.kill(process.pid, "SIGKILL");
    }
    return original.call(this, target, ...rest);
  };
}
process.on("exit", () => {
  if (countFile) fs.writeFileSync(countFile, String(count));
});
