// Fuzz: seeded random mutations of the reference lab (wrong types, empty strings, huge numbers,
// tricky unicode, deleted keys, duplicated subtrees). Whatever the user writes, labgen answers with
// files or with diagnostics — never with an exception (the CLI's exit 70 and a stack trace).
// Every run is reproducible from SEED; a failure names the mutant's number and what was done to it.
//
// Most mutants go through the pipeline in-process (compileLoaded: everything after loading the
// file), every 50th through compile() from a real lab.config.ts file, and a sample through the real
// CLI process (bin/labgen.mjs) to check exit codes and that no stack trace is printed. The files of
// the mutants that compile are checked by their consumers: nix-instantiate --parse, terraform/tofu
// fmt -check, bash -n + shellcheck, the YAML parser and the Traefik v3 schemas.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/config/load.ts";
import { compile, compileLoaded, type CompileResult } from "../../generator/pipeline.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";
import { distProblem } from "../support/dist.ts";
import { hclFmtCheck } from "../support/hcl.ts";
import { mkTmp, type Obj, REFERENCE_CONFIG, REFERENCE_LOCK, REPO_ROOT, rmTmp, rng } from "../support/lab-fixtures.ts";
import { labSource, mutate, type Mutation } from "../support/mutate.ts";
import { requireNix } from "../support/nix.ts";
import { bashN, requireTool, run } from "../support/shell.ts";
import { checkTraefikDynamic, checkTraefikStatic } from "../support/traefik.ts";

// Another seed explores further (LABGEN_FUZZ_SEED=<n>); the default one is what the suite runs.
const SEED = Number(process.env.LABGEN_FUZZ_SEED ?? 20261207);
const COUNT = 2000;
const CLI_SAMPLE = 30;

interface Outcome {
  readonly n: number;
  readonly did: Mutation[];
  readonly source: string;
  readonly result: CompileResult;
}

let tmp: string;
let lockFile: string;
const outcomes: Outcome[] = [];
const crashes: string[] = [];

beforeAll(async () => {
  tmp = mkTmp("labgen-fuzz-");
  lockFile = join(tmp, "lab.lock.json");
  copyFileSync(REFERENCE_LOCK, lockFile);
  const base = (await loadConfig(REFERENCE_CONFIG)).raw as Obj;
  const r = rng(SEED);
  for (let n = 0; n < COUNT; n++) {
    const { lab, did } = mutate(base, r);
    const source = labSource(lab);
    try {
      let result: CompileResult;
      if (n % 50 === 0) {
        const configFile = join(tmp, `m${n}.config.ts`);
        writeFileSync(configFile, source);
        result = await compile({ configFile, lockFile });
      } else result = await compileLoaded({ file: join(tmp, "lab.config.ts"), source, raw: lab }, { lockFile });
      outcomes.push({ n, did, source, result });
    } catch (e) {
      crashes.push(`mutant #${n} (seed ${SEED}) ${JSON.stringify(did)}: ${(e as Error).stack ?? String(e)}`);
    }
  }
}, 300_000);

afterAll(() => rmTmp(tmp));

describe(`fuzz: ${COUNT} mutations of the reference lab (seed ${SEED})`, () => {
  it("no mutant throws: each compiles, or fails with diagnostics", () => {
    expect(crashes).toEqual([]);
    expect(outcomes).toHaveLength(COUNT);
  });

  it("a failure has at least one error, each with a message, and each about a place in a file", () => {
    const bad: string[] = [];
    for (const { n, did, result } of outcomes) {
      if (result.ok) continue;
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      if (errors.length === 0) bad.push(`#${n} ${JSON.stringify(did)}: failed without an error`);
      for (const d of errors) {
        if (d.message.trim() === "") bad.push(`#${n}: empty message at ${formatPath(d.path)}`);
        // Every mutation is written in the file, so every error can point at a line.
        if (d.line === undefined) bad.push(`#${n} ${JSON.stringify(did)}: unlocated ${formatPath(d.path)}: ${d.message} [${d.rule}]`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the mutants reach the targets too (a fuzz that only fails in the schema proves little)", () => {
    const ok = outcomes.filter((o) => o.result.ok).length;
    expect(ok).toBeGreaterThan(COUNT / 20);
    expect(COUNT - ok).toBeGreaterThan(COUNT / 2);
  });

  it("the files of the mutants that compile pass their consumers' checks", async () => {
    requireNix();
    requireTool("bash");
    requireTool("shellcheck");
    // Each distinct file once: most mutants change a few files, and the reference's own files are
    // checked by the golden tests.
    const distinct = new Map<string, { path: string; content: string; n: number }>();
    for (const { n, result } of outcomes)
      if (result.ok)
        for (const f of result.files) {
          const h = createHash("sha256").update(f.path).update("\0").update(f.content).digest("hex");
          if (!distinct.has(h)) distinct.set(h, { path: f.path, content: f.content, n });
        }
    const byKind = (re: RegExp, cap: number) => {
      const all = [...distinct.values()].filter((f) => re.test(f.path));
      // An even spread over the run, capped so the check stays fast.
      const step = Math.max(1, Math.ceil(all.length / cap));
      return all.filter((_, i) => i % step === 0);
    };
    const dir = join(tmp, "consumers");
    const write = (sub: string, f: { path: string; n: number }, content: string) => {
      const file = join(dir, sub, `m${f.n}-${f.path.replace(/\//g, "_")}`);
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(file, content);
      return file;
    };
    const problems: string[] = [];

    const nix = byKind(/\.nix$/, 20).map((f) => write("nix", f, f.content));
    expect(nix.length).toBeGreaterThan(5);
    const parsed = run("nix-instantiate", ["--parse", ...nix], { env: { ...process.env, NIX_PATH: "" } });
    if (parsed.status !== 0) problems.push(`nix-instantiate --parse: ${parsed.stderr}`);

    const tf = byKind(/^tofu\/.*\.tf$/, 30);
    expect(tf.length).toBeGreaterThan(5);
    for (const f of tf) write("tofu", f, f.content);
    const fmt = hclFmtCheck(join(dir, "tofu"));
    if (!fmt.ok) problems.push(`fmt -check: ${fmt.output}`);

    const sh = byKind(/\.sh$/, 8).map((f) => write("sh", f, f.content));
    expect(sh.length).toBeGreaterThan(3);
    for (const file of sh) {
      const b = bashN(file);
      if (!b.ok) problems.push(`bash -n ${file}: ${b.output}`);
    }
    // One shellcheck for all of them, with the flags of test/support/shell.ts's shellcheck().
    const sc = run("shellcheck", ["--norc", "--shell=bash", "--severity=style", "--format=gcc", ...sh]);
    if (sc.status !== 0) problems.push(`shellcheck: ${sc.stdout.toString("utf8")}${sc.stderr}`);

    const yml = byKind(/\.yml$/, 60);
    expect(yml.length).toBeGreaterThan(1);
    for (const f of yml) {
      try {
        parseYaml(f.content);
        const p = f.path.endsWith("dynamic.yml") ? checkTraefikDynamic(f.content) : checkTraefikStatic(f.content);
        problems.push(...p.map((x) => `#${f.n} ${f.path}: ${x}`));
      } catch (e) {
        problems.push(`#${f.n} ${f.path}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it(`${CLI_SAMPLE} mutants through the real CLI process: exit 0 or 1, never a stack trace`, async () => {
    const bin = join(REPO_ROOT, "bin/labgen.mjs");
    expect(distProblem()).toBeNull();
    // Half that compile, half that do not, spread over the run.
    const ok = outcomes.filter((o) => o.result.ok);
    const failed = outcomes.filter((o) => !o.result.ok);
    const pick = <T,>(xs: T[], k: number) => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / k)) === 0).slice(0, k);
    const sample = [...pick(ok, CLI_SAMPLE / 2), ...pick(failed, CLI_SAMPLE / 2)];
    expect(sample).toHaveLength(CLI_SAMPLE);
    const exec = (o: Outcome) =>
      new Promise<string | null>((resolveRun) => {
        const dir = join(tmp, `cli${o.n}`);
        mkdirSync(dir);
        const config = join(dir, "lab.config.ts");
        writeFileSync(config, o.source);
        copyFileSync(REFERENCE_LOCK, join(dir, "lab.lock.json"));
        const child = spawn(process.execPath, [bin, "check", "--config", config], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
        let stderr = "";
        child.stderr.on("data", (c) => (stderr += c));
        child.stdout.resume();
        child.on("close", (code) => {
          const expected = o.result.ok ? 0 : 1;
          if (code !== expected || /internal error|^\s+at /m.test(stderr))
            resolveRun(`#${o.n} ${JSON.stringify(o.did)}: exit ${code} (in-process: ${expected})\n${stderr}`);
          else resolveRun(null);
        });
      });
    const problems: string[] = [];
    // Three at a time: a start-up is partly waiting on the disk, and the machine has two cores.
    for (let i = 0; i < sample.length; i += 3) for (const p of await Promise.all(sample.slice(i, i + 3).map(exec))) if (p) problems.push(p);
    expect(problems).toEqual([]);
  }, 120_000);
});
