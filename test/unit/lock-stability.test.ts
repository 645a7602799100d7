// Lock stability, as a property: from a base lab, random sequences of edits (add / remove /
// reorder instances, reorder / add NICs, add hosts, now and then `lock prune`). After every step
// the lab is resolved with the previous lock, and:
//   - every allocation made before is unchanged (hostIds, MACs, IPv4s of NICs still present);
//   - every address is unique on its network, inside its subnet, and not the network, gateway or
//     broadcast address; MACs and hostIds are unique;
//   - a removed instance's address and MAC are not given to anything else until a prune;
//   - a pure reorder allocates nothing and leaves the lock byte-identical.
import { describe, expect, it } from "vitest";
import { broadcast, contains, ipToInt, parseCidr } from "../../generator/shared/ipv4.ts";
import { emptyLock, type Lock, printLock } from "../../generator/resolve/lock.ts";
import { resolve } from "../../generator/resolve/resolve.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";
import { validate } from "../../generator/validate/validate.ts";
import { baseHost, baseInstance, baseLab, type Obj, type Rng, rng } from "../support/lab-fixtures.ts";

const SEEDS = [1, 2, 3, 42, 2026];
const STEPS = 200;

type Op = "addInstance" | "removeInstance" | "reorderInstances" | "reorderNics" | "addNic" | "addHost" | "prune";
const OPS: [Op, number][] = [
  ["addInstance", 6],
  ["removeInstance", 3],
  ["reorderInstances", 2],
  ["reorderNics", 2],
  ["addNic", 3],
  ["addHost", 1],
  ["prune", 1],
];

function pickOp(r: Rng): Op {
  const total = OPS.reduce((s, [, w]) => s + w, 0);
  let x = r.int(total);
  for (const [op, w] of OPS) {
    if (x < w) return op;
    x -= w;
  }
  throw new Error("unreachable");
}

interface World {
  lab: Obj;
  lock: Lock;
  counter: number;
  hosts: number;
  /** Entries of removed NICs (network/ip and MACs) that no new NIC may take before a prune. */
  orphanIps: Set<string>;
  orphanMacs: Set<string>;
}

/** Networks of a host (by the lab's bridges). */
const networksOf = (lab: Obj, host: string) => Object.keys(lab.networks).filter((n) => lab.networks[n].host === host);

function networkCidr(lab: Obj, net: string) {
  return parseCidr(lab.networks[net].subnet);
}

/** A free static address low in the subnet (the allocator fills the upper half first), or null. */
function freeStatic(w: World, net: string, r: Rng): string | null {
  const c = networkCidr(w.lab, net);
  const used = new Set<number>();
  for (const e of Object.values(w.lock.nics)) if (e.network === net && e.ipv4) used.add(ipToInt(e.ipv4));
  for (const inst of Object.values(w.lab.instances) as Obj[])
    for (const n of inst.nics) if (n.network === net && n.ipv4) used.add(ipToInt(n.ipv4));
  const candidate = c.base + 2 + r.int(40);
  if (used.has(candidate)) return null;
  return [24, 16, 8, 0].map((s) => Math.floor(candidate / 2 ** s) % 256).join(".");
}

function apply(w: World, op: Op, r: Rng): string {
  const { lab } = w;
  const names = Object.keys(lab.instances);
  switch (op) {
    case "addInstance": {
      const name = `i${w.counter++}`;
      const host = r.pick(Object.keys(lab.hosts));
      const nets = networksOf(lab, host);
      const nics: Obj[] = [{ network: r.pick(nets) }];
      if (r.next() < 0.3) nics.push({ name: "eth1", network: r.pick(nets) });
      if (r.next() < 0.15) {
        const ip = freeStatic(w, nics[0].network, r);
        if (ip) nics[0].ipv4 = ip;
      }
      lab.instances[name] = baseInstance({ host, storage: `${host}-ssd`, memory: "64MiB", nics });
      return `add ${name} on ${host}`;
    }
    case "removeInstance": {
      if (names.length === 0) return "remove (nothing)";
      const name = r.pick(names);
      for (const n of lab.instances[name].nics as Obj[]) {
        const e = w.lock.nics[`${name}/${n.name ?? "eth0"}`];
        if (e?.ipv4) w.orphanIps.add(`${e.network}/${e.ipv4}`);
        if (e) w.orphanMacs.add(e.mac);
      }
      delete lab.instances[name];
      return `remove ${name}`;
    }
    case "reorderInstances": {
      const order = r.shuffle(names);
      w.lab.instances = Object.fromEntries(order.map((n) => [n, lab.instances[n]]));
      return "reorder instances";
    }
    case "reorderNics": {
      const multi = names.filter((n) => lab.instances[n].nics.length > 1);
      if (multi.length === 0) return "reorder NICs (nothing)";
      const name = r.pick(multi);
      lab.instances[name].nics = r.shuffle(lab.instances[name].nics);
      return `reorder NICs of ${name}`;
    }
    case "addNic": {
      if (names.length === 0) return "add NIC (nothing)";
      const name = r.pick(names);
      const inst = lab.instances[name];
      const taken = new Set((inst.nics as Obj[]).map((n) => n.name ?? "eth0"));
      const free = ["eth1", "eth2", "eth3", "eth4"].find((n) => !taken.has(n));
      if (!free) return "add NIC (full)";
      inst.nics.push({ name: free, network: r.pick(networksOf(lab, inst.host)) });
      return `add ${name}/${free}`;
    }
    case "addHost": {
      const n = ++w.hosts;
      const host = `h${n}`;
      lab.hosts[host] = baseHost(n, { tailscale: { authKeyFile: "/var/lib/labgen/secrets/ts", exposeIncusApi: true } });
      lab.networks[`${host}-a`] = { host, subnet: `10.${20 + n}.0.0/24` };
      lab.networks[`${host}-b`] = { host, subnet: `10.${20 + n}.1.0/25` };
      lab.storage[`${host}-ssd`] = { host, zpool: "rpool" };
      return `add host ${host}`;
    }
    case "prune": {
      const live = new Set<string>();
      for (const [name, inst] of Object.entries(lab.instances) as [string, Obj][]) for (const n of inst.nics) live.add(`${name}/${n.name ?? "eth0"}`);
      for (const k of Object.keys(w.lock.nics)) if (!live.has(k)) delete w.lock.nics[k];
      for (const h of Object.keys(w.lock.hosts)) if (!(h in lab.hosts)) delete w.lock.hosts[h];
      w.orphanIps.clear();
      w.orphanMacs.clear();
      return "prune";
    }
  }
}

function startWorld(): World {
  const lab = baseLab();
  lab.hosts = {};
  lab.networks = {};
  lab.storage = {};
  lab.instances = {};
  const w: World = { lab, lock: emptyLock(), counter: 0, hosts: 0, orphanIps: new Set(), orphanMacs: new Set() };
  apply(w, "addHost", rng(0));
  return w;
}

function step(w: World, label: string) {
  const v = validate(w.lab);
  const errs = v.diagnostics.filter((d) => d.severity === "error");
  if (errs.length) throw new Error(`${label}: invalid lab: ${errs.map((d) => `${formatPath(d.path)}: ${d.message}`).join("; ")}`);
  const r = resolve(v.config!, w.lock);
  if (!r.resolved) throw new Error(`${label}: resolve failed: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.resolved;
}

function checkStep(w: World, label: string, op: Op) {
  const prev = w.lock;
  const res = step(w, label);
  const next = res.lock;

  // 1. Nothing allocated before moves.
  for (const [h, e] of Object.entries(prev.hosts)) expect(next.hosts[h], `${label}: hostId of ${h}`).toEqual(e);
  for (const [k, e] of Object.entries(prev.nics)) expect(next.nics[k], `${label}: lock entry ${k}`).toEqual(e);

  // 2. Uniqueness and validity of every live address and of the lock.
  const macs = Object.values(next.nics).map((e) => e.mac);
  expect(new Set(macs).size, `${label}: unique MACs`).toBe(macs.length);
  const ids = Object.values(next.hosts).map((e) => e.hostId);
  expect(new Set(ids).size, `${label}: unique hostIds`).toBe(ids.length);
  const seen = new Map<string, string>();
  for (const inst of res.model.instances)
    for (const n of inst.nics) {
      const net = res.model.networks.find((x) => x.name === n.network)!;
      const c = parseCidr(net.subnet);
      const ip = ipToInt(n.ipv4);
      expect(contains(c, n.ipv4), `${label}: ${inst.name}/${n.name} ${n.ipv4} in ${net.subnet}`).toBe(true);
      expect([c.base, broadcast(c), ipToInt(net.gateway)], `${label}: ${inst.name}/${n.name} ${n.ipv4} reserved`).not.toContain(ip);
      const key = `${n.network}/${n.ipv4}`;
      expect(seen.get(key), `${label}: ${key} used twice`).toBeUndefined();
      seen.set(key, `${inst.name}/${n.name}`);
      // The model says what the lock says (dynamic) or what the config says (static).
      const e = next.nics[`${inst.name}/${n.name}`];
      expect(n.mac).toBe(e.mac);
      if (!n.staticIp) expect(n.ipv4).toBe(e.ipv4);
    }

  // 3. New allocations never take an orphan's address or MAC, nor anything already locked.
  const prevIps = new Set(Object.values(prev.nics).filter((e) => e.ipv4).map((e) => `${e.network}/${e.ipv4}`));
  const prevMacs = new Set(Object.values(prev.nics).map((e) => e.mac));
  for (const [k, e] of Object.entries(next.nics)) {
    if (k in prev.nics) continue;
    if (e.ipv4) {
      expect(w.orphanIps.has(`${e.network}/${e.ipv4}`), `${label}: ${k} got orphaned ${e.ipv4}`).toBe(false);
      expect(prevIps.has(`${e.network}/${e.ipv4}`), `${label}: ${k} got locked ${e.ipv4}`).toBe(false);
    }
    expect(w.orphanMacs.has(e.mac) || prevMacs.has(e.mac), `${label}: ${k} got a taken MAC`).toBe(false);
  }
  // Orphans stay in the lock until a prune.
  for (const o of w.orphanIps) expect(Object.values(next.nics).some((e) => `${e.network}/${e.ipv4}` === o), `${label}: orphan ${o} kept`).toBe(true);

  // 4. A pure reorder changes nothing at all.
  if (op === "reorderInstances" || op === "reorderNics") {
    expect(res.allocated, label).toEqual([]);
    expect(printLock(next), label).toBe(printLock(prev));
  }
  w.lock = next;
}

describe("lock stability (property test)", () => {
  it.each(SEEDS)(`seed %i: ${STEPS} random edits never move an allocation`, (seed) => {
    const r = rng(seed);
    const w = startWorld();
    checkStep(w, `seed ${seed} start`, "addHost");
    const counts: Record<string, number> = {};
    for (let i = 0; i < STEPS; i++) {
      const op = pickOp(r);
      counts[op] = (counts[op] ?? 0) + 1;
      const what = apply(w, op, r);
      checkStep(w, `seed ${seed} step ${i} (${what})`, op);
    }
    // The sequence really exercised every kind of edit and grew a lab worth checking.
    for (const [op] of OPS) expect(counts[op] ?? 0, `seed ${seed}: ${op}`).toBeGreaterThan(0);
    expect(Object.keys(w.lab.instances).length).toBeGreaterThan(10);
    expect(Object.keys(w.lock.nics).length).toBeGreaterThan(10);
  });

  it("after any sequence of edits, resolving again with the resulting lock allocates nothing", () => {
    const r = rng(7);
    const w = startWorld();
    checkStep(w, "start", "addHost");
    for (let i = 0; i < 50; i++) {
      const op = pickOp(r);
      const what = apply(w, op, r);
      checkStep(w, `step ${i} (${what})`, op);
    }
    const again = step(w, "again");
    expect(again.allocated).toEqual([]);
    expect(printLock(again.lock)).toBe(printLock(w.lock));
  });
});
