// `npm run bench`: `labgen generate` in fresh processes on the reference lab and on synthetic labs
// (bench/synthetic.mjs: DHCP and static addressing, many hosts and one host, many routes and
// volumes) of 10 … 30,000 instances, cold (empty out/) and up to date (regenerating an identical
// out/). Every figure is also printed as a ratio to `node -e 0` timed in the same run, each
// labgen run paired with a `node -e 0` run right before it, so results from a noisy or slower
// machine compare. Not a test: it never fails on time; it prints the budgets and says which hold.
//
//   npm run bench                         # all sizes and shapes
//   npm run bench -- --quick              # reference, 10, 100, 1000
//   npm run bench -- --sizes 10,1000 --shapes dhcp,static --runs 5
//   npm run bench -- --baseline ../other  # paired runs against another checkout's build; a
//                                         # slowdown over 5% is flagged and exits 1
//   npm run bench -- --json               # the rows as JSON (for tooling)
//   npm run bench -- --cpu                # judge the budgets by CPU-time ratios (busy machine)
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticLab } from "./synthetic.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

// --- arguments ----------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const asJson = argv.includes("--json");
const baselineDir = opt("--baseline") ? resolve(opt("--baseline")) : null;
const SIZES = (opt("--sizes") ?? (quick ? "10,100,1000" : "10,100,1000,10000,30000")).split(",").map(Number).filter(Boolean);
const SHAPES = (opt("--shapes") ?? (quick ? "dhcp,static" : "dhcp,static,one-host")).split(",");
const RUNS = opt("--runs") ? Number(opt("--runs")) : null;
/** Paired runs per measurement: fewer for the big labs, which are long and steady. */
const runsFor = (n) => RUNS ?? (n === null || n <= 1000 ? 7 : n <= 10000 ? 3 : 2);

// --- one process --------------------------------------------------------------------------------
function timed(cmd, args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd, maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return { wall, stderr: r.stderr };
}

// `node -e 0`, which also reports its own CPU time on exit: the hook costs nothing measurable, and
// CPU time is what stays comparable on a shared machine, where wall time moves by up to 2×.
const ZERO = "process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write(String((u.user+u.system)/1000))})";
const nodeZero = () => {
  const { wall, stderr } = timed(process.execPath, ["-e", ZERO]);
  return { wall, cpu: Number(stderr) };
};

function generate(bin, dir, cold) {
  if (cold) rmSync(join(dir, "out"), { recursive: true, force: true });
  const { wall, stderr } = timed(process.execPath, [bin, "generate", "--config", join(dir, "lab.config.ts"), "--timings"], dir);
  const stages = { wall };
  for (const m of stderr.matchAll(/(\w+) ([0-9.]+) (ms|MB)/g)) stages[m[1]] = Number(m[2]);
  return stages;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function build(dir) {
  execFileSync(process.execPath, [join(dir, "scripts", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"], cwd: dir });
}

function labDir(n, shape) {
  const dir = mkdtempSync(join(tmpdir(), "labgen-bench-"));
  if (n === null) {
    copyFileSync(join(root, "test/cases/reference/lab.config.ts"), join(dir, "lab.config.ts"));
    copyFileSync(join(root, "test/cases/reference/lab.lock.json"), join(dir, "lab.lock.json"));
  } else writeFileSync(join(dir, "lab.config.ts"), `import { defineLab } from "labgen";\nexport default defineLab(${JSON.stringify(syntheticLab(n, shape), null, 1)});\n`);
  return dir;
}

// --- the measurements ---------------------------------------------------------------------------
const bin = join(root, "bin", "labgen.cjs");
build(root);
if (baselineDir) build(baselineDir);

const labs = [{ label: "reference", n: null, shape: "reference" }];
for (const n of SIZES) for (const shape of SHAPES) if (!(shape === "one-host" && n > 10000)) labs.push({ label: `${n} ${shape}`, n, shape });

const rows = [];
const regressions = [];
for (const lab of labs) {
  const dir = labDir(lab.n, lab.shape);
  try {
    generate(bin, dir, false); // allocates the lock and writes out/: both modes then start equal
    for (const mode of ["cold", "up-to-date"]) {
      const samples = [];
      for (let i = 0; i < runsFor(lab.n); i++) {
        const zero = nodeZero();
        const g = generate(bin, dir, mode === "cold");
        const base = baselineDir ? generate(join(baselineDir, "bin", existsSync(join(baselineDir, "bin", "labgen.cjs")) ? "labgen.cjs" : "labgen.mjs"), dir, mode === "cold") : null;
        samples.push({ zero, g, base });
      }
      const med = (k) => median(samples.map((s) => s.g[k] ?? 0));
      const zero = median(samples.map((s) => s.zero.wall));
      const row = {
        lab: lab.label,
        n: lab.n,
        shape: lab.shape,
        mode,
        runs: samples.length,
        nodeZeroMs: zero,
        wallMs: med("wall"),
        ratio: median(samples.map((s) => s.g.wall / s.zero.wall)),
        cpuMs: med("cpu"),
        nodeZeroCpuMs: median(samples.map((s) => s.zero.cpu)),
        cpuRatio: median(samples.map((s) => s.g.cpu / s.zero.cpu)),
        stages: Object.fromEntries(["load", "validate", "resolve", "plan", "write"].map((k) => [k, med(k)])),
        rssMB: med("maxRSS"),
      };
      if (baselineDir) {
        row.vsBaseline = median(samples.map((s) => s.g.wall / s.base.wall));
        if (row.vsBaseline > 1.05) regressions.push(`${lab.label} ${mode}: ${((row.vsBaseline - 1) * 100).toFixed(1)}% slower than the baseline`);
      }
      rows.push(row);
      if (!asJson) process.stderr.write(`  ${lab.label} ${mode}: ${row.wallMs.toFixed(0)} ms (${row.ratio.toFixed(2)}× node -e 0), ${row.rssMB} MB\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the report ---------------------------------------------------------------------------------
if (asJson) {
  console.log(JSON.stringify({ node: process.version, rows, regressions }, null, 2));
} else {
  const zeroAll = median(rows.map((r) => r.nodeZeroMs));
  console.log(`\nlabgen bench (node ${process.version}; \`node -e 0\` median ${zeroAll.toFixed(1)} ms in this run; ratios are medians of paired runs)\n`);
  const head = ["lab", "mode", "wall ms", "× node -e 0", "cpu ms", "cpu ×", "load ×", "validate ×", "resolve ×", "plan ×", "write ×", "peak RSS MB"];
  if (baselineDir) head.push("vs baseline");
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => " --- |").join("")}`);
  for (const r of rows) {
    const x = (ms) => (ms / r.nodeZeroMs).toFixed(2);
    const cells = [r.lab, r.mode, r.wallMs.toFixed(0), r.ratio.toFixed(2), r.cpuMs.toFixed(0), r.cpuRatio.toFixed(2), x(r.stages.load), x(r.stages.validate), x(r.stages.resolve), x(r.stages.plan), x(r.stages.write), String(r.rssMB)];
    if (baselineDir) cells.push(`${r.vsBaseline.toFixed(3)}×`);
    console.log(`| ${cells.join(" | ")} |`);
  }

  // Budgets: ratios to `node -e 0` for the up-to-date run (the common case: edit, generate). The
  // verdicts use wall-time ratios unless --cpu is given (then CPU-time ratios: use it on a busy
  // machine, where other processes stretch wall time but not CPU time).
  const byCpu = argv.includes("--cpu");
  for (const r of rows) if (byCpu) r.ratio = r.cpuRatio;
  console.log(`\nverdicts by ${byCpu ? "CPU-time" : "wall-time"} ratios (load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  const find = (n, shape, mode = "up-to-date") => rows.find((r) => r.n === n && r.shape === shape && r.mode === mode);
  const verdicts = [];
  const check = (what, ok, detail) => verdicts.push(`${ok ? "within" : "OVER  "}  ${what}: ${detail}`);
  const ref = find(null, "reference");
  if (ref) check("reference lab ≤ 2.5×", ref.ratio <= 2.5, `${ref.ratio.toFixed(2)}×`);
  for (const shape of SHAPES) {
    const r1k = find(1000, shape);
    if (r1k) check(`1,000 ${shape} ≤ 4.5×`, r1k.ratio <= 4.5, `${r1k.ratio.toFixed(2)}×`);
    const r10k = find(10000, shape);
    if (r10k) {
      check(`10,000 ${shape} ≤ 15×`, r10k.ratio <= 15, `${r10k.ratio.toFixed(2)}×`);
      check(`10,000 ${shape} peak RSS ≤ 250 MB`, r10k.rssMB <= 250, `${r10k.rssMB} MB`);
    }
    const r30k = find(30000, shape);
    const r10 = find(10, shape);
    if (r30k) {
      check(`30,000 ${shape} peak RSS ≤ 600 MB`, r30k.rssMB <= 600, `${r30k.rssMB} MB`);
      if (r10k && r10) {
        // Marginal cost per instance above the fixed start-up cost (the 10-instance lab).
        const per10k = (r10k.wallMs - r10.wallMs) / (10000 - 10);
        const per30k = (r30k.wallMs - r10.wallMs) / (30000 - 10);
        check(`30,000 ${shape} linear (per-instance cost within 10% of 10,000's)`, per30k <= per10k * 1.1, `${(per30k * 1000).toFixed(0)} µs vs ${(per10k * 1000).toFixed(0)} µs per instance`);
      }
    }
  }
  for (const n of SIZES) {
    const d = find(n, "dhcp");
    const s = find(n, "static");
    if (d && s) check(`${n} static within 10% of DHCP`, s.wallMs <= d.wallMs * 1.1, `${(s.wallMs / d.wallMs).toFixed(3)}×`);
  }
  console.log(`\n${verdicts.join("\n")}`);
  if (baselineDir) console.log(regressions.length ? `\nREGRESSION over 5%:\n${regressions.join("\n")}` : "\nno regression over 5% against the baseline");
}
if (regressions.length) process.exitCode = 1;
if (!existsSync(bin)) process.exitCode = 1;
