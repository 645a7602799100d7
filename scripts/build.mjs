// Bundles the CLI into dist/labgen.mjs with esbuild: one file starts much faster than the
// hundreds of modules zod and the generator are made of (the cold-start budget is 150 ms).
// dist/labgen-config.mjs is what `import { defineLab } from "labgen"` resolves to at run time.
// Heavy or rarely used modules stay external and load lazily (jiti for the config, the parser
// only to locate errors, diff only for `labgen diff`).
import { rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  absWorkingDir: root,
  legalComments: "none",
  // Whitespace and syntax only: a smaller file parses faster, and names stay readable in stacks.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  external: ["jiti", "sucrase", "@babel/parser", "diff"],
  plugins: [
    {
      // zod re-exports its ~60 message locales through `z.locales`; labgen uses the default (en)
      // only, so the bundle gets a locales module with just that one (half of zod's bytes).
      name: "zod-en-only",
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
          args.importer.includes("/node_modules/zod/") ? { path: "zod-locales-en", namespace: "labgen" } : undefined,
        );
        b.onLoad({ filter: /^zod-locales-en$/, namespace: "labgen" }, () => ({
          contents: `export { default as en } from ${JSON.stringify(`${root}node_modules/zod/v4/locales/en.js`)};`,
          resolveDir: root,
        }));
      },
    },
  ],
};
// CommonJS dependencies (yaml, sucrase) call require() for Node built-ins.
const requireShim = 'import { createRequire as __labgenRequire } from "node:module"; const require = __labgenRequire(import.meta.url);';
await build({ ...common, entryPoints: ["generator/cli/main.ts"], outfile: "dist/labgen.mjs", banner: { js: requireShim } });
await build({ ...common, entryPoints: ["generator/config/index.ts"], outfile: "dist/labgen-config.mjs" });
writeFileSync(`${root}dist/package.json`, '{ "type": "module" }\n');
