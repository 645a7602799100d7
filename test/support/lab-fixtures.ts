// Small labs as plain objects for the spine tests (validate, resolve, lock), plus temp-dir and
// seeded-randomness helpers. Every builder returns a fresh object: tests mutate freely.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolvePath(fileURLToPath(new URL("../..", import.meta.url)));
export const REFERENCE_DIR = join(REPO_ROOT, "test/cases/reference");
export const REFERENCE_CONFIG = join(REFERENCE_DIR, "lab.config.ts");
export const REFERENCE_LOCK = join(REFERENCE_DIR, "lab.lock.json");
export const INVALID_CASES_DIR = join(REPO_ROOT, "test/cases/invalid");

export const ALICE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop";
export const NVME1 = "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100001A";
export const NVME2 = "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100002B";
export const HDD = (n: number): string => `/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA${n}`;

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;

/** A host: 4 cores / 8 threads, 16 GiB, one NVMe as a single-disk boot pool, static LAN 192.168.1.0/24. */
export function baseHost(n = 1, over: Obj = {}): Obj {
  const disk = `/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T10000${n}X`;
  return {
    description: `host ${n}`,
    hardware: {
      cpu: { cores: 4, threads: 8 },
      memory: "16GiB",
      disks: [{ id: disk, size: "1TB", kind: "nvme" }],
      nics: [{ name: "enp1s0" }],
    },
    lan: { mode: "static", interface: "enp1s0", address: `192.168.1.${10 + n}/24`, gateway: "192.168.1.1", nameservers: ["192.168.1.1"] },
    zfs: { pools: { rpool: { boot: true, vdevs: [{ topology: "stripe", disks: [disk] }] } } },
    stateVersion: "26.05",
    ...over,
  };
}

/** An instance on host `nas`, storage `fast`, network `lab0`. */
export function baseInstance(over: Obj = {}): Obj {
  return {
    host: "nas",
    image: "images:debian/12",
    cpu: 1,
    memory: "1GiB",
    storage: "fast",
    nics: [{ network: "lab0" }],
    serves: [80],
    ...over,
  };
}

/** The smallest realistic valid lab: one host `nas`, bridge `lab0`, storage `fast`, instance `web`. */
export function baseLab(): Obj {
  return {
    name: "homelab",
    domain: "lab.home.arpa",
    admins: { alice: { sshKeys: [ALICE_KEY] } },
    hosts: { nas: baseHost(1) },
    networks: { lab0: { host: "nas", subnet: "10.10.0.0/24" } },
    storage: { fast: { host: "nas", zpool: "rpool" } },
    instances: { web: baseInstance() },
  };
}

/** baseLab plus a Traefik instance `traefik` (10.10.0.10, 80/443 exposed) and a route `web` → web:80. */
export function ingressLab(): Obj {
  const lab = baseLab();
  lab.instances.traefik = baseInstance({
    image: "docker:traefik:v3.7",
    nics: [{ network: "lab0", ipv4: "10.10.0.10" }],
    serves: [80, 443],
    ports: [
      { host: 80, instance: 80 },
      { host: 443, instance: 443 },
    ],
  });
  lab.ingress = {
    instance: "traefik",
    allow: ["192.168.1.0/24", "100.64.0.0/10"],
    routes: { web: { instance: "web", port: 80 } },
  };
  return lab;
}

/** baseLab plus a second ZFS pool `tank` (one HDD) with a dataset `media`, and Incus storage `bulk` on it. */
export function twoPoolLab(): Obj {
  const l = baseLab();
  l.hosts.nas.hardware.disks.push({ id: HDD(1), size: "8TB", kind: "hdd" });
  l.hosts.nas.zfs.pools.tank = { vdevs: [{ topology: "stripe", disks: [HDD(1)] }], datasets: { media: { mountpoint: "/srv/media" } } };
  l.storage.bulk = { host: "nas", zpool: "tank" };
  return l;
}

/** A TypeScript config file for a lab object (the same lab, as a user would write it). */
export function configSource(lab: Obj): string {
  return `import { defineLab } from "labgen";\n\nexport default defineLab(${JSON.stringify(lab, null, 2)});\n`;
}

// ---------------------------------------------------------------------------------------------
// Temp dirs

/** A fresh temp dir; remove it with rmTmp. */
export function mkTmp(prefix = "labgen-spine-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function rmTmp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function writeConfig(dir: string, lab: Obj, name = "lab.config.ts"): string {
  const file = join(dir, name);
  writeFileSync(file, configSource(lab));
  return file;
}

/** Every file below dir (relative, forward slashes, sorted). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every file below dir with its bytes. */
export function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** mtimes (ns) of every file below dir. */
export function mtimes(dir: string): Record<string, bigint> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, statSync(join(dir, f), { bigint: true }).mtimeNs]));
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32): property tests are reproducible from their seed.

export interface Rng {
  /** Float in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: readonly T[]): T[];
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (xs) => xs[int(xs.length)],
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/** The same value with the keys of every object (at every level) in a random order; arrays keep their order. */
export function shuffleKeys<T>(v: T, r: Rng): T {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, r)) as T;
  if (v && typeof v === "object") {
    const keys = r.shuffle(Object.keys(v));
    return Object.fromEntries(keys.map((k) => [k, shuffleKeys((v as Obj)[k], r)])) as T;
  }
  return v;
}
