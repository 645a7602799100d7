// Resolve: schema-valid config + lock → the read-only Model (+ the lock with any new allocations).
// The only stage that computes: defaults that depend on other fields, allocations, sorting.
// This file allocates (hostIds, MACs, addresses); build.ts turns config + lock into the Model.
import type { LabConfig } from "../config/schema.ts";
import type { Diagnostic } from "../shared/diagnostics.ts";
import { broadcast, contains, intToIp, ipToInt, parseCidr, type Cidr } from "../shared/ipv4.ts";
import { defaultGateway } from "../shared/lab.ts";
import { buildModel } from "./build.ts";
import { candidate, INCUS_OUI, type Lock, type NicLock } from "./lock.ts";
import type * as M from "./model.ts";

export interface Resolved {
  readonly model: M.Model;
  /** The lock including any allocation made now (the lock passed in, when nothing changed). */
  readonly lock: Lock;
  /** Human-readable list of allocations made in this run (empty when the lock was complete). */
  readonly allocated: readonly string[];
}

/**
 * Whether resolve freezes the Model. Targets read it through readonly types; the runtime freeze
 * proves they never write to it (a write to a frozen object throws in strict code), and it is on
 * wherever the output is checked: in the test suite (every golden case, every target test) and
 * with LABGEN_FREEZE_MODEL=1. A plain generate skips the walk, which visits every object of the
 * Model (about 30 ms of 170 at 10,000 instances).
 */
export const FREEZE_MODEL = typeof process !== "undefined" && (process.env.VITEST !== undefined || process.env.LABGEN_FREEZE_MODEL === "1");

/** Freezes every object and array reachable from `o` (strings and numbers are never visited). */
export function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) freezeNode(o);
  return o;
}

function freezeNode(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    // By index: a for…in over an array makes a string per index.
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (typeof v === "object" && v !== null && !Object.isFrozen(v)) freezeNode(v);
    }
  } else
    for (const k in o) {
      const v: unknown = (o as Record<string, unknown>)[k];
      if (typeof v === "object" && v !== null && !Object.isFrozen(v)) freezeNode(v);
    }
}

/** What allocating in a network needs, computed once per network rather than once per NIC. */
interface NetInfo {
  readonly cidr: Cidr;
  readonly broadcast: number;
  readonly gateway: string;
  readonly gatewayInt: number;
}

/** A NIC that needs a MAC or an address allocated now. */
interface Pending {
  readonly key: string;
  readonly inst: string;
  readonly idx: number;
  readonly entry: NicLock | undefined;
  /** Its position in `nicLocks`. */
  readonly slot: number;
  /** False when the NIC keeps its locked (or static) address and needs only a MAC. */
  readonly needsIp: boolean;
}

/** Diagnostics found while allocating (collisions with the lock) are returned, not thrown. */
export function resolve(lab: LabConfig, lockIn: Lock): { resolved: Resolved | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // Copy on write, and then only the containers: resolve never changes an entry, it replaces it,
  // so the caller's lock stays as it was, and a complete lock (the usual run) is not copied at all.
  let lock: Lock = lockIn;
  const writable = (): Lock => {
    if (lock === lockIn) lock = { version: lockIn.version, hosts: { ...lockIn.hosts }, nics: { ...lockIn.nics } };
    return lock;
  };
  const allocated: string[] = [];

  // --- hostIds -------------------------------------------------------------------------------
  const usedIds = new Set(Object.values(lock.hosts).map((h) => h.hostId));
  for (const h of Object.keys(lab.hosts).sort()) {
    if (Object.hasOwn(lock.hosts, h)) continue;
    for (let i = 0; ; i++) {
      const id = candidate("hostid", `${lab.name}/${h}`, i).toString("hex").slice(0, 8);
      if (id !== "00000000" && !usedIds.has(id)) {
        usedIds.add(id);
        writable().hosts[h] = { hostId: id };
        allocated.push(`hostId ${id} for host ${h}`);
        break;
      }
    }
  }

  // --- NICs: MACs and IPv4 -------------------------------------------------------------------
  const gateways = new Map(Object.entries(lab.networks).map(([n, net]) => [n, defaultGateway(net)]));
  const netInfo = new Map<string, NetInfo>();
  const infoOf = (name: string): NetInfo => {
    let i = netInfo.get(name);
    if (!i) {
      const cidr = parseCidr(lab.networks[name].subnet);
      const gateway = gateways.get(name)!;
      i = { cidr, broadcast: broadcast(cidr), gateway, gatewayInt: ipToInt(gateway) };
      netInfo.set(name, i);
    }
    return i;
  };
  // Who holds each locked address, per network: one index (built only when some NIC has a static
  // address), so checking N static addresses costs N look-ups rather than N scans of the lock.
  let lockedBy: Map<string, string[]> | undefined;
  const holdersOf = (network: string, ipv4: string): string[] | undefined => {
    if (!lockedBy) {
      lockedBy = new Map();
      for (const k in lockIn.nics) {
        const n = lockIn.nics[k];
        if (!n.ipv4) continue;
        const a = `${n.network}/${n.ipv4}`;
        const holders = lockedBy.get(a);
        if (holders) holders.push(k);
        else lockedBy.set(a, [k]);
      }
    }
    // A lock that holds no address (every NIC static, or no lock yet): no key to build per NIC.
    return lockedBy.size === 0 ? undefined : lockedBy.get(`${network}/${ipv4}`);
  };

  // One pass in config order settles every NIC the lock already covers; only NICs that need an
  // allocation are sorted (by key, so allocation does not depend on config order). Allocation
  // only ever reads what is taken, which this pass does not change, so the result is the same as
  // walking every NIC in key order.
  const pending: Pending[] = [];
  // Every NIC's final lock entry, in config order (instances, then their NICs): the Model's
  // builder walks the config in the same order and takes them in turn instead of looking each
  // up again by its "<instance>/<nic>" key.
  const nicLocks: NicLock[] = [];
  // Lock problems, reported in NIC-key order (as a walk in key order would find them).
  const nicProblems: { key: string; d: Diagnostic }[] = [];
  for (const inst in lab.instances) {
    const nics = lab.instances[inst].nics;
    for (let idx = 0; idx < nics.length; idx++) {
      const nic = nics[idx];
      const key = `${inst}/${nic.name}`;
      const entry: NicLock | undefined = lockIn.nics[key];
      if (nic.ipv4) {
        // A static address that the lock already gave to another NIC would be a silent clash.
        const holder = holdersOf(nic.network, nic.ipv4)?.find((k) => k !== key);
        if (holder)
          diagnostics.push({
            severity: "error",
            rule: "static-ip-lock",
            path: ["instances", inst, "nics", idx, "ipv4"],
            message: `${nic.ipv4} is allocated to ${holder} in lab.lock.json: pick another address (or run 'labgen lock prune' if ${holder} was removed)`,
          });
      }
      const ipv4 = entry?.ipv4 ?? null;
      // A locked address stays while the NIC stays on the same network; moving a NIC to another
      // network is a deliberate change and gets a new address. A locked address its network cannot
      // hold is state edited by hand (or a subnet changed under it): an error, never a silent
      // re-allocation, because the instance's address would change behind the user's back.
      const keep = entry !== undefined && entry.network === nic.network && ipv4 !== null;
      if (keep && !nic.ipv4) {
        const net = infoOf(nic.network);
        const subnet = lab.networks[nic.network].subnet;
        const ip = ipToInt(ipv4);
        const what = !contains(net.cidr, ipv4)
          ? `outside network '${nic.network}' (${subnet})`
          : ip === net.cidr.base
            ? `the network address of '${nic.network}' (${subnet})`
            : ip === net.broadcast
              ? `the broadcast address of '${nic.network}' (${subnet})`
              : ipv4 === net.gateway
                ? `the gateway (the bridge's own address) of '${nic.network}'`
                : null;
        if (what) {
          nicProblems.push({
            key,
            d: {
              severity: "error",
              rule: "lock",
              path: ["nics", key, "ipv4"],
              message: `${ipv4} is ${what}, so no instance can have it: restore lab.lock.json from git, or, if the subnet changed on purpose, set this "ipv4" to null and labgen allocates a new address`,
            },
          });
          continue;
        }
      }
      const needsIp = !nic.ipv4 && !keep;
      if (!entry || needsIp) {
        pending.push({ key, inst, idx, entry, slot: nicLocks.length, needsIp });
        nicLocks.push(entry!); // replaced once allocated
        continue;
      }
      // Static addresses live in the config, so the lock records none for them.
      const lockedIp = nic.ipv4 ? null : ipv4;
      if (entry.network !== nic.network || entry.ipv4 !== lockedIp) nicLocks.push((writable().nics[key] = { mac: entry.mac, network: nic.network, ipv4: lockedIp }));
      else nicLocks.push(entry);
    }
  }

  if (pending.length) {
    pending.sort((a, b) => (a.key < b.key ? -1 : 1));
    const usedMacs = new Set<string>();
    for (const k in lockIn.nics) usedMacs.add(lockIn.nics[k].mac);
    // Taken addresses per network: every locked address (live or orphaned), every static address.
    const taken = new Map<string, Set<number>>();
    const takenIn = (net: string) => taken.get(net) ?? taken.set(net, new Set()).get(net)!;
    for (const k in lockIn.nics) {
      const n = lockIn.nics[k];
      if (n.ipv4) takenIn(n.network).add(ipToInt(n.ipv4));
    }
    for (const inst in lab.instances) for (const n of lab.instances[inst].nics) if (n.ipv4) takenIn(n.network).add(ipToInt(n.ipv4));
    const cursor = new Map<string, number>();

    for (const { key, inst, idx, entry, slot, needsIp } of pending) {
      const nic = lab.instances[inst].nics[idx];
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
      if (needsIp) {
        const net = infoOf(nic.network);
        const c = net.cidr;
        const set = takenIn(nic.network);
        const gw = net.gatewayInt;
        // Upper half first: people pick static addresses low in the range, so allocations stay clear of them.
        const start = c.base + Math.max(2, Math.floor(c.size / 2));
        const order = allocationOrder(start, net.broadcast, c.base + 1);
        // Addresses are only ever added to `set` while allocating, so every position before the
        // network's cursor stays taken: resuming there finds the same first free address as a scan
        // from the start, and a network's allocations cost linear time in total.
        let pos = cursor.get(nic.network) ?? 0;
        while (pos < order.length && (order.at(pos) === gw || set.has(order.at(pos)))) pos++;
        cursor.set(nic.network, pos);
        const free = pos < order.length ? order.at(pos) : undefined;
        if (free === undefined) {
          nicProblems.push({
            key,
            d: {
              severity: "error",
              rule: "ip-exhausted",
              path: ["instances", inst, "nics", idx, "network"],
              message: `network '${nic.network}' (${lab.networks[nic.network].subnet}) has no free address left: widen the subnet or run 'labgen lock prune' to release addresses of removed instances`,
            },
          });
          continue;
        }
        set.add(free);
        ipv4 = intToIp(free);
        allocated.push(`IPv4 ${ipv4} for ${key}`);
      }
      // Static addresses live in the config, so the lock records none for them.
      nicLocks[slot] = writable().nics[key] = { mac: mac!, network: nic.network, ipv4: nic.ipv4 ? null : ipv4 };
    }
  }
  if (nicProblems.length) for (const p of nicProblems.sort((a, b) => (a.key < b.key ? -1 : 1))) diagnostics.push(p.d);
  if (diagnostics.length) return { resolved: null, diagnostics };

  const model = buildModel(lab, lock, gateways, nicLocks);
  return { resolved: { model: FREEZE_MODEL ? deepFreeze(model) : model, lock, allocated }, diagnostics };
}

/** The addresses [start, end) then [low, start), as positions: nothing is materialised. */
function allocationOrder(start: number, end: number, low: number): { readonly length: number; at(i: number): number } {
  const upper = Math.max(0, end - start);
  return { length: upper + Math.max(0, start - low), at: (i) => (i < upper ? start + i : low + (i - upper)) };
}
