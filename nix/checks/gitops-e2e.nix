# VM test of one deploy, a second deploy and a rollback by the real generated GitOps agent, on the
# real Incus, ZFS and OpenTofu with the Incus provider, with no network.
#
# The lab is test/fixtures/gitops-vm: commit 1 (lab.config.ts) has one container, web, with a
# volume; commit 2 (commit-2.config.ts) adds a container, db. Both run the image "local:labgen-vmtest",
# a NixOS container image built here and imported as nixpkgs' own Incus tests do
# (NixOS/nixpkgs nixos/tests/incus/incus-tests-module.nix: release.nix's incusContainerMeta and
# incusContainerImage, `incus image import <metadata> <rootfs> --alias <alias>`).
#
# Each commit's out/ is generated at build time by the labgen of this flake from the fixture, with
# the known_hosts key replaced by the key the VM's sshd serves (nixpkgs nixos/tests/ssh-keys.nix,
# its published throwaway keys). The VM serves the lab repository as git@localhost:/srv/git/lab.git
# over SSH, the only transport the config accepts; the deploy key is the other throwaway key.
#
# The agent is out/hosts/vm/labgen-gitops.sh of commit 1, packaged as the generated
# configuration.nix packages it (writeShellApplication: the same shell options, the same runtime
# inputs on PATH) and run by a unit with the generated unit's settings. Two of its tools stand in
# for what a VM test cannot do offline, and say so when called any other way:
#   - `nix --extra-experimental-features … run <checkout>#default -- <args>` (the agent's labgen_run)
#     runs this flake's labgen in the checkout: building the commit's own labgen would fetch npm
#     packages.
#   - `nixos-rebuild switch --flake <checkout>#vm` checks that the flake and the host's
#     configuration.nix are there, then makes a new, real system generation (the VM's own system
#     plus a file naming the commit) and activates it with switch-to-configuration: building the
#     lab host's full system would fetch nixpkgs. The host test (checks.host-<name>) boots the real
#     configuration.nix; here the generation numbers, nix-env and switch-to-configuration that the
#     agent and labgen-rollback use are real.
# Everything else is real: git over ssh with the pinned host key, labgen diff and labgen plan, Incus
# snapshots, ZFS snapshots of the undo datasets, tofu init/plan/show/apply with the state
# passphrase, labgen-rollback as a transient systemd unit.
{
  lib,
  pkgs,
  labgen,
  opentofu,
  fixture,
  # The flake files a lab repository has (the template's), so the checkout looks like one.
  repoFiles,
}:
let
  system = pkgs.stdenv.hostPlatform.system;
  keys = import "${pkgs.path}/nixos/tests/ssh-keys.nix" pkgs;

  # known_hosts wants "<type> <base64>"; the published key carries a comment after them.
  words = s: builtins.filter builtins.isString (builtins.split " " s);
  hostKey = builtins.concatStringsSep " " [
    (builtins.elemAt (words keys.snakeOilEd25519PublicKey) 0)
    (builtins.elemAt (words keys.snakeOilEd25519PublicKey) 1)
  ];
  # The fixture's knownHosts key (a throwaway whose private half was never kept).
  fixtureHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGSdX7VjDLhUdZLM+7Qz99WII4yLL1mKflYshrUiDLPd";
  withHostKey =
    file:
    let
      text = builtins.readFile file;
      replaced = builtins.replaceStrings [ fixtureHostKey ] [ hostKey ] text;
    in
    if replaced == text then
      throw "nix/checks/gitops-e2e.nix: ${toString file} no longer pins ${fixtureHostKey}; update fixtureHostKey"
    else
      pkgs.writeText "lab.config.ts" replaced;

  hostName = "vm";
  hostId = (builtins.fromJSON (builtins.readFile (fixture + "/lab.lock.json"))).hosts.${hostName}.hostId;

  # One commit of the lab repository: lab.config.ts, lab.lock.json and the out/ labgen generates
  # from them, next to the flake files.
  commitTree =
    name: config: lock:
    pkgs.runCommand "labgen-vmtest-${name}" { nativeBuildInputs = [ labgen ]; } ''
      mkdir -p "$out"
      cd "$out"
      cp ${config} lab.config.ts
      cp ${lock} lab.lock.json
      chmod u+w lab.lock.json
      export HOME="$TMPDIR"
      labgen generate
      cp ${repoFiles.flake} flake.nix
      cp ${repoFiles.lock} flake.lock
      cp -r ${repoFiles.nix} nix
    '';
  config1 = withHostKey (fixture + "/lab.config.ts");
  config2 = withHostKey (fixture + "/commit-2.config.ts");
  commit1 = commitTree "commit-1" config1 (fixture + "/lab.lock.json");
  # Commit 2 starts from commit 1's lock, as a user's next generate does.
  commit2 = commitTree "commit-2" config2 "${commit1}/lab.lock.json";

  releases = import "${pkgs.path}/nixos/release.nix" {
    configuration = {
      # As nixpkgs' Incus tests build their images (incus-tests-module.nix).
      documentation.enable = lib.mkForce false;
      documentation.nixos.enable = lib.mkForce false;
      system.installer.channel.enable = lib.mkForce false;
      environment.etc."nix/registry.json".text = lib.mkForce "{}";
    };
  };
  image = {
    alias = "labgen-vmtest";
    metadata = "${releases.incusContainerMeta.${system}}/tarball/nixos-image-lxc-*-${system}.tar.xz";
    rootfs = "${releases.incusContainerImage.${system}}/nixos-lxc-image-${system}.squashfs";
  };

  # labgen_run of the agent: `nix … run <checkout>#default -- <args>` in the checkout.
  nixShim = pkgs.writeShellApplication {
    name = "nix";
    runtimeInputs = [ labgen ];
    text = ''
      if [[ $# -ge 5 && $1 == --extra-experimental-features && $3 == run && $4 == "$PWD#default" && $5 == -- ]]; then
        if [[ ! -f $PWD/flake.nix ]]; then
          echo "nix (labgen VM test): $PWD has no flake.nix: no flake output default to run" >&2
          exit 1
        fi
        shift 5
        exec labgen "$@"
      fi
      echo "nix (labgen VM test): only 'nix --extra-experimental-features … run <checkout>#default -- <args>' is provided here, not: nix $*" >&2
      exit 1
    '';
  };

  # `nixos-rebuild switch --flake <checkout>#<host>`: a new real generation of the VM's own system.
  nixosRebuildShim =
    nixPackage:
    pkgs.writeShellApplication {
      name = "nixos-rebuild";
      runtimeInputs = [
        nixPackage
        pkgs.coreutils
        pkgs.git
      ];
      text = ''
        if [[ $# -ne 3 || $1 != switch || $2 != --flake || $3 != *#* ]]; then
          echo "nixos-rebuild (labgen VM test): only 'switch --flake <dir>#<host>' is provided here, not: nixos-rebuild $*" >&2
          exit 1
        fi
        flake=''${3%#*}
        host=''${3##*#}
        if [[ ! -f $flake/flake.nix || ! -f $flake/out/hosts/$host/configuration.nix ]]; then
          echo "nixos-rebuild (labgen VM test): $flake has no flake.nix or no out/hosts/$host/configuration.nix: no nixosConfigurations.$host" >&2
          exit 1
        fi
        commit=$(git -C "$flake" rev-parse HEAD)
        current=$(readlink -f /run/current-system)
        work=$(mktemp -d)
        tree=$work/labgen-vmtest-system
        mkdir "$tree"
        for entry in "$current"/*; do
          ln -s "$(readlink -f "$entry")" "$tree/''${entry##*/}"
        done
        printf '%s\n' "$commit" >"$tree/labgen-commit"
        path=$(nix-store --add "$tree")
        rm -rf "$work"
        nix-env -p /nix/var/nix/profiles/system --set "$path"
        exec "$path/bin/switch-to-configuration" switch
      '';
    };

  # What pkgs.writeShellApplication makes of `text = builtins.readFile ./<script>` (the generated
  # configuration.nix), for a script that is a build output here: shebang, shell options, PATH,
  # then the script; checked with shellcheck as writeShellApplication does.
  # (pkgs/build-support/trivial-builders/default.nix, writeShellApplication)
  shellApplication =
    name: script: runtimeInputs:
    pkgs.runCommand name
      {
        nativeBuildInputs = [ pkgs.shellcheck ];
        meta.mainProgram = name;
      }
      ''
        mkdir -p "$out/bin"
        {
          printf '#!%s\n' ${pkgs.runtimeShell}
          printf 'set -o errexit\nset -o nounset\nset -o pipefail\n\n'
          printf 'export PATH="%s:$PATH"\n\n' ${lib.escapeShellArg (lib.makeBinPath runtimeInputs)}
          cat ${script}
        } >"$out/bin/${name}"
        chmod +x "$out/bin/${name}"
        shellcheck "$out/bin/${name}"
      '';
in
pkgs.testers.runNixOSTest {
  name = "labgen-gitops-e2e";

  # The two commits' trees, to look at: nix build .#checks.x86_64-linux.gitops-e2e.commit1
  passthru = {
    inherit
      commit1
      commit2
      config1
      config2
      ;
    shims = {
      nix = nixShim;
      nixos-rebuild = nixosRebuildShim;
    };
  };

  nodes.machine =
    { config, pkgs, ... }:
    let
      # The runtime inputs of the generated configuration.nix, in its order, with the two stand-ins
      # above in front of config.system.build.nixos-rebuild and config.nix.package.
      runtimeInputs = [
        nixShim
        (nixosRebuildShim config.nix.package)
        pkgs.coreutils
        pkgs.git
        pkgs.openssh
        pkgs.gnugrep
        pkgs.gnused
        pkgs.jq
        pkgs.util-linux
        config.nix.package
        config.systemd.package
        config.boot.zfs.package
        config.virtualisation.incus.clientPackage
        opentofu
      ];
      agent = shellApplication "labgen-gitops" "${commit1}/out/hosts/${hostName}/labgen-gitops.sh" runtimeInputs;
      rollback = shellApplication "labgen-rollback" "${commit1}/out/hosts/${hostName}/labgen-rollback.sh" runtimeInputs;
    in
    {
      virtualisation = {
        # As nixpkgs' Incus tests (incus-tests.nix), plus a disk for the lab's rpool.
        cores = 2;
        memorySize = 4096;
        diskSize = 8192;
        emptyDiskImages = [ 8192 ];
        incus.enable = true;
        incus.package = pkgs.incus-lts;
      };
      boot.supportedFilesystems = [ "zfs" ];
      boot.zfs.forceImportRoot = false;
      # The VM boots its kernel directly; with no boot loader, switch-to-configuration switch
      # (the stand-in and labgen-rollback run it) has none to install.
      boot.loader.grub.enable = false;
      networking.hostId = hostId;
      networking.nftables.enable = true;
      # The guests' bridge (out/tofu's incus_network), as nixpkgs' Incus tests trust theirs.
      networking.firewall.trustedInterfaces = [ "lab0" ];

      services.openssh.enable = true;
      users.users.git = {
        isSystemUser = true;
        group = "git";
        home = "/srv/git";
        createHome = true;
        useDefaultShell = true;
        openssh.authorizedKeys.keys = [ keys.snakeOilPublicKey ];
      };
      users.groups.git = { };

      environment.systemPackages = [
        rollback
        opentofu
        pkgs.git
        pkgs.jq
        pkgs.openssl
      ];

      # The unit of the generated configuration.nix (GITOPS_UNIT.serviceSettings), without its
      # timer: the test starts each run.
      systemd.services.labgen-gitops = {
        description = "labgen GitOps agent (VM test)";
        after = [ "network-online.target" ];
        wants = [ "network-online.target" ];
        restartIfChanged = false;
        unitConfig.X-StopOnRemoval = false;
        serviceConfig = {
          Type = "oneshot";
          User = "root";
          ExecStart = lib.getExe agent;
          TimeoutStartSec = "2h";
          SuccessExitStatus = "75";
        };
      };
    };

  testScript = ''
    import json

    lab = "/root/lab"
    state = "/var/lib/labgen"

    def run_agent():
        """One run of the agent unit; its status file and journal."""
        status, _ = machine.execute("systemctl start labgen-gitops.service")
        journal = machine.succeed("journalctl -u labgen-gitops.service --no-pager -o cat")
        result = json.loads(machine.succeed(f"cat {state}/status.json"))
        assert status == 0, f"labgen-gitops failed ({result}):\n{journal}"
        return result

    def commit(tree, message):
        machine.succeed(
            f"find {lab} -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {{}} +",
            f"cp -rT {tree} {lab}",
            f"chmod -R u+w {lab}",
            f"git -C {lab} add -A",
            f"git -C {lab} -c user.name=alice -c user.email=alice@vm.home.arpa commit --quiet -m '{message}'",
            f"git -C {lab} push --quiet /srv/git/lab.git main",
            "chown -R git:git /srv/git/lab.git",
        )
        return machine.succeed(f"git -C {lab} rev-parse HEAD").strip()

    def lines(command):
        return sorted(line for line in machine.succeed(command).splitlines() if line != "")

    def incus_objects():
        """The Incus objects out/tofu manages, by kind."""
        return {
            "instances": lines("incus list --format csv,noheader --columns n"),
            "volumes": lines("incus storage volume list fast --format csv,noheader --columns tn | grep '^custom,'"),
            "pools": lines("incus storage list --format csv,noheader --columns n"),
            "networks": lines("incus network list --format csv,noheader --columns nm | grep ',YES$'"),
        }

    def tofu(args):
        return machine.succeed(
            f"cd {state}/checkout/out/tofu && TF_VAR_state_passphrase=$(cat {state}/secrets/tofu-state-passphrase) tofu {args}"
        )

    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("incus.service")

    with subtest("the host's datasets as the lab's disko.nix lays them out (out/lab.json of commit 1)"):
        model = json.loads(machine.succeed("cat ${commit1}/out/lab.json"))["model"]
        host = [h for h in model["hosts"] if h["name"] == "${hostName}"][0]
        pool = [p for p in host["zpools"] if p["boot"]][0]
        machine.succeed("systemctl stop incus.service incus.socket")
        machine.succeed("zpool create -O mountpoint=none rpool /dev/vdb")
        # The VM's own /, /nix, /var and /home stay where the test framework puts them.
        for ds in sorted(pool["datasets"], key=lambda d: d["name"]):
            if ds["role"] in ("system", "reserve"):
                continue
            if ds["mountpoint"] == "/var/lib/incus":
                # Incus's database on its own dataset, from an empty directory: a fresh daemon.
                # (Moved aside rather than deleted: the stopped daemon may leave mounts below it.)
                machine.succeed("mv /var/lib/incus /var/lib/incus.boot")
            machine.succeed(f"zfs create -o mountpoint={ds['mountpoint'] or 'none'} rpool/{ds['name']}")
        machine.succeed("systemctl start incus.socket incus.service")
        machine.succeed("incus info >/dev/null")
        assert sorted(host["undoDatasets"]) == ["rpool/incusd", "rpool/labgen/tofu"], host["undoDatasets"]

    with subtest("what the install guide has the admin do once: deploy key, state passphrase, CA, image"):
        machine.succeed(
            f"install -D -m 600 ${keys.snakeOilPrivateKey} {state}/secrets/deploy-key",
            f"head -c 32 /dev/urandom | base64 >{state}/secrets/tofu-state-passphrase",
            f"chmod 600 {state}/secrets/tofu-state-passphrase",
            "bash ${commit1}/out/ca/ca.sh init",
            "incus image import ${image.metadata} ${image.rootfs} --alias ${image.alias}",
        )
        machine.succeed(f"test -s {state}/ca/root.crt")

    with subtest("the lab repository: a bare repository behind sshd, with the published host key"):
        machine.succeed(
            "install -m 600 ${keys.snakeOilEd25519PrivateKey} /etc/ssh/ssh_host_ed25519_key",
            "ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key >/etc/ssh/ssh_host_ed25519_key.pub",
            "systemctl restart sshd.service",
            "runuser -u git -- git init --quiet --bare --initial-branch=main /srv/git/lab.git",
            # root pushes into the git user's repository below; git refuses another owner's
            # repository unless it is named safe (git-config safe.directory).
            "git config --global --add safe.directory /srv/git/lab.git",
            f"git init --quiet --initial-branch=main {lab}",
        )
        machine.wait_for_open_port(22)

    with subtest("commit 1: the first deploy creates the lab"):
        c1 = commit("${commit1}", "commit 1: web")
        result = run_agent()
        assert result["result"] == "ok" and result["commit"] == c1, result
        assert machine.succeed(f"cat {state}/gitops/deployed").strip() == c1
        objects1 = incus_objects()
        assert objects1["instances"] == ["web"], objects1
        assert objects1["volumes"] == ["custom,web-data"], objects1
        assert objects1["pools"] == ["fast"], objects1
        assert objects1["networks"] == ["lab0,YES"], objects1
        machine.succeed("incus list web --format csv,noheader --columns s | grep -x RUNNING")
        snap1 = f"labgen-000001-{c1[:12]}"
        assert result["snapshot"] == snap1, result
        # A fresh host: nothing of Incus to snapshot yet, labgen's own datasets are.
        machine.succeed(f"grep -x complete {state}/gitops/snapshots/{snap1}")
        machine.fail(f"grep '^instance' {state}/gitops/snapshots/{snap1}")
        for ds in ["rpool/incusd", "rpool/labgen/tofu"]:
            machine.succeed(f"zfs list -H -t snapshot {ds}@{snap1}")
        state1 = lines(f"cd {state}/checkout/out/tofu && TF_VAR_state_passphrase=$(cat {state}/secrets/tofu-state-passphrase) tofu state list")
        gen1 = machine.succeed("readlink /nix/var/nix/profiles/system").strip()
        assert machine.succeed("cat /nix/var/nix/profiles/system/labgen-commit").strip() == c1

    with subtest("the same commit again: nothing to do"):
        assert run_agent()["result"] == "unchanged"

    with subtest("commit 2: adds db; Incus-native snapshots of web and its volume come first"):
        c2 = commit("${commit2}", "commit 2: db")
        result = run_agent()
        assert result["result"] == "ok" and result["commit"] == c2, result
        objects2 = incus_objects()
        assert objects2["instances"] == ["db", "web"], objects2
        machine.succeed("incus list db --format csv,noheader --columns s | grep -x RUNNING")
        snap2 = f"labgen-000002-{c2[:12]}"
        assert result["snapshot"] == snap2, result
        machine.succeed(f"incus snapshot list web --format csv,noheader --columns n | grep -x {snap2}")
        machine.succeed(f"incus storage volume snapshot list fast web-data --format csv,noheader --columns n | grep -x {snap2}")
        for ds in ["rpool/incusd", "rpool/labgen/tofu"]:
            machine.succeed(f"zfs list -H -t snapshot {ds}@{snap2}")
        # Never a labgen snapshot on a dataset Incus owns: there, labgen-<seq> exists only as
        # Incus's own "@snapshot-<name>" (Incus also keeps "@readonly" on image datasets:
        # lxc/incus internal/server/storage/drivers/driver_zfs_volumes.go).
        below_incus = lines("zfs list -H -o name -t snapshot -r rpool/incus")
        assert [s for s in below_incus if "@labgen-" in s] == [], below_incus
        assert [s for s in below_incus if s.endswith(f"@snapshot-{snap2}")] != [], below_incus
        assert machine.succeed("cat /nix/var/nix/profiles/system/labgen-commit").strip() == c2
        assert machine.succeed("readlink /nix/var/nix/profiles/system").strip() != gen1

    with subtest("labgen-rollback of commit 2: Incus and NixOS back at commit 1, tofu plan empty"):
        machine.succeed(f"labgen-rollback --dry-run {c2} >&2")
        machine.succeed(f"labgen-rollback {c2}")
        result = json.loads(machine.succeed(f"cat {state}/status.json"))
        assert result["result"] == "rolled-back", result
        assert machine.succeed(f"cat {state}/gitops/deployed").strip() == c1
        assert machine.succeed(f"git -C {state}/checkout rev-parse HEAD").strip() == c1
        assert incus_objects() == objects1, (incus_objects(), objects1)
        assert lines(f"cd {state}/checkout/out/tofu && TF_VAR_state_passphrase=$(cat {state}/secrets/tofu-state-passphrase) tofu state list") == state1
        # -detailed-exitcode: 0 no changes, 2 changes (OpenTofu's plan command).
        tofu("plan -input=false -detailed-exitcode")
        assert machine.succeed("readlink /nix/var/nix/profiles/system").strip() == gen1
        # web keeps its data and the snapshot taken before commit 2.
        machine.succeed(f"incus snapshot list web --format csv,noheader --columns n | grep -x {snap2}")

    with subtest("the undone commit is held: the agent does not deploy it again"):
        result = run_agent()
        assert result["result"] == "held", result
        assert machine.succeed(f"cat {state}/gitops/deployed").strip() == c1
        assert incus_objects() == objects1
  '';
}
