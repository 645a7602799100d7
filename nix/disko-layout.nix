# A host's generated disko.nix, as the data disko's VM-test helper takes.
#
# makeDiskoTest gives every disk of the layout a 4096 MiB virtual disk (lib/tests.nix:
# `emptyDiskImages = builtins.genList (_: 4096) num-disks`) and maps the /dev/disk/by-id/...
# devices onto /dev/vd* in order (testLib.prepareDiskoConfig). A ZFS space reservation sized for
# the real disks (the lab's "reserve" dataset) cannot fit there, so `reservation` and
# `refreservation` are dropped from the pools' properties; everything else -- partitions, pool
# topologies, pool and dataset properties, mount points -- is tested as generated.
{ lib }:
file:
let
  imported = import file;
  # disko.nix is plain data; disko's helper also accepts a function of { lib }, and so do we.
  layout = if builtins.isFunction imported then imported { inherit lib; } else imported;
  withoutReservations =
    value:
    if builtins.isAttrs value then
      builtins.mapAttrs (_: withoutReservations) (
        builtins.removeAttrs value [
          "reservation"
          "refreservation"
        ]
      )
    else if builtins.isList value then
      map withoutReservations value
    else
      value;
in
# Plain `//` at each level (not lib.recursiveUpdate, which would merge the old zpool attributes
# back in): the zpool tree is replaced by its copy without reservations.
layout
// {
  disko = layout.disko // {
    devices = layout.disko.devices // {
      zpool = withoutReservations (layout.disko.devices.zpool or { });
    };
  };
}
