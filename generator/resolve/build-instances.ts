// Instances and the profiles they use, as the Model lists them.
import type { LabConfig } from "../config/schema.ts";
import { sizeBytes } from "../shared/units.ts";
import type { Lock } from "./lock.ts";
import type * as M from "./model.ts";
import { groupBy } from "./group.ts";
import { byName, sortedRecord } from "./sort.ts";

/** An instance's address: its first NIC's, from the config or the lock. */
export function instanceIpOf(lab: LabConfig, lock: Lock): (inst: string) => string {
  return (inst) => {
    const cfg = lab.instances[inst];
    const first = cfg.nics[0];
    return first.ipv4 ?? lock.nics[`${inst}/${first.name}`].ipv4!;
  };
}

/** Every instance, sorted by name; `routes` gives each its URLs. */
export function buildInstances(lab: LabConfig, lock: Lock, routes: readonly M.RouteModel[]): M.InstanceModel[] {
  const ingress = lab.ingress ?? null;
  const routesByInstance = groupBy(routes, (r) => r.instance);
  return byName(
    Object.entries(lab.instances).map(([name, i]) => {
      const nics: M.InstanceNicModel[] = i.nics.map((n, idx) => {
        const e = lock.nics[`${name}/${n.name}`];
        return {
          name: n.name,
          network: n.network,
          ipv4: n.ipv4 ?? e.ipv4!,
          staticIp: n.ipv4 !== undefined,
          mac: e.mac,
          source: `instances.${name}.nics[${idx}]`,
        };
      });
      const ports: M.ExposedPortModel[] = i.ports
        .map((p, idx) => ({
          name: `${p.protocol}-${p.host}`,
          protocol: p.protocol,
          hostPort: p.host,
          instancePort: p.instance,
          source: `instances.${name}.ports[${idx}]`,
        }))
        .sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.hostPort - b.hostPort));
      return {
        name,
        host: i.host,
        type: i.type === "vm" ? ("virtual-machine" as const) : ("container" as const),
        image: i.image,
        imageRemote: i.image.slice(0, i.image.indexOf(":")) as M.InstanceModel["imageRemote"],
        oci: !i.image.startsWith("images:"),
        description: i.description,
        cpu: i.cpu,
        memory: i.memory,
        memoryBytes: sizeBytes(i.memory),
        rootDisk: { storage: i.storage, size: i.rootSize },
        profiles: [...i.profiles],
        nics,
        ipv4: nics[0].ipv4,
        serves: [...i.serves].sort((a, b) => a - b),
        ports,
        volumes: i.volumes.map((v, idx) => ({
          name: v.name,
          incusName: `${name}-${v.name}`,
          storage: v.storage ?? i.storage,
          size: v.size,
          path: v.path,
          source: `instances.${name}.volumes[${idx}]`,
        })),
        snapshots: i.snapshots ? { schedule: i.snapshots.schedule, expiry: i.snapshots.expiry } : null,
        autostart: i.autostart,
        cloudInit: i.cloudInit ?? null,
        urls: (routesByInstance.get(name) ?? []).map((r) => r.url).sort(),
        ingress: ingress?.instance === name,
        source: `instances.${name}`,
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
