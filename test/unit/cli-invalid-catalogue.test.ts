// The bad-input catalogue: test/cases/invalid/<name>/lab.config.ts (and a lab.lock.json where the
// lock is the bad input), each with the exact errors in expected.json, in the order of the file.
// `labgen generate` must exit 1, print every error with its file:line:col, and write nothing at all
// (no out/, no new lock, the case's lock untouched).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { formatPath, type Diagnostic } from "../../generator/shared/diagnostics.ts";
import { cli } from "../support/cli.ts";
import { INVALID_CASES_DIR, mkTmp, rmTmp } from "../support/lab-fixtures.ts";

interface ExpectedError {
  /** Set when the error is about another file of the case than lab.config.ts (the lock). */
  file?: string;
  path: string;
  line: number | null;
  column: number | null;
  rule: string;
  message: string;
}

interface Expected {
  exitCode: number;
  errors: ExpectedError[];
  warnings?: ExpectedError[];
}

const NAMES = readdirSync(INVALID_CASES_DIR).sort();

const toEntry = (d: Diagnostic): ExpectedError => ({
  ...(d.file ? { file: basename(d.file) } : {}),
  path: formatPath(d.path),
  line: d.line ?? null,
  column: d.column ?? null,
  rule: d.rule,
  message: d.message,
});

/** The line the CLI prints for a diagnostic (written out here, not borrowed from the CLI). */
function printed(config: string, severity: "error" | "warning", e: ExpectedError): string {
  const file = e.file ? join(dirname(config), e.file) : config;
  const where = e.line === null ? relative(process.cwd(), file) : `${relative(process.cwd(), file)}:${e.line}:${e.column}`;
  const path = e.path === "(root)" ? "" : `${e.path}: `;
  return `${where}: ${severity}: ${path}${e.message} [${e.rule}]`;
}

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-invalid-");
});
afterAll(() => rmTmp(tmp));

describe("bad-input catalogue", () => {
  it("has at least 40 cases, each a lab.config.ts with an expected.json", () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(40);
    for (const name of NAMES) {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(existsSync(join(INVALID_CASES_DIR, name, "lab.config.ts")), name).toBe(true);
      expect(existsSync(join(INVALID_CASES_DIR, name, "expected.json")), name).toBe(true);
    }
  });

  it.each(NAMES)("%s", async (name) => {
    const dir = join(INVALID_CASES_DIR, name);
    const config = join(dir, "lab.config.ts");
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
    expect(expected.exitCode).toBe(1);
    expect(expected.errors.length).toBeGreaterThan(0);
    for (const e of expected.errors) {
      const source = readFileSync(join(dir, e.file ?? "lab.config.ts"), "utf8").split("\n");
      // The case is honest: a located error points inside the file, at something written there.
      if (e.line !== null) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(source.length);
        expect(source[e.line - 1].length).toBeGreaterThanOrEqual(e.column! - 1);
        expect(source[e.line - 1].slice(e.column! - 1)).toMatch(/^\S/);
      }
    }
    const before = readdirSync(dir).sort();

    // 1. The structured diagnostics: exactly the expected set.
    const caseTmp = join(tmp, name);
    const caseLock = join(dir, "lab.lock.json");
    const lockBefore = existsSync(caseLock) ? readFileSync(caseLock, "utf8") : null;
    const lock = lockBefore !== null ? caseLock : join(caseTmp, "lab.lock.json");
    const out = join(caseTmp, "out");
    const r = await compile({ configFile: config, lockFile: lock });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.filter((d) => d.severity === "error").map(toEntry)).toEqual(expected.errors);
    expect(r.diagnostics.filter((d) => d.severity === "warning").map(toEntry)).toEqual(expected.warnings ?? []);

    // 2. The CLI: exit 1, every error printed with file:line:col, no stack trace, nothing written.
    const res = await cli("generate", "--config", config, "--out", out, "--lock", lock);
    expect(res.code).toBe(expected.exitCode);
    expect(res.stdout).toBe("");
    const errorLines = res.errLines.filter((l) => l.includes(": error: "));
    expect(errorLines).toEqual(expected.errors.map((e) => printed(config, "error", e)));
    for (const w of expected.warnings ?? []) expect(res.errLines).toContain(printed(config, "warning", w));
    for (const e of expected.errors)
      if (e.line !== null) expect(res.stderr).toContain(`${e.file ?? "lab.config.ts"}:${e.line}:${e.column}: error: `);
    expect(res.errLines.at(-1)).toBe(`${expected.errors.length} error(s), ${expected.warnings?.length ?? 0} warning(s); nothing was written.`);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
    if (lockBefore !== null) expect(readFileSync(lock, "utf8")).toBe(lockBefore);
    else expect(existsSync(lock)).toBe(false);
    expect(existsSync(caseTmp)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
