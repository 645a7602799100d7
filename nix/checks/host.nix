# VM test of one host: its generated configuration.nix booted on disks laid out by its generated
# disko.nix.
#
# How the VM stands in for the hardware: disko's own test helper (testLib.makeDiskoTest) gives
# the installer VM one virtual disk per disk of the layout, maps the /dev/disk/by-id/... devices
# of disko.nix onto those (prepareDiskoConfig), formats them with disko, installs the system and
# reboots into it. The installed system is the helper's base (test instrumentation, the nix store
# over 9p, `boot.zfs.devNodes = "/dev"`) plus `extraSystemConfig`, which imports the host's real
# configuration.nix. That file imports ./disko.nix itself; the helper overrides those devices
# with `disko.devices = lib.mkForce <the VM-device layout>` (lib/tests.nix), so the by-id disks of
# the real machine never reach the VM.
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
in
diskoTestLib.makeDiskoTest {
  inherit pkgs;
  name = "labgen-host-${host.name}";
  disko-config = diskoLayout (hostDir + "/disko.nix");

  # The installer VM creates the pools, which record its hostId; the host imports pools without
  # force (forceImportRoot = false), so the installer must use the host's hostId (from
  # lab.lock.json, the same value configuration.nix sets).
  extraInstallerConfig.networking.hostId = host.hostId;
  extraSystemConfig.imports = [ (hostDir + "/configuration.nix") ];

  # Runs on the rebooted, installed host. The LAN interface named in the config does not exist
  # in the VM and the Tailscale auth key and GitOps deploy key are absent, so only what must
  # work without them is checked: the daemons are up and the security settings are in force.
  extraTestScript = ''
    with subtest("ZFS: module loaded, every pool imported and healthy"):
        machine.succeed("test -d /sys/module/zfs")
        for pool in ${builtins.toJSON pools}:
            machine.succeed(f"zpool list -H -o health {pool} | grep -qx ONLINE")

    with subtest("nftables ruleset loaded, with an input chain"):
        machine.succeed("nft list ruleset | grep -q 'chain input'")

    with subtest("Incus daemon answers on its socket"):
        machine.wait_for_unit("incus.socket")
        # `incus info` goes through the socket (starting the daemon if it is socket-activated)
        # and fails unless the daemon answers.
        machine.succeed("incus info >/dev/null")
        machine.wait_for_unit("incus.service")

    with subtest("sshd refuses password authentication"):
        machine.wait_for_unit("sshd.service")
        machine.succeed("sshd -T | grep -qix 'passwordauthentication no'")

  ''
  # Only what this host has: a lab without Tailscale or GitOps on it has no such unit.
  + lib.optionalString (host.tailscale or null != null) ''

    with subtest("tailscaled running"):
        machine.wait_for_unit("tailscaled.service")
  ''
  + lib.optionalString (host.gitops or null != null) ''

    with subtest("GitOps timer present"):
        machine.wait_for_unit("labgen-gitops.timer")
  '';
}
