// lab.lock.json: the allocations labgen made (ZFS hostIds, MACs, IPv4s for NICs without a static
// address). State, not code: an entry never changes once made, whatever is added, removed or
// reordered in the config. Entries of removed things stay (and their addresses stay taken)
// until `labgen lock prune`.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Diagnostic } from "../shared/diagnostics.ts";

export const LOCK_VERSION = 1;
export const LOCK_FILE = "lab.lock.json";

const HostEntry = z.strictObject({
  hostId: z.string().regex(/^[0-9a-f]{8}$/, { error: "hostId must be 8 lowercase hex digits" }),
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

/** A lock problem: never silently re-allocated, always reported against lab.lock.json. */
export class LockError extends Error {
  constructor(readonly problems: string[]) {
    super(`lab.lock.json is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parse and check a lock file's text; throws LockError with every problem. */
export function parseLock(text: string): Lock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LockError([`not valid JSON (${(e as Error).message}). Restore it from git; deleting it re-allocates every address and MAC.`]);
  }
  const version = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as { version?: unknown }).version : undefined;
  if (version !== LOCK_VERSION)
    throw new LockError([
      version === undefined
        ? `no "version": this is not a labgen lock file (expected { "version": ${LOCK_VERSION}, "hosts": …, "nics": … })`
        : `version ${JSON.stringify(version)} is not supported: this labgen reads lock format version ${LOCK_VERSION}`,
    ]);
  const r = LockSchema.safeParse(raw);
  if (!r.success)
    throw new LockError(
      r.error.issues.map((i) => {
        // A bad record key: zod's own message is "Invalid key in record"; the key's check says more.
        const message = i.code === "invalid_key" ? (i.issues[0]?.message ?? i.message) : i.message;
        return `${i.path.map(String).join(".") || "(root)"}: ${message}`;
      }),
    );
  const lock = r.data;
  const problems: string[] = [];
  const macs = new Map<string, string>();
  const ips = new Map<string, string>();
  for (const [key, nic] of Object.entries(lock.nics)) {
    const m = macs.get(nic.mac);
    if (m) problems.push(`nics.${key}: MAC ${nic.mac} is also given to ${m}`);
    macs.set(nic.mac, key);
    if (nic.ipv4) {
      const ipKey = `${nic.network}/${nic.ipv4}`;
      const o = ips.get(ipKey);
      if (o) problems.push(`nics.${key}: ${nic.ipv4} on ${nic.network} is also given to ${o}`);
      ips.set(ipKey, key);
    }
  }
  const ids = new Map<string, string>();
  for (const [h, e] of Object.entries(lock.hosts)) {
    const o = ids.get(e.hostId);
    if (o) problems.push(`hosts.${h}: hostId ${e.hostId} is also given to ${o}`);
    ids.set(e.hostId, h);
  }
  if (problems.length) throw new LockError(problems);
  return lock;
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
