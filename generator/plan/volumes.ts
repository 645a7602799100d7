// Custom volumes (the data that must survive) and ingress (routes, DNS, the proxy's restart).
import type { InstanceModel, Model, RouteModel, VolumeModel } from "../resolve/model.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { byName, changed, differing, type Plan, same } from "./common.ts";

// ---------------------------------------------------------------------------------------------
// Custom volumes: the data that must survive

/** A volume entry that mounts another instance's volume (which owns and creates it). */
export const isShared = (v: VolumeModel): boolean => Boolean((v as { shared?: unknown }).shared);

/** Volumes by their OpenTofu address (incus_storage_volume.<incusName>), with the instance that owns it. */
function volumesOf(model: Model): Map<string, { inst: InstanceModel; v: VolumeModel }> {
  const out = new Map<string, { inst: InstanceModel; v: VolumeModel }>();
  for (const inst of model.instances) for (const v of inst.volumes) if (!isShared(v)) out.set(v.incusName, { inst, v });
  return out;
}

export function volumes(p: Plan, base: Model, next: Model): void {
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
// Ingress: routes, DNS, and the proxy's restart

export function ingress(p: Plan, base: Model, next: Model): void {
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
    // software and files (the proxy's file contract) follow from the ingress instance and the CA,
    // and lab.json leaves them out: a base read from it has none.
    for (const f of differing(bi, ni, ["source", "routes", "allow", "address", "instance", "host", "software", "files"]))
      p.add("change", "route", f, ["ingress"], `ingress: ${f} changes`);
  // Every bridge's dnsmasq answers the ingress names (raw.dnsmasq host records, targets/tofu):
  // they follow the hostnames and the address that reaches Traefik.
  // A raw.dnsmasq change sets the bridge up again, which kills and restarts its dnsmasq
  // (lxc/incus internal/server/network/driver_bridge.go, Update → setup).
  const names = (i: typeof bi) => (i ? { address: i.address, hostnames: i.routes.map((r) => r.hostname).sort() } : null);
  if (bi && ni && !same(names(bi), names(ni)))
    p.add("change", "dns", next.lab.domain, ["ingress", "routes"], "the ingress DNS names change: dnsmasq host records on every bridge (Incus restarts the bridge's dnsmasq)");
  if (!bi && ni && base.hosts.length) p.add("add", "route", "ingress", ["ingress"], `ingress through ${ni.instance}`);
  if (bi && !ni) p.add("change", "route", "ingress", ["ingress"], "ingress is removed");

  // The ingress instance carries its files (the proxy's static and dynamic config, the
  // certificate) as `file` blocks, so a route or allow-list change updates
  // incus_instance.<ingress>. When one of those files is read at start only (onChange "restart"),
  // the generated terraform_data.<ingress>_restart has replace_triggered_by on that instance and
  // runs `incus restart` whenever it changes (targets/tofu/instances.ts); "a plan to update or
  // replace that instance will trigger replacement" (opentofu/opentofu
  // website/docs/language/meta-arguments/lifecycle.mdx, replace_triggered_by).
  if (!bi || !ni || bi.instance !== ni.instance) return;
  const proxy = ni.instance;
  // lab.json leaves the file contract out: without it, assume the restart.
  const files = (ni as { files?: readonly { onChange?: string }[] }).files;
  if (Array.isArray(files) && !files.some((f) => f.onChange === "restart")) return;
  const software = (ni as { software?: string }).software ?? "the proxy";
  const own = p.changes.filter((c) => c.kind === "instance" && c.name === proxy && (c.risk === "change" || c.risk === "restart"));
  const routing = p.changes.some((c) => c.kind === "route") || bi.address !== ni.address;
  const caDir = p.changes.some((c) => c.kind === "ca" && c.name === "dir");
  if (own.length || routing || caDir)
    p.add("restart", "instance", proxy, ["ingress"], `${software} (${proxy}) restarts: OpenTofu updates incus_instance.${proxy} (its config or pushed files change), which triggers terraform_data.${proxy}_restart (incus restart)`);
}
