// A spread in call arguments (`lines.push(...body)`, `Math.max(...xs)`) puts every element on the
// stack: V8 throws "Maximum call stack size exceeded" past roughly 100k arguments, which is how
// 30,000 instances (about 120k HCL lines spread into one push) used to crash `generate`. Arrays
// grow by loops or array literals instead; this guards every file in generator/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/golden.ts";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every `f(...x)` / `new F(...x)` in a source text, as "line:col text". */
export function callSpreads(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.arguments?.some(ts.isSpreadElement)) {
      const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
      found.push(`${line + 1}:${character + 1} ${n.getText(sf).split("\n")[0]}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe("no spread in call arguments anywhere in generator/", () => {
  it("the detector finds the pattern (and ignores array and object spreads)", () => {
    expect(callSpreads("x.ts", "a.push(...b);\nconst c = [...b];\nconst d = { ...e };\nnew Set(...f);\n")).toEqual(["1:1 a.push(...b)", "4:1 new Set(...f)"]);
  });

  it("finds none", () => {
    const offenders = tsFiles(join(ROOT, "generator")).flatMap((f) =>
      callSpreads(f, readFileSync(f, "utf8")).map((s) => `${relative(ROOT, f)}:${s}`),
    );
    expect(offenders).toEqual([]);
  });
});
