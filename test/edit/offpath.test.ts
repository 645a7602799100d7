// ts-morph (with its own TypeScript), the MCP SDK and the editing commands' bundle stay off the
// generate path: a cold `labgen generate` of the built CLI never loads them, while `labgen set`
// does. Observed by wrapping Node's module loader in the child process.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensureBuilt } from "../support/dist.ts";
import { ROOT } from "../support/golden.ts";

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "labgen-offpath-"));
  for (const f of ["lab.config.ts", "lab.lock.json"]) copyFileSync(join(ROOT, "test", "cases", "reference", f), join(dir, f));
  writeFileSync(
    join(dir, "hook.cjs"),
    `const M = require("node:module"); const seen = new Set(); const load = M._load;
M._load = function (request, ...rest) { seen.add(request); return load.call(this, request, ...rest); };
process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_TO, [...seen].join("\\n")));\n`,
  );
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loaded(...args: string[]): string[] {
  const to = join(dir, `loaded-${args[0]}.txt`);
  const r = spawnSync(process.execPath, ["-r", join(dir, "hook.cjs"), join(ROOT, "bin", "labgen.mjs"), ...args, "--config", join(dir, "lab.config.ts")], {
    encoding: "utf8",
    env: { ...process.env, LOADED_TO: to },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(to, "utf8").split("\n");
}

test("generate loads neither ts-morph, nor the MCP SDK, nor the editing bundle; set does", () => {
  const heavy = (mods: string[]) => mods.filter((m) => /ts-morph|typescript|modelcontextprotocol|labgen-edit/.test(m));
  expect(heavy(loaded("generate"))).toEqual([]);
  expect(heavy(loaded("set", "instances.grafana.cpu", "1", "--dry-run"))).toEqual(expect.arrayContaining(["./labgen-edit.cjs", "ts-morph"]));
});
