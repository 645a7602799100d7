// Hosts as the Model lists them: hardware, LAN, ZFS pools and their datasets, snapshots,
// Tailscale and the GitOps agent's settings.
import type { LabConfig } from "../config/schema.ts";
import { intToIp, parseCidr } from "../shared/ipv4.ts";
import { CONSOLE_PASSWORD_FILE, DATASETS, INCUS_DAEMON_DIR, SECRETS_DIR, STATE_DIR } from "../shared/lab.ts";
import { sizeBytes, zfsSize } from "../shared/units.ts";
import type { Lock } from "./lock.ts";
import type * as M from "./model.ts";
import { groupBy } from "./group.ts";
import { ingressRoutesOn } from "./ingress.ts";
import { byName, sortedRecord } from "./sort.ts";

export interface HostContext {
  readonly networks: readonly M.NetworkModel[];
  readonly storagePools: readonly M.StoragePoolModel[];
  readonly instances: readonly M.InstanceModel[];
  readonly tofuHost: string;
  readonly instanceIp: (inst: string) => string;
}

/** Every host, sorted by name. */
export function buildHosts(lab: LabConfig, lock: Lock, { networks, storagePools, instances, tofuHost, instanceIp }: HostContext): M.HostModel[] {
  const netsByHost = groupBy(networks, (n) => n.host);
  const poolsByHostZpool = groupBy(storagePools, (s) => `${s.host}/${s.zpool}`);
  const instancesByHost = groupBy(instances, (i) => i.host);
  return byName(
    Object.entries(lab.hosts).map(([name, h]) => {
      const hostNets = netsByHost.get(name) ?? [];
      const diskPool = new Map<string, string>();
      for (const [p, pool] of Object.entries(h.zfs.pools)) for (const v of pool.vdevs) for (const d of v.disks) diskPool.set(d, p);
      const zpools: M.ZpoolModel[] = Object.entries(h.zfs.pools)
        .map(([p, pool]): M.ZpoolModel => {
          const incusStorage = (poolsByHostZpool.get(`${name}/${p}`) ?? []).map((s) => s.name);
          const src = `hosts.${name}.zfs.pools.${p}`;
          const datasets: M.DatasetModel[] = [];
          if (pool.boot) {
            for (const [ds, mp] of DATASETS.system)
              datasets.push({ name: ds, mountpoint: mp, properties: {}, role: "system", source: src });
            // labgen's records (GitOps history, checkout, status): never rolled back.
            datasets.push({ name: DATASETS.state, mountpoint: STATE_DIR, properties: {}, role: "state", source: src });
            // Secrets and (on the apply host) the CA: outside every rollback and every automatic
            // snapshot, so a rollback never brings back a revoked key and root.key is in no snapshot.
            datasets.push({ name: DATASETS.secrets, mountpoint: SECRETS_DIR, properties: {}, role: "secrets", source: src });
            if (name === tofuHost) {
              datasets.push({ name: DATASETS.ca, mountpoint: lab.ca.dir, properties: {}, role: "secrets", source: "ca.dir" });
              // The OpenTofu state: snapshotted by the GitOps agent before each deploy, together with
              // Incus's database (one atomic snapshot of the boot pool).
              datasets.push({ name: DATASETS.tofuState, mountpoint: lab.tofu.stateDir, properties: {}, role: "undo", source: "tofu.stateDir" });
            }
            // Incus's database on a dataset of its own, so the agent can snapshot it before a switch
            // (which may migrate it) without touching a dataset Incus owns.
            datasets.push({ name: DATASETS.incusDaemon, mountpoint: INCUS_DAEMON_DIR, properties: {}, role: "undo", source: src });
          }
          if (incusStorage.length) datasets.push({ name: DATASETS.incus, mountpoint: null, properties: {}, role: "incus", source: src });
          datasets.push({ name: DATASETS.reserve, mountpoint: null, properties: { reservation: zfsSize(pool.reserve) }, role: "reserve", source: `${src}.reserve` });
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
        .filter((d) => d !== `${bootPool.name}/${DATASETS.system[1][0]}`)
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
        incusDatasets: zpools.filter((p) => p.incusStorage.length).map((p) => `${p.name}/${DATASETS.incus}`).sort(),
        undoDatasets: zpools.flatMap((p) => p.datasets.filter((d) => d.role === "undo").map((d) => `${p.name}/${d.name}`)).sort(),
        stateDataset: `${bootPool.name}/${DATASETS.state}`,
        consolePasswordFile: CONSOLE_PASSWORD_FILE,
        autoSnapshot: { ...h.zfs.autoSnapshot, datasets: snapDatasets },
        scrub: h.zfs.scrub,
        tailscale: h.tailscale
          ? {
              authKeyFile: h.tailscale.authKeyFile,
              advertiseGuestNetworks: h.tailscale.advertiseGuestNetworks,
              advertiseRoutes: h.tailscale.advertiseGuestNetworks
                ? hostNets.map((n) => n.subnet).sort()
                : ingressRoutesOn(lab, networks, instanceIp, name),
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
              onFailure: [...h.gitops.onFailure],
            }
          : null,
        incus: { channel: h.incus.channel },
        extraModule: h.extraModule ? `hosts/${name}/extra.nix` : null,
        networks: hostNets.map((n) => n.name),
        instances: (instancesByHost.get(name) ?? []).map((i) => i.name),
        stateVersion: h.stateVersion,
        source: `hosts.${name}`,
      };
    }),
  );
}
