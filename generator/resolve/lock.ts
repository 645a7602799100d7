// lab.lock.json: the allocations labgen made (ZFS hostIds, MACs, IPv4s for NICs without a static
// address). State, not code: an entry never changes once made, whatever is added, removed or
// reordered in the config. Entries of removed things stay (and their addresses stay taken)
// until `labgen lock prune`.
import { createHash } from "node:crypto";
import { z } from "zod";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";
import { positionOf, scanJson } from "./json-text.ts";

export const LOCK_VERSION = 1;
export const LOCK_FILE = "lab.lock.json";

// One set of patterns for the schema and the plain check (isWellFormedLock), so they cannot drift.
const HOST_ID = /^[0-9a-f]{8}$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const NIC_KEY = /^[^/]+\/[^/]+$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

const HostEntry = z.strictObject({
  // resolve never allocates 00000000, so a zero hostId was not written by labgen.
  hostId: z
    .string()
    .regex(HOST_ID, { error: "hostId must be 8 lowercase hex digits" })
    .refine((h) => h !== "00000000", { error: "hostId 00000000 is never allocated by labgen" }),
});
const NicEntry = z.strictObject({
  mac: z.string().regex(MAC, { error: "mac must look like 10:66:6a:12:34:56 (lowercase)" }),
  network: z.string().min(1),
  ipv4: z
    .string()
    .regex(IPV4, { error: "ipv4 must be an IPv4 address such as 10.10.0.128 (or null)" })
    .nullable(),
});
export const LockSchema = z.strictObject({
  version: z.literal(LOCK_VERSION),
  hosts: z.record(z.string(), HostEntry),
  nics: z.record(z.string().regex(NIC_KEY, { error: "NIC keys are <instance>/<nic>" }), NicEntry),
});

export type Lock = z.infer<typeof LockSchema>;
export type NicLock = z.infer<typeof NicEntry>;

export const emptyLock = (): Lock => ({ version: LOCK_VERSION, hosts: {}, nics: {} });

export interface LockProblem {
  /** Path in the lock file, e.g. ["nics", "forgejo/eth0", "ipv4"]. */
  readonly path: PathSegment[];
  readonly message: string;
  /** Position in the lock text (1-based), where known. */
  readonly line?: number;
  readonly column?: number;
}

/** A lock problem: never silently re-allocated, always reported against lab.lock.json. */
export class LockError extends Error {
  constructor(readonly problems: LockProblem[]) {
    super(`lab.lock.json is invalid:\n${problems.map((p) => `  - ${p.line ? `${p.line}:${p.column}: ` : ""}${p.path.length ? `${formatPath(p.path)}: ` : ""}${p.message}`).join("\n")}`);
  }
}

const RESTORE = "restore lab.lock.json from git (deleting it re-allocates every address and MAC)";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The number of own enumerable keys, without an array of them. */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * True only for what LockSchema accepts unchanged (the same checks, by hand): the common case of a
 * lock labgen wrote, checked without a copy of every entry. Anything it doubts (including a
 * "__proto__" key, which a copy would treat differently) goes to the schema, which decides and
 * words every problem, so accepting less than the schema never changes a result.
 */
export function isWellFormedLock(raw: unknown): raw is Lock {
  if (!isRecord(raw) || raw.version !== LOCK_VERSION || !isRecord(raw.hosts) || !isRecord(raw.nics) || keyCount(raw) !== 3) return false;
  const hosts = raw.hosts;
  for (const h in hosts) {
    if (h === "__proto__") return false;
    const e = hosts[h];
    if (!isRecord(e) || keyCount(e) !== 1) return false;
    const id = e.hostId;
    if (typeof id !== "string" || !HOST_ID.test(id) || id === "00000000") return false;
  }
  const nics = raw.nics;
  for (const k in nics) {
    if (!NIC_KEY.test(k)) return false;
    const e = nics[k];
    if (!isRecord(e) || keyCount(e) !== 3) return false;
    const { mac, network, ipv4 } = e;
    if (typeof mac !== "string" || !MAC.test(mac) || typeof network !== "string" || network.length === 0) return false;
    if (ipv4 !== null && (typeof ipv4 !== "string" || !IPV4.test(ipv4))) return false;
  }
  return true;
}

/** Parse and check a lock file's text; throws LockError with every problem, each at its line:column. */
export function parseLock(text: string): Lock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse says where only in some Node versions and words: the scanner says it the same way everywhere.
    const e = scanJson(text).error ?? { message: "unexpected text", line: 1, column: 1 };
    throw new LockError([{ path: [], message: `not valid JSON: ${e.message}; ${RESTORE}`, line: e.line, column: e.column }]);
  }
  // Positions are only needed to report a problem: scanned then, not on every run.
  let scan: ReturnType<typeof scanJson> | undefined;
  const located = (path: PathSegment[], message: string): LockProblem => ({ path, message, ...(positionOf((scan ??= scanJson(text)), path) ?? {}) });
  const version = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as { version?: unknown }).version : undefined;
  if (version !== LOCK_VERSION)
    throw new LockError([
      located(
        version === undefined ? [] : ["version"],
        version === undefined
          ? `no "version": this is not a labgen lock file (expected { "version": ${LOCK_VERSION}, "hosts": …, "nics": … })`
          : `version ${JSON.stringify(version)} is not supported: this labgen reads lock format version ${LOCK_VERSION}`,
      ),
    ]);
  // A lock labgen wrote passes the plain check below, which reads the parsed JSON in place; the
  // schema (which copies every entry) runs only on a lock the check doubts, to say what is wrong.
  let lock: Lock;
  if (isWellFormedLock(raw)) lock = raw;
  else {
    const r = LockSchema.safeParse(raw);
    if (!r.success)
      throw new LockError(
        r.error.issues.map((i) => {
          // A bad record key: zod's own message is "Invalid key in record"; the key's check says more.
          const message = i.code === "invalid_key" ? (i.issues[0]?.message ?? i.message) : i.code === "unrecognized_keys" ? `unknown ${i.keys.length > 1 ? "keys" : "key"} ${i.keys.map((k) => `"${k}"`).join(", ")}` : i.message;
          const path = i.code === "unrecognized_keys" ? [...(i.path as PathSegment[]), i.keys[0]] : (i.path as PathSegment[]);
          return located(path, `${message}; ${RESTORE}`);
        }),
      );
    lock = r.data;
  }
  const problems: LockProblem[] = [];
  const macs = new Map<string, string>();
  // Holders of each address, per network (no "<network>/<address>" string per entry).
  const ips = new Map<string, Map<string, string>>();
  for (const key in lock.nics) {
    const nic = lock.nics[key];
    const m = macs.get(nic.mac);
    if (m) problems.push(located(["nics", key, "mac"], `MAC ${nic.mac} is also given to ${m}: two NICs cannot share a MAC; ${RESTORE}`));
    macs.set(nic.mac, key);
    if (nic.ipv4) {
      let onNet = ips.get(nic.network);
      if (!onNet) ips.set(nic.network, (onNet = new Map()));
      const o = onNet.get(nic.ipv4);
      if (o) problems.push(located(["nics", key, "ipv4"], `${nic.ipv4} on ${nic.network} is also given to ${o}; ${RESTORE}`));
      onNet.set(nic.ipv4, key);
    }
  }
  const ids = new Map<string, string>();
  for (const [h, e] of Object.entries(lock.hosts)) {
    const o = ids.get(e.hostId);
    if (o) problems.push(located(["hosts", h, "hostId"], `hostId ${e.hostId} is also given to ${o}: ZFS tells hosts apart by it; ${RESTORE}`));
    ids.set(e.hostId, h);
  }
  if (problems.length) throw new LockError(problems);
  return lock;
}

/** Locates problems found later (by resolve, against the config) in the lock text. */
export function locateInLock(text: string, path: readonly PathSegment[]): { line: number; column: number } | null {
  return positionOf(scanJson(text), path);
}

/** Canonical text: sorted keys, two-space indent, trailing newline (JSON.stringify's layout). */
export function printLock(lock: Lock): string {
  // Built directly rather than through a sorted copy of every entry for JSON.stringify; a value
  // of another type than the schema's (only a hand-made Lock can have one) takes that way instead.
  let out = `{\n  "version": ${JSON.stringify(lock.version)},\n  "hosts": `;
  const hosts = canonicalKeys(lock.hosts);
  if (hosts.length === 0) out += "{}";
  else {
    out += "{";
    for (let i = 0; i < hosts.length; i++) {
      const id = lock.hosts[hosts[i]].hostId;
      if (typeof id !== "string") return printLockGeneric(lock);
      out += `${i ? "," : ""}\n    ${JSON.stringify(hosts[i])}: {\n      "hostId": ${JSON.stringify(id)}\n    }`;
    }
    out += "\n  }";
  }
  out += ',\n  "nics": ';
  const nics = canonicalKeys(lock.nics);
  if (nics.length === 0) out += "{}";
  else {
    out += "{";
    for (let i = 0; i < nics.length; i++) {
      const e = lock.nics[nics[i]];
      if (typeof e.mac !== "string" || typeof e.network !== "string" || (e.ipv4 !== null && typeof e.ipv4 !== "string")) return printLockGeneric(lock);
      out += `${i ? "," : ""}\n    ${JSON.stringify(nics[i])}: {\n      "ipv4": ${e.ipv4 === null ? "null" : JSON.stringify(e.ipv4)},\n      "mac": ${JSON.stringify(e.mac)},\n      "network": ${JSON.stringify(e.network)}\n    }`;
    }
    out += "\n  }";
  }
  return `${out}\n}\n`;
}

/** Matches an array index, which every object lists first, in numeric order, whatever the insertion order. */
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** Keys in the order JSON.stringify lists an object built from them sorted: array indexes first (numerically), then the rest sorted. */
function canonicalKeys(o: object): string[] {
  const keys = Object.keys(o).sort();
  const indexes = keys.filter((k) => ARRAY_INDEX.test(k) && Number(k) <= 4294967294);
  if (indexes.length === 0) return keys;
  const isIndex = new Set(indexes);
  return [...indexes.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex.has(k))];
}

/** The layout printLock writes, by way of a sorted copy and JSON.stringify. */
export function printLockGeneric(lock: Lock): string {
  const sortObj = <T>(o: Record<string, T>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const canon = {
    version: lock.version,
    hosts: sortObj(Object.fromEntries(Object.entries(lock.hosts).map(([k, v]) => [k, { hostId: v.hostId }]))),
    nics: sortObj(
      Object.fromEntries(Object.entries(lock.nics).map(([k, v]) => [k, { ipv4: v.ipv4, mac: v.mac, network: v.network }])),
    ),
  };
  return `${JSON.stringify(canon, null, 2)}\n`;
}

/**
 * Deterministic candidates for new allocations: the same lab gets the same hostIds and MACs on
 * every machine, so two people generating without a lock agree. Collisions move to the next
 * counter value.
 */
export function candidate(kind: string, key: string, counter: number): Buffer {
  return createHash("sha256").update(`labgen/${kind}/${key}/${counter}`).digest();
}

/** Incus's own MAC prefix (10:66:6a), so labgen MACs look like any Incus MAC. */
export const INCUS_OUI = "10:66:6a";
