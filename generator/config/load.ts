// Loads lab.config.ts (and its relative imports) with jiti, a maintained TS loader, mapping the
// "labgen" import to this package so a config works both in this repository and next to the
// flake. TypeScript itself is never loaded here; Sucrase strips the types.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";
import { transform } from "sucrase";
import type { Diagnostic } from "../validate/diagnostics.ts";

export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Its text (for locating diagnostics). */
  readonly source: string;
  /** The default export, not yet validated. */
  readonly raw: unknown;
}

/** A load failure: the file is missing, does not parse, throws, or exports nothing. */
export class ConfigLoadError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostic: Diagnostic,
  ) {
    super(diagnostic.message);
  }
}

// What `import { defineLab } from "labgen"` means: the sources next to this file (tests, jiti),
// or the bundled entry next to dist/labgen.mjs.
const here = fileURLToPath(import.meta.url);
const labgenEntry =
  [resolvePath(dirname(here), "index.ts"), resolvePath(dirname(here), "labgen-config.mjs")].find((p) => existsSync(p)) ??
  resolvePath(dirname(here), "index.ts");

function fail(file: string, message: string, line?: number, column?: number): never {
  throw new ConfigLoadError(file, { severity: "error", rule: "load", path: [], message, line, column });
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolvePath(file);
  if (!existsSync(abs)) fail(abs, `${file} not found: run 'labgen init' to create one, or pass --config <file>`);
  const source = readFileSync(abs, "utf8");
  const jiti = createJiti(here, {
    alias: { labgen: labgenEntry },
    moduleCache: false,
    // The transpile cache makes warm runs fast; LABGEN_NO_CACHE=1 measures the cold path.
    fsCache: process.env.LABGEN_NO_CACHE !== "1",
    interopDefault: true,
    // Sucrase only strips types and rewrites imports: ~10x faster than jiti's default Babel
    // pipeline on a cold start, and a config needs nothing more.
    transform: (o) => ({
      code: transform(o.source, { transforms: ["typescript", "imports"], filePath: o.filename }).code,
    }),
  });
  let mod: unknown;
  try {
    mod = await jiti.import(abs);
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    // jiti reports syntax errors as "ParseError: <what>\n <file>:<line>:<col>".
    const m = /:(\d+):(\d+)\s*$/.exec(err.message.trim());
    const what = err.message.split("\n")[0].replace(/^Error:\s*/, "").trim();
    if (/ParseError|SyntaxError/.test(err.message) || err.name === "SyntaxError")
      fail(abs, `syntax error: ${what.replace(/^ParseError:\s*/, "")}`, m ? Number(m[1]) : undefined, m ? Number(m[2]) + 1 : undefined);
    const frame = /lab[^/\s]*\.ts:(\d+):(\d+)/.exec(err.stack ?? "");
    fail(abs, `evaluating the config threw: ${what}`, frame ? Number(frame[1]) : undefined, frame ? Number(frame[2]) : undefined);
  }
  const raw = mod && typeof mod === "object" && "default" in mod ? (mod as { default: unknown }).default : mod;
  if (raw === undefined || raw === null || typeof raw !== "object" || Object.keys(raw).length === 0)
    fail(abs, "the config has no default export: end it with `export default defineLab({ ... })`");
  return { file: abs, source, raw };
}
