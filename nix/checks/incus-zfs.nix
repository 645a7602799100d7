# VM test of the Incus and ZFS behaviour the GitOps agent's design rests on, against the real
# Incus and ZFS (the scenario tests' stand-ins, test/support/gitops-world.cjs, model the same
# refusals; this proves the model). Needs no image and no network: custom volumes and empty
# instances (`incus init --empty`) carry the snapshots.
#
#  1. A pool source one level below a labgen-owned parent that has snapshots works (Incus creates
#     the missing dataset); an existing source with a snapshot is refused ("isn't empty"):
#     lxc/incus internal/server/storage/drivers/driver_zfs.go, Create().
#  2. Incus restores its own snapshot (labgen-<seq>, --no-expiry); a foreign ZFS snapshot after it
#     blocks the restore ("subsequent internal snapshot(s)"), and so does a later Incus snapshot
#     until it is deleted: driver_zfs_volumes.go, CanRestoreVolume.
#  3. Deleting a volume destroys its snapshots with it (zfs destroy -r): driver_zfs_volumes.go,
#     deleteVolume. Why labgen's gate, not its snapshots, is what protects a volume.
# Same machine setup as nixpkgs' nixos/tests/incus/storage.nix.
{ pkgs, hostId }:
pkgs.testers.runNixOSTest {
  name = "labgen-incus-zfs";

  nodes.machine = {
    boot.supportedFilesystems = [ "zfs" ];
    boot.zfs.forceImportRoot = false;
    networking.hostId = hostId;
    networking.nftables.enable = true;
    virtualisation = {
      emptyDiskImages = [ 2048 ];
      incus.enable = true;
    };
  };

  testScript = ''
    machine.wait_for_unit("incus.service")
    snap = "labgen-000001-0123456789ab"

    def refused(cmd, message):
        machine.succeed(f"! {cmd} 2>/tmp/err")
        machine.succeed(f"grep -F -- {message!r} /tmp/err")

    with subtest("pool source below a labgen-owned parent; an existing source with a snapshot is refused"):
        machine.succeed(
            "zpool create tank /dev/vdb",
            "zfs create -o mountpoint=none tank/incus",
            "zfs snapshot tank/incus@parent-snapshot",
        )
        machine.succeed("incus storage create bulk zfs source=tank/incus/bulk")
        machine.succeed("zfs list tank/incus/bulk/custom")
        machine.succeed("zfs create tank/incus/old", "zfs snapshot tank/incus/old@" + snap)
        refused("incus storage create old zfs source=tank/incus/old", "isn't empty")

    with subtest("Incus restores its own snapshot; foreign or later snapshots block it"):
        machine.succeed("incus storage volume create bulk data")
        machine.succeed(f"incus storage volume snapshot create --no-expiry bulk data {snap}")
        machine.succeed(f"zfs list -t snapshot tank/incus/bulk/custom/default_data@snapshot-{snap}")
        machine.succeed(f"incus storage volume snapshot restore bulk data {snap}")
        machine.succeed("zfs snapshot tank/incus/bulk/custom/default_data@foreign")
        refused(f"incus storage volume snapshot restore bulk data {snap}", "subsequent internal snapshot(s)")
        machine.succeed("zfs destroy tank/incus/bulk/custom/default_data@foreign")
        machine.succeed("incus storage volume snapshot create bulk data later")
        refused(f"incus storage volume snapshot restore bulk data {snap}", "Set zfs.remove_snapshots to override")
        machine.succeed("incus storage volume snapshot delete bulk data later")
        machine.succeed(f"incus storage volume snapshot restore bulk data {snap}")

    with subtest("instances: Incus-native snapshot and restore"):
        machine.succeed("incus create --empty c1 --storage bulk")
        machine.succeed(f"incus snapshot create --no-expiry c1 {snap}")
        machine.succeed(f"incus snapshot list c1 --format csv,noheader --columns n | grep -x {snap}")
        machine.succeed(f"incus snapshot restore c1 {snap}")

    with subtest("deleting a volume destroys its snapshots (zfs destroy -r)"):
        machine.succeed("incus storage volume create bulk doomed")
        machine.succeed(f"incus storage volume snapshot create bulk doomed {snap}")
        machine.succeed("incus storage volume delete bulk doomed")
        machine.fail(f"zfs list -t snapshot tank/incus/bulk/custom/default_doomed@snapshot-{snap}")
  '';
}
