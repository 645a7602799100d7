// Strict, documented types for lab.config.ts: the declarations `defineLab` takes are generated
// from the zod schema (its `.describe()` texts become JSDoc), a misspelt field is a type error
// naming the field, and an editor's hover shows the field's description. TypeScript 5.9 runs
// in-process here (typescript's compiler and language service APIs), with the repository's own
// tsconfig, on configs in a temp dir.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { starterConfig } from "../../generator/cli/init.ts";
import { labInputDeclarations } from "../../generator/config/dts.ts";
import type { LabInput } from "../../generator/config/lab-input.generated.ts";
import type { LabSchema } from "../../generator/config/schema.ts";
import { labJsonSchema } from "../../generator/targets/docs/schema.ts";
import { fillPlaceholders } from "../support/init-fill.ts";
import { mkTmp, REFERENCE_CONFIG, REPO_ROOT, rmTmp } from "../support/lab-fixtures.ts";

// The generated declarations and zod's own input type accept exactly the same configs: each is
// assignable to the other (checked by `tsc --noEmit -p .`, which compiles this file).
type ZodInput = z.input<typeof LabSchema>;
export const generatedCoversZod = (x: ZodInput): LabInput => x;
export const zodCoversGenerated = (x: LabInput): ZodInput => x;

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-types-");
});
afterAll(() => rmTmp(tmp));

function compilerOptions(): ts.CompilerOptions {
  const file = join(REPO_ROOT, "tsconfig.json");
  const read = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  return { ...ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT).options, noEmit: true };
}

function writeCase(name: string, text: string): string {
  const dir = join(tmp, name);
  ts.sys.createDirectory(dir);
  // An ES module, as in the repository (package.json "type": "module").
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(dir, "lab.config.ts"), text);
  return join(dir, "lab.config.ts");
}

/** Type-check config files in one program; per case name, the diagnostics as "line:col TScode message". */
function typeCheck(cases: Record<string, string>): Record<string, string[]> {
  const files = Object.fromEntries(Object.entries(cases).map(([name, text]) => [name, writeCase(name, text)]));
  const program = ts.createProgram(Object.values(files), compilerOptions());
  const all = ts.getPreEmitDiagnostics(program);
  return Object.fromEntries(
    Object.entries(files).map(([name, file]) => [
      name,
      all
        .filter((d) => d.file?.fileName === file)
        .map((d) => {
          const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
          return `${line + 1}:${character + 1} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
        }),
    ]),
  );
}

const reference = readFileSync(REFERENCE_CONFIG, "utf8");
// `labgen init`'s starter, filled in, with a root size on its container: a config as a user writes it.
const starter = fillPlaceholders(starterConfig()).replace('      storage: "default",\n', '      storage: "default",\n      rootSize: "20GiB",\n');
let checked: Record<string, string[]>;
beforeAll(() => {
  checked = typeCheck({
    ok: reference,
    starter,
    typo: starter.replace("rootSize:", "rootsize:"),
    toplevel: starter.replace("timezone:", "timezon:"),
    badEnum: starter.replace('topology: "stripe"', 'topology: "stirpe"'),
  });
});
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("lab.config.ts types", () => {
  it("the shipped declarations are the ones the schema generates (rebuild with `npm run build`)", () => {
    const shipped = readFileSync(join(REPO_ROOT, "generator/config/lab-input.generated.ts"), "utf8");
    expect(shipped).toBe(labInputDeclarations(labJsonSchema()));
  });

  it("the reference lab and the filled-in starter type-check", () => {
    expect(checked.ok).toEqual([]);
    expect(checked.starter).toEqual([]);
  });

  it("a misspelt field is a type error naming the field, at its line", () => {
    expect(starter).toContain("rootSize:");
    const text = starter.replace("rootSize:", "rootsize:");
    const line = text.split("\n").findIndex((l) => l.includes("rootsize:")) + 1;
    const col = text.split("\n")[line - 1].indexOf("rootsize") + 1;
    const errors = checked.typo;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${line}:${col} TS2561 Object literal may only specify known properties, but 'rootsize' does not exist in type .*Did you mean to write 'rootSize'\\?`));
  });

  it("a misspelt top-level field and a wrong enum value are type errors too", () => {
    expect(checked.toplevel).toEqual([expect.stringMatching(new RegExp(`^${lineOf(starter, "timezone:")}:3 TS2561 .*'timezon' does not exist in type 'LabInput'\\. Did you mean to write 'timezone'\\?$`))]);
    expect(checked.badEnum).toEqual([
      expect.stringMatching(new RegExp(`^${lineOf(starter, 'topology: "stripe"')}:\\d+ TS2820 Type '"stirpe"' is not assignable to type '"stripe" \\| "mirror" \\| "raidz1" \\| "raidz2" \\| "raidz3"'\\. Did you mean '"stripe"'\\?$`)),
    ]);
  });

  it("hovering a field shows its description from the schema", () => {
    const file = writeCase("hover", starter);
    const options = compilerOptions();
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [file],
      getScriptVersion: () => "1",
      getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)!) : undefined),
      getCurrentDirectory: () => REPO_ROOT,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host);
    const hover = (needle: string) => {
      const info = service.getQuickInfoAtPosition(file, starter.indexOf(needle) + 1);
      return {
        doc: ts.displayPartsToString(info?.documentation),
        tags: (info?.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`),
      };
    };
    expect(hover("rootSize:")).toEqual({ doc: "Size of the root disk.", tags: ['@default "10GiB"'] });
    expect(hover("stateVersion:").doc).toBe("NixOS stateVersion: the release this host was first installed with. Never change it afterwards.");
    expect(hover("domain:").doc).toContain("Internal DNS domain");
  });
});
