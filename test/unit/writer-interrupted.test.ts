// `labgen generate` killed at every file-system call in turn (SIGKILL, no clean-up: what a power cut
// or `kill -9` does), while it moves out/ and the lock from lab A to lab B. After each kill, the next
// generate — with the old config A or the new config B — succeeds without --force, leaves no
// `*.labgen-tmp-<pid>` anywhere, produces exactly what a clean run produces, and `labgen diff` then
// reports no drift.
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, paths } from "../support/cli.ts";
import { distProblem } from "../support/dist.ts";
import { baseInstance, ingressLab, listFiles, mkTmp, type Obj, readTree, REPO_ROOT, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

let tmp: string;
let configA: string;
let configB: string;
/** out/ and the lock after a clean generate of A, and of B on top of A. */
let stateA: string;
let stateB: string;

// Lab A has an ingress; lab B drops it (files deleted, a directory pruned), adds an instance (new
// allocations in the lock) and changes a description (files updated).
function labA(): Obj {
  return ingressLab();
}
function labB(): Obj {
  const l = ingressLab();
  delete l.ingress;
  l.instances.traefik.ports = [];
  l.instances.db = baseInstance({ description: "database", serves: [5432] });
  l.hosts.nas.description = "the only host";
  return l;
}

const run = async (state: string, config: string, ...cmd: string[]) => cli(...cmd, ...paths(config, join(state, "out"), join(state, "lab.lock.json")));

/** Every file below dir whose name marks a writer temporary. */
const temporaries = (dir: string) => listFiles(dir).filter((f) => /\.labgen-tmp-\d+$/.test(f));

const tree = (state: string) => ({ out: readTree(join(state, "out")), lock: readFileSync(join(state, "lab.lock.json"), "utf8") });

/** Runs the real CLI on B in `state`, killed before its `at`-th file-system call; resolves to the calls it made. */
function killedGenerate(state: string, at: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; calls: number; stderr: string }> {
  return new Promise((resolveRun) => {
    const countFile = `${state}.count`;
    const child = spawn(
      process.execPath,
      ["--require", join(REPO_ROOT, "test/support/fs-fault.cjs"), join(REPO_ROOT, "bin/labgen.mjs"), "generate", ...paths(configB, join(state, "out"), join(state, "lab.lock.json"))],
      { env: { ...process.env, LABGEN_FAULT_DIR: state, LABGEN_FAULT_AT: String(at), LABGEN_FAULT_COUNT_FILE: countFile } },
    );
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    child.stdout.resume();
    child.on("close", (code, signal) => resolveRun({ code, signal, stderr, calls: existsSync(countFile) ? Number(readFileSync(countFile, "utf8")) : -1 }));
  });
}

beforeAll(async () => {
  tmp = mkTmp("labgen-interrupt-");
  configA = writeConfig(tmp, labA(), "a.config.ts");
  configB = writeConfig(tmp, labB(), "b.config.ts");
  stateA = join(tmp, "stateA");
  expect((await run(stateA, configA, "generate")).code).toBe(0);
  stateB = join(tmp, "stateB");
  cpSync(stateA, stateB, { recursive: true });
  expect((await run(stateB, configB, "generate")).code).toBe(0);
});

afterAll(() => rmTmp(tmp));

describe("generate killed at every file-system call", () => {
  it("the real bundle is current (the test runs bin/labgen.mjs)", () => {
    expect(distProblem()).toBeNull();
  });

  it("A → B changes files, deletes files and allocates (so every kind of call is interrupted)", () => {
    const a = tree(stateA);
    const b = tree(stateB);
    expect(Object.keys(a.out).filter((f) => !(f in b.out)).length).toBeGreaterThan(0);
    expect(Object.keys(b.out).filter((f) => f in a.out && a.out[f] !== b.out[f]).length).toBeGreaterThan(0);
    expect(a.lock).not.toBe(b.lock);
  });

  it("after a kill at any call, the next generate (old or new config) recovers on its own", async () => {
    const a = tree(stateA);
    const b = tree(stateB);
    const problems: string[] = [];
    const check = async (state: string, config: string, expected: { out: Record<string, string>; lock: string }, what: string) => {
      const gen = await run(state, config, "generate");
      if (gen.code !== 0) return problems.push(`${what}: generate exited ${gen.code}: ${gen.stderr}`);
      const left = temporaries(tmp).filter((f) => f.startsWith(`${state.slice(tmp.length + 1)}/`));
      if (left.length) problems.push(`${what}: temporaries left: ${left.join(", ")}`);
      const got = tree(state);
      if (JSON.stringify(got.out) !== JSON.stringify(expected.out)) problems.push(`${what}: out/ differs from a clean run`);
      // The lock keeps what was allocated before the kill (allocations are never taken back), so
      // after going back to A it may hold B's new entries; for B it is exactly B's.
      if (config === configB && got.lock !== expected.lock) problems.push(`${what}: lock differs from a clean run`);
      const diff = await run(state, config, "diff");
      if (diff.code !== 0) problems.push(`${what}: diff exited ${diff.code}: ${diff.stdout}${diff.stderr}`);
    };
    let total = -1;
    // Two at a time (two cores); stop at the first run that was not killed: it made every call.
    for (let at = 1; total < 0; at += 2) {
      const results = await Promise.all(
        [at, at + 1].map(async (n) => {
          const state = join(tmp, `kill${n}`);
          cpSync(stateA, state, { recursive: true });
          return { n, state, r: await killedGenerate(state, n) };
        }),
      );
      for (const { n, state, r } of results) {
        if (r.signal !== "SIGKILL") {
          if (r.code !== 0) problems.push(`uninterrupted run ${n}: exit ${r.code}: ${r.stderr}`);
          if (total < 0) total = r.calls;
          continue;
        }
        const back = `${state}-old`;
        cpSync(state, back, { recursive: true });
        await check(back, configA, a, `killed at call ${n}, then generate A`);
        await check(state, configB, b, `killed at call ${n}, then generate B`);
      }
    }
    expect(problems).toEqual([]);
    // The kills covered every call the run makes (the uninterrupted run counted them).
    expect(total).toBeGreaterThan(10);
  }, 240_000);
});
