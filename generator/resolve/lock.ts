// lab.lock.json: the allocations labgen made (ZFS hostIds, MACs, IPv4s for NICs without a static
// address). State, not code: an entry never changes once made, whatever is added, removed or
// reordered in the config. Entries of removed things stay (and their addresses stay taken)
// until `labgen lock prune`.
import { createHash } from "node:crypto";
import { z } from "zod";
import { formatPath, type Diagnostic, type PathSegment } from "../shared/diagnostics.ts";
import { positionOf, scanJson } from "./json-text.ts";

export const LOCK_VERSION = 1;
export const LOCK_FILE = "lab.lock.json";

const HostEntry = z.strictObject({
  // resolve never allocates 00000000, so a zero hostId was not written by labgen.
  hostId: z
    .string()
    .regex(/^[0-9a-f]{8}$/, { error: "hostId must be 8 lowercase hex digits" })
    .refine((h) => h !== "00000000", { error: "hostId 00000000 is never allocated by labgen" }),
});
const NicEntry = z.strictObject({
  mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, { error: "mac must look like 10:66:6a:12:34:56 (lowercase)" }),
  network: z.string().min(1),
  ipv4: z
    .string()
    .regex(/^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/, { error: "ipv4 must be an IPv4 address such as 10.10.0.128 (or null)" })
    .nullable(),
});
export const LockSchema = z.strictObject({
  version: z.literal(LOCK_VERSION),
  hosts: z.record(z.string(), HostEntry),
  nics: z.record(z.string().regex(/^[^/]+\/[^/]+$/, { error: "NIC keys are <instance>/<nic>" }), NicEntry),
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
  const lock = r.data;
  const problems: LockProblem[] = [];
  const macs = new Map<string, string>();
  const ips = new Map<string, string>();
  for (const [key, nic] of Object.entries(lock.nics)) {
    const m = macs.get(nic.mac);
    if (m) problems.push(located(["nics", key, "mac"], `MAC ${nic.mac} is also given to ${m}: two NICs cannot share a MAC; ${RESTORE}`));
    macs.set(nic.mac, key);
    if (nic.ipv4) {
      const ipKey = `${nic.network}/${nic.ipv4}`;
      const o = ips.get(ipKey);
      if (o) problems.push(located(["nics", key, "ipv4"], `${nic.ipv4} on ${nic.network} is also given to ${o}; ${RESTORE}`));
      ips.set(ipKey, key);
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

/** Canonical text: sorted keys, two-space indent, trailing newline. */
export function printLock(lock: Lock): string {
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

export function lockDiagnostic(message: string): Diagnostic {
  return { severity: "error", rule: "lock", path: [], message };
}
