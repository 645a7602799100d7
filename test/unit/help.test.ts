// Every command explains itself: `labgen <command> --help` with its own options, examples and
// exit codes (one table, generator/cli/help.ts); the README lists the exit codes; colour only on
// a terminal and never with NO_COLOR.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../generator/cli/main.ts";
import { colorWanted } from "../../generator/cli/color.ts";
import { COMMANDS, EXIT, exitCodesMarkdown, optionsOf } from "../../generator/cli/help.ts";
import { cli } from "../support/cli.ts";
import { baseLab, mkTmp, REPO_ROOT, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

// The editing commands parse their own options and print their own help (generator/edit/cli.ts,
// a bundle of its own that generate never loads); the main help lists them.
const EDITING = new Set(["set", "add", "rm", "mv", "mcp"]);

describe("labgen <command> --help", () => {
  it.each([...EDITING])("%s: its own help, from the editing commands", async (name) => {
    const r = await cli(name, "--help");
    expect(r.code).toBe(0);
    expect(r.outLines[0]).toMatch(new RegExp(`^usage: labgen ${name}\\b`));
    expect(r.stdout).toContain(name === "mcp" ? "--read-only" : "--dry-run");
  });

  it.each(COMMANDS.filter((c) => !EDITING.has(c.name)).map((c) => c.name))("%s: its usage, options, examples and exit codes", async (name) => {
    const c = COMMANDS.find((x) => x.name === name)!;
    for (const flag of ["--help", "-h"]) {
      const r = await cli(...name.split(" "), flag);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      const lines = r.outLines;
      expect(lines[0]).toBe(`labgen ${name}: ${c.summary}`);
      expect(lines).toContain(`usage: labgen ${name}${c.args ? ` ${c.args}` : ""} [options]`);
      for (const section of ["options:", "examples:", "exit codes:"]) expect(lines).toContain(section);
      // Its own options and no other command's.
      for (const o of optionsOf(c)) expect(r.stdout).toContain(`  ${o.flag}`);
      const others = new Set(COMMANDS.flatMap((x) => x.options.map((o) => o.flag)));
      for (const o of optionsOf(c)) others.delete(o.flag);
      for (const flagOfOthers of others) expect(r.stdout).not.toMatch(new RegExp(`^  ${flagOfOthers}\\b`, "m"));
      const exits = lines.slice(lines.indexOf("exit codes:") + 1).map((l) => Number(l.trim().split(/\s+/)[0]));
      expect(exits).toEqual([...new Set([0, ...c.exits, 2])].sort((a, b) => a - b));
      for (const e of c.examples) expect(lines).toContain(`  ${e}`);
    }
  });

  it("diff documents drift as 4 and an invalid config as 1", async () => {
    const r = await cli("diff", "--help");
    expect(r.stdout).toMatch(/^ {2}1 +refused: the config or lock is invalid/m);
    expect(r.stdout).toMatch(/^ {2}4 +drift: /m);
  });

  it("the global help lists every command, the exit codes and NO_COLOR", async () => {
    const r = await cli("--help");
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name}`);
    expect(r.stdout).toContain("`labgen <command> --help`");
    expect(r.stdout).toContain("NO_COLOR");
    for (const code of Object.values(EXIT)) expect(r.stdout).toMatch(new RegExp(`^ {2}${code} `, "m"));
  });

  it("the README lists the exit codes, as the CLI defines them", () => {
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain(`## Exit codes\n\n${exitCodesMarkdown()}\n`);
  });
});

describe("colour", () => {
  it("only on a TTY, never with NO_COLOR (non-empty) or TERM=dumb", () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(undefined, {})).toBe(false);
    expect(colorWanted(true, { NO_COLOR: "1" })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: "" })).toBe(true);
    expect(colorWanted(true, { TERM: "dumb" })).toBe(false);
  });

  it("diagnostics are coloured on a colour stream and plain otherwise", async () => {
    const tmp = mkTmp("labgen-color-");
    try {
      const lab = baseLab();
      lab.instances.web.host = "nsa";
      const cfg = writeConfig(tmp, lab);
      const capture = async (errColor: boolean) => {
        const err: string[] = [];
        const code = await run(["check", "--config", cfg], { out: () => {}, err: (s) => err.push(s), errColor });
        return { code, text: err.join("\n") };
      };
      const plain = await capture(false);
      const coloured = await capture(true);
      expect(plain.code).toBe(1);
      expect(coloured.code).toBe(1);
      expect(plain.text).not.toContain("\x1b[");
      expect(coloured.text).toContain("\x1b[31merror\x1b[0m");
      expect(coloured.text.replace(/\x1b\[[0-9;]*m/g, "")).toBe(plain.text);
    } finally {
      rmTmp(tmp);
    }
  });

  it("the real binary writes no escape codes into a pipe", () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/labgen.mjs"), "check", "--config", join(REPO_ROOT, "test/cases/invalid/unknown-host/lab.config.ts")], { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "1" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(": error: ");
    expect(r.stderr).not.toContain("\x1b[");
  });

  it("the package's bin (bin/labgen.cjs) and the older bin/labgen.mjs run the same CLI: same output, same exit code", () => {
    expect(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).bin).toEqual({ labgen: "bin/labgen.cjs" });
    const config = join(REPO_ROOT, "test/cases/invalid/unknown-host/lab.config.ts");
    const [cjs, mjs] = ["bin/labgen.cjs", "bin/labgen.mjs"].map((bin) => spawnSync(process.execPath, [join(REPO_ROOT, bin), "check", "--config", config], { encoding: "utf8" }));
    expect(cjs.status).toBe(1);
    expect(cjs.stderr).toContain(": error: ");
    expect({ status: mjs.status, stdout: mjs.stdout, stderr: mjs.stderr }).toEqual({ status: cjs.status, stdout: cjs.stdout, stderr: cjs.stderr });
  });
});
