# beta's own NixOS settings, which labgen does not model: owned by the lab, never generated.
{ lib, pkgs, ... }:
{
  # The HBA resets under load without it.
  boot.kernelParams = [ "mpt3sas.msix_disable=1" ];

  # A UPS on USB, readable by the admins.
  services.udev.extraRules = ''
    SUBSYSTEM=="usb", ATTRS{idVendor}=="051d", MODE="0660", GROUP="wheel"
  '';

  # SMART monitoring of the raidz2 disks.
  services.smartd = {
    enable = true;
    autodetect = true;
  };

  environment.systemPackages = [ pkgs.smartmontools ];
}
