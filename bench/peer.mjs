// `node bench/peer.mjs --nixlib <nixpkgs>/lib --terranix <terranix checkout> [--sizes 10,100,1000,10000] [--runs 5]`
// labgen against the Nix-native peer (bench/peer.nix: terranix core, the same N incus_instance
// resources to Terraform JSON) in paired runs, with `node -e 0` timed in the same run. Neither
// source ships with labgen or can be fetched by npm, so this is separate from `npm run bench`:
// point it at a nixpkgs `lib/` directory (nix-community/nixpkgs.lib works) and a terranix tree.
// CPU time (user + system of the child, from getrusage) is the figure that compares on a shared
// machine; wall time is printed too.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticLab } from "./synthetic.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (!opt("--nixlib") || !opt("--terranix")) {
  console.error("usage: node bench/peer.mjs --nixlib <nixpkgs>/lib --terranix <dir> [--sizes 10,100,1000] [--runs 5]");
  process.exit(2);
}
const nixlib = resolve(opt("--nixlib"));
const terranix = resolve(opt("--terranix"));
const SIZES = (opt("--sizes") ?? "10,100,1000,10000").split(",").map(Number);
const RUNS = Number(opt("--runs") ?? 5);

// A child's CPU time: the children's rusage of this process before and after a synchronous spawn.
function cpuOf(cmd, args, cwd) {
  const before = childCpu();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 28 });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return { wall, cpu: childCpu() - before };
}
// getrusage(RUSAGE_CHILDREN) is not exposed by Node; /proc/self/stat fields 16 and 17 (cutime,
// cstime, in clock ticks) are, on Linux.
function childCpu() {
  const stat = readProc();
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
}
const readProc = () => readFileSync("/proc/self/stat", "utf8");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const bin = join(root, "bin", "labgen.cjs");
const peer = join(root, "bench", "peer.nix");
console.log(`| N | node -e 0 ms | labgen cpu ms | peer cpu ms | labgen / peer (cpu) | labgen wall × node -e 0 | peer wall × node -e 0 |\n| --- | --- | --- | --- | --- | --- | --- |`);
for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), "labgen-peer-"));
  try {
    writeFileSync(join(dir, "lab.config.ts"), `import { defineLab } from "labgen";\nexport default defineLab(${JSON.stringify(syntheticLab(n, "dhcp"), null, 1)});\n`);
    cpuOf(process.execPath, [bin, "generate"], dir); // allocate the lock, write out/
    const s = [];
    for (let i = 0; i < RUNS; i++) {
      const zero = cpuOf(process.execPath, ["-e", "0"], dir);
      const l = cpuOf(process.execPath, [bin, "generate"], dir);
      const p = cpuOf("nix-instantiate", ["--eval", "--strict", "--json", peer, "--arg", "n", String(n), "--arg", "nixlib", nixlib, "--arg", "terranix", terranix], dir);
      s.push({ zero, l, p });
    }
    const m = (f) => median(s.map(f));
    console.log(`| ${n} | ${m((x) => x.zero.wall).toFixed(0)} | ${m((x) => x.l.cpu).toFixed(0)} | ${m((x) => x.p.cpu).toFixed(0)} | ${m((x) => x.l.cpu / x.p.cpu).toFixed(2)} | ${m((x) => x.l.wall / x.zero.wall).toFixed(2)} | ${m((x) => x.p.wall / x.zero.wall).toFixed(2)} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
