// configuration.nix, boot and ZFS sections: systemd-boot on every ESP (mirrored boot disks stay bootable),
// the ZFS-compatible kernel, pool import, scrub, trim and the host's own snapshots.
import { nix, type NixBinding } from "../../printers/nix/index.ts";
import type { HostModel } from "../../resolve/model.ts";
import { espMountPoints } from "./layout.ts";
import { commentFor, wrap } from "./text.ts";

const b = nix.bind;
const e = nix.expr;
const comment = commentFor("configuration");

/** Copies /boot to the other ESPs after every bootloader install, skipping one whose disk is gone. */
function espSyncScript(fallbacks: readonly string[]): string {
  return [
    "''",
    `  for esp in ${fallbacks.join(" ")}; do`,
    '    if ${pkgs.util-linux}/bin/mountpoint -q "$esp"; then',
    '      ${pkgs.rsync}/bin/rsync --recursive --times --modify-window=1 --delete /boot/ "$esp"/',
    "    else",
    '      echo "labgen: $esp is not mounted; its copy of /boot is out of date" >&2',
    "    fi",
    "  done",
    "''",
  ].join("\n");
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
