// Storage and ZFS: disks by id, pool topologies, the boot pool, datasets, and the Incus pools on them.
import type { PathSegment } from "../../shared/diagnostics.ts";
import { DATASETS, INCUS_DAEMON_DIR, MANAGED_DATASETS, SECRETS_DIR, STATE_DIR } from "../../shared/lab.ts";
import { type Rule, instanceRule, UnknownNames } from "./common.ts";

const MIN_MEMBERS = { stripe: 1, mirror: 2, raidz1: 3, raidz2: 4, raidz3: 5 } as const;
export const STORAGE_RULES: Rule[] = [
  instanceRule({
    id: "ref-storage",
    summary: "every storage reference exists and lives on the instance's host",
    pass(lab, d) {
      const unknown = new UnknownNames();
      // Runs once per instance and volume: the path is built only for a finding.
      const check = (host: string, s: string, n: string, i?: number) => {
        const pool = lab.storage[s];
        if (pool && (pool.host === host || !(host in lab.hosts) || !(pool.host in lab.hosts))) return;
        const path: PathSegment[] = i === undefined ? ["instances", n, "storage"] : ["instances", n, "volumes", i, "storage"];
        if (!pool) unknown.add(s, path);
        else d.error("ref-storage", path, `storage pool '${s}' is on host '${pool.host}', but the instance runs on '${host}'`);
      };
      return {
        each(n, inst) {
          check(inst.host, inst.storage, n);
          // An empty name is a reference too (to nothing), not "the instance's storage".
          inst.volumes.forEach((v, i) => v.storage !== undefined && check(inst.host, v.storage, n, i));
        },
        end: () => unknown.report(d, "ref-storage", (s) => `unknown storage pool '${s}': declare it under storage (known: ${Object.keys(lab.storage).join(", ") || "none"})`),
      };
    },
  }),
  {
    id: "ref-zpool",
    summary: "every Incus storage pool sits on a ZFS pool of its host",
    check(lab, d) {
      for (const [n, s] of Object.entries(lab.storage)) {
        const host = lab.hosts[s.host];
        if (host && !(s.zpool in host.zfs.pools))
          d.error("ref-zpool", ["storage", n, "zpool"], `host '${s.host}' has no ZFS pool '${s.zpool}' (its pools: ${Object.keys(host.zfs.pools).join(", ")})`);
      }
    },
  },
  {
    id: "disk-by-id",
    summary: "disks are named by /dev/disk/by-id/… and declared once",
    check(lab, d) {
      const seen = new Map<string, string>();
      for (const [h, host] of Object.entries(lab.hosts))
        host.hardware.disks.forEach((disk, i) => {
          if (!/^\/dev\/disk\/by-id\/[^/\s]+$/.test(disk.id))
            d.error("disk-by-id", ["hosts", h, "hardware", "disks", i, "id"], `'${disk.id}' is not a /dev/disk/by-id/ path: kernel names like /dev/sda change between boots; use ls -l /dev/disk/by-id/ to find the stable name`);
          const prev = seen.get(disk.id);
          if (prev) d.error("disk-by-id", ["hosts", h, "hardware", "disks", i, "id"], `disk ${disk.id} is already declared at ${prev}`);
          else seen.set(disk.id, `hosts.${h}.hardware.disks[${i}]`);
        });
    },
  },
  {
    id: "disk-one-vdev",
    summary: "every vdev member is a declared disk of the host, used in exactly one vdev",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
        const declared = new Set(host.hardware.disks.map((x) => x.id));
        // A declaration that is not a by-id path is disk-by-id's error; the vdev member that
        // names the disk as it should be is then no second mistake.
        const declarationsOk = host.hardware.disks.every((x) => /^\/dev\/disk\/by-id\/[^/\s]+$/.test(x.id));
        const used = new Map<string, string>();
        for (const [p, pool] of Object.entries(host.zfs.pools))
          pool.vdevs.forEach((v, vi) => {
            // Members already in another vdev: one error per vdev (a copied vdev or pool is one mistake).
            const taken: [number, string, string][] = [];
            v.disks.forEach((id, di) => {
              const path = ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks", di];
              if (!declared.has(id) && declarationsOk) d.error("disk-one-vdev", path, `disk ${id} is not declared in hosts.${h}.hardware.disks: add it there (by id) or fix the id`);
              const prev = used.get(id);
              if (prev) taken.push([di, id, prev]);
              else used.set(id, `pool '${p}' vdev ${vi}`);
            });
            if (taken.length === 1)
              d.error("disk-one-vdev", ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks", taken[0][0]], `disk ${taken[0][1]} is already a member of ${taken[0][2]}: a disk belongs to exactly one vdev`);
            else if (taken.length > 1)
              d.error(
                "disk-one-vdev",
                ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks", taken[0][0]],
                `disks ${taken.map(([, id]) => id).join(", ")} are already members of ${[...new Set(taken.map(([, , prev]) => prev))].join(" and ")}: a disk belongs to exactly one vdev`,
              );
          });
      }
    },
  },
  {
    id: "vdev-members",
    summary: "vdev member counts: mirror ≥ 2, raidz1 ≥ 3, raidz2 ≥ 4, raidz3 ≥ 5; one topology per pool",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts))
        for (const [p, pool] of Object.entries(host.zfs.pools)) {
          pool.vdevs.forEach((v, vi) => {
            const min = MIN_MEMBERS[v.topology];
            if (v.disks.length < min)
              d.error("vdev-members", ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks"], `a ${v.topology} vdev needs at least ${min} disks, this one has ${v.disks.length}`);
          });
          const tops = new Set(pool.vdevs.map((v) => v.topology));
          if (tops.size > 1) d.error("vdev-members", ["hosts", h, "zfs", "pools", p, "vdevs"], `pool '${p}' mixes ${[...tops].join(" and ")} vdevs: ZFS warns against mismatched replication levels; use one topology per pool`);
        }
    },
  },
  {
    id: "boot-pool",
    summary: "exactly one boot pool per host",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
        const boots = Object.entries(host.zfs.pools).filter(([, p]) => p.boot);
        if (boots.length === 0) d.error("boot-pool", ["hosts", h, "zfs", "pools"], "no boot pool: mark the pool that holds / with boot: true");
        else if (boots.length > 1) d.error("boot-pool", ["hosts", h, "zfs", "pools", boots[1][0], "boot"], `more than one boot pool (${boots.map(([n]) => n).join(", ")}): exactly one pool holds /`);
        for (const [p, pool] of boots)
          if (pool.vdevs.some((v) => v.topology.startsWith("raidz")) || pool.vdevs.length > 1)
            d.error("boot-pool", ["hosts", h, "zfs", "pools", p, "vdevs"], "the boot pool must be a single disk or a single mirror vdev: each member carries its own EFI partition");
      }
    },
  },
  {
    id: "datasets",
    summary: "dataset names and mountpoints are valid and unique per host",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
        const mounts = new Map<string, string>();
        for (const m of [...DATASETS.system.map(([, mp]) => mp), "/boot", STATE_DIR, SECRETS_DIR, INCUS_DAEMON_DIR, lab.tofu.stateDir, lab.ca.dir])
          mounts.set(m, "the boot pool's system datasets");
        for (const [p, pool] of Object.entries(host.zfs.pools))
          for (const [ds, spec] of Object.entries(pool.datasets)) {
            const path = ["hosts", h, "zfs", "pools", p, "datasets", ds];
            if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/.test(ds))
              d.error("datasets", path, `dataset name '${ds}' is invalid: use letters, digits, _ . : - and / between levels`);
            if (MANAGED_DATASETS.includes(ds.split("/")[0]))
              d.error("datasets", path, `dataset '${ds}' is managed by labgen (${MANAGED_DATASETS.join(", ")}): choose another name`);
            const mp = spec.mountpoint;
            if (mp && mp !== "none") {
              const prev = mounts.get(mp);
              if (prev) d.error("datasets", [...path, "mountpoint"], `${mp} is already mounted by ${prev}`);
              else mounts.set(mp, `pool '${p}' dataset '${ds}'`);
            }
          }
      }
    },
  },
];
