// Instances: what OpenTofu re-creates, what Incus applies to the running instance, what waits for
// a restart.
import type { InstanceModel, Model } from "../resolve/model.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { sizeBytes } from "../shared/units.ts";
import { byName, changed, changedKeys, differing, type Plan, same } from "./common.ts";
import { expandedConfig, liveKey, restartNote } from "./live.ts";
import { isShared } from "./volumes.ts";

// ---------------------------------------------------------------------------------------------
// Instances

// Model fields classified below, one by one; the rest are derived from other parts of the Model.
const INSTANCE_DERIVED = ["name", "source", "memoryBytes", "imageRemote", "oci", "ipv4", "urls", "ingress", "volumes"];

export function instances(p: Plan, base: Model, next: Model): void {
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
