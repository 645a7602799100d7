# The hosts of the generated lab, keyed by name: the names of the flake's nixosConfigurations.
#
# Input: the parsed out/lab.json. Output: { <host name> = <host model from lab.json>; ... }.
#
# Builtins only, no nixpkgs: test/flake.test.ts evaluates this file with plain
# `nix-instantiate --eval --strict --json`, where no nixpkgs is available.
labJson:
let
  expectedFormat = "labgen/lab.json@2";
  format = labJson.format or null;
  hostList = labJson.model.hosts;
  hosts = builtins.listToAttrs (
    map (host: {
      name = host.name;
      value = host;
    }) hostList
  );
in
if format != expectedFormat then
  throw "nix/hosts.nix: out/lab.json has format ${builtins.toJSON format}, expected \"${expectedFormat}\"; regenerate it with `labgen generate`"
# listToAttrs keeps the first of two equal names without a word; two hosts with one name
# would silently lose a nixosConfiguration, so refuse instead.
else if builtins.length (builtins.attrNames hosts) != builtins.length hostList then
  throw "nix/hosts.nix: out/lab.json lists a host name more than once"
else
  hosts
