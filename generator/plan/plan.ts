// labgen plan: what a deploy of `next` does to a lab that runs `base`, one risk class per change.
//
// The classes follow what the consumers really do with each change, read in their source:
//  - OpenTofu + the Incus provider (lxc/terraform-provider-incus): an attribute with a
//    RequiresReplace plan modifier destroys and re-creates the resource; everything else is an
//    in-place Update. The instance Update never restarts a running instance: it PUTs the new
//    config, devices and profiles to Incus (internal/instance/resource_instance.go, Update).
//    A resource whose address disappears from the configuration is destroyed.
//  - Incus applies a PUT to a running instance live, key by key, or refuses it
//    (internal/server/instance/drivers/driver_lxc.go and driver_qemu.go, Update).
//  - NixOS applies a host change with `nixos-rebuild switch`; disko applies the disk layout only
//    when it installs a host (nixos-anywhere), and the boot loader/kernel only take effect at boot.
//
// Pure: two Models in, a list of changes out. The CLI (cli/plan.ts) reads the base Model from a
// commit's out/lab.json and adds line numbers. One file per part of the lab: hosts.ts (NixOS,
// disko, lab-wide settings), incus.ts (storage pools, networks, profiles), instances.ts,
// volumes.ts (volumes and ingress); live.ts says what Incus applies to a running instance.
import type { Model } from "../resolve/model.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { cmp, differing, Plan } from "./common.ts";
import { hosts, lab, userDatasets } from "./hosts.ts";
import { networks, profiles, storagePools } from "./incus.ts";
import { instances } from "./instances.ts";
import { ingress, volumes } from "./volumes.ts";

export { liveKey } from "./live.ts";

export type Risk = "add" | "change" | "restart" | "replace" | "host" | "reboot" | "destroy-data";

export interface PlanChange {
  readonly risk: Risk;
  /** "instance" | "volume" | "storagePool" | "dataset" | "zpool" | "network" | "profile" | "route" | "dns" | "host" | "lab" | "ca" | "tofu" | "admin" */
  readonly kind: string;
  /** e.g. "jellyfin", "jellyfin-media", "nas:tank/backup" (datasets: <host>:<pool>/<dataset>). */
  readonly name: string;
  /** The config path that causes it, e.g. "instances.jellyfin.volumes[0]". */
  readonly path: string;
  /** One line for humans. */
  readonly summary: string;
  /** destroy-data only: true when allowDestroy names it. */
  readonly allowed?: boolean;
}

export interface LabPlan {
  readonly changes: readonly PlanChange[];
  /** The destroy-data changes that allowDestroy does not name. */
  readonly blocked: readonly PlanChange[];
}

/** Most dangerous first: the order of the human output. */
export const RISK_ORDER: readonly Risk[] = ["destroy-data", "reboot", "replace", "restart", "host", "change", "add"];

/** Kinds a destroy-data change (and so an allowDestroy entry) can name. */
export const DESTROY_KINDS = ["instance", "volume", "storagePool", "dataset"] as const;
export type DestroyKind = (typeof DESTROY_KINDS)[number];

/** The allowDestroy entry that permits a destroy-data change: "<kind>:<name>". */
export function allowKey(c: Pick<PlanChange, "kind" | "name">): string {
  return `${c.kind}:${c.name}`;
}

/** "instances.jellyfin.volumes[0]" → ["instances", "jellyfin", "volumes", 0] (the inverse of formatPath). */
export function parseConfigPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else out.push(m[3]);
  }
  return out;
}

/** An empty lab: the base of a first deploy. */
function emptyLike(next: Model): Model {
  return { ...next, admins: [], hosts: [], networks: [], storagePools: [], profiles: [], instances: [], ingress: null };
}

export function planLab(base: Model | null, next: Model): LabPlan {
  const p = new Plan();
  // A first deploy is the same walk against an empty lab, which yields only additions; lab-wide
  // settings and unknown fields have nothing to differ from then.
  const from = base ?? emptyLike(next);
  hosts(p, from, next);
  if (base) lab(p, base, next);
  storagePools(p, from, next);
  networks(p, from, next);
  profiles(p, from, next);
  instances(p, from, next);
  volumes(p, from, next);
  ingress(p, from, next);
  if (base) unclassified(p, base, next);
  const allow = new Set(next.allowDestroy ?? []);
  const changes = p.changes
    .map((c) => (c.risk === "destroy-data" ? { ...c, allowed: allow.has(allowKey(c)) } : c))
    .sort(comparePlanChanges);
  return { changes, blocked: changes.filter((c) => c.risk === "destroy-data" && !c.allowed) };
}

/** The order of a plan's changes: most dangerous first, then by config path. */
export function comparePlanChanges(a: PlanChange, b: PlanChange): number {
  return RISK_ORDER.indexOf(a.risk) - RISK_ORDER.indexOf(b.risk) || cmp(a.path, b.path) || cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.summary, b.summary);
}

export interface AllowDestroyStatus {
  readonly entry: string;
  /** Its index in allowDestroy (its config path is allowDestroy[index]). */
  readonly index: number;
  /**
   * used: it allows a destroy-data change of this plan; unused: the object exists but is not being
   * destroyed (a leftover permission); unknown: nothing of that kind and name in either lab.
   */
  readonly status: "used" | "unused" | "unknown";
}

/** What each allowDestroy entry of `next` does in this plan: a leftover permission stays visible. */
export function allowDestroyStatus(plan: LabPlan, base: Model | null, next: Model): AllowDestroyStatus[] {
  const used = new Set(plan.changes.filter((c) => c.risk === "destroy-data").map(allowKey));
  const known = new Set([...destroyables(next), ...(base ? destroyables(base) : [])]);
  return (next.allowDestroy ?? []).map((entry, index) => ({
    entry,
    index,
    status: used.has(entry) ? "used" : known.has(entry) ? "unused" : "unknown",
  }));
}

/** The allowDestroy names of everything in a lab that a destroy-data change can name. */
function destroyables(m: Model): string[] {
  const out: string[] = [];
  for (const i of m.instances ?? []) {
    out.push(`instance:${i.name}`);
    for (const v of i.volumes) out.push(`volume:${v.incusName}`);
  }
  for (const s of m.storagePools ?? []) out.push(`storagePool:${s.name}`);
  for (const h of m.hosts ?? []) for (const z of h.zpools) for (const d of userDatasets(z).keys()) out.push(`dataset:${h.name}:${z.name}/${d}`);
  return out;
}

// Top-level parts of the Model classified above (or not deployed: the format, the permissions).
const MODEL_CLASSIFIED = ["formatVersion", "allowDestroy", "lab", "admins", "hosts", "networks", "storagePools", "profiles", "instances", "ingress", "ca", "tofu"];

/** A part of the Model this version does not know (a newer lab.json): listed, never silently dropped. */
function unclassified(p: Plan, base: Model, next: Model): void {
  for (const f of differing(base, next, MODEL_CLASSIFIED))
    p.add("change", "lab", f, [f], `${f} changes (labgen plan does not classify it: review what it deploys)`);
}

