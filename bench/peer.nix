# The peer a Nix user would pick instead of labgen: terranix core evaluating the same N
# incus_instance resources (the attributes labgen's synthetic DHCP lab emits for each instance:
# config, root disk, NIC, the CA file) to Terraform JSON. Far less work than labgen, which also
# validates and writes NixOS, disko, Traefik, the CA, the agent and the docs. Run by bench/peer.mjs.
{
  n,
  nixlib,
  terranix,
}:
let
  lib = import nixlib;
  instance = i: {
    name = "app${toString i}";
    description = "";
    remote = "host${toString (i / 100)}";
    type = "container";
    image = "images:debian/12";
    profiles = [ ];
    running = true;
    config = {
      "boot.autostart" = "true";
      "limits.cpu" = "1";
      "limits.memory" = "1GiB";
    };
    device = [
      {
        name = "root";
        type = "disk";
        properties = {
          path = "/";
          pool = "\${incus_storage_pool.s${toString (i / 100)}.name}";
          size = "10GiB";
        };
      }
      {
        name = "eth0";
        type = "nic";
        properties = {
          network = "\${incus_network.br${toString (i / 100)}.name}";
        };
      }
    ];
    file = [
      {
        target_path = "/usr/local/share/ca-certificates/labgen-root.crt";
        source_path = "/var/lib/labgen/ca/root.crt";
        mode = "0644";
        create_directories = true;
      }
    ];
  };
  evaluated = import (terranix + "/core/default.nix") {
    pkgs = { inherit lib; };
    modules = [
      {
        resource.incus_instance = builtins.listToAttrs (
          builtins.genList (i: {
            name = "app${toString i}";
            value = instance i;
          }) n
        );
      }
    ];
  };
in
evaluated.config
