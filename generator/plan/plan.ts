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
// commit's out/lab.json and adds line numbers.
import type {
  DatasetModel,
  HostModel,
  InstanceModel,
  Model,
  NetworkModel,
  ProfileModel,
  RouteModel,
  StoragePoolModel,
  VolumeModel,
  ZpoolModel,
} from "../resolve/model.ts";
import { sizeBytes } from "../shared/units.ts";
import { formatPath, type PathSegment } from "../shared/diagnostics.ts";

export type Risk = "add" | "change" | "restart" | "replace" | "host" | "reboot" | "destroy-data";

export interface PlanChange {
  readonly risk: Risk;
  /** "instance" | "volume" | "storagePool" | "dataset" | "zpool" | "network" | "profile" | "route" | "host" | "lab" | "ca" | "tofu" | "admin" */
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

// ---------------------------------------------------------------------------------------------
// Which instance config keys Incus applies to a running instance. Read in lxc/incus at v7.0.1
// (the LTS, labgen's default channel) and on main; a key counts as live only when it is live in
// both (test/fixtures/upstream/incus-live-update has the extracted lists).

// lxc/incus internal/server/instance/drivers/driver_lxc.go, Update: the keys it applies to a
// running container (AppArmor, /dev/incus, kernel modules, cgroup limits). Other keys are stored
// and take effect at the next start.
const CONTAINER_LIVE_KEYS = new Set([
  "raw.apparmor",
  "security.nesting",
  "security.guestapi",
  "linux.kernel_modules",
  "limits.disk.priority",
  "limits.memory",
  "limits.memory.oom_priority",
  "limits.cpu",
  "limits.cpu.nodes",
  "limits.cpu.priority",
  "limits.cpu.allowance",
  "limits.processes",
]);
const CONTAINER_LIVE_PREFIXES = ["limits.memory.", "limits.hugepages."];

// lxc/incus internal/server/instance/drivers/driver_qemu.go, Update: "Only certain keys can be
// changed on a running VM" (liveUpdateKeys, liveUpdateKeyPrefixes, limits.cpu with CPU hotplug);
// any other key fails the update with "Key %q cannot be updated when VM is running".
const VM_LIVE_KEYS = new Set([
  "cluster.evacuate",
  "limits.memory",
  "limits.cpu",
  "limits.memory.oom_priority",
  "security.agent.metrics",
  "security.csm",
  "security.protection.delete",
  "security.guestapi",
  "security.secureboot",
]);
// The same Update skips container-only keys on a VM (internalInstance.InstanceConfigKeysContainer,
// lxc/incus internal/instance/config.go): a profile shared by containers and VMs may carry them.
// (v7.0.1 also lists security.nesting there; main applies it to VMs, so it is left out here.)
const CONTAINER_ONLY_KEYS = new Set(
  (
    "limits.cpu.allowance limits.cpu.priority limits.memory.enforce limits.memory.swap limits.memory.swap.priority limits.processes " +
    "linux.kernel_modules migration.incremental.memory migration.incremental.memory.iterations migration.incremental.memory.goal " +
    "nvidia.runtime nvidia.driver.capabilities nvidia.require.cuda nvidia.require.driver oci.entrypoint oci.cwd oci.gid oci.uid " +
    "oci.dns.nameservers oci.dns.domain oci.dns.search raw.lxc raw.seccomp security.bpffs.delegate_cmds security.bpffs.delegate_maps " +
    "security.bpffs.delegate_progs security.bpffs.delegate_attachs security.bpffs.path security.guestapi.images security.idmap.base " +
    "security.idmap.isolated security.idmap.size security.privileged security.protection.shift security.syscalls.allow " +
    "security.syscalls.blacklist_default security.syscalls.blacklist_compat security.syscalls.blacklist security.syscalls.deny_default " +
    "security.syscalls.deny_compat security.syscalls.deny security.syscalls.intercept.bpf security.syscalls.intercept.bpf.devices " +
    "security.syscalls.intercept.mknod security.syscalls.intercept.mount security.syscalls.intercept.mount.allowed " +
    "security.syscalls.intercept.mount.fuse security.syscalls.intercept.mount.shift security.syscalls.intercept.sched_setscheduler " +
    "security.syscalls.intercept.setxattr security.syscalls.intercept.sysinfo security.syscalls.whitelist volatile.container.oci " +
    "volatile.last_state.idmap volatile.idmap.base volatile.idmap.current volatile.idmap.next"
  ).split(" "),
);
// Keys that only the scheduler, the image, cloud-init or labgen read: nothing to apply to a
// running instance of either type (the VM list above has them as liveUpdateKeyPrefixes).
const STORED_PREFIXES = ["boot.", "cloud-init.", "image.", "snapshots.", "user.", "volatile."];

/**
 * True when a change of `key` reaches the running instance (or needs nothing applied); false when
 * it waits for the next start (containers) or Incus refuses it while the VM runs.
 */
export function liveKey(type: InstanceModel["type"], key: string): boolean {
  // environment.* is stored at once (a VM even accepts it live), but the processes already
  // running keep the environment they started with: the application sees it at its next start.
  if (key.startsWith("environment.")) return false;
  if (STORED_PREFIXES.some((p) => key.startsWith(p))) return true;
  if (type === "container") return CONTAINER_LIVE_KEYS.has(key) || CONTAINER_LIVE_PREFIXES.some((p) => key.startsWith(p));
  return VM_LIVE_KEYS.has(key) || CONTAINER_ONLY_KEYS.has(key);
}

// ---------------------------------------------------------------------------------------------

class Plan {
  readonly changes: PlanChange[] = [];
  add(risk: Risk, kind: string, name: string, path: readonly PathSegment[], summary: string): void {
    this.changes.push({ risk, kind, name, path: formatPath(path), summary });
  }
}

/** Deep equality of JSON-shaped values (the base Model comes from JSON, key order may differ). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === undefined && b === undefined;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => same(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const byName = <T extends { name: string }>(xs: readonly T[] | undefined): Map<string, T> => new Map((xs ?? []).map((x) => [x.name, x]));
const show = (v: unknown): string => (v === null || v === undefined ? "none" : typeof v === "string" ? v : JSON.stringify(v));
const changed = (what: string, a: unknown, b: unknown) => `${what} ${show(a)} → ${show(b)}`;

/** Fields of `a`/`b` that differ, in a stable order, except the ones listed. */
function differing<T extends object>(a: T, b: T, except: readonly string[]): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !except.includes(k) && !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])).sort();
}

/** An empty lab: the base of a first deploy. */
function emptyLike(next: Model): Model {
  return { ...next, admins: [], hosts: [], networks: [], storagePools: [], profiles: [], instances: [], ingress: null };
}

export function planLab(base: Model | null, next: Model): LabPlan {
  const p = new Plan();
  if (base === null) {
    firstDeploy(p, next);
  } else {
    hosts(p, base, next);
    lab(p, base, next);
    storagePools(p, base, next);
    networks(p, base, next);
    profiles(p, base, next);
    instances(p, base, next);
    volumes(p, base, next);
    ingress(p, base, next);
    unclassified(p, base, next);
  }
  const allow = new Set(next.allowDestroy ?? []);
  const changes = p.changes
    .map((c) => (c.risk === "destroy-data" ? { ...c, allowed: allow.has(allowKey(c)) } : c))
    .sort((a, b) => RISK_ORDER.indexOf(a.risk) - RISK_ORDER.indexOf(b.risk) || cmp(a.path, b.path) || cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.summary, b.summary));
  return { changes, blocked: changes.filter((c) => c.risk === "destroy-data" && !c.allowed) };
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

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstDeploy(p: Plan, next: Model): void {
  // Everything is new: the same walk as against an empty lab, which yields only additions.
  const empty = emptyLike(next);
  hosts(p, empty, next);
  storagePools(p, empty, next);
  networks(p, empty, next);
  profiles(p, empty, next);
  instances(p, empty, next);
  volumes(p, empty, next);
  ingress(p, empty, next);
}

// ---------------------------------------------------------------------------------------------
// Hosts (NixOS, disko)

// Host fields by what a change does. Layout: disko creates pools and datasets only when it
// installs the host, the boot loader and hostId take effect at boot. Docs: only README/lab.json.
const HOST_REBOOT = ["hostId", "disks", "stateDataset"];
const HOST_DOCS = ["description", "cpu", "memory", "memoryBytes", "memoryReserve", "memoryReserveBytes", "nics"];
// Derived lists that are classified where they come from (instances, storage pools, zpools in detail).
const HOST_DERIVED = ["name", "source", "instances", "zpools", "incusDatasets"];

function hosts(p: Plan, base: Model, next: Model): void {
  const before = byName(base.hosts);
  const after = byName(next.hosts);
  for (const [name, h] of after) {
    const b = before.get(name);
    if (!b) {
      p.add("add", "host", name, ["hosts", name], `new host ${name}: install it with nixos-anywhere (disko partitions its disks), then it deploys itself`);
      continue;
    }
    for (const f of differing(b, h, HOST_DERIVED)) {
      const path: PathSegment[] = ["hosts", name, ...hostFieldPath(f)];
      if (HOST_REBOOT.includes(f))
        p.add("reboot", "host", name, path, `${name}: ${f} changes; it takes effect only at boot (disko layout and hostId are set at install and boot)`);
      else if (HOST_DOCS.includes(f)) p.add("change", "host", name, path, `${name}: ${f} changes (documentation and capacity checks only)`);
      else p.add("host", "host", name, path, `${name}: ${f} changes; nixos-rebuild switch applies it on ${name}`);
    }
    zpools(p, b, h);
  }
  for (const [name] of before)
    if (!after.has(name))
      p.add("host", "host", name, ["hosts"], `host ${name} leaves the lab: labgen stops managing it (the machine and its disks are not touched)`);
}

function hostFieldPath(field: string): PathSegment[] {
  switch (field) {
    case "disks":
    case "cpu":
    case "memory":
    case "memoryBytes":
    case "nics":
      return ["hardware", field === "memoryBytes" ? "memory" : field];
    case "memoryReserveBytes":
      return ["memoryReserve"];
    case "autoSnapshot":
    case "scrub":
      return ["zfs", field];
    case "hostId":
    case "incusDatasets":
    case "stateDataset":
    case "networks":
      return [];
    default:
      return [field];
  }
}

const userDatasets = (z: ZpoolModel): Map<string, DatasetModel> => new Map(z.datasets.filter((d) => d.role === "user").map((d) => [d.name, d]));

function zpools(p: Plan, b: HostModel, h: HostModel): void {
  const before = byName(b.zpools);
  const after = byName(h.zpools);
  const host = h.name;
  for (const [name, z] of after) {
    const zb = before.get(name);
    const path: PathSegment[] = ["hosts", host, "zfs", "pools", name];
    if (!zb) {
      p.add("reboot", "zpool", `${host}:${name}`, path, `new ZFS pool ${name} on ${host}: disko creates pools only when it installs the host (create it by hand with zpool create, or re-install)`);
    } else {
      if (!same(zb.vdevs, z.vdevs) || zb.boot !== z.boot)
        p.add("reboot", "zpool", `${host}:${name}`, [...path, "vdevs"], `ZFS pool ${name} on ${host} changes its layout: disko applies layouts only at install; ZFS cannot reshape a pool in place`);
      if (zb.reserve !== z.reserve)
        p.add("reboot", "zpool", `${host}:${name}`, [...path, "reserve"], changed(`reserved space of ${name}`, zb.reserve, z.reserve) + " (disko sets it at install; zfs set reservation= by hand)");
      for (const f of differing<ZpoolModel>(zb, z, ["name", "source", "vdevs", "boot", "reserve", "datasets", "incusStorage"]))
        p.add("reboot", "zpool", `${host}:${name}`, path, `ZFS pool ${name} on ${host}: ${f} changes (disko applies it at install)`);
      // labgen's own datasets (system, state, the reserve): the layout disko creates at install.
      // Removing one from the layout does not destroy it. The Incus dataset follows the storage
      // pools, which are classified on their own.
      const own = (x: ZpoolModel) => new Map(x.datasets.filter((d) => d.role !== "user" && d.role !== "incus").map((d) => [d.name, d]));
      const ob = own(zb);
      const on = own(z);
      for (const [ds, d] of on) {
        const o = ob.get(ds);
        if (!o) p.add("reboot", "dataset", `${host}:${name}/${ds}`, path, `labgen's dataset ${name}/${ds} (${d.role}) is new in the layout: disko creates it only at install (zfs create it before the deploy)`);
        else if (!same({ ...o, source: "" }, { ...d, source: "" }))
          p.add("reboot", "dataset", `${host}:${name}/${ds}`, path, `labgen's dataset ${name}/${ds}: ${differing(o, d, ["source"]).join(", ")} change (disko applies it at install)`);
      }
      for (const [ds, o] of ob)
        if (!on.has(ds)) p.add("reboot", "dataset", `${host}:${name}/${ds}`, path, `labgen's dataset ${name}/${ds} (${o.role}) leaves the layout: disko no longer creates it, nothing deletes it`);
    }
    const dsBefore = zb ? userDatasets(zb) : new Map<string, DatasetModel>();
    for (const [ds, d] of userDatasets(z)) {
      const db = dsBefore.get(ds);
      const dpath: PathSegment[] = [...path, "datasets", ds];
      if (!db) {
        p.add("reboot", "dataset", `${host}:${name}/${ds}`, dpath, `new dataset ${name}/${ds}: disko creates datasets only at install (zfs create it before the deploy, or NixOS cannot mount it)`);
        continue;
      }
      if (db.mountpoint !== d.mountpoint)
        p.add("host", "dataset", `${host}:${name}/${ds}`, [...dpath, "mountpoint"], changed(`${name}/${ds} mount point`, db.mountpoint, d.mountpoint) + " (NixOS fileSystems)");
      if (!same(db.properties, d.properties))
        p.add("reboot", "dataset", `${host}:${name}/${ds}`, dpath, changed(`${name}/${ds} properties`, db.properties, d.properties) + " (disko sets them at install; zfs set them by hand)");
    }
  }
  for (const [name, zb] of before) {
    const z = after.get(name);
    const path: PathSegment[] = ["hosts", host, "zfs", "pools", z ? name : ""].filter((s) => s !== "");
    if (!z)
      p.add("reboot", "zpool", `${host}:${name}`, path, `ZFS pool ${name} leaves ${host}'s config: NixOS stops importing it at boot`);
    const dsAfter = z ? userDatasets(z) : new Map<string, DatasetModel>();
    for (const [ds] of userDatasets(zb))
      if (!dsAfter.has(ds))
        p.add(
          "destroy-data",
          "dataset",
          `${host}:${name}/${ds}`,
          z ? [...path, "datasets"] : path,
          `dataset ${name}/${ds} on ${host} leaves the config: NixOS stops mounting it and a re-install (disko) does not recreate it; its data is no longer part of the lab`,
        );
  }
}

// ---------------------------------------------------------------------------------------------
// Lab-wide settings that reach every host or the CA

function lab(p: Plan, base: Model, next: Model): void {
  const hostsOf = next.hosts.map((h) => h.name).join(", ");
  for (const f of differing(base.lab, next.lab, [])) {
    if (f === "timezone") p.add("host", "lab", f, [f], `${changed("time zone", base.lab.timezone, next.lab.timezone)}: nixos-rebuild switch on ${hostsOf}`);
    else if (f === "domain")
      p.add("change", "lab", f, [f], `${changed("domain", base.lab.domain, next.lab.domain)}: the CA is name-constrained to the old domain, run ca.sh init for a new one`);
    else p.add("change", "lab", f, [f], changed(f, (base.lab as never)[f], (next.lab as never)[f]));
  }
  if (!same(base.admins, next.admins)) {
    const before = byName(base.admins);
    const after = byName(next.admins);
    for (const [name, a] of after)
      if (!same(before.get(name), a)) p.add("host", "admin", name, ["admins", name], `admin ${name} ${before.has(name) ? "changes" : "added"}: a user on every host (nixos-rebuild switch)`);
    for (const [name] of before) if (!after.has(name)) p.add("host", "admin", name, ["admins"], `admin ${name} removed from every host (nixos-rebuild switch)`);
  }
  for (const f of differing(base.ca, next.ca, ["source", "domain", "files"])) {
    if (f === "dir")
      p.add("host", "ca", f, ["ca", f], `${changed("CA directory", base.ca.dir, next.ca.dir)}: hosts trust the root there and OpenTofu reads the chain there (move the files first)`);
    else p.add("change", "ca", f, ["ca", f], `${changed(`CA ${f}`, (base.ca as never)[f], (next.ca as never)[f])} (ca.sh: takes effect at the next init/issue/renew)`);
  }
  for (const f of differing(base.tofu, next.tofu, ["source", "stateFile"])) {
    const note =
      f === "stateDir"
        ? ": OpenTofu starts from an empty state there and tries to create every object again (move terraform.tfstate first)"
        : f === "host"
          ? ": another host's agent applies OpenTofu (move the state and passphrase there first)"
          : "";
    p.add("host", "tofu", f, ["tofu", f], `${changed(`OpenTofu ${f}`, (base.tofu as never)[f], (next.tofu as never)[f])}${note}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Incus storage pools, networks, profiles

function storagePools(p: Plan, base: Model, next: Model): void {
  const before = byName(base.storagePools);
  const after = byName(next.storagePools);
  for (const [name, s] of after) {
    const b = before.get(name);
    const path: PathSegment[] = ["storage", name];
    if (!b) {
      // The unmounted <zpool>/incus dataset is part of the disko layout, which disko creates only
      // when it installs a host.
      const host = base.hosts.find((h) => h.name === s.host);
      const missing = host && !host.incusDatasets.includes(s.dataset);
      p.add(
        "add",
        "storagePool",
        name,
        path,
        `new Incus storage pool ${name} on ${s.host} (ZFS ${s.dataset})${missing ? `; ${s.host} is installed already, so create the dataset first: zfs create -o mountpoint=none ${s.dataset}` : ""}`,
      );
      continue;
    }
    // lxc/terraform-provider-incus internal/storage/resource_storage_pool.go: name, driver,
    // remote (and project, target) are RequiresReplace, and ModifyPlan adds config.source for the
    // zfs driver: a new host or ZFS pool deletes the Incus pool and creates another.
    if (b.host !== s.host || b.dataset !== s.dataset) {
      const what = b.host !== s.host ? changed("host", b.host, s.host) : changed("ZFS source", b.dataset, s.dataset);
      p.add("destroy-data", "storagePool", name, [...path, b.host !== s.host ? "host" : "zpool"], `storage pool ${name} is re-created (${what}): Incus deletes the pool on ${b.dataset} with what is on it`);
    } else
      for (const f of differing<StoragePoolModel>(b, s, ["name", "source", "host", "dataset", "zpool"]))
        p.add("change", "storagePool", name, [...path, f], `storage pool ${name}: ${changed(f, (b as never)[f], (s as never)[f])}`);
  }
  // lxc/incus internal/server/storage/drivers/driver_zfs.go, Delete: refuses while datasets of
  // volumes or instances remain ("ZFS pool has leftover datasets"), then `zfs destroy -r` of the
  // source dataset.
  for (const [name, b] of before)
    if (!after.has(name))
      p.add("destroy-data", "storagePool", name, ["storage"], `storage pool ${name} is deleted: Incus destroys its ZFS dataset ${b.dataset} on ${b.host} (zfs destroy -r)`);
}

function networks(p: Plan, base: Model, next: Model): void {
  const before = byName(base.networks);
  const after = byName(next.networks);
  for (const [name, n] of after) {
    const b = before.get(name);
    const path: PathSegment[] = ["networks", name];
    if (!b) {
      p.add("add", "network", name, path, `new Incus bridge ${name} on ${n.host} (${n.subnet})`);
      continue;
    }
    // lxc/terraform-provider-incus internal/network/resource_network.go: remote is RequiresReplace;
    // a config change is an in-place Update, and lxc/incus internal/server/network/driver_bridge.go
    // (Update) sets the bridge up again when any key changed (its dnsmasq restarts).
    if (b.host !== n.host) {
      p.add("change", "network", name, [...path, "host"], `bridge ${name} is re-created on ${n.host} (was on ${b.host}); its instances lose connectivity meanwhile`);
      continue;
    }
    for (const f of differing<NetworkModel>(b, n, ["name", "source", "prefixLength", "gateway", "host"])) {
      const seg = f === "address" ? "subnet" : f;
      if (f === "address" && differing(b, n, []).includes("subnet")) continue;
      p.add("change", "network", name, [...path, seg === "address" ? "gateway" : seg], `bridge ${name}: ${changed(f, (b as never)[f], (n as never)[f])} (Incus sets the bridge up again in place, restarting its DHCP/DNS)`);
    }
  }
  for (const [name] of before) if (!after.has(name)) p.add("change", "network", name, ["networks"], `bridge ${name} is deleted`);
}

function profiles(p: Plan, base: Model, next: Model): void {
  const before = byName(base.profiles);
  const after = byName(next.profiles);
  for (const [name, pr] of after) {
    const b = before.get(name);
    const path: PathSegment[] = ["profiles", name];
    if (!b) {
      p.add("add", "profile", name, path, `new profile ${name}`);
      continue;
    }
    if (!same(b.config, pr.config)) {
      // Incus applies a profile change to every instance using it, by the same rules as a
      // change of the instance's own config.
      const keys = changedKeys(b.config, pr.config);
      const users = next.instances.filter((i) => i.profiles.includes(name));
      const cold = users.filter((i) => keys.some((k) => !liveKey(i.type, k)));
      if (cold.length)
        p.add("restart", "profile", name, [...path, "config"], `profile ${name}: ${keys.join(", ")} change; ${restartNote(cold)}`);
      else p.add("change", "profile", name, [...path, "config"], `profile ${name}: ${keys.join(", ")} change, applied live${users.length ? ` to ${users.map((i) => i.name).join(", ")}` : ""}`);
    }
    // hosts: where the profile exists follows the instances that use it (classified with them).
    for (const f of differing<ProfileModel>(b, pr, ["name", "source", "config", "hosts"]))
      p.add("change", "profile", name, [...path, f], `profile ${name}: ${f} changes`);
  }
  for (const [name] of before) if (!after.has(name)) p.add("change", "profile", name, ["profiles"], `profile ${name} is deleted`);
}

function changedKeys(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

function restartNote(insts: readonly InstanceModel[]): string {
  const vms = insts.filter((i) => i.type === "virtual-machine").map((i) => i.name);
  const cts = insts.filter((i) => i.type === "container").map((i) => i.name);
  const parts: string[] = [];
  if (cts.length) parts.push(`takes effect when ${cts.join(", ")} restart${cts.length === 1 ? "s" : ""} (Incus applies it at start only)`);
  if (vms.length) parts.push(`Incus refuses it while ${vms.join(", ")} run${vms.length === 1 ? "s" : ""} ("cannot be updated when VM is running"): stop ${vms.length === 1 ? "it" : "them"} for the apply`);
  return parts.join("; ");
}

/** The instance config labgen writes (instances.tf), merged over its profiles' configs in order. */
function expandedConfig(model: Model, i: InstanceModel): Record<string, string> {
  const profs = byName(model.profiles);
  const out: Record<string, string> = {};
  for (const name of i.profiles) Object.assign(out, profs.get(name)?.config ?? {});
  out["boot.autostart"] = String(i.autostart);
  out["limits.cpu"] = String(i.cpu);
  out["limits.memory"] = i.memory;
  if (i.snapshots) {
    out["snapshots.expiry"] = i.snapshots.expiry;
    out["snapshots.schedule"] = i.snapshots.schedule;
  }
  if (i.cloudInit !== null) out["cloud-init.user-data"] = i.cloudInit;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Instances

// Model fields classified below, one by one; the rest are derived from other parts of the Model.
const INSTANCE_DERIVED = ["name", "source", "memoryBytes", "imageRemote", "oci", "ipv4", "urls", "ingress", "volumes"];

function instances(p: Plan, base: Model, next: Model): void {
  const before = byName(base.instances);
  const after = byName(next.instances);
  for (const [name, i] of after) {
    const b = before.get(name);
    if (!b) {
      p.add("add", "instance", name, ["instances", name], `new ${i.type === "virtual-machine" ? "VM" : "container"} ${name} on ${i.host} (${i.image})`);
      continue;
    }
    instance(p, base, next, b, i);
  }
  for (const [name, b] of before)
    if (!after.has(name))
      p.add(
        "destroy-data",
        "instance",
        name,
        ["instances"],
        `instance ${name} is deleted with its root disk (${b.rootDisk.size} on ${b.rootDisk.storage})${b.volumes.length ? "; its volumes are listed on their own" : ""}`,
      );
}

function instance(p: Plan, base: Model, next: Model, b: InstanceModel, i: InstanceModel): void {
  const name = i.name;
  const at = (...rest: PathSegment[]): PathSegment[] => ["instances", name, ...rest];
  // lxc/terraform-provider-incus internal/instance/resource_instance.go: type, image, remote
  // (and ephemeral, project, source_*, architecture) are RequiresReplace: OpenTofu deletes the
  // instance with its root disk and creates it again. Custom volumes are separate resources.
  const replace: [string, PathSegment[]][] = [];
  if (b.type !== i.type) replace.push([changed("type", b.type, i.type), at("type")]);
  if (b.image !== i.image) replace.push([changed("image", b.image, i.image), at("image")]);
  if (b.host !== i.host) replace.push([changed("host", b.host, i.host), at("host")]);
  if (replace.length) {
    for (const [what, path] of replace)
      p.add("replace", "instance", name, path, `${name} is re-created (${what}): its root disk starts afresh from the image, its volumes survive`);
    return;
  }
  // lxc/incus internal/server/instance/drivers/driver_lxc.go and driver_qemu.go, Update: "Cannot
  // update root disk device pool name"; the provider has no RequiresReplace for it, so the apply
  // fails until the instance is re-created (tofu apply -replace), which loses its root disk.
  if (b.rootDisk.storage !== i.rootDisk.storage) {
    p.add(
      "replace",
      "instance",
      name,
      at("storage"),
      `${changed("root disk storage", b.rootDisk.storage, i.rootDisk.storage)}: Incus refuses to move a root disk ("Cannot update root disk device pool name"); the apply fails until ${name} is re-created (tofu apply -replace=incus_instance.${name}), losing its root disk`,
    );
  }
  const vm = i.type === "virtual-machine";
  const what = vm ? "VM" : "container";
  if (b.cpu !== i.cpu) {
    // Containers: cgroup limit, live. VMs: CPU hotplug where QEMU supports it for the architecture.
    p.add("change", "instance", name, at("cpu"), `${name}: ${changed("CPUs", b.cpu, i.cpu)}, applied live${vm ? " (CPU hotplug)" : ""}`);
  }
  if (b.memory !== i.memory) {
    // driver_qemu.go updateMemoryLimit: growing a running VM hot-plugs memory up to the maximum it
    // booted with, beyond that "restart required"; a container's cgroup limit changes live.
    if (vm && i.memoryBytes > b.memoryBytes)
      p.add("restart", "instance", name, at("memory"), `${name}: ${changed("memory", b.memory, i.memory)}; Incus hot-plugs memory into a running VM only up to the maximum it booted with, beyond that the apply fails ("restart required")`);
    else p.add("change", "instance", name, at("memory"), `${name}: ${changed("memory", b.memory, i.memory)}, applied live`);
  }
  if (b.rootDisk.size !== i.rootDisk.size) {
    // lxc/incus internal/server/device/disk.go: UpdatableFields includes "size", and Update applies
    // the quota at once (ZFS quota for a container; a VM's zvol grows and the VM is told), except
    // that a disk in use cannot shrink (ErrInUse): then "apply_quota" waits for the next start.
    if (vm && sizeBytes(i.rootDisk.size) < sizeBytes(b.rootDisk.size))
      p.add("restart", "instance", name, at("rootSize"), `${name}: ${changed("root disk size", b.rootDisk.size, i.rootDisk.size)}; Incus cannot shrink the disk of a running VM and applies it at its next start`);
    else p.add("change", "instance", name, at("rootSize"), `${name}: ${changed("root disk size", b.rootDisk.size, i.rootDisk.size)}, resized in place${vm ? " (grow the guest file system)" : ""}`);
  }
  if (!same(b.profiles, i.profiles)) {
    const keys = changedKeys(expandedConfig(base, b), expandedConfig(next, i));
    const cold = keys.filter((k) => !liveKey(i.type, k));
    if (cold.length) p.add("restart", "instance", name, at("profiles"), `${name}: ${changed("profiles", b.profiles.join(", ") || "none", i.profiles.join(", ") || "none")} changes ${cold.join(", ")}; ${restartNote([i])}`);
    else p.add("change", "instance", name, at("profiles"), `${name}: ${changed("profiles", b.profiles.join(", ") || "none", i.profiles.join(", ") || "none")}, applied live`);
  }
  // NICs, proxies and volume mounts are devices. lxc/incus internal/server/device/nic_bridged.go
  // (UpdatableFields has ipv4.address; CanHotPlug true) and proxy.go (CanHotPlug true): changed,
  // added or removed devices are hot-plugged into the running instance.
  const nb = new Map(b.nics.map((n) => [n.name, n]));
  i.nics.forEach((n, idx) => {
    const o = nb.get(n.name);
    if (!o) p.add("change", "instance", name, at("nics", idx), `${name}: NIC ${n.name} on ${n.network} is hot-plugged (${n.ipv4})`);
    else if (!same({ ...o, source: "" }, { ...n, source: "" })) {
      const diffs = differing(o, n, ["source", "staticIp"]).map((f) => changed(f, (o as never)[f], (n as never)[f]));
      p.add("change", "instance", name, at("nics", idx), `${name}: NIC ${n.name}: ${diffs.join(", ")} (updated on the running ${what}; the guest sees the new address at its next DHCP renewal)`);
    }
  });
  for (const o of b.nics) if (!i.nics.some((n) => n.name === o.name)) p.add("change", "instance", name, at("nics"), `${name}: NIC ${o.name} is removed`);
  if (!same(b.ports.map(portKey), i.ports.map(portKey))) {
    const before = new Set(b.ports.map(portKey));
    const after = new Set(i.ports.map(portKey));
    const added = [...after].filter((x) => !before.has(x));
    const removed = [...before].filter((x) => !after.has(x));
    const list = [...added.map((x) => `+${x}`), ...removed.map((x) => `-${x}`)].join(", ");
    p.add("change", "instance", name, at("ports"), `${name}: exposed ports ${list} (Incus proxy devices, hot-plugged)`);
    // The host firewall opens the exposed ports (configuration.nix).
    if (!same(hostPorts(b), hostPorts(i))) p.add("host", "host", i.host, at("ports"), `${i.host}: the firewall ${added.length ? "opens" : "closes"} ${[...added, ...removed].join(", ")} for ${name} (nixos-rebuild switch)`);
  }
  const vb = new Map(b.volumes.map((v) => [v.incusName, v]));
  i.volumes.forEach((v, idx) => {
    const o = vb.get(v.incusName);
    if (o && o.path !== v.path) p.add("change", "instance", name, at("volumes", idx, "path"), `${name}: volume ${v.incusName} is remounted at ${v.path} (was ${o.path}) in the running ${what}`);
    // Another instance's volume mounted here: only a disk device of this instance.
    else if (isShared(v) && (!o || !same(o, { ...v, source: o.source })))
      p.add("change", "instance", name, at("volumes", idx), `${name}: ${o ? "changes its mount of" : "mounts"} volume ${v.incusName} (owned by another instance) at ${v.path}, hot-plugged`);
  });
  for (const o of b.volumes)
    if (isShared(o) && !i.volumes.some((v) => v.incusName === o.incusName))
      p.add("change", "instance", name, at("volumes"), `${name}: unmounts volume ${o.incusName} (owned by another instance; its data stays)`);
  if (!same(b.snapshots, i.snapshots))
    p.add("change", "instance", name, at("snapshots"), `${name}: ${changed("snapshots", b.snapshots ? `${b.snapshots.schedule} / ${b.snapshots.expiry}` : null, i.snapshots ? `${i.snapshots.schedule} / ${i.snapshots.expiry}` : null)} (snapshots.*, also on its volumes)`);
  if (b.autostart !== i.autostart) p.add("change", "instance", name, at("autostart"), `${name}: ${changed("boot.autostart", b.autostart, i.autostart)} (read when the host boots)`);
  if (b.cloudInit !== i.cloudInit)
    // lxc/incus internal/server/instance/drivers/driver_common.go needsNewInstanceID: a changed
    // cloud-init.user-data gives the instance a new instance-id, so cloud-init runs again at the
    // next boot; nothing restarts it now.
    p.add("change", "instance", name, at("cloudInit"), `${name}: cloud-init user data changes; cloud-init runs it at the next boot of ${name} (Incus gives it a new instance-id)`);
  if (b.description !== i.description) p.add("change", "instance", name, at("description"), `${name}: description changes`);
  if (!same(b.serves, i.serves)) p.add("change", "instance", name, at("serves"), `${name}: ${changed("served ports", b.serves.join(", "), i.serves.join(", "))} (checks only)`);
  appFields(p, b, i, at);
  // A field this version does not know (a newer lab.json, or a field added later): assume the
  // worst that is not data loss.
  const known = new Set([...INSTANCE_DERIVED, ...APP_FIELDS, "type", "image", "host", "rootDisk", "cpu", "memory", "profiles", "nics", "ports", "snapshots", "autostart", "cloudInit", "description", "serves"]);
  for (const f of differing(b, i, [...known]))
    p.add("restart", "instance", name, at(f), `${name}: ${f} changes (labgen plan does not classify it; assume ${name} restarts)`);
}

// Application settings of an instance (app presets): environment.* and oci.* config keys, files
// pushed by OpenTofu, secret files, Traefik's health check. Read loosely: a lab.json written
// before they existed has none of them.
const APP_FIELDS = ["environment", "ociConfig", "files", "secrets", "secretOwner", "secretsHostDir", "health", "imageTag"];

function appFields(p: Plan, b: InstanceModel, i: InstanceModel, at: (...rest: PathSegment[]) => PathSegment[]): void {
  const get = (x: InstanceModel, f: string): unknown => (x as unknown as Record<string, unknown>)[f];
  const record = (x: InstanceModel, f: string) => (get(x, f) ?? {}) as Record<string, string>;
  const name = i.name;
  const keys = [
    ...changedKeys(record(b, "environment"), record(i, "environment")).map((k) => `environment.${k}`),
    ...changedKeys(record(b, "ociConfig"), record(i, "ociConfig")),
  ];
  if (keys.length) {
    const cold = keys.filter((k) => !liveKey(i.type, k));
    const path = at(keys.some((k) => k.startsWith("environment.")) ? "environment" : "oci");
    if (cold.length) p.add("restart", "instance", name, path, `${name}: ${keys.join(", ")} change; ${restartNote([i])}`);
    else p.add("change", "instance", name, path, `${name}: ${keys.join(", ")} change, applied live`);
  }
  // lxc/terraform-provider-incus internal/instance/resource_instance.go, Update: a changed file
  // is deleted and uploaded again into the running instance; the application reads it when it
  // starts, and nothing restarts it.
  if (!same(get(b, "files") ?? [], get(i, "files") ?? []))
    p.add("restart", "instance", name, at("files"), `${name}: its files change; OpenTofu uploads them into the running instance, the application reads them at its next start`);
  if (!same(get(b, "secrets") ?? [], get(i, "secrets") ?? []) || !same(get(b, "secretOwner"), get(i, "secretOwner")))
    p.add("restart", "instance", name, at("secrets"), `${name}: its secret files change (copied on ${i.host}, mounted read-only); the application reads them at its next start`);
  // The health check is Traefik's (dynamic.yml): classified with the route and Traefik's restart.
  if (!same(get(b, "health"), get(i, "health"))) p.add("change", "instance", name, at("health"), `${name}: health check changes (Traefik's, in dynamic.yml)`);
}

const portKey = (x: { protocol: string; hostPort: number; instancePort: number }): string => `${x.protocol}/${x.hostPort}→${x.instancePort}`;
const hostPorts = (i: InstanceModel): string[] => i.ports.map((x) => `${x.hostPort}/${x.protocol}`).sort();

// ---------------------------------------------------------------------------------------------
// Custom volumes: the data that must survive

/** A volume entry that mounts another instance's volume (which owns and creates it). */
const isShared = (v: VolumeModel): boolean => Boolean((v as { shared?: unknown }).shared);

/** Volumes by their OpenTofu address (incus_storage_volume.<incusName>), with the instance that owns it. */
function volumesOf(model: Model): Map<string, { inst: InstanceModel; v: VolumeModel }> {
  const out = new Map<string, { inst: InstanceModel; v: VolumeModel }>();
  for (const inst of model.instances) for (const v of inst.volumes) if (!isShared(v)) out.set(v.incusName, { inst, v });
  return out;
}

function volumes(p: Plan, base: Model, next: Model): void {
  const before = volumesOf(base);
  const after = volumesOf(next);
  const pathOf = (inst: InstanceModel, v: VolumeModel): PathSegment[] => ["instances", inst.name, "volumes", inst.volumes.indexOf(v)];
  for (const [incusName, { inst, v }] of after) {
    const o = before.get(incusName);
    if (!o) {
      p.add("add", "volume", incusName, pathOf(inst, v), `new volume ${incusName} (${v.size} on ${v.storage}), mounted in ${inst.name} at ${v.path}`);
      continue;
    }
    // lxc/terraform-provider-incus internal/storage/resource_storage_volume.go: name, pool,
    // remote (and type, content_type, project) are RequiresReplace: the volume is deleted with
    // its data and an empty one is created. (prevent_destroy makes OpenTofu refuse the plan
    // unless allowDestroy lifts it.)
    if (o.v.storage !== v.storage)
      p.add("destroy-data", "volume", incusName, [...pathOf(inst, v), "storage"], `volume ${incusName} moves from pool ${o.v.storage} to ${v.storage}: the provider re-creates it, deleting its data on ${o.v.storage} (copy it first: incus storage volume copy)`);
    else {
      if (o.v.size !== v.size)
        // Incus ZFS driver (lxc/incus internal/server/storage/drivers/driver_zfs_volumes.go,
        // SetVolumeQuota): a filesystem volume's quota is set in place.
        p.add("change", "volume", incusName, [...pathOf(inst, v), "size"], `volume ${incusName}: ${changed("size", o.v.size, v.size)} (ZFS quota, in place; ZFS refuses a quota below what is used)`);
      // path is the instance's disk device (classified with the instance).
      for (const f of differing<VolumeModel>(o.v, v, ["name", "incusName", "source", "storage", "size", "path"]))
        p.add("change", "volume", incusName, [...pathOf(inst, v), f], `volume ${incusName}: ${changed(f, (o.v as never)[f], (v as never)[f])}`);
    }
  }
  const nextInstances = byName(next.instances);
  for (const [incusName, { inst, v }] of before) {
    if (after.has(incusName)) continue;
    // Where the config said it (the instance, or its volume list), as far as it still exists.
    const nextInst = nextInstances.get(inst.name);
    const gone = nextInst === undefined;
    const idx = nextInst ? nextInst.volumes.findIndex((x) => x.path === v.path) : -1;
    const path: PathSegment[] = nextInst ? (idx >= 0 ? ["instances", inst.name, "volumes", idx] : ["instances", inst.name, "volumes"]) : ["instances"];
    const renamed = idx >= 0 ? `; ${nextInst!.volumes[idx].incusName} at ${v.path} is a new, empty volume` : "";
    p.add(
      "destroy-data",
      "volume",
      incusName,
      path,
      `volume ${incusName} (${v.size} on ${v.storage}) is deleted with its data${gone ? ` (instance ${inst.name} is removed)` : ""}${renamed}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Ingress: routes, and Traefik's restart

function ingress(p: Plan, base: Model, next: Model): void {
  const bi = base.ingress;
  const ni = next.ingress;
  const before = byName<RouteModel>(bi?.routes);
  const after = byName<RouteModel>(ni?.routes);
  for (const [name, r] of after) {
    const o = before.get(name);
    if (!o) p.add("add", "route", name, ["ingress", "routes", name], `new route ${r.url} → ${r.backend}`);
    else if (!same({ ...o, source: "" }, { ...r, source: "" }))
      p.add("change", "route", name, ["ingress", "routes", name], `route ${name}: ${differing(o, r, ["source", "name"]).map((f) => changed(f, (o as never)[f], (r as never)[f])).join(", ")}`);
  }
  for (const [name, r] of before) if (!after.has(name)) p.add("change", "route", name, ["ingress", "routes"], `route ${r.url} is removed`);
  if (bi && ni && !same(bi.allow, ni.allow)) p.add("change", "route", "allow", ["ingress", "allow"], `${changed("ingress allow-list", bi.allow.join(", "), ni.allow.join(", "))}`);
  if (bi && ni)
    for (const f of differing(bi, ni, ["source", "routes", "allow", "address", "instance", "host"]))
      p.add("change", "route", f, ["ingress"], `ingress: ${f} changes`);
  // Every bridge's dnsmasq answers the ingress names (raw.dnsmasq host records) and the network
  // zone has one record per route (targets/tofu): both follow the hostnames and Traefik's address.
  // A raw.dnsmasq change sets the bridge up again, which kills and restarts its dnsmasq
  // (lxc/incus internal/server/network/driver_bridge.go, Update → setup).
  const names = (i: typeof bi) => (i ? { address: i.address, hostnames: i.routes.map((r) => r.hostname).sort() } : null);
  if (bi && ni && !same(names(bi), names(ni)))
    p.add("change", "dns", next.lab.domain, ["ingress", "routes"], "the ingress DNS names change: dnsmasq host records on every bridge (Incus restarts the bridge's dnsmasq) and the network zone records");
  if (!bi && ni && base.hosts.length) p.add("add", "route", "ingress", ["ingress"], `ingress through ${ni.instance}`);
  if (bi && !ni) p.add("change", "route", "ingress", ["ingress"], "ingress is removed");

  // The Traefik instance carries its files (traefik.yml, dynamic.yml, the certificate) as `file`
  // blocks, so a route or allow-list change updates incus_instance.<traefik>; the generated
  // terraform_data.<traefik>_restart has replace_triggered_by on that instance and runs
  // `incus restart` whenever it changes (targets/tofu). So Traefik restarts on any of these.
  if (!bi || !ni || bi.instance !== ni.instance) return;
  const traefik = ni.instance;
  const own = p.changes.filter((c) => c.kind === "instance" && c.name === traefik && (c.risk === "change" || c.risk === "restart"));
  const routing = p.changes.some((c) => c.kind === "route") || bi.address !== ni.address;
  const caDir = p.changes.some((c) => c.kind === "ca" && c.name === "dir");
  if (own.length || routing || caDir)
    p.add("restart", "instance", traefik, ["ingress"], `Traefik (${traefik}) restarts: OpenTofu updates incus_instance.${traefik} (its config or pushed files change), which triggers terraform_data.${traefik}_restart (incus restart)`);
}
