// Resolve: schema-valid config + lock → frozen Model (+ the lock with any new allocations).
// The only stage that computes: defaults that depend on other fields, allocations, sorting.
// This file allocates (hostIds, MACs, addresses); build.ts turns config + lock into the Model.
import type { LabConfig } from "../config/schema.ts";
import type { Diagnostic } from "../shared/diagnostics.ts";
import { broadcast, contains, intToIp, ipToInt, parseCidr } from "../shared/ipv4.ts";
import { defaultGateway } from "../shared/lab.ts";
import { buildModel } from "./build.ts";
import { candidate, INCUS_OUI, type Lock } from "./lock.ts";
import type * as M from "./model.ts";

export interface Resolved {
  readonly model: M.Model;
  /** The lock including any allocation made now. */
  readonly lock: Lock;
  /** Human-readable list of allocations made in this run (empty when the lock was complete). */
  readonly allocated: readonly string[];
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    // for…in rather than Object.values: no array per object (the Model has one per NIC, route…).
    for (const k in o) deepFreeze((o as Record<string, unknown>)[k]);
  }
  return o;
}

/** Diagnostics found while allocating (collisions with the lock) are returned, not thrown. */
export function resolve(lab: LabConfig, lockIn: Lock): { resolved: Resolved | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lock: Lock = structuredClone(lockIn);
  const allocated: string[] = [];

  // --- hostIds -------------------------------------------------------------------------------
  const usedIds = new Set(Object.values(lock.hosts).map((h) => h.hostId));
  for (const h of Object.keys(lab.hosts).sort()) {
    if (lock.hosts[h]) continue;
    for (let i = 0; ; i++) {
      const id = candidate("hostid", `${lab.name}/${h}`, i).toString("hex").slice(0, 8);
      if (id !== "00000000" && !usedIds.has(id)) {
        usedIds.add(id);
        lock.hosts[h] = { hostId: id };
        allocated.push(`hostId ${id} for host ${h}`);
        break;
      }
    }
  }

  // --- NICs: MACs and IPv4 -------------------------------------------------------------------
  const nicKeys: { key: string; inst: string; idx: number }[] = [];
  for (const [inst, cfg] of Object.entries(lab.instances)) cfg.nics.forEach((n, idx) => nicKeys.push({ key: `${inst}/${n.name}`, inst, idx }));
  nicKeys.sort((a, b) => (a.key < b.key ? -1 : 1));

  const usedMacs = new Set(Object.values(lock.nics).map((n) => n.mac));
  // Taken addresses per network: every locked address (live or orphaned), every static address.
  const taken = new Map<string, Set<number>>();
  const takenIn = (net: string) => taken.get(net) ?? taken.set(net, new Set()).get(net)!;
  // Who holds each locked address, per network: one index, so checking N static addresses costs
  // N look-ups rather than N scans of the lock.
  const lockedBy = new Map<string, string[]>();
  for (const [k, n] of Object.entries(lock.nics))
    if (n.ipv4) {
      takenIn(n.network).add(ipToInt(n.ipv4));
      const at = `${n.network}/${n.ipv4}`;
      const holders = lockedBy.get(at);
      if (holders) holders.push(k);
      else lockedBy.set(at, [k]);
    }
  for (const [inst, cfg] of Object.entries(lab.instances))
    cfg.nics.forEach((n, i) => {
      if (!n.ipv4) return;
      takenIn(n.network).add(ipToInt(n.ipv4));
      // A static address that the lock already gave to another NIC would be a silent clash.
      const holder = lockedBy.get(`${n.network}/${n.ipv4}`)?.find((k) => k !== `${inst}/${n.name}`);
      if (holder)
        diagnostics.push({
          severity: "error",
          rule: "static-ip-lock",
          path: ["instances", inst, "nics", i, "ipv4"],
          message: `${n.ipv4} is allocated to ${holder} in lab.lock.json: pick another address (or run 'labgen lock prune' if ${holder} was removed)`,
        });
    });

  const cursor = new Map<string, number>();
  const gateways = new Map(Object.entries(lab.networks).map(([n, net]) => [n, defaultGateway(net)]));

  for (const { key, inst, idx } of nicKeys) {
    const nic = lab.instances[inst].nics[idx];
    const net = lab.networks[nic.network];
    const entry = lock.nics[key];
    let mac = entry?.mac;
    if (!mac) {
      for (let i = 0; ; i++) {
        const b = candidate("mac", `${lab.name}/${key}`, i);
        const m = `${INCUS_OUI}:${[b[0], b[1], b[2]].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
        if (!usedMacs.has(m)) {
          usedMacs.add(m);
          mac = m;
          allocated.push(`MAC ${m} for ${key}`);
          break;
        }
      }
    }
    let ipv4: string | null = entry?.ipv4 ?? null;
    // A locked address stays while the NIC stays on the same network; moving a NIC to another
    // network is a deliberate change and gets a new address. A locked address its network cannot
    // hold is state edited by hand (or a subnet changed under it): an error, never a silent
    // re-allocation, because the instance's address would change behind the user's back.
    const keep = entry !== undefined && entry.network === nic.network && ipv4 !== null;
    if (keep && !nic.ipv4) {
      const c = parseCidr(net.subnet);
      const ip = ipToInt(ipv4!);
      const what = !contains(c, ipv4!)
        ? `outside network '${nic.network}' (${net.subnet})`
        : ip === c.base
          ? `the network address of '${nic.network}' (${net.subnet})`
          : ip === broadcast(c)
            ? `the broadcast address of '${nic.network}' (${net.subnet})`
            : ipv4 === gateways.get(nic.network)
              ? `the gateway (the bridge's own address) of '${nic.network}'`
              : null;
      if (what) {
        diagnostics.push({
          severity: "error",
          rule: "lock",
          path: ["nics", key, "ipv4"],
          message: `${ipv4} is ${what}, so no instance can have it: restore lab.lock.json from git, or, if the subnet changed on purpose, set this "ipv4" to null and labgen allocates a new address`,
        });
        continue;
      }
    }
    if (!nic.ipv4 && !keep) {
      const c = parseCidr(net.subnet);
      const set = takenIn(nic.network);
      const gw = ipToInt(gateways.get(nic.network)!);
      // Upper half first: people pick static addresses low in the range, so allocations stay clear of them.
      const start = c.base + Math.max(2, Math.floor(c.size / 2));
      const order = allocationOrder(start, broadcast(c), c.base + 1);
      // Addresses are only ever added to `set` while allocating, so every position before the
      // network's cursor stays taken: resuming there finds the same first free address as a scan
      // from the start, and a network's allocations cost linear time in total.
      let pos = cursor.get(nic.network) ?? 0;
      while (pos < order.length && (order.at(pos) === gw || set.has(order.at(pos)))) pos++;
      cursor.set(nic.network, pos);
      const free = pos < order.length ? order.at(pos) : undefined;
      if (free === undefined) {
        diagnostics.push({
          severity: "error",
          rule: "ip-exhausted",
          path: ["instances", inst, "nics", idx, "network"],
          message: `network '${nic.network}' (${net.subnet}) has no free address left: widen the subnet or run 'labgen lock prune' to release addresses of removed instances`,
        });
        continue;
      }
      set.add(free);
      ipv4 = intToIp(free);
      allocated.push(`IPv4 ${ipv4} for ${key}`);
    }
    // Static addresses live in the config, so the lock records none for them.
    lock.nics[key] = { mac: mac!, network: nic.network, ipv4: nic.ipv4 ? null : ipv4 };
  }
  if (diagnostics.length) return { resolved: null, diagnostics };

  const model = buildModel(lab, lock, gateways);
  return { resolved: { model: deepFreeze(model), lock, allocated }, diagnostics };
}

/** The addresses [start, end) then [low, start), as positions: nothing is materialised. */
function allocationOrder(start: number, end: number, low: number): { readonly length: number; at(i: number): number } {
  const upper = Math.max(0, end - start);
  return { length: upper + Math.max(0, start - low), at: (i) => (i < upper ? start + i : low + (i - upper)) };
}
