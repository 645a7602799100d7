// Resolve: schema-valid config + lock → frozen Model (+ the lock with any new allocations).
// The only stage that computes: defaults that depend on other fields, allocations, sorting.
import type { LabConfig } from "../config/schema.ts";
import type { Diagnostic } from "../validate/diagnostics.ts";
import { broadcast, contains, intToIp, ipToInt, parseCidr } from "./ipv4.ts";
import { candidate, INCUS_OUI, type Lock } from "./lock.ts";
import * as M from "./model.ts";
import { sizeBytes, zfsSize } from "./units.ts";

export interface Resolved {
  readonly model: M.Model;
  /** The lock including any allocation made now. */
  readonly lock: Lock;
  /** Human-readable list of allocations made in this run (empty when the lock was complete). */
  readonly allocated: readonly string[];
}

const byName = <T extends { name: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const sortedRecord = <T>(r: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Diagnostics found while allocating (collisions with the lock) are returned, not thrown. */
export function resolve(lab: LabConfig, lockIn: Lock): { resolved: Resolved | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lock: Lock = structuredClone(lockIn);
  const allocated: string[] = [];

  // --- hostIds -------------------------------------------------------------------------------
  const usedIds = new Set(Object.values(lock.hosts).map((h) => h.hostId));
  for (const h of Object.keys(lab.hosts).sort()) {
    if (lock.hosts[h]) continue;
    for (let i = 0; ; i++) {
      const id = candidate("hostid", `${lab.name}/${h}`, i).toString("hex").slice(0, 8);
      if (id !== "00000000" && !usedIds.has(id)) {
        usedIds.add(id);
        lock.hosts[h] = { hostId: id };
        allocated.push(`hostId ${id} for host ${h}`);
        break;
      }
    }
  }

  // --- NICs: MACs and IPv4 -------------------------------------------------------------------
  const nicKeys: { key: string; inst: string; idx: number }[] = [];
  for (const [inst, cfg] of Object.entries(lab.instances)) cfg.nics.forEach((n, idx) => nicKeys.push({ key: `${inst}/${n.name}`, inst, idx }));
  nicKeys.sort((a, b) => (a.key < b.key ? -1 : 1));

  const usedMacs = new Set(Object.values(lock.nics).map((n) => n.mac));
  // Taken addresses per network: every locked address (live or orphaned), every static address.
  const taken = new Map<string, Set<number>>();
  const takenIn = (net: string) => taken.get(net) ?? taken.set(net, new Set()).get(net)!;
  for (const n of Object.values(lock.nics)) if (n.ipv4) takenIn(n.network).add(ipToInt(n.ipv4));
  for (const [inst, cfg] of Object.entries(lab.instances))
    cfg.nics.forEach((n, i) => {
      if (!n.ipv4) return;
      takenIn(n.network).add(ipToInt(n.ipv4));
      // A static address that the lock already gave to another NIC would be a silent clash.
      const holder = Object.entries(lock.nics).find(([k, v]) => v.ipv4 === n.ipv4 && v.network === n.network && k !== `${inst}/${n.name}`);
      if (holder)
        diagnostics.push({
          severity: "error",
          rule: "static-ip-lock",
          path: ["instances", inst, "nics", i, "ipv4"],
          message: `${n.ipv4} is allocated to ${holder[0]} in lab.lock.json: pick another address (or run 'labgen lock prune' if ${holder[0]} was removed)`,
        });
    });

  const gateways = new Map(Object.entries(lab.networks).map(([n, net]) => [n, net.gateway ?? intToIp(parseCidr(net.subnet).base + 1)]));

  for (const { key, inst, idx } of nicKeys) {
    const nic = lab.instances[inst].nics[idx];
    const net = lab.networks[nic.network];
    const entry = lock.nics[key];
    let mac = entry?.mac;
    if (!mac) {
      for (let i = 0; ; i++) {
        const b = candidate("mac", `${lab.name}/${key}`, i);
        const m = `${INCUS_OUI}:${[b[0], b[1], b[2]].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
        if (!usedMacs.has(m)) {
          usedMacs.add(m);
          mac = m;
          allocated.push(`MAC ${m} for ${key}`);
          break;
        }
      }
    }
    let ipv4: string | null = entry?.ipv4 ?? null;
    // An address stays valid while the NIC stays on the same network and the subnet still holds
    // it; moving a NIC to another network is a deliberate change and gets a new address.
    const keep = entry && entry.network === nic.network && ipv4 !== null && contains(parseCidr(net.subnet), ipv4);
    if (!nic.ipv4 && !keep) {
      const c = parseCidr(net.subnet);
      const set = takenIn(nic.network);
      const gw = ipToInt(gateways.get(nic.network)!);
      // Upper half first: people pick static addresses low in the range, so allocations stay clear of them.
      const start = c.base + Math.max(2, Math.floor(c.size / 2));
      const order = [...range(start, broadcast(c)), ...range(c.base + 1, start)];
      const free = order.find((a) => a !== gw && !set.has(a));
      if (free === undefined) {
        diagnostics.push({
          severity: "error",
          rule: "ip-exhausted",
          path: ["instances", inst, "nics", idx, "network"],
          message: `network '${nic.network}' (${net.subnet}) has no free address left: widen the subnet or run 'labgen lock prune' to release addresses of removed instances`,
        });
        continue;
      }
      set.add(free);
      ipv4 = intToIp(free);
      allocated.push(`IPv4 ${ipv4} for ${key}`);
    }
    // Static addresses live in the config, so the lock records none for them.
    lock.nics[key] = { mac: mac!, network: nic.network, ipv4: nic.ipv4 ? null : ipv4 };
  }
  if (diagnostics.length) return { resolved: null, diagnostics };

  const model = buildModel(lab, lock, gateways);
  return { resolved: { model: deepFreeze(model), lock, allocated }, diagnostics };
}

function* range(from: number, to: number): Generator<number> {
  for (let a = from; a < to; a++) yield a;
}

/** labgen's own state on every host (a dataset of the boot pool). */
export const STATE_DIR = "/var/lib/labgen";

/** The host that applies OpenTofu: configured, or the first host by name. */
export function tofuHostOf(lab: LabConfig): string {
  return lab.tofu.host ?? Object.keys(lab.hosts).sort()[0];
}

function buildModel(lab: LabConfig, lock: Lock, gateways: Map<string, string>): M.Model {
  const domain = lab.domain;
  const tofuHost = tofuHostOf(lab);
  const ingress = lab.ingress ?? null;

  const instanceIp = (inst: string): string => {
    const cfg = lab.instances[inst];
    const first = cfg.nics[0];
    return first.ipv4 ?? lock.nics[`${inst}/${first.name}`].ipv4!;
  };

  // Where Traefik is reached from each bridge. On the ingress host: Traefik's own address. On
  // another host, whose guests cannot reach that bridge: the ingress host's LAN address, where
  // the NAT proxy devices listen on 80/443 (none is known when the ingress host uses DHCP).
  const ingressHost = ingress ? lab.instances[ingress.instance].host : null;
  const ingressHostLan = ingressHost ? lab.hosts[ingressHost].lan : null;
  const ingressLanAddress = ingressHostLan?.mode === "static" ? ingressHostLan.address.split("/")[0] : null;
  const ingressAddressFrom = (net: { host: string }): string | null =>
    ingress === null ? null : net.host === ingressHost ? instanceIp(ingress.instance) : ingressLanAddress;

  const networks: M.NetworkModel[] = byName(
    Object.entries(lab.networks).map(([name, n]) => {
      const c = parseCidr(n.subnet);
      const gateway = gateways.get(name)!;
      return {
        name,
        host: n.host,
        description: n.description,
        subnet: n.subnet,
        prefixLength: c.prefix,
        gateway,
        address: `${gateway}/${c.prefix}`,
        nat: n.nat,
        dnsDomain: n.dnsDomain ?? `${name}.${domain}`,
        ingressAddress: ingressAddressFrom(n),
        source: `networks.${name}`,
      };
    }),
  );

  /** Tailscale routes by default: only what reaches the ingress (Traefik, and its bridge's DNS). */
  const ingressRoutesOn = (host: string): string[] => {
    if (!ingress || host !== ingressHost) return [];
    const traefikNet = networks.find((n) => n.name === lab.instances[ingress.instance].nics[0].network)!;
    return [traefikNet.gateway, instanceIp(ingress.instance)].sort((a, b) => ipToInt(a) - ipToInt(b)).map((ip) => `${ip}/32`);
  };

  /**
   * Traefik's allow-list: the configured sources, then the guests that the bridges' DNS sends to
   * Traefik (app-to-app calls: webhooks, OAuth). Guests on the ingress host's bridges arrive with
   * their own addresses; guests on another host's NAT bridge arrive as that host's LAN address, on
   * a routed (non-NAT) bridge with their own. Entries an allowed range already covers are left out.
   */
  const allowList = (): string[] => {
    if (!ingress) return [];
    const out = [...ingress.allow];
    const covered = (cidr: string): boolean => {
      if (!cidr.includes(".")) return false;
      const c = parseCidr(cidr);
      return out.some((a) => {
        if (!a.includes(".")) return false;
        const o = parseCidr(a);
        return o.prefix <= c.prefix && contains(o, intToIp(c.base));
      });
    };
    const add = (cidr: string) => {
      if (!covered(cidr)) out.push(cidr);
    };
    for (const n of networks) {
      if (n.host === ingressHost || !n.nat) add(n.subnet);
      else {
        const lan = lab.hosts[n.host].lan;
        if (lan.mode === "static") add(`${lan.address.split("/")[0]}/32`);
      }
    }
    return out;
  };

  const routes: M.RouteModel[] = ingress
    ? byName(
        Object.entries(ingress.routes).map(([name, r]) => {
          const hostname = r.hostname ?? `${name}.${domain}`;
          return {
            name,
            hostname,
            url: `https://${hostname}`,
            instance: r.instance,
            port: r.port,
            scheme: r.scheme,
            backend: `${r.scheme}://${instanceIp(r.instance)}:${r.port}`,
            source: `ingress.routes.${name}`,
          };
        }),
      )
    : [];

  const instances: M.InstanceModel[] = byName(
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
        urls: routes.filter((r) => r.instance === name).map((r) => r.url).sort(),
        ingress: ingress?.instance === name,
        source: `instances.${name}`,
      };
    }),
  );

  const storagePools: M.StoragePoolModel[] = byName(
    Object.entries(lab.storage).map(([name, s]) => ({
      name,
      host: s.host,
      zpool: s.zpool,
      dataset: `${s.zpool}/incus`,
      description: s.description,
      source: `storage.${name}`,
    })),
  );

  const profiles: M.ProfileModel[] = byName(
    Object.entries(lab.profiles).map(([name, p]) => ({
      name,
      description: p.description,
      config: sortedRecord(p.config),
      hosts: [...new Set(instances.filter((i) => i.profiles.includes(name)).map((i) => i.host))].sort(),
      source: `profiles.${name}`,
    })),
  );

  const hosts: M.HostModel[] = byName(
    Object.entries(lab.hosts).map(([name, h]) => {
      const hostNets = networks.filter((n) => n.host === name);
      const diskPool = new Map<string, string>();
      for (const [p, pool] of Object.entries(h.zfs.pools)) for (const v of pool.vdevs) for (const d of v.disks) diskPool.set(d, p);
      const zpools: M.ZpoolModel[] = Object.entries(h.zfs.pools)
        .map(([p, pool]): M.ZpoolModel => {
          const incusStorage = storagePools.filter((s) => s.host === name && s.zpool === p).map((s) => s.name);
          const src = `hosts.${name}.zfs.pools.${p}`;
          const datasets: M.DatasetModel[] = [];
          if (pool.boot) {
            for (const [ds, mp] of [["root", "/"], ["nix", "/nix"], ["var", "/var"], ["home", "/home"]] as const)
              datasets.push({ name: ds, mountpoint: mp, properties: {}, role: "system", source: src });
            // State that must survive a re-install lives in its own dataset, snapshotted before deploys.
            datasets.push({ name: "labgen", mountpoint: STATE_DIR, properties: {}, role: "state", source: src });
          }
          if (incusStorage.length) datasets.push({ name: "incus", mountpoint: null, properties: {}, role: "incus", source: src });
          datasets.push({ name: "reserved", mountpoint: null, properties: { reservation: zfsSize(pool.reserve) }, role: "reserve", source: `${src}.reserve` });
          for (const [ds, spec] of Object.entries(pool.datasets)) {
            const props: Record<string, string> = {};
            if (spec.quota) props.quota = zfsSize(spec.quota);
            if (spec.reservation) props.reservation = zfsSize(spec.reservation);
            if (spec.recordsize) props.recordsize = spec.recordsize;
            datasets.push({
              name: ds,
              mountpoint: spec.mountpoint && spec.mountpoint !== "none" ? spec.mountpoint : null,
              properties: sortedRecord(props),
              role: "user",
              source: `${src}.datasets.${ds}`,
            });
          }
          return {
            name: p,
            boot: pool.boot,
            vdevs: pool.vdevs.map((v) => ({ topology: v.topology, disks: [...v.disks] })),
            datasets: byName(datasets),
            reserve: zfsSize(pool.reserve),
            incusStorage,
            source: src,
          };
        })
        .sort((a, b) => (a.boot !== b.boot ? (a.boot ? -1 : 1) : a.name < b.name ? -1 : 1));
      const lan: M.LanModel =
        h.lan.mode === "static"
          ? (() => {
              const lan = h.lan as Extract<typeof h.lan, { mode: "static" }>;
              const c = parseCidr(lan.address);
              return {
                mode: "static" as const,
                interface: lan.interface,
                address: lan.address.split("/")[0],
                prefixLength: c.prefix,
                subnet: `${intToIp(c.base)}/${c.prefix}`,
                gateway: lan.gateway,
                nameservers: [...lan.nameservers],
              };
            })()
          : { mode: "dhcp" as const, interface: h.lan.interface, subnet: (h.lan as { subnet?: string }).subnet ?? null };
      const bootPool = zpools.find((p) => p.boot)!;
      const snapDatasets = zpools
        .flatMap((p) => p.datasets.filter((d) => d.role === "system" || d.role === "state" || d.role === "user").map((d) => `${p.name}/${d.name}`))
        // /nix is reproducible from the flake: snapshotting it only costs space.
        .filter((d) => d !== `${bootPool.name}/nix`)
        .sort();
      return {
        name,
        description: h.description,
        hostId: lock.hosts[name].hostId,
        cpu: { model: h.hardware.cpu.model ?? null, cores: h.hardware.cpu.cores, threads: h.hardware.cpu.threads },
        memory: h.hardware.memory,
        memoryBytes: sizeBytes(h.hardware.memory),
        memoryReserve: h.memoryReserve,
        memoryReserveBytes: sizeBytes(h.memoryReserve),
        disks: h.hardware.disks.map((d) => ({ id: d.id, size: d.size, sizeBytes: sizeBytes(d.size), kind: d.kind, zpool: diskPool.get(d.id) ?? null })),
        nics: h.hardware.nics.map((n) => ({ name: n.name, speed: n.speed ?? null })),
        lan,
        ssh: { port: h.ssh.port, permitRootLogin: h.ssh.permitRootLogin },
        zpools,
        incusDatasets: zpools.filter((p) => p.incusStorage.length).map((p) => `${p.name}/incus`).sort(),
        stateDataset: `${bootPool.name}/labgen`,
        autoSnapshot: { ...h.zfs.autoSnapshot, datasets: snapDatasets },
        scrub: h.zfs.scrub,
        tailscale: h.tailscale
          ? {
              authKeyFile: h.tailscale.authKeyFile,
              advertiseGuestNetworks: h.tailscale.advertiseGuestNetworks,
              advertiseRoutes: h.tailscale.advertiseGuestNetworks ? hostNets.map((n) => n.subnet).sort() : ingressRoutesOn(name),
              exposeIncusApi: h.tailscale.exposeIncusApi,
            }
          : null,
        gitops: h.gitops
          ? {
              repository: h.gitops.repository,
              branch: h.gitops.branch,
              deployKeyFile: h.gitops.deployKeyFile,
              knownHosts: [...h.gitops.knownHosts],
              interval: h.gitops.interval,
              allowedSigners: [...h.gitops.allowedSigners],
              keepSnapshots: h.gitops.keepSnapshots,
              checkoutDir: `${STATE_DIR}/checkout`,
              statusFile: `${STATE_DIR}/status.json`,
              appliesTofu: name === tofuHost,
            }
          : null,
        incus: { channel: h.incus.channel },
        networks: hostNets.map((n) => n.name),
        instances: instances.filter((i) => i.host === name).map((i) => i.name),
        stateVersion: h.stateVersion,
        source: `hosts.${name}`,
      };
    }),
  );

  const admins: M.AdminModel[] = byName(
    Object.entries(lab.admins).map(([name, a]) => ({ name, description: a.description, sshKeys: [...a.sshKeys], source: `admins.${name}` })),
  );

  const ingressModel: M.IngressModel | null = ingress
    ? {
        instance: ingress.instance,
        host: lab.instances[ingress.instance].host,
        address: instanceIp(ingress.instance),
        allow: allowList(),
        routes,
        source: "ingress",
      }
    : null;

  const ca = lab.ca;
  return {
    formatVersion: M.MODEL_FORMAT,
    lab: { name: lab.name, domain, timezone: lab.timezone, tailnet: [...lab.tailnet] },
    admins,
    hosts,
    networks,
    storagePools,
    profiles,
    instances,
    ingress: ingressModel,
    ca: {
      domain,
      organization: ca.organization,
      rootCommonName: ca.rootName,
      intermediateCommonName: ca.intermediateName,
      dir: ca.dir,
      rootDays: ca.rootDays,
      intermediateDays: ca.intermediateDays,
      leafDays: ca.leafDays,
      renewBeforeDays: ca.renewBeforeDays,
      files: { rootCert: `${ca.dir}/root.crt`, fullchain: `${ca.dir}/fullchain.crt`, leafKey: `${ca.dir}/leaf.key` },
      source: "ca",
    },
    tofu: {
      host: tofuHost,
      stateDir: lab.tofu.stateDir,
      stateFile: `${lab.tofu.stateDir}/terraform.tfstate`,
      passphraseFile: lab.tofu.passphraseFile,
      source: "tofu",
    },
  };
}
