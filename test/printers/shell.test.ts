import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printShellScript, shellProgram, ShellPrintError, shQuote } from "../../generator/printers/shell/index.ts";
import type { ShellAssignment, ShellScriptIR } from "../../generator/printers/shell/index.ts";
import { bashN, requireTool, run, runBash, shellcheck } from "../support/shell.ts";

// Values that break naive quoting. None contains NUL (no shell word can; tested separately).
const TRICKY: readonly string[] = [
  "",
  "plain",
  "with space",
  " ",
  "  two leading spaces",
  "trailing space ",
  "'",
  "''",
  "it's",
  "'leading",
  "trailing'",
  "'\\''",
  '"',
  'say "hi"',
  "$HOME",
  "${HOME}",
  "$(id -u)",
  "`id -u`",
  "$((1+1))",
  "$'\\x41'",
  "$#$?$$$!$@$*$-$0",
  "\\",
  "\\'",
  "a\\",
  "\\n is not a newline",
  "\\\\'\\''\"",
  "line1\nline2",
  "\n",
  "trailing newline\n\n",
  "\r\n",
  "tab\there",
  "*",
  "?",
  "[a-z]",
  "*.lab.home.arpa",
  "{a,b}",
  "~",
  "~root/x",
  "-n",
  "-e",
  "--",
  "!",
  "!! !$",
  "#not a comment",
  "a;b&c|d>e<f",
  "; rm -rf / #",
  ")(}{][",
  "*)",
  "%s %d %%",
  "IFS=x",
  "a=b c=d",
  "unicode Ünïcödé 日本語 🚀",
  "‘curly’ “double”",
  "\u00a0nbsp \ufeffbom",
  "\u0085\u2028\u2029",
  "\u0001\u0002\u001b[31mred\u007f",
  "x".repeat(5000),
];

const SLOTS = 64;
// Static program text, like a real target's: it only refers to the assigned variables.
const PRINT_ALL = shellProgram`
printf '%s\0' \
  "$V00" "$V01" "$V02" "$V03" "$V04" "$V05" "$V06" "$V07" \
  "$V08" "$V09" "$V10" "$V11" "$V12" "$V13" "$V14" "$V15" \
  "$V16" "$V17" "$V18" "$V19" "$V20" "$V21" "$V22" "$V23" \
  "$V24" "$V25" "$V26" "$V27" "$V28" "$V29" "$V30" "$V31" \
  "$V32" "$V33" "$V34" "$V35" "$V36" "$V37" "$V38" "$V39" \
  "$V40" "$V41" "$V42" "$V43" "$V44" "$V45" "$V46" "$V47" \
  "$V48" "$V49" "$V50" "$V51" "$V52" "$V53" "$V54" "$V55" \
  "$V56" "$V57" "$V58" "$V59" "$V60" "$V61" "$V62" "$V63"
`;

const slotName = (i: number): string => `V${String(i).padStart(2, "0")}`;

function trickyScript(): ShellScriptIR {
  const assignments: ShellAssignment[] = [];
  for (let i = 0; i < SLOTS; i++) {
    assignments.push({ name: slotName(i), value: i < TRICKY.length ? TRICKY[i] : `unused ${i}` });
  }
  return { header: ["escaping round trip"], assignments, body: PRINT_ALL };
}

function splitNul(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      parts.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  expect(start, "output must end with a NUL terminator").toBe(out.length);
  return parts;
}

let dir: string;
// No tool checks in hooks: a failing hook would report the tests as skipped, and a missing tool
// must FAIL them (each real-tool test also fails on its own with the same message).
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "labgen-shell-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("bash, sh and shellcheck are installed", () => {
  requireTool("bash");
  requireTool("sh");
  requireTool("shellcheck");
});

describe("shQuote", () => {
  it("single-quotes everything and writes ' as '\\''", () => {
    expect(shQuote("")).toBe("''");
    expect(shQuote("plain")).toBe("'plain'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote("'")).toBe("''\\'''");
    expect(shQuote("$HOME `x` \\")).toBe("'$HOME `x` \\'");
    expect(shQuote("a\nb")).toBe("'a\nb'");
  });

  it("rejects NUL, which no shell word can carry", () => {
    expect(() => shQuote("a\0b")).toThrow(ShellPrintError);
    expect(() => shQuote("\0")).toThrow(/NUL/);
  });

  it("rejects lone surrogates, which UTF-8 output would silently replace", () => {
    expect(() => shQuote("\ud800")).toThrow(/surrogate/);
    expect(() => shQuote("x\udc00")).toThrow(/surrogate/);
    expect(shQuote("🚀")).toBe("'🚀'");
  });
});

describe("printShellScript", () => {
  const body = shellProgram`
echo "$NAME"
`;

  it("prints shebang, header, strict mode, readonly assignments and the program", () => {
    const text = printShellScript({
      header: ["first line", "", "third"],
      assignments: [
        { name: "NAME", value: "it's", comment: "why this value" },
        { name: "DAYS", value: 397 },
      ],
      body,
    });
    expect(text).toBe(
      [
        "#!/usr/bin/env bash",
        "# first line",
        "#",
        "# third",
        "set -euo pipefail",
        "",
        "# why this value",
        "readonly NAME='it'\\''s'",
        "readonly DAYS='397'",
        "",
        'echo "$NAME"',
        "",
      ].join("\n"),
    );
  });

  it("is deterministic", () => {
    expect(printShellScript(trickyScript())).toBe(printShellScript(trickyScript()));
  });

  it.each(["lower", "1ST", "A-B", "A B", "", "É", "A$", "A\nB"])("rejects variable name %j", (name) => {
    expect(() => printShellScript({ header: [], assignments: [{ name, value: "x" }], body })).toThrow(/invalid shell variable name/);
  });

  it.each(["PATH", "IFS", "HOME", "PS4", "BASH_ENV", "LC_ALL", "OPENSSL_CONF", "SHELLOPTS"])("rejects reserved name %s", (name) => {
    expect(() => printShellScript({ header: [], assignments: [{ name, value: "x" }], body })).toThrow(/reserved/);
  });

  it("rejects a name assigned twice", () => {
    const assignments = [{ name: "A", value: "1" }, { name: "A", value: "2" }];
    expect(() => printShellScript({ header: [], assignments, body })).toThrow(/twice/);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])("rejects number %s", (value) => {
    expect(() => printShellScript({ header: [], assignments: [{ name: "N", value }], body })).toThrow(/safe integers/);
  });

  it("rejects NUL in values and program text", () => {
    expect(() => printShellScript({ header: [], assignments: [{ name: "A", value: "x\0" }], body })).toThrow(/NUL/);
    const raw = Object.assign(["echo \0"], { raw: ["echo \0"] }) as unknown as TemplateStringsArray;
    expect(() => printShellScript({ header: [], assignments: [], body: shellProgram(raw) })).toThrow(/NUL/);
  });

  it.each(["two\nlines", "carriage\rreturn", "esc\u001b[0m", "nel\u0085"])("rejects comment text %j (it could end the comment)", (line) => {
    expect(() => printShellScript({ header: [line], assignments: [], body })).toThrow(/control characters/);
    expect(() => printShellScript({ header: [], assignments: [{ name: "A", value: "x", comment: line }], body })).toThrow(/control characters/);
  });

  it("rejects a shebang that is not one", () => {
    expect(() => printShellScript({ shebang: "/bin/bash", header: [], assignments: [], body })).toThrow(/#!/);
  });
});

describe("shellProgram", () => {
  it("keeps backslashes, drops one leading newline and turns $\\{ into ${", () => {
    const p = shellProgram`
x=$\{1:-}\n
`;
    expect(p.text).toBe("x=${1:-}\\n\n");
  });

  it("cannot interpolate data", () => {
    const data = "$(reboot)";
    // @ts-expect-error — interpolation is a type error: data goes through assignments only
    expect(() => shellProgram`echo ${data}`).toThrow(/cannot interpolate/);
  });
});

describe("escaping round trip through real bash", () => {
  it(`has at least 40 tricky strings (${TRICKY.length}) and room for all of them`, () => {
    expect(TRICKY.length).toBeGreaterThanOrEqual(40);
    expect(TRICKY.length).toBeLessThanOrEqual(SLOTS);
    expect(new Set(TRICKY).size).toBe(TRICKY.length);
  });

  it("bash reads back every value byte for byte", () => {
    const file = join(dir, "roundtrip.sh");
    writeFileSync(file, printShellScript(trickyScript()));
    const r = runBash(file);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const values = splitNul(r.stdout);
    expect(values).toHaveLength(SLOTS);
    TRICKY.forEach((s, i) => {
      expect(values[i].equals(Buffer.from(s, "utf8")), `value ${i}: ${JSON.stringify(s.slice(0, 40))}`).toBe(true);
    });
  });

  it("the quoting is POSIX: sh (dash on Debian) reads back the same bytes", () => {
    // Plain assignments (no bash-only syntax) to show shQuote itself is portable.
    const file = join(dir, "posix.sh");
    const lines = TRICKY.map((s, i) => `${slotName(i)}=${shQuote(s)}`);
    const refs = TRICKY.map((_, i) => `"$${slotName(i)}"`).join(" ");
    writeFileSync(file, `${lines.join("\n")}\nprintf '%s\\0' ${refs}\n`);
    const r = run("sh", [file]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const values = splitNul(r.stdout);
    TRICKY.forEach((s, i) => expect(values[i].equals(Buffer.from(s, "utf8")), `value ${i}`).toBe(true));
  });

  it("the printed script passes bash -n and shellcheck", () => {
    const file = join(dir, "check.sh");
    writeFileSync(file, printShellScript(trickyScript()));
    const n = bashN(file);
    expect(n.output).toBe("");
    expect(n.ok).toBe(true);
    const sc = shellcheck(file);
    expect(sc.output).toBe("");
    expect(sc.ok).toBe(true);
  });

  it("silences only the literal-content checks, and only where a value triggers them", () => {
    const text = printShellScript(trickyScript());
    expect(text).toContain("readonly V01='plain'");
    expect(text).not.toMatch(/disable=[^\n]*\nreadonly V01=/);
    // Without the directives shellcheck reports exactly those checks and nothing else.
    const file = join(dir, "nodirectives.sh");
    writeFileSync(file, text.replace(/^# shellcheck disable=.*\n/gm, ""));
    const codes = new Set([...shellcheck(file).output.matchAll(/\[(SC\d+)\]/g)].map((m) => m[1]));
    expect([...codes].sort()).toEqual(["SC1003", "SC1112", "SC2016"]);
  });
});
