// Loads lab.config.ts (and its relative imports) with jiti, a maintained TS loader, mapping the
// "labgen" import to this package so a config works both in this repository and next to the
// flake. TypeScript itself is never loaded here; Sucrase strips the types.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Script } from "node:vm";
import type { Diagnostic } from "../shared/diagnostics.ts";

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
// jiti and the parser are CommonJS: require() skips the ESM loader's export scan of jiti's
// large bundle.
const nodeRequire = createRequire(import.meta.url);
// Sucrase runs only when jiti's cache misses (the config changed). In the bundled CLI (CommonJS)
// esbuild turns the bare `require("sucrase")` into a lazily initialised bundled module, which
// V8's code cache covers without its start-up cost on every run; from the TypeScript sources
// (ES modules, tests) there is no global `require` and nodeRequire loads it from node_modules.
let sucrase: typeof import("sucrase") | undefined;
const loadSucrase = (): typeof import("sucrase") =>
  typeof require === "function" ? (require("sucrase") as typeof import("sucrase")) : (nodeRequire("sucrase") as typeof import("sucrase"));
const transform: typeof import("sucrase").transform = (code, options) => (sucrase ??= loadSucrase()).transform(code, options);

const labgenEntry =
  [resolvePath(dirname(here), "index.ts"), resolvePath(dirname(here), "labgen-config.mjs")].find((p) => existsSync(p)) ??
  resolvePath(dirname(here), "index.ts");
// "labgen/apps": the presets (generator/apps/index.ts next to the sources, labgen-apps.mjs next to the bundle).
const appsEntry =
  [resolvePath(dirname(here), "..", "apps", "index.ts"), resolvePath(dirname(here), "labgen-apps.mjs")].find((p) => existsSync(p)) ??
  resolvePath(dirname(here), "..", "apps", "index.ts");

const transpile = (source: string, filePath: string): string => transform(source, { transforms: ["typescript", "imports"], filePath }).code;

// Bundled like Sucrase (see above): in the CLI, jiti's loader is part of the code-cached bundle.
const loadJiti = (): typeof import("jiti").createJiti =>
  ((typeof require === "function" ? require("jiti") : nodeRequire("jiti")) as typeof import("jiti")).createJiti;
const createJiti: typeof import("jiti").createJiti = (id, options) => loadJiti()(id, options);

function fail(file: string, message: string, line?: number, column?: number): never {
  throw new ConfigLoadError(file, { severity: "error", rule: "load", path: [], message, line, column });
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolvePath(file);
  if (!existsSync(abs)) fail(abs, `${file} not found: run 'labgen init' to create one, or pass --config <file>`);
  const source = readFileSync(abs, "utf8");
  const jiti = loadJiti()(here, {
    alias: { "labgen/apps": appsEntry, labgen: labgenEntry },
    moduleCache: false,
    // The transpile cache makes warm runs fast; LABGEN_NO_CACHE=1 measures the cold path.
    fsCache: process.env.LABGEN_NO_CACHE !== "1",
    interopDefault: true,
    // Sucrase only strips types and rewrites imports: ~10x faster than jiti's default Babel
    // pipeline on a cold start, and a config needs nothing more.
    transform: (o) => ({ code: transpile(o.source, o.filename ?? abs) }),
  });
  let mod: unknown;
  try {
    mod = await importConfig(jiti, abs, source);
  } catch (e) {
    await loadFailure(abs, source, e);
  }
  // A config without `export default` still has a module object (its named exports, or none).
  if (!mod || typeof mod !== "object" || !("default" in mod)) {
    // Point at the named export that was probably meant to be the default one, if there is one.
    const line = source.split("\n").findIndex((l) => /^\s*export\s/.test(l));
    fail(abs, "the config has no default export: end it with `export default defineLab({ ... })`", line >= 0 ? line + 1 : undefined, line >= 0 ? 1 : undefined);
  }
  const raw = (mod as { default: unknown }).default;
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw))
    fail(abs, `the default export must be the lab object, got ${raw === null ? "null" : Array.isArray(raw) ? "a list" : typeof raw}: end the config with \`export default defineLab({ ... })\``);
  return { file: abs, source, raw };
}

// A large config (a generated inventory of thousands of instances) is mostly one object literal,
// and compiling it is most of loading it: 80 ms of V8 compile for a 3 MB config, every run. V8's
// code cache of the compiled module, kept next to jiti's transpile cache, halves that. Small
// configs compile in a few milliseconds and take jiti's own path.
const CODE_CACHE_MIN_CHARS = 128 * 1024;

type Jiti = ReturnType<typeof import("jiti").createJiti>;

/**
 * What `jiti.import(abs)` returns, evaluated the way jiti does (the same transpiled code in the same
 * wrapper, so positions in errors are the same) but compiled with V8's code cache. Anything unusual
 * (no cache directory, not TypeScript, code V8 refuses) takes jiti's own path, which reports it.
 */
async function importConfig(jiti: Jiti, abs: string, source: string): Promise<unknown> {
  const dir = jiti.options.fsCache;
  if (source.length < CODE_CACHE_MIN_CHARS || typeof dir !== "string" || !abs.endsWith(".ts")) return jiti.import(abs);
  // As jiti transpiles a module it imports (async: true), so its transpile cache serves both.
  const code = jiti.transform({ source, filename: abs, ts: true, async: true, jsx: false });
  const wrapped = `(async function (exports, require, module, __filename, __dirname, jitiImport, jitiESMResolve) { ${code}\n});`;
  // V8 checks a cache against the source's length only: the file records the hash of the code it
  // was made from. One cache file per config path, replaced when the config changes.
  const cacheFile = resolvePath(dir, `labgen-${createHash("sha256").update(abs).digest("hex").slice(0, 16)}.v8cache`);
  const key = createHash("sha256").update(wrapped).digest();
  let cached: Buffer | undefined;
  try {
    const file = readFileSync(cacheFile);
    if (file.length > key.length && file.subarray(0, key.length).equals(key)) cached = file.subarray(key.length);
  } catch {
    cached = undefined;
  }
  let script: Script;
  try {
    script = new Script(wrapped, { filename: abs, cachedData: cached });
  } catch {
    return jiti.import(abs);
  }
  const fn = script.runInThisContext({ displayErrors: false }) as (...args: unknown[]) => Promise<void>;
  const module = { exports: {} as Record<string, unknown>, loaded: false };
  // The config's own require/import: jiti, resolving relative to the config (as jiti's child does).
  const child = createJiti(abs, jiti.options);
  await fn(module.exports, child, module, abs, dirname(abs), child.import, child.esmResolve);
  module.loaded = true;
  if (cached === undefined || script.cachedDataRejected) {
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
      renameSync(tmp, cacheFile);
    } catch {
      // A cache that cannot be written costs the next run its compile, nothing else.
    }
  }
  const e = module.exports;
  if (!("default" in e)) return e;
  // jiti's interopDefault, as loadConfig reads it: `default` is the default export, the module
  // itself when that is null or undefined, and a default export's own callable `default` for a
  // transpiled ES module.
  const d = e.default as { default?: unknown } | null | undefined;
  return { default: d == null ? e : typeof d.default === "function" && e.__esModule ? d.default : d };
}

/**
 * Turns what loading threw into a located diagnostic. Syntax errors come from Sucrase
 * ("Error transforming <file>: <what> (<line>:<col>)", 1-based column), from jiti's Babel
 * ("ParseError: <what>\n <file>:<line>:<col>", 0-based column) or from V8 ("<file>:<line>" and a
 * caret line above "SyntaxError: <what>"). An error in an imported helper is reported at the
 * config's import of it, naming the helper's own file:line:col.
 */
async function loadFailure(abs: string, source: string, e: unknown): Promise<never> {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = String(err.message ?? "");
  // A thrown non-Error carries no stack of its own (the one of `err` would point into labgen).
  const stack = e instanceof Error ? String(err.stack ?? "") : "";
  // `compiled`: the position is in the transpiled code (V8), not in the source (Sucrase, Babel).
  // `unsure`: a SyntaxError without a position may also be thrown at run time (JSON.parse).
  let syntax: { file: string; what: string; line?: number; column?: number; compiled?: boolean; unsure?: boolean } | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(?:SyntaxError: )?Error transforming (.+?): ([\s\S]*?) \((\d+):(\d+)\)\s*$/.exec(message)))
    syntax = { file: m[1], what: m[2], line: Number(m[3]), column: Number(m[4]) };
  else if ((m = /^(?:Error: )?ParseError: ([\s\S]*?)\s*\n\s*(\S+?):(\d+):(\d+)\s*$/.exec(message)))
    syntax = { file: m[2], what: m[1], line: Number(m[3]), column: Number(m[4]) + 1 };
  else if (/^Cannot find module 'data:text\/javascript/.test(message)) {
    // jiti retries code V8 refused to compile (e.g. a name declared twice) as an ES module from a
    // data: URL, and that import's failure hides the SyntaxError: ask V8 again for its message.
    syntax = { file: abs, what: compileError(source, abs) ?? "the config does not compile", unsure: false };
  } else if (err.name === "SyntaxError") {
    // V8: the stack starts with "<file>:<line>", the offending code and a caret under the error.
    const v8 = /^(\/[^\n]+?|file:\/\/[^\n]+?):(\d+)\n([^\n]*)\n( *)\^/.exec(stack);
    syntax = v8
      ? { file: v8[1].replace(/^file:\/\//, ""), what: message, line: Number(v8[2]), column: v8[4].length + 1, compiled: true }
      : { file: abs, what: message, unsure: true };
  }
  if (syntax) {
    // Babel's parser says where and what most precisely (Sucrase's positions can be a line off,
    // and Node's own loader gives none): prefer it whenever it finds the error too.
    const found = await parseError(resolvePath(syntax.file) === abs ? source : readIfExists(syntax.file));
    if (found) syntax = { ...syntax, ...found, compiled: false, unsure: false };
    else if (syntax.unsure) syntax = null;
  }
  if (syntax) {
    const what = syntax.what.trim().replace(/\s+/g, " ");
    if (resolvePath(syntax.file) === abs) {
      const pos = syntax.line ? { line: syntax.line, column: syntax.column ?? 1 } : undefined;
      const at = syntax.compiled ? exactColumn(abs, source, pos) : pos;
      fail(abs, `syntax error: ${what}`, at?.line, at?.column);
    }
    const at = importOf(abs, source, syntax.file);
    const where = `${relative(dirname(abs), syntax.file)}${syntax.line ? `:${syntax.line}${syntax.column ? `:${syntax.column}` : ""}` : ""}`;
    fail(abs, `syntax error in ${where} (imported by the config): ${what}`, at?.line, at?.column);
  }
  // Thrown while evaluating: locate the innermost frame in the config itself, and name the
  // helper's frame when the throw happened in an imported module.
  const headline = message.split("\n")[0].trim() || String(e);
  // Name the kind of error unless it is a plain Error (a TypeError says more than its message).
  const what = e instanceof Error && err.name && err.name !== "Error" ? `${err.name}: ${headline}` : headline;
  const frames = [...stack.matchAll(/\(?((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)\)?/g)].map((f) => ({
    file: f[1].replace(/^file:\/\//, ""),
    line: Number(f[2]),
    column: Number(f[3]),
  }));
  const own = exactColumn(abs, source, frames.find((f) => f.file === abs));
  const first = frames[0];
  const elsewhere =
    first && first.file !== abs && !first.file.includes("/node_modules/") && !first.file.startsWith("node:")
      ? ` (at ${relative(dirname(abs), first.file)}:${first.line}:${first.column})`
      : "";
  const at = own ?? (first && first.file !== abs ? importOf(abs, source, first.file) : null);
  fail(abs, `evaluating the config threw: ${what}${elsewhere}`, at?.line, at?.column);
}

/** V8's SyntaxError message for the transpiled config (compiled, never run), or null. */
function compileError(source: string, abs: string): string | null {
  try {
    new Script(`(async function () { ${transpile(source, abs)}\n})`, { filename: abs });
    return null;
  } catch (e) {
    return e instanceof SyntaxError ? e.message : null;
  }
}

/** line:column of the config's import of `file` (directly, by a relative specifier), or null. */
function importOf(abs: string, source: string, file: string): { line: number; column: number } | null {
  const target = resolvePath(file).replace(/\.[cm]?[jt]s$/, "");
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const re = /(?:from\s*|import\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(lines[i])))
      if (resolvePath(dirname(abs), m[1]).replace(/\.[cm]?[jt]s$/, "") === target) {
        const col = lines[i].search(/\S/);
        return { line: i + 1, column: col + 1 };
      }
  }
  return null;
}

/**
 * V8 positions refer to the transpiled code. Sucrase keeps every line where it was, and a line it
 * did not touch keeps its columns; on a line it rewrote (imports, types) only the line is exact,
 * so the position falls back to the line's first character.
 */
function exactColumn<T extends { line: number; column: number }>(abs: string, source: string, at: T | undefined): T | undefined {
  if (!at) return at;
  const original = source.split("\n")[at.line - 1];
  if (original === undefined) return at;
  let compiled: string | undefined;
  try {
    compiled = transpile(source, abs).split("\n")[at.line - 1];
  } catch {
    compiled = undefined;
  }
  return compiled === original ? at : { ...at, column: Math.max(0, original.search(/\S/)) + 1 };
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Where and why Babel's parser stops on this source (1-based line and column), or null if it parses. */
async function parseError(text: string | null): Promise<{ what: string; line: number; column: number } | null> {
  if (text === null) return null;
  try {
    const { parse } = nodeRequire("@babel/parser") as typeof import("@babel/parser");
    parse(text, { sourceType: "module", plugins: ["typescript"] });
    return null;
  } catch (e) {
    const err = e as { loc?: { line: number; column: number }; message?: string };
    if (!err.loc) return null;
    return { what: String(err.message ?? "").replace(/\s*\(\d+:\d+\)\s*$/, ""), line: err.loc.line, column: err.loc.column + 1 };
  }
}
