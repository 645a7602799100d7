// Decisions shared by disko.nix and configuration.nix: disko's names for the disks, and where
// each boot disk's EFI system partition is mounted.
import type { HostModel, ZpoolModel } from "../../resolve/model.ts";

/** disko names a GPT partition "disk-<disk name>-<partition name>"; GPT names hold 36 UTF-16 units. */
const GPT_NAME_MAX = 36;
/** Partition names used in disko.nix (both 3 characters long). */
export const PARTITION = { esp: "ESP", zfs: "zfs" } as const;

export interface DiskSlot {
  /** disko's attribute name for the disk, e.g. "rpool-1". */
  readonly name: string;
  /** /dev/disk/by-id/… */
  readonly id: string;
  readonly pool: ZpoolModel;
  /** Mount point of the disk's ESP (boot-pool disks only), else null. */
  readonly esp: string | null;
}

/**
 * The first boot disk's ESP is /boot (systemd-boot installs there); every other boot-pool disk
 * carries a copy: /boot-fallback, then /boot-fallback-2, -3 … for wider mirrors.
 */
export function espMountPoint(index: number): string {
  return index === 0 ? "/boot" : index === 1 ? "/boot-fallback" : `/boot-fallback-${index}`;
}

/**
 * Every pool member of the host, in pool order (boot pool first) and vdev order. Disks that
 * belong to no pool are left out: disko never touches them. Names are "<pool>-<n>" (n from 1);
 * a pool name too long for the GPT partition label falls back to "pool<k>-<n>".
 */
export function diskSlots(host: HostModel): DiskSlot[] {
  const slots: DiskSlot[] = [];
  host.zpools.forEach((pool, k) => {
    const members = pool.vdevs.flatMap((v) => v.disks);
    members.forEach((id, i) => {
      const preferred = `${pool.name}-${i + 1}`;
      const fits = `disk-${preferred}-${PARTITION.esp}`.length <= GPT_NAME_MAX;
      slots.push({
        name: fits ? preferred : `pool${k + 1}-${i + 1}`,
        id,
        pool,
        esp: pool.boot ? espMountPoint(i) : null,
      });
    });
  });
  return slots;
}

/** ESP mount points of the host, "/boot" first. */
export function espMountPoints(host: HostModel): string[] {
  return diskSlots(host).flatMap((s) => (s.esp === null ? [] : [s.esp]));
}

/** The unit that binds a surviving ESP onto /boot when the first boot disk's ESP is missing. */
export { BOOT_ESP_UNIT } from "../../shared/foundation.ts";

/** systemd's unit name for a mount point (systemd-escape --path --suffix=mount). */
export function mountUnitName(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  const escaped = [...trimmed.replace(/\/+/g, "/")]
    .map((c, i) =>
      c === "/" ? "-" : /[A-Za-z0-9:_]/.test(c) || (c === "." && i > 0) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    )
    .join("");
  return `${escaped === "" ? "-" : escaped}.mount`;
}
