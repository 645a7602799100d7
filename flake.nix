{
  description = "labgen: a homelab compiler (one typed lab.config.ts -> NixOS, disko, OpenTofu for Incus, Traefik, a private CA)";

  # flake.lock holds verified pins for exactly these inputs (test/fixtures/upstream/flake-inputs/);
  # with any other URL Nix considers the lock stale and re-resolves over the network.
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    disko.url = "github:nix-community/disko/v1.13.0";
    disko.inputs.nixpkgs.follows = "nixpkgs";
  };

  # The structure below (which outputs, systems, hosts and checks exist) is built with builtins,
  # lib.genAttrs and lib.nixosSystem only; test/flake.test.ts evaluates it with a stub nixpkgs,
  # since the test machines have no nixpkgs. Everything that needs real packages sits in the
  # (lazy) values.
  outputs =
    {
      self,
      nixpkgs,
      disko,
    }:
    let
      lib = nixpkgs.lib;

      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});

      # Every host of the lab is an x86_64 machine (the nixosConfigurations below); the VM tests
      # boot those configurations, so they exist for this system only.
      hostSystem = "x86_64-linux";

      # The generated lab; none yet right after `nix flake init -t` or `labgen init` (no hosts, no
      # checks that need one), so evaluating the flake never depends on which lab is at the root.
      haveLab = builtins.pathExists ./out/lab.json;
      lab =
        if haveLab then
          builtins.fromJSON (builtins.readFile ./out/lab.json)
        else
          {
            model = {
              hosts = [ ];
              ingress = null;
            };
          };
      hosts = if haveLab then import ./nix/hosts.nix lab else { };
      hostDir = name: ./. + "/out/hosts/${name}";

      sources = import ./nix/sources.nix {
        inherit lib;
        root = ./.;
      };

      # Node.js 20 reached end of life on 2026-04-30; nixpkgs marked nodejs_20 insecure
      # (NixOS/nixpkgs#511784, tracked in #515284), so evaluating it fails, and master has since
      # dropped it (#541445). 22 is the next LTS and satisfies package.json's engines (>=20.19).
      nodejsFor = pkgs: pkgs.nodejs_22;

      # OpenTofu wrapped with the Incus provider from nixpkgs (terraform-providers.lxc_incus),
      # so the lxc/incus provider needs no registry.
      tofuFor = pkgs: pkgs.opentofu.withPlugins (p: [ p.lxc_incus ]);

      labgenFor = system: self.packages.${system}.default;

      vmChecks =
        pkgs:
        let
          diskoTestLib = import ./nix/disko-test-lib.nix { inherit nixpkgs disko; };
          diskoLayout = import ./nix/disko-layout.nix { inherit lib; };
          hostArgs = name: {
            inherit pkgs diskoTestLib diskoLayout;
            host = hosts.${name};
            hostDir = hostDir name;
          };
        in
        builtins.listToAttrs (
          builtins.concatMap (name: [
            {
              name = "host-${name}";
              value = import ./nix/checks/host.nix ({ inherit lib; } // hostArgs name);
            }
            {
              name = "disko-${name}";
              value = import ./nix/checks/disko.nix ({ inherit lib; } // hostArgs name);
            }
          ]) (builtins.attrNames hosts)
        )
        // {
          # The Incus and ZFS refusals the GitOps agent is designed around, on the real Incus.
          incus-zfs = import ./nix/checks/incus-zfs.nix {
            inherit pkgs;
            hostId = (builtins.head (builtins.attrValues hosts)).hostId;
          };
        }
        // (
          # The real GitOps agent of a small lab of its own (test/fixtures/gitops-vm): a deploy, a
          # second deploy and labgen-rollback on the real Incus, ZFS and OpenTofu, from a local
          # bare repository and a locally imported image (nix/checks/gitops-e2e.nix).
          if builtins.pathExists ./test/fixtures/gitops-vm/lab.config.ts then
            {
              gitops-e2e = import ./nix/checks/gitops-e2e.nix {
                inherit lib pkgs;
                labgen = labgenFor hostSystem;
                opentofu = tofuFor pkgs;
                fixture = ./test/fixtures/gitops-vm;
                repoFiles = {
                  flake = ./flake.nix;
                  lock = ./flake.lock;
                  nix = ./nix;
                };
              };
            }
          else
            { }
        )
        // (
          # The ingress VM test needs a plain-HTTP route to reach and an IPv4 range of the
          # allow-list to send from (nix/checks/ingress.nix).
          if
            (lab.model.ingress or null) != null
            && builtins.any (route: route.scheme == "http") lab.model.ingress.routes
            && builtins.any (cidr: builtins.match "[0-9.]+/[0-9]+" cidr != null) lab.model.ingress.allow
          then
            {
              ingress = import ./nix/checks/ingress.nix {
                inherit lib pkgs lab;
                outDir = ./out;
              };
            }
          else
            { }
        );
    in
    {
      packages = forAllSystems (
        system: pkgs: {
          default = pkgs.callPackage ./nix/package.nix {
            nodejs = nodejsFor pkgs;
            src = sources.package;
          };
        }
      );

      apps = forAllSystems (
        system: pkgs: {
          # `nix run` keeps the caller's working directory, so labgen reads ./lab.config.ts and
          # ./lab.lock.json and writes ./out there, as `npx labgen generate` would.
          generate = {
            type = "app";
            program = lib.getExe (
              pkgs.writeShellApplication {
                name = "labgen-generate";
                text = ''exec ${lib.getExe (labgenFor system)} generate "$@"'';
              }
            );
            meta.description = "Generate ./out from ./lab.config.ts and ./lab.lock.json";
          };
          # `nix run .#init`: the starter lab.config.ts (the first step after `nix flake init -t`).
          init = {
            type = "app";
            program = lib.getExe (
              pkgs.writeShellApplication {
                name = "labgen-init";
                text = ''exec ${lib.getExe (labgenFor system)} init "$@"'';
              }
            );
            meta.description = "Write a starter ./lab.config.ts (labgen init)";
          };
          default = self.apps.${system}.generate;
        }
      );

      # nixfmt-tree is the formatter the Nix manual's `nix fmt` page names for the official
      # formatter (treefmt + nixfmt; plain `nixfmt` reads stdin when given no files). out/ and
      # the test expectations are generator output compared byte for byte, so it must not touch
      # them. (nixfmt-rfc-style is a deprecated alias of nixfmt since 25.11.)
      formatter = forAllSystems (
        system: pkgs:
        pkgs.nixfmt-tree.override {
          settings.global.excludes = [
            "out/**"
            "test/**"
          ];
        }
      );

      devShells = forAllSystems (
        system: pkgs: {
          default = pkgs.mkShell {
            packages = [
              (nodejsFor pkgs)
              (tofuFor pkgs)
              pkgs.jq # reading out/lab.json in docs/install.md
              pkgs.nix # nix-instantiate, used by the test suite
              pkgs.nixfmt
              pkgs.nixos-anywhere
              pkgs.openssl
              pkgs.shellcheck
            ];
          };
        }
      );

      # `nix flake init -t <labgen>`: this repository without its lab (the files of
      # nix/user-files.nix); `nix run .#init` then writes the starter lab.config.ts.
      templates.default = {
        path = sources.template;
        description = "labgen: your homelab as one typed lab.config.ts";
        welcomeText = ''
          # Your labgen lab

          1. `nix run .#init` (or `npm ci && npx labgen init`) writes a starter lab.config.ts.
          2. `nix run .#generate` names each placeholder still to fill (disk ids, SSH key, NIC,
             repository); fill them in, then run it again.
          3. `git add -A && git commit`: lab.config.ts, lab.lock.json and out/ are yours.

          README.md has the rest: installing a host, updating labgen, exit codes.
        '';
      };

      # One NixOS system per host of out/lab.json: `nixos-anywhere --flake .#<host>` needs nothing
      # else. The generated configuration.nix imports its ./disko.nix; disko's module turns that
      # layout into fileSystems and the install-time partitioning script.
      nixosConfigurations = builtins.mapAttrs (
        name: _host:
        lib.nixosSystem {
          system = hostSystem;
          modules = [
            disko.nixosModules.disko
            (hostDir name + "/configuration.nix")
          ];
        }
      ) hosts;

      checks = forAllSystems (
        system: pkgs:
        {
          drift = pkgs.callPackage ./nix/checks/drift.nix {
            labgen = labgenFor system;
            src = sources.repo;
          };
          vitest = pkgs.callPackage ./nix/checks/vitest.nix {
            nodejs = nodejsFor pkgs;
            opentofu = tofuFor pkgs;
            src = sources.repo;
          };
          tofu-validate = pkgs.callPackage ./nix/checks/tofu-validate.nix {
            opentofu = tofuFor pkgs;
            tofuDir = ./out/tofu;
          };
        }
        // (if system == hostSystem then vmChecks pkgs else { })
      );
    };
}
