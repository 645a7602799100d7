// Instances and the profiles they use, as the Model lists them.
import type { LabConfig } from "../config/schema.ts";
import { sizeBytes } from "../shared/units.ts";
import type { Lock, NicLock } from "./lock.ts";
import type * as M from "./model.ts";
import { groupBy } from "./group.ts";
import { byName, sortedRecord } from "./sort.ts";
import { imageRemoteOf, isOciImage, parseOciImage } from "../shared/image.ts";
import { SECRETS_LAYOUT } from "../shared/secrets.ts";

/** An instance's address: its first NIC's, from the config or the lock. */
export function instanceIpOf(lab: LabConfig, lock: Lock): (inst: string) => string {
  return (inst) => {
    const cfg = lab.instances[inst];
    const first = cfg.nics[0];
    return first.ipv4 ?? lock.nics[`${inst}/${first.name}`].ipv4!;
  };
}

/**
 * Every instance, sorted by name; `routes` gives each its URLs. `nicLocks` holds every NIC's lock
 * entry in config order (instances, then their NICs), the order of the walk below.
 */
export function buildInstances(lab: LabConfig, nicLocks: readonly NicLock[], routes: readonly M.RouteModel[]): M.InstanceModel[] {
  const ingress = lab.ingress ?? null;
  const routesByInstance = groupBy(routes, (r) => r.instance);
  // Labs repeat a handful of sizes: each is parsed once.
  const bytes = new Map<string, number>();
  const bytesOf = (size: string): number => {
    let b = bytes.get(size);
    if (b === undefined) bytes.set(size, (b = sizeBytes(size)));
    return b;
  };
  // One object per instance and nothing else per instance that is not in the Model (no entry
  // pairs, no empty intermediates): at 10,000 instances every allocation here is 10,000 more for
  // the garbage collector to copy while the Model is live.
  const out: M.InstanceModel[] = [];
  let nicAt = 0;
  for (const name in lab.instances) {
    const i = lab.instances[name];
    const nics: M.InstanceNicModel[] = i.nics.map((n, idx) => {
      const e = nicLocks[nicAt++];
      return {
        name: n.name,
        network: n.network,
        ipv4: n.ipv4 ?? e.ipv4!,
        staticIp: n.ipv4 !== undefined,
        mac: e.mac,
        source: `instances.${name}.nics[${idx}]`,
      };
    });
    const ports: M.ExposedPortModel[] = i.ports.map((p, idx) => ({
      name: `${p.protocol}-${p.host}`,
      protocol: p.protocol,
      hostPort: p.host,
      instancePort: p.instance,
      source: `instances.${name}.ports[${idx}]`,
    }));
    if (ports.length > 1) ports.sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.hostPort - b.hostPort));
    const oci = isOciImage(i.image);
    const routed = routesByInstance.get(name);
    out.push({
      name,
      host: i.host,
      type: i.type === "vm" ? ("virtual-machine" as const) : ("container" as const),
      image: i.image,
      imageRemote: imageRemoteOf(i.image) as M.ImageRemote,
      imageTag: oci ? parseOciImage(i.image).tag : null,
      oci,
      description: i.description,
      cpu: i.cpu,
      memory: i.memory,
      memoryBytes: bytesOf(i.memory),
      rootDisk: { storage: i.storage, size: i.rootSize },
      profiles: i.profiles.slice(),
      nics,
      ipv4: nics[0].ipv4,
      serves: i.serves.length > 1 ? i.serves.slice().sort((a, b) => a - b) : i.serves.slice(),
      ports,
      volumes: i.volumes.map((v, idx) => volumeOf(lab, name, i, v, idx)),
      snapshots: i.snapshots ? { schedule: i.snapshots.schedule, expiry: i.snapshots.expiry } : null,
      autostart: i.autostart,
      cloudInit: i.cloudInit ?? null,
      urls: routed ? routed.map((r) => r.url).sort() : [],
      ingress: ingress?.instance === name,
      environment: sortedRecord(i.environment),
      secrets:
        i.secrets.length === 0
          ? []
          : [...new Set(i.secrets)].sort().map((s) => ({
              name: s,
              path: `${SECRETS_LAYOUT.mount}/${s}`,
              hostPath: `${SECRETS_LAYOUT.instances}/${name}/${s}`,
            })),
      secretOwner: { uid: i.secretOwner.uid, gid: i.secretOwner.gid },
      secretsHostDir: i.secrets.length > 0 ? `${SECRETS_LAYOUT.instances}/${name}` : null,
      files: i.files.map((f, idx) => ({ path: f.path, content: f.content, mode: f.mode, uid: f.uid, gid: f.gid, source: `instances.${name}.files[${idx}]` })),
      health: healthOf(i.health),
      ociConfig: ociConfig(i.oci),
      source: `instances.${name}`,
    });
  }
  // Out of step would put one NIC's MAC on another: fail loudly rather than print that.
  if (nicAt !== nicLocks.length) throw new Error(`internal error: ${nicLocks.length} NIC lock entries for ${nicAt} NICs`);
  return byName(out);
}

type InstanceConfig = LabConfig["instances"][string];

/** A volume of its own, or (share) the owner's volume, which rule volume-share checked exists. */
function volumeOf(lab: LabConfig, name: string, i: InstanceConfig, v: InstanceConfig["volumes"][number], idx: number): M.VolumeModel {
  const source = `instances.${name}.volumes[${idx}]`;
  if (!v.share) return { name: v.name, incusName: `${name}-${v.name}`, storage: v.storage ?? i.storage, size: v.size!, path: v.path, shared: null, source };
  const owner = lab.instances[v.share.instance];
  const ov = owner.volumes.find((x) => x.name === v.share!.volume)!;
  return {
    name: v.name,
    incusName: `${v.share.instance}-${ov.name}`,
    storage: ov.storage ?? owner.storage,
    size: ov.size!,
    path: v.path,
    shared: { owner: v.share.instance, subPath: v.share.subPath ?? null, readonly: v.share.readonly },
    source,
  };
}

export function healthOf(h: InstanceConfig["health"]): M.HealthModel | null {
  return h ? { path: h.path, interval: h.interval, timeout: h.timeout } : null;
}

/** Incus oci.* keys from the config's oci overrides, in sorted order (set in that order). */
function ociConfig(o: InstanceConfig["oci"]): Record<string, string> {
  const c: Record<string, string> = {};
  if (!o) return c;
  if (o.cwd !== undefined) c["oci.cwd"] = o.cwd;
  if (o.entrypoint !== undefined) c["oci.entrypoint"] = o.entrypoint;
  if (o.gid !== undefined) c["oci.gid"] = String(o.gid);
  if (o.uid !== undefined) c["oci.uid"] = String(o.uid);
  return c;
}

/** App secrets by name, with the host that keeps each (that of its readers) and its readers. */
export function buildSecrets(lab: LabConfig, instances: readonly M.InstanceModel[]): M.SecretModel[] {
  // Readers by secret, in one pass (instances are sorted by name, so each list is too).
  const readers = new Map<string, M.InstanceModel[]>();
  for (const i of instances) for (const x of i.secrets) (readers.get(x.name) ?? readers.set(x.name, []).get(x.name)!).push(i);
  return byName(
    Object.entries(lab.secrets).map(([name, s]) => {
      const users = readers.get(name) ?? [];
      return {
        name,
        kind: s.kind,
        length: s.kind === "generated" ? s.length : null,
        alphabet: s.kind === "generated" ? s.alphabet : null,
        providedFile: s.kind === "file" ? s.path : null,
        host: users[0]?.host ?? null,
        hostPath: `${SECRETS_LAYOUT.store}/${name}`,
        instances: users.map((i) => i.name),
        source: `secrets.${name}`,
      };
    }),
  );
}

/** Every profile, with the hosts whose instances use it. */
export function buildProfiles(lab: LabConfig, instances: readonly M.InstanceModel[]): M.ProfileModel[] {
  const hostsOf = new Map<string, Set<string>>();
  for (const i of instances) for (const p of i.profiles) (hostsOf.get(p) ?? hostsOf.set(p, new Set()).get(p)!).add(i.host);
  return byName(
    Object.entries(lab.profiles).map(([name, p]) => ({
      name,
      description: p.description,
      config: sortedRecord(p.config),
      hosts: [...(hostsOf.get(name) ?? [])].sort(),
      source: `profiles.${name}`,
    })),
  );
}
