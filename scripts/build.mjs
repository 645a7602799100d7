// Compiles generator/ to dist/ with tsc (rewriting .ts imports to .js), so the CLI starts
// without a TypeScript loader. TypeScript is a build tool here, never a runtime dependency.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  // Installed without devDependencies and without dist/: nothing we can build.
  if (!existsSync(new URL("../dist", import.meta.url))) console.error("labgen build: typescript is not installed; run npm ci");
  process.exit(1);
}
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit", cwd: new URL("..", import.meta.url) });
writeFileSync(new URL("../dist/package.json", import.meta.url), '{ "type": "module" }\n');
