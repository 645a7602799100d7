// Hosts (NixOS and disko) and the lab-wide settings that reach every host or the CA.
import type { DatasetModel, HostModel, Model, ZpoolModel } from "../resolve/model.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { byName, changed, differing, type Plan, same } from "./common.ts";

// ---------------------------------------------------------------------------------------------
// Hosts (NixOS, disko)

// Host fields by what a change does. Layout: disko creates pools and datasets only when it
// installs the host, the boot loader and hostId take effect at boot. Docs: only README/lab.json.
const HOST_REBOOT = ["hostId", "disks", "stateDataset"];
const HOST_DOCS = ["description", "cpu", "memory", "memoryBytes", "memoryReserve", "memoryReserveBytes", "nics"];
// Derived lists that are classified where they come from (instances, storage pools, zpools in detail).
const HOST_DERIVED = ["name", "source", "instances", "zpools", "incusDatasets"];

export function hosts(p: Plan, base: Model, next: Model): void {
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
      else if (f === "incus" && b.incus.channel === "feature" && h.incus.channel === "lts")
        // lxc/incus internal/server/db/schema/schema.go (ensureUpdatesAreApplied): a daemon refuses a
        // database whose schema is newer than its own, and the feature release has migrated it.
        p.add("host", "host", name, [...path, "channel"], `${name}: Incus feature → lts is a downgrade: the LTS daemon refuses the database the feature release migrated ("schema version … is more recent than expected"); labgen-rollback to a deploy before the upgrade restores the database, a new deploy does not`);
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

export const userDatasets = (z: ZpoolModel): Map<string, DatasetModel> => new Map(z.datasets.filter((d) => d.role === "user").map((d) => [d.name, d]));

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

export function lab(p: Plan, base: Model, next: Model): void {
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
