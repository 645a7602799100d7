# The whole vitest suite in the sandbox, with the real tools the tests call:
# nix-instantiate (nix), tofu (with the Incus provider), openssl, shellcheck, bash (stdenv), and
# python3 with PyYAML (test/printers/yaml.test.ts round-trips YAML through a second parser), and
# what the GitOps scenario tests run for real (test/targets/gitops.test.ts): git, flock
# (util-linux), ssh-keygen (openssh), jq. Their stand-ins start with the absolute path of node, as
# the build sandbox has no /usr/bin/env.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs,
  nix,
  opentofu,
  openssl,
  python3,
  shellcheck,
  git,
  util-linux,
  openssh,
  jq,
  src,
}:
buildNpmPackage {
  pname = "labgen-vitest";
  version = "0";
  inherit src nodejs;

  # Same offline dependency set as the package (see nix/package.nix), dev dependencies included:
  # importNpmLock's config hook runs a plain `npm install`, which installs devDependencies too.
  npmDeps = importNpmLock {
    npmRoot = src;
    packageLock = import ../npm-lock-resolved.nix (lib.importJSON "${src}/package-lock.json");
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  nativeBuildInputs = [
    nix
    opentofu
    openssl
    (python3.withPackages (ps: [ ps.pyyaml ]))
    shellcheck
    git
    util-linux
    openssh
    jq
  ];

  # buildPhase stays the default `npm run build`: tests that run bin/labgen.mjs need dist/.
  # checkPhase: `npm test` is package.json's test script (type check, then vitest run).

  doCheck = true;
  checkPhase = ''
    runHook preCheck

    # nix-instantiate needs a store and state directories it may write; the sandbox has neither
    # /nix/var nor a daemon. Same setup as nixpkgs' lib/tests/test-with-nix.nix.
    export TEST_ROOT="$TMPDIR/nix-test"
    export HOME="$TMPDIR/home"
    mkdir -p "$HOME"
    export NIX_BUILD_HOOK=
    export NIX_CONF_DIR="$TEST_ROOT/etc"
    export NIX_LOCALSTATE_DIR="$TEST_ROOT/var"
    export NIX_LOG_DIR="$TEST_ROOT/var/log/nix"
    export NIX_STATE_DIR="$TEST_ROOT/var/nix"
    export NIX_STORE_DIR="$TEST_ROOT/store"
    nix-store --init

    npm test

    runHook postCheck
  '';

  # The result is "the suite passed"; there is nothing to install.
  installPhase = ''
    touch "$out"
  '';
}
