# VM test of one host's generated disko.nix alone, with disko's own test helper: the installer VM
# partitions and formats one virtual disk per disk of the layout, then the machine reboots into a
# minimal system built from the layout (see nix/disko-layout.nix for the one adjustment made).
# The expectations come from the host's entry in out/lab.json (generator/resolve/model.ts:
# HostModel.zpools, ZpoolModel.datasets), not from disko.nix itself.
{
  lib,
  pkgs,
  diskoTestLib,
  diskoLayout,
  host,
  hostDir,
}:
let
  pools = map (pool: pool.name) host.zpools;
  datasets = lib.concatMap (
    pool: map (dataset: dataset // { fullName = "${pool.name}/${dataset.name}"; }) pool.datasets
  ) host.zpools;
  mounted = map (d: [
    d.fullName
    d.mountpoint
  ]) (builtins.filter (d: d.mountpoint != null) datasets);
  unmounted = map (d: d.fullName) (builtins.filter (d: d.mountpoint == null) datasets);
  # Properties the model sets on a dataset, as [dataset, property, value]. Reservations are
  # left out: nix/disko-layout.nix removes them for the 4 GiB test disks.
  explicitProperties = lib.concatMap (
    d:
    lib.mapAttrsToList (property: value: [
      d.fullName
      property
      value
    ]) (builtins.removeAttrs d.properties [ "reservation" "refreservation" ])
  ) datasets;
  # Every dataset's effective value (set on it or inherited from the pool root) must match the
  # lab-wide defaults of DESIGN.md (zstd, posixacl, xattr=sa, atime=off) unless the model sets that
  # property on the dataset. `zfs get` shows acltype=posixacl as "posix" on current OpenZFS.
  defaults = {
    compression = "zstd.*";
    acltype = "posix(acl)?";
    xattr = "sa";
    atime = "off";
  };
  defaultProperties = lib.concatMap (
    d:
    lib.mapAttrsToList (property: pattern: [
      d.fullName
      property
      pattern
    ]) (builtins.removeAttrs defaults (builtins.attrNames d.properties))
  ) datasets;
in
diskoTestLib.makeDiskoTest {
  inherit pkgs;
  name = "labgen-disko-${host.name}";
  disko-config = diskoLayout (hostDir + "/disko.nix");

  # ZFS needs a hostId on both machines; use the host's, as the real installation will.
  extraInstallerConfig.networking.hostId = host.hostId;
  extraSystemConfig.networking.hostId = host.hostId;

  extraTestScript = ''
    with subtest("pools imported and healthy, with ashift=12 and autotrim"):
        for pool in ${builtins.toJSON pools}:
            machine.succeed(f"zpool list -H -o health {pool} | grep -qx ONLINE")
            machine.succeed(f"zpool get -H -o value ashift {pool} | grep -qx 12")
            machine.succeed(f"zpool get -H -o value autotrim {pool} | grep -qx on")

    with subtest("each mounted dataset is mounted where the model says"):
        for dataset, path in ${builtins.toJSON mounted}:
            source = machine.succeed(f"findmnt -n -o SOURCE --mountpoint {path}").strip()
            assert source == dataset, f"{path}: expected {dataset} mounted, found {source!r}"

    with subtest("unmounted datasets (e.g. Incus storage) have mountpoint=none"):
        for dataset in ${builtins.toJSON unmounted}:
            machine.succeed(f"zfs get -H -o value mountpoint {dataset} | grep -qx none")

    with subtest("dataset properties"):
        for dataset, prop, value in ${builtins.toJSON explicitProperties}:
            machine.succeed(f"zfs get -H -o value {prop} {dataset} | grep -qxF -- '{value}'")
        for dataset, prop, pattern in ${builtins.toJSON defaultProperties}:
            machine.succeed(f"zfs get -H -o value {prop} {dataset} | grep -qxE '{pattern}'")
  '';
}
