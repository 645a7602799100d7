# `tofu validate` of the generated out/tofu with the Incus provider from nixpkgs, offline.
#
# opentofu.withPlugins wraps tofu with NIX_TERRAFORM_PLUGIN_DIR pointing at the Nix-built
# providers, copied under registry.opentofu.org (pkgs/by-name/op/opentofu/package.nix,
# `pluggable`), so `source = "lxc/incus"` resolves without a registry. nixpkgs' own test of that
# wrapper (opentofu_plugins_test) runs `tofu init` in the sandbox with the network blocked.
# -backend=false: out/tofu's backend (a local state path, possibly encrypted) belongs to the real
# deployment, and validate needs no state.
{
  runCommand,
  opentofu,
  tofuDir,
}:
runCommand "labgen-tofu-validate" { nativeBuildInputs = [ opentofu ]; } ''
  cp -r ${tofuDir} tofu
  chmod -R u+w tofu
  cd tofu
  # A committed dependency lock pins the registry's package hashes; the Nix-built provider binary
  # has a different hash, and init would reject it. Validation is about the configuration, so the
  # lock is rebuilt from what is installed here.
  rm -f .terraform.lock.hcl
  export HOME="$TMPDIR"
  # out/tofu declares var.state_passphrase without a default (state encryption); validate still
  # wants a value for it. A dummy: no state is read or written here.
  export TF_VAR_state_passphrase=labgen-tofu-validate-dummy-passphrase
  tofu init -backend=false -input=false
  tofu validate
  touch "$out"
''
