# disko's VM-test helper, testLib.makeDiskoTest, bound to this flake's nixpkgs.
#
# disko's flake exports `lib = import ./lib { inherit (nixpkgs) lib; }`, leaving makeTest and
# eval-config at their defaults, `import <nixpkgs/...>` (lib/default.nix) -- a lookup that pure
# flake evaluation refuses. disko's own checks pass them explicitly (its flake.nix:
# `import ./tests { makeTest = import (pkgs.path + "/nixos/tests/make-test-python.nix");
# eval-config = import (pkgs.path + "/nixos/lib/eval-config.nix"); }`, and tests/default.nix:
# `diskoLib = import ../lib { inherit lib makeTest eval-config; }`); so do we.
#
# Newer disko also takes `qemu-common ? import <nixpkgs/nixos/lib/qemu-common.nix>` there. It is
# passed only when this disko's lib/default.nix declares it: its argument set has no `...`, so an
# argument it does not declare is an error.
{ nixpkgs, disko }:
let
  diskoLib = import "${disko}/lib";
  accepts = builtins.functionArgs diskoLib;
in
(diskoLib (
  {
    inherit (nixpkgs) lib;
    makeTest = import "${nixpkgs}/nixos/tests/make-test-python.nix";
    eval-config = import "${nixpkgs}/nixos/lib/eval-config.nix";
  }
  // (if accepts ? qemu-common then { qemu-common = import "${nixpkgs}/nixos/lib/qemu-common.nix"; } else { })
)).testLib
