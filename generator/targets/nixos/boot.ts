// configuration.nix, boot and ZFS sections: systemd-boot on every ESP (mirrored boot disks stay bootable),
// the ZFS-compatible kernel, pool import, scrub, trim and the host's own snapshots.
import { nix, type NixBinding } from "../../printers/nix/index.ts";
import type { HostModel } from "../../resolve/model.ts";
import { GITOPS_UNIT } from "../../shared/gitops-unit.ts";
import { BOOT_ESP_UNIT, espMountPoints, mountUnitName } from "./layout.ts";
import { commentFor, wrap } from "./text.ts";

const b = nix.bind;
const e = nix.expr;
const comment = commentFor("configuration");

/**
 * Copies /boot to the other ESPs after every bootloader install, skipping one whose disk is gone
 * and the one that is itself mounted on /boot (labgen-boot-esp bound it there).
 */
function espSyncScript(fallbacks: readonly string[]): string {
  return [
    "''",
    `  for esp in ${fallbacks.join(" ")}; do`,
    '    if [ "$esp" -ef /boot ]; then',
    '      echo "labgen: $esp is mounted on /boot and was installed directly"',
    '    elif ${pkgs.util-linux}/bin/mountpoint -q "$esp"; then',
    '      ${pkgs.rsync}/bin/rsync --recursive --times --modify-window=1 --delete /boot/ "$esp"/',
    "    else",
    '      echo "labgen: $esp is not mounted; its copy of /boot is out of date" >&2',
    "    fi",
    "  done",
    "''",
  ].join("\n");
}

/**
 * When the first boot disk dies, the firmware boots from a fallback ESP but /boot stays empty, and
 * every bootloader install then refuses: systemd-boot's builder checks `findmnt <efiSysMountPoint>`
 * first (nixpkgs nixos/modules/system/boot/loader/systemd-boot/systemd-boot.nix, checkMountpoints).
 * This unit binds the first mounted fallback ESP onto /boot, so a degraded mirror still deploys.
 * No automount: an autofs /boot passes findmnt but fails on the first write when its disk is gone.
 */
export function bootEspSection(host: HostModel): NixBinding[] {
  const esps = espMountPoints(host);
  const fallbacks = esps.slice(1);
  if (fallbacks.length === 0) return [];
  const script = [
    "''",
    `  for esp in ${fallbacks.join(" ")}; do`,
    '    if ${pkgs.util-linux}/bin/mountpoint -q "$esp"; then',
    '      ${pkgs.util-linux}/bin/mount --bind "$esp" /boot',
    '      echo "labgen: /boot (the first boot disk\'s ESP) is missing; bound $esp there"',
    "      exit 0",
    "    fi",
    "  done",
    '  echo "labgen: no ESP is mounted; bootloader installs fail until a boot disk is back" >&2',
    "  exit 1",
    "''",
  ].join("\n");
  const before = host.gitops ? [`${GITOPS_UNIT.service}.service`] : [];
  return [
    b(
      ["systemd", "services", BOOT_ESP_UNIT],
      nix.attrs([
        b("description", "labgen: mount a surviving ESP on /boot when the first boot disk is gone"),
        b("wantedBy", nix.list(["multi-user.target"])),
        ...(before.length > 0 ? [b("before", nix.list(before))] : []),
        b(
          "unitConfig",
          nix.attrs([
            b("ConditionPathIsMountPoint", "!/boot"),
            // The ESP mounts are nofail, so local-fs.target does not wait for them: wait here.
            b("After", esps.map(mountUnitName).join(" ")),
          ]),
        ),
        b("serviceConfig", nix.attrs([b("Type", "oneshot"), b("RemainAfterExit", true)])),
        b("script", e(script, { multiline: true })),
      ]),
      comment(
        "A degraded boot mirror still deploys: systemd-boot installs only onto a mounted /boot, so the " +
          "ESP that survived takes its place (extraInstallCommands then copies to the others).",
      ),
    ),
  ];
}

export function bootSection(host: HostModel): NixBinding {
  const fallbacks = espMountPoints(host).slice(1);
  const systemdBoot: NixBinding[] = [
    b("enable", true),
    b("configurationLimit", 10, comment("Keep the boot menu and the 1 GiB ESPs bounded: every deploy adds a generation.")),
  ];
  if (fallbacks.length > 0) {
    systemdBoot.push(
      b(
        "extraInstallCommands",
        e(espSyncScript(fallbacks), { multiline: true }),
        comment(
          "One ESP per boot disk (bootctl refuses an ESP on mdadm; mirroredBoots is GRUB-only): copy " +
            "/boot to the others, so the firmware boots any disk alone (EFI/BOOT/BOOTX64.EFI).",
        ),
      ),
    );
  }
  const zfs: NixBinding[] = [
    b("forceImportRoot", false, comment("Never force-import: a pool last used by another hostId stays untouched.")),
  ];
  const extraPools = host.zpools.filter((p) => !p.boot).map((p) => p.name);
  if (extraPools.length > 0) {
    zfs.push(
      b("extraPools", nix.list(extraPools), comment("Imported at boot even when none of their datasets is mounted (Incus storage).")),
    );
  }
  return b(
    "boot",
    nix.attrs([
      b("loader", nix.attrs([b("systemd-boot", nix.attrs(systemdBoot)), b(["efi", "canTouchEfiVariables"], true)])),
      b("supportedFilesystems", nix.list(["zfs"]), { blankLineBefore: true }),
      b(
        "kernelPackages",
        e("pkgs.linuxPackages"),
        comment(
          "The default LTS kernel: nixpkgs marks the ZFS module broken on kernels its ZFS does not support, " +
            "and zfs.latestCompatibleLinuxPackages is deprecated (it now returns this).",
        ),
      ),
      b("zfs", nix.attrs(zfs)),
    ]),
  );
}

export function zfsMaintenance(host: HostModel): NixBinding[] {
  const snap = host.autoSnapshot;
  const retention = nix.attrs([
    b("hourly", snap.hourly),
    b("daily", snap.daily),
    b("weekly", snap.weekly),
    b("monthly", snap.monthly),
  ]);
  const datasets = snap.datasets.map((d) => b([d, "use_template"], nix.list(["host"])));
  return [
    b(
      ["services", "zfs"],
      nix.attrs([
        b("autoScrub", nix.attrs([b("enable", true), b("interval", host.scrub)])),
        b(["trim", "enable"], true, comment("Periodic TRIM on top of autotrim, which skips small ranges.")),
      ]),
    ),
    b(
      ["services", "sanoid"],
      nix.attrs([
        b("enable", true),
        b(["templates", "host"], retention),
        b(
          "datasets",
          nix.attrs(datasets),
          comment(
            "The host's own datasets (/nix is rebuilt from the flake). Incus data is snapshotted by Incus, " +
              "per instance (snapshots.schedule in out/tofu/).",
          ),
        ),
      ]),
      comment("Snapshots of the host's datasets: ZFS maintenance, not an application."),
    ),
  ];
}
