// Incus storage pools, networks and profiles.
import type { Model, NetworkModel, ProfileModel, StoragePoolModel } from "../resolve/model.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { byName, changed, changedKeys, differing, type Plan, same } from "./common.ts";
import { liveKey, restartNote } from "./live.ts";

// ---------------------------------------------------------------------------------------------
// Incus storage pools, networks, profiles

export function storagePools(p: Plan, base: Model, next: Model): void {
  const before = byName(base.storagePools);
  const after = byName(next.storagePools);
  for (const [name, s] of after) {
    const b = before.get(name);
    const path: PathSegment[] = ["storage", name];
    if (!b) {
      // The unmounted <zpool>/incus dataset is part of the disko layout, which disko creates only
      // when it installs a host.
      // The pool's own dataset is one level below it: Incus creates that one (driver_zfs.go, Create()).
      const host = base.hosts.find((h) => h.name === s.host);
      const parent = s.dataset.slice(0, s.dataset.lastIndexOf("/"));
      const missing = host && !host.incusDatasets.includes(parent);
      p.add(
        "add",
        "storagePool",
        name,
        path,
        `new Incus storage pool ${name} on ${s.host} (ZFS ${s.dataset})${missing ? `; ${s.host} is installed already, so create its parent first: zfs create -o mountpoint=none ${parent}` : ""}`,
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

export function networks(p: Plan, base: Model, next: Model): void {
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

export function profiles(p: Plan, base: Model, next: Model): void {
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
