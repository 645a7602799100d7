// Builds dist/ for the CLI:
//   dist/labgen.cjs        the CLI bundled by esbuild: one file starts much faster than the
//                          hundreds of modules zod and the generator are made of;
//   dist/labgen.cjs.cache  V8's code cache for it, taken after a training run of `generate` on
//                          the reference lab, so a cold start skips parsing and compiling
//                          (bin/labgen.cjs uses it when V8 accepts it, and compiles otherwise);
//   dist/labgen-config.mjs what `import { defineLab } from "labgen"` resolves to at run time;
//   dist/labgen-apps.mjs   what `import { forgejo, … } from "labgen/apps"` resolves to.
// Heavy or rarely used modules load lazily: jiti for the config, Sucrase (bundled) on a jiti cache
// miss, the parser only to locate errors, diff only for `labgen diff`.
// The cold-start budget is 150 ms for the reference lab; see `npm run bench`.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

/** sha256 over every file below dir: relative path and bytes, in sorted order. */
function sourcesHash(dir) {
  const h = createHash("sha256");
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else h.update(`${rel}${e.name}\0`).update(readFileSync(join(d, e.name))).update("\0");
    }
  };
  walk(dir, "");
  return h.digest("hex");
}
rmSync(`${root}dist`, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  absWorkingDir: root,
  legalComments: "none",
  logLevel: "warning",
  // Sucrase is bundled (and initialised only when required): the code cache then covers it too.
  // jiti is bundled (its loader is then in the code cache too) but its Babel transform stays a
  // file of its own: labgen passes Sucrase as jiti's transform, so Babel is never loaded.
  external: ["@babel/parser", "diff"],
  plugins: [
    {
      name: "jiti-without-babel",
      setup(b) {
        b.onResolve({ filter: /\/dist\/babel\.cjs$/ }, (args) =>
          args.importer.includes("/node_modules/jiti/") ? { path: "jiti-babel-unused", namespace: "labgen" } : undefined,
        );
        b.onLoad({ filter: /^jiti-babel-unused$/, namespace: "labgen" }, () => ({
          contents: `module.exports = () => { throw new Error("jiti's Babel transform is not bundled: labgen transpiles the config with Sucrase"); };`,
        }));
      },
    },
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
// The JSON Schema of the config, converted once here rather than on every run, and the config's
// TypeScript declarations generated from it (each field's description as its JSDoc, for hovers).
await build({
  ...common,
  format: "esm",
  stdin: {
    contents: 'export { labJsonSchema, labJsonSchemaText } from "./generator/targets/docs/schema.ts";\nexport { labInputDeclarations } from "./generator/config/dts.ts";\n',
    resolveDir: root,
    loader: "ts",
  },
  outfile: "dist/schema-tmp.mjs",
});
const { labJsonSchema, labJsonSchemaText, labInputDeclarations } = await import(`${root}dist/schema-tmp.mjs`);
const schemaText = labJsonSchemaText();
rmSync(`${root}dist/schema-tmp.mjs`);
const declarations = labInputDeclarations(labJsonSchema());
const declarationsFile = `${root}generator/config/lab-input.generated.ts`;
if (!existsSync(declarationsFile) || readFileSync(declarationsFile, "utf8") !== declarations) writeFileSync(declarationsFile, declarations);

// CommonJS, because V8's code cache is only available to scripts (vm.Script), not to ES modules.
// Whitespace and syntax minified (names kept, so stack traces still name functions): a third less
// source to read at every start.
const cjs = {
  ...common,
  minifyWhitespace: true,
  minifySyntax: true,
  format: "cjs",
  define: { "import.meta.url": "__labgenUrl", __LABGEN_SCHEMA_TEXT__: JSON.stringify(schemaText) },
  banner: { js: 'const __labgenUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await build({
  ...cjs,
  entryPoints: ["generator/cli/main.ts"],
  outfile: "dist/labgen.cjs",
  // The editing commands (set/add/rm/mv/mcp) are a bundle of their own, required only by them, so
  // the generate path neither parses nor caches their code; import() becomes require() because
  // vm.Script (bin/labgen.cjs) has no dynamic import.
  supported: { "dynamic-import": false },
  plugins: [
    ...common.plugins,
    {
      name: "edit-bundle-apart",
      setup(b) {
        b.onResolve({ filter: /\/edit\/cli\.ts$/ }, (args) => (args.importer.endsWith("cli/main.ts") ? { path: "./labgen-edit.cjs", external: true } : undefined));
      },
    },
  ],
});
// ts-morph (with its own TypeScript) and the MCP SDK stay in node_modules, loaded by these commands.
await build({
  ...cjs,
  entryPoints: ["generator/edit/cli.ts"],
  outfile: "dist/labgen-edit.cjs",
  external: [...common.external, "ts-morph", "@modelcontextprotocol/sdk"],
});
await build({ ...common, format: "esm", entryPoints: ["generator/config/index.ts"], outfile: "dist/labgen-config.mjs" });
await build({ ...common, format: "esm", entryPoints: ["generator/apps/index.ts"], outfile: "dist/labgen-apps.mjs" });
writeFileSync(`${root}dist/package.json`, '{ "type": "module" }\n');
// What the bundle was built from: tests that run bin/labgen.cjs (or .mjs) refuse a bundle older than the
// sources (test/support/dist.ts computes the same hash), whatever the files' mtimes say.
writeFileSync(`${root}dist/sources.sha256`, `${sourcesHash(join(root, "generator"))}\n`);

// Training run: generate the reference lab (test/cases/reference, not the user's lab at the root,
// which may still have placeholders) in a scratch directory, then save the code cache.
const scratch = mkdtempSync(join(tmpdir(), "labgen-train-"));
try {
  const reference = join(root, "test", "cases", "reference");
  for (const f of ["lab.config.ts", "lab.lock.json"]) if (existsSync(join(reference, f))) copyFileSync(join(reference, f), join(scratch, f));
  execFileSync(process.execPath, [join(root, "bin", "labgen.cjs"), "generate", "--config", join(scratch, "lab.config.ts")], {
    // No jiti cache: the training run transpiles the config, as a run after an edit does.
    env: { ...process.env, LABGEN_WRITE_CODE_CACHE: join(root, "dist", "labgen.cjs.cache"), LABGEN_NO_CACHE: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
} catch (e) {
  // No cache only costs start-up time; the CLI works without it.
  console.error(`labgen build: no code cache (${e.message.split("\n")[0]})`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
