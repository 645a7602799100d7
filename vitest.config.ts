import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    // lab.config.ts files import { defineLab } from "labgen" and presets from "labgen/apps"; the
    // loader maps them the same way.
    // Most specific first: "labgen/apps" must not resolve as "labgen" + "/apps".
    alias: [
      { find: /^labgen\/apps$/, replacement: fileURLToPath(new URL("./generator/apps/index.ts", import.meta.url)) },
      { find: /^labgen$/, replacement: fileURLToPath(new URL("./generator/config/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
