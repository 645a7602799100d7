import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    // lab.config.ts files import { defineLab } from "labgen"; the loader maps it the same way.
    alias: { labgen: fileURLToPath(new URL("./generator/config/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
