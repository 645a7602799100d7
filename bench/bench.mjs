// `npm run bench`: cold `labgen generate` on synthetic labs of 10 … 10,000 instances, each run in
// a fresh process (what a user or the flake's drift check pays), reporting the median of several
// runs per size: wall time, per-stage times and peak RSS. Not a test: it never fails on time.
//
//   npm run bench                 # 10, 100, 1000, 10000 instances, 5 runs each (3 for 10,000)
//   npm run bench -- 10 1000      # chosen sizes
//   LABGEN_NO_CACHE=1 npm run bench   # also disable jiti's transpile cache (first run ever)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticLab } from "./synthetic.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "labgen.mjs");
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length ? sizes : [10, 100, 1000, 10000];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runOnce(dir) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, "generate", "--config", join(dir, "lab.config.ts"), "--timings"], { encoding: "utf8", cwd: dir });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`generate failed (${r.status}):\n${r.stderr}`);
  const stages = {};
  for (const m of r.stderr.matchAll(/(\w+) ([0-9.]+) (ms|MB)/g)) stages[m[1]] = Number(m[2]);
  return { wall, ...stages };
}

execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
const rows = [];
const labs = [["reference", null], ...SIZES.map((n) => [String(n), n])];
for (const [label, n] of labs) {
  const dir = mkdtempSync(join(tmpdir(), "labgen-bench-"));
  try {
    // The reference lab of the test cases (the root lab is the user's, and may be anything).
    if (n === null) copyFileSync(join(root, "test", "cases", "reference", "lab.config.ts"), join(dir, "lab.config.ts"));
    else writeFileSync(join(dir, "lab.config.ts"), `import { defineLab } from "labgen";\nexport default defineLab(${JSON.stringify(syntheticLab(n), null, 1)});\n`);
    // The first run allocates and writes everything; the timed runs are cold processes that
    // regenerate over an existing out/ (the common case: edit, generate).
    runOnce(dir);
    const runs = Array.from({ length: n !== null && n >= 10000 ? 3 : 5 }, () => runOnce(dir));
    const med = (k) => median(runs.map((r) => r[k] ?? 0));
    rows.push([label, med("wall"), med("load"), med("validate"), med("resolve"), med("plan"), med("write"), med("maxRSS")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const head = ["instances", "wall ms", "load", "validate", "resolve", "plan", "write", "peak RSS MB"];
const fmt = (r) => `| ${r.map((c, i) => (i === 0 ? c : typeof c === "number" ? c.toFixed(i === 7 ? 0 : 1) : c)).join(" | ")} |`;
console.log(`\nlabgen bench: median of cold runs (node ${process.version}, ${process.env.LABGEN_NO_CACHE === "1" ? "no" : "with"} jiti cache)\n`);
console.log(`| ${head.join(" | ")} |\n|${head.map(() => " --- |").join("")}`);
for (const r of rows) console.log(fmt(r));
const budget = { reference: 150, 1000: 300, 10000: 2000 };
for (const r of rows)
  if (budget[r[0]] !== undefined)
    console.log(`${r[0]}: ${r[1].toFixed(0)} ms vs budget ${budget[r[0]]} ms${r[0] === "10000" ? `, ${r[7]} MB vs budget 300 MB` : ""} → ${r[1] <= budget[r[0]] && (r[0] !== "10000" || r[7] < 300) ? "within" : "OVER"}`);
