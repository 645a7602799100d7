// out/hosts/<host>/disko.nix: the host's disks, partitions, pools and datasets as plain disko
// data (no pkgs, no lib: `nix-instantiate --eval --strict --json` reads it as JSON). Types and
// attribute names follow disko's lib/types/{disk,gpt,filesystem,zfs,zpool,zfs_fs}.nix.
import { nix, type NixAttrs, type NixBinding, type NixExpr } from "../../printers/nix/index.ts";
import type { DatasetModel, HostModel, ZpoolModel } from "../../resolve/model.ts";
import { diskSlots, PARTITION, type DiskSlot } from "./layout.ts";
import { commentFor } from "./text.ts";

const comment = commentFor("disko");

const b = nix.bind;

/** Pool properties (zpool create -o): 4 KiB sectors on every modern disk, trim freed blocks. */
export const POOL_OPTIONS = { ashift: "12", autotrim: "on" } as const;

/** Properties of each pool's root dataset (zpool create -O), inherited by every dataset. */
export const ROOT_FS_OPTIONS = {
  acltype: "posixacl",
  atime: "off",
  compression: "zstd",
  mountpoint: "none",
  xattr: "sa",
} as const;

export const ESP_SIZE = "1G";
/** umask=0077: the ESP holds systemd-boot's random seed; nofail: a dead boot disk must not stop the boot. */
export const ESP_MOUNT_OPTIONS = ["umask=0077", "nofail"] as const;

/** disko's pool mode for one vdev ("" is a stripe). */
function vdevMode(topology: ZpoolModel["vdevs"][number]["topology"]): string {
  return topology === "stripe" ? "" : topology;
}

function espPartition(slot: DiskSlot): NixBinding {
  const text =
    slot.esp === "/boot"
      ? "EFI system partition: systemd-boot installs here."
      : "A copy of /boot, synced by configuration.nix after every bootloader install: the firmware " +
        "boots from this disk's ESP when the first boot disk is gone.";
  return b(
    PARTITION.esp,
    nix.attrs([
      b("size", ESP_SIZE),
      b("type", "EF00"),
      b(
        "content",
        nix.attrs([
          b("type", "filesystem"),
          b("format", "vfat"),
          b("mountpoint", slot.esp!),
          b("mountOptions", nix.list([...ESP_MOUNT_OPTIONS])),
        ]),
      ),
    ]),
    comment(text),
  );
}

function diskEntry(slot: DiskSlot): NixBinding {
  const partitions: NixBinding[] = [];
  if (slot.esp !== null) partitions.push(espPartition(slot));
  partitions.push(
    b(
      PARTITION.zfs,
      nix.attrs([b("size", "100%"), b("content", nix.attrs([b("type", "zfs"), b("pool", slot.pool.name)]))]),
    ),
  );
  return b(
    slot.name,
    nix.attrs([
      b("type", "disk"),
      b("device", slot.id),
      b("content", nix.attrs([b("type", "gpt"), b("partitions", nix.attrs(partitions))])),
    ]),
  );
}

/** `options` of a dataset: its mountpoint handling, then the model's properties (sorted). */
function datasetOptions(d: DatasetModel): [string, string][] {
  const mount: [string, string] = ["mountpoint", d.mountpoint === null ? "none" : "legacy"];
  return [mount, ...Object.entries(d.properties)];
}

function datasetComment(pool: ZpoolModel, d: DatasetModel): string | undefined {
  switch (d.role) {
    case "reserve":
      return `Held back so a full pool cannot wedge the host; to free it:\n\`zfs set reservation=none ${pool.name}/${d.name}\``;
    case "incus":
      return `Parent of Incus storage pool${pool.incusStorage.length > 1 ? "s" : ""} ${pool.incusStorage.join(", ")}, never snapshotted: Incus creates each pool's dataset below it (${pool.incusStorage.map((s) => `${pool.name}/incus/${s}`).join(", ")}).`;
    case "state":
      return "labgen's records: the GitOps history, checkout and status (never rolled back).";
    case "secrets":
      return d.name.endsWith("/ca")
        ? "The CA's keys and certificates: no automatic snapshot (root.key goes offline), never rolled back."
        : "Secrets (deploy key, auth keys, passphrases): no automatic snapshot, never rolled back.";
    case "undo":
      return d.name === "incusd"
        ? "Incus's database (/var/lib/incus): snapshotted by the GitOps agent before each deploy."
        : "The OpenTofu state: snapshotted by the GitOps agent before each deploy, with Incus's database.";
    default:
      return undefined;
  }
}

/**
 * Mount options of a dataset on a data pool: only the boot pool may block boot. NixOS makes each
 * pool's import service requiredBy the pool's mount units (nixpkgs
 * nixos/modules/tasks/filesystems/zfs.nix, createImportService), so a pool that cannot import
 * fails its mounts; without nofail a failed mount fails local-fs.target and the boot stops in
 * emergency mode, before SSH and Tailscale.
 */
export const DATA_POOL_MOUNT_OPTIONS = ["nofail"] as const;

function datasetEntry(pool: ZpoolModel, d: DatasetModel): NixBinding {
  const opts = datasetOptions(d);
  const entries: NixBinding[] = [b("type", "zfs_fs")];
  if (d.mountpoint !== null) entries.push(b("mountpoint", d.mountpoint));
  if (d.mountpoint !== null && !pool.boot) entries.push(b("mountOptions", nix.list([...DATA_POOL_MOUNT_OPTIONS])));
  if (opts.length === 1) entries.push(b(["options", opts[0][0]], opts[0][1]));
  else entries.push(b("options", nix.attrs(opts.map(([k, v]) => b(k, v)))));
  const text = datasetComment(pool, d);
  return b(d.name, nix.attrs(entries), text === undefined ? {} : comment(text));
}

/** `mode`: a string for a single vdev, disko's topology for several (members are disk names). */
function poolMode(pool: ZpoolModel, slots: readonly DiskSlot[]): NixExpr {
  if (pool.vdevs.length === 1) return vdevMode(pool.vdevs[0].topology);
  const nameOf = new Map(slots.filter((s) => s.pool === pool).map((s) => [s.id, s.name]));
  return nix.attrs([
    b(
      "topology",
      nix.attrs([
        b("type", "topology"),
        b(
          "vdev",
          nix.list(
            pool.vdevs.map((v) =>
              nix.attrs([b("mode", vdevMode(v.topology)), b("members", nix.list(v.disks.map((id) => nameOf.get(id)!)))]),
            ),
          ),
        ),
      ]),
    ),
  ]);
}

function describeVdev(v: ZpoolModel["vdevs"][number]): string {
  const n = v.disks.length;
  if (v.topology === "stripe") return n === 1 ? "a single disk" : `a stripe of ${n} disks (no redundancy)`;
  return `${v.topology === "mirror" ? "a mirror" : v.topology} of ${n} disks`;
}

function describeTopology(pool: ZpoolModel): string {
  const shapes = pool.vdevs.map(describeVdev);
  const shape = shapes.length === 1 ? shapes[0] : `${shapes.length} vdevs, ${shapes.join(" + ")}`;
  return `${pool.boot ? "Boot pool" : "Pool"} ${pool.name}: ${shape}.`;
}

function poolEntry(pool: ZpoolModel, slots: readonly DiskSlot[]): NixBinding {
  return b(
    pool.name,
    nix.attrs([
      b("type", "zpool"),
      b("mode", poolMode(pool, slots)),
      b("options", nix.attrs(Object.entries(POOL_OPTIONS).map(([k, v]) => b(k, v)))),
      b("rootFsOptions", nix.attrs(Object.entries(ROOT_FS_OPTIONS).map(([k, v]) => b(k, v)))),
      b("datasets", nix.attrs(pool.datasets.map((d) => datasetEntry(pool, d)))),
    ]),
    comment(describeTopology(pool)),
  );
}

export const DISKO_HEADER = (host: string): string[] => [
  `disko layout of host "${host}", generated by labgen from lab.config.ts: do not edit.`,
  "Used by nixos-anywhere at install time (partitions, pools, datasets) and, through",
  "configuration.nix, for the host's fileSystems. Plain data: no pkgs, no lib.",
  "Mounted datasets have mountpoint=legacy: NixOS (fileSystems) alone mounts them, in order,",
  "and a pool imported in a rescue system mounts nothing. The others have mountpoint=none.",
];

/** The disko.nix IR of one host. */
export function diskoIr(host: HostModel): NixAttrs {
  const slots = diskSlots(host);
  return nix.attrs([
    b(
      ["disko", "devices"],
      nix.attrs([
        b("disk", nix.attrs(slots.map(diskEntry))),
        b("zpool", nix.attrs(host.zpools.map((p) => poolEntry(p, slots)))),
      ]),
    ),
  ]);
}
