// Tests of the Nix flake (flake.nix, flake.lock, nix/**) with the real Nix evaluator.
//
// No nixpkgs is available where these run (and no network), so `nix flake check` cannot run
// here. What can be checked without nixpkgs is checked for real: every .nix file parses, the lock
// is the verified one, the inputs are exactly the locked ones, the pure host-list logic, and the
// flake's output structure and VM-test scripts, evaluated with a stub nixpkgs that provides only
// the handful of lib functions the structural code uses (flake.nix keeps that code to builtins and
// lib.genAttrs for this reason). Building the outputs is left to `nix flake check`.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const pinsDir = join(repo, "test/fixtures/upstream/flake-inputs");

// ---------------------------------------------------------------------------------------------
// Running nix-instantiate

function nixInstantiate(args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync("nix-instantiate", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "nix-instantiate is not on PATH. The flake tests need the real Nix evaluator: apt-get install -y nix-bin",
      );
    }
    throw result.error;
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Evaluates a Nix expression strictly and returns its JSON value; throws with Nix's message on error. */
function nixEval<T>(expression: string): T {
  const { status, stdout, stderr } = nixInstantiate(["--eval", "--strict", "--json", "-E", expression]);
  if (status !== 0) throw new Error(`nix-instantiate --eval failed:\n${stderr}`);
  return JSON.parse(stdout) as T;
}

/** Evaluates an expression that must fail; returns Nix's error output. */
function nixEvalError(expression: string): string {
  const { status, stderr } = nixInstantiate(["--eval", "--strict", "--json", "-E", expression]);
  expect(status, "the evaluation was expected to fail").not.toBe(0);
  return stderr;
}

/** A Nix string literal (JSON's escapes are Nix's, except that `${` must be escaped too). */
function nixString(value: string): string {
  return JSON.stringify(value).replaceAll("${", "\\${");
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "labgen-flake-test-"));
}

// ---------------------------------------------------------------------------------------------
// Sample data: the parts of out/lab.json (generator/resolve/model.ts) the flake reads.

interface SampleDataset {
  name: string;
  mountpoint: string | null;
  properties: Record<string, string>;
  role: string;
}

function sampleHost(name: string, hostId: string) {
  const datasets: SampleDataset[] = [
    { name: "root", mountpoint: "/", properties: {}, role: "system" },
    { name: "nix", mountpoint: "/nix", properties: {}, role: "system" },
    { name: "incus", mountpoint: null, properties: {}, role: "incus" },
    { name: "reserve", mountpoint: null, properties: { reservation: "10G" }, role: "reserve" },
  ];
  return {
    name,
    hostId,
    zpools: [
      { name: "rpool", boot: true, datasets },
      {
        name: "tank",
        boot: false,
        datasets: [{ name: "backup", mountpoint: "/srv/backup", properties: { recordsize: "1M" }, role: "user" }],
      },
    ],
  };
}

const sampleIngress = {
  instance: "traefik",
  address: "10.10.0.10",
  routes: [
    // Listed first on purpose: the ingress test must pick the first route Traefik reaches over plain HTTP.
    { name: "a-tls", hostname: "a-tls.lab.home.arpa", scheme: "https", backend: "https://10.10.0.12:8443" },
    { name: "git", hostname: "git.lab.home.arpa", scheme: "http", backend: "http://10.10.0.11:3000" },
  ],
};

const sampleCa = {
  dir: "/var/lib/labgen/ca",
  files: {
    rootCert: "/var/lib/labgen/ca/root.crt",
    fullchain: "/var/lib/labgen/ca/fullchain.crt",
    leafKey: "/var/lib/labgen/ca/leaf.key",
  },
};

function sampleLab(options: { ingress: boolean }) {
  return {
    format: "labgen/lab.json@2",
    model: {
      hosts: [sampleHost("beta", "0badcafe"), sampleHost("alpha", "8425e349")],
      ingress: options.ingress ? sampleIngress : null,
      ca: sampleCa,
    },
  };
}

function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

// Minimal stand-ins for the nixpkgs lib functions the evaluated code calls, with nixpkgs'
// semantics for the arguments used here.
const stubLib = `{
  genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
  nixosSystem = args: args;
  concatMap = builtins.concatMap;
  mapAttrsToList = f: attrs: map (name: f name attrs.\${name}) (builtins.attrNames attrs);
  findFirst = pred: default: list:
    let found = builtins.filter pred list; in if found == [ ] then default else builtins.head found;
  toInt = builtins.fromJSON;
  assertMsg = condition: message: condition || throw message;
  escapeShellArg = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\\\''" ] s + "'";
  mkForce = content: { _type = "override"; priority = 50; inherit content; };
}`;

// ---------------------------------------------------------------------------------------------

describe("Nix toolchain", () => {
  it("nix-instantiate is on PATH", () => {
    const { status, stdout } = nixInstantiate(["--version"]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/nix-instantiate \(Nix\) \d+\.\d+/);
  });
});

// Every .nix file of the repository, found when the tests run (out/**/*.nix included once it is
// generated): git's tracked plus untracked-but-not-ignored files, or, without a git checkout (the
// repository copy inside the Nix sandbox), a walk of the tree.
function repositoryNixFiles(): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  });
  const listed =
    git.status === 0 && !git.error ? git.stdout.split("\0").filter((file) => file !== "") : walk(repo, "");
  return [...new Set(listed)]
    .filter((file) => file.endsWith(".nix") && !file.split("/").includes("node_modules"))
    .filter((file) => existsSync(join(repo, file))) // tracked but deleted in the work tree
    .sort();
}

function walk(root: string, prefix: string): string[] {
  const skipped = new Set(["node_modules", ".git", "dist"]);
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : walk(root, path);
    return entry.isFile() ? [path] : [];
  });
}

describe("every .nix file of the repository", () => {
  const files = repositoryNixFiles();

  it("includes the flake and its helpers", () => {
    for (const file of ["flake.nix", "nix/hosts.nix", "nix/package.nix", "nix/checks/host.nix"]) {
      expect(files).toContain(file);
    }
  });

  it.each(files)("%s parses with nix-instantiate --parse", (file) => {
    // --parse also resolves variable scopes, so an unbound name is an error here too.
    const { status, stderr } = nixInstantiate(["--parse", join(repo, file)]);
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });
});

describe("flake.lock", () => {
  const lock = readFileSync(join(repo, "flake.lock"));
  const pins = readFileSync(join(pinsDir, "flake.lock"));

  it("is the verified pin file, byte for byte", () => {
    expect(lock.toString("utf8")).toBe(pins.toString("utf8"));
    expect(lock.equals(pins)).toBe(true);
  });

  it("the pin fixture is the file PROVENANCE.md records", () => {
    const sha256 = createHash("sha256").update(pins).digest("hex");
    expect(readFileSync(join(pinsDir, "PROVENANCE.md"), "utf8")).toContain(sha256);
  });
});

describe("flake.nix", () => {
  const flake = join(repo, "flake.nix");

  it("has exactly the inputs the lock was made for", () => {
    expect(nixEval(`(import ${nixString(flake)}).inputs`)).toEqual({
      nixpkgs: { url: "github:NixOS/nixpkgs/nixos-26.05" },
      disko: { url: "github:nix-community/disko/v1.13.0", inputs: { nixpkgs: { follows: "nixpkgs" } } },
    });
  });

  it("names the same sources as the lock's `original` entries, with disko following nixpkgs", () => {
    interface LockNode {
      inputs?: Record<string, string | string[]>;
      original?: { type: string; owner: string; repo: string; ref: string };
    }
    const lock = JSON.parse(readFileSync(join(repo, "flake.lock"), "utf8")) as {
      nodes: Record<string, LockNode>;
      root: string;
    };
    const inputs = nixEval<Record<string, { url: string }>>(`(import ${nixString(flake)}).inputs`);
    const rootInputs = lock.nodes[lock.root]!.inputs!;
    expect(Object.keys(rootInputs).sort()).toEqual(Object.keys(inputs).sort());
    for (const [name, node] of Object.entries(rootInputs)) {
      const original = lock.nodes[node as string]!.original!;
      expect(original.type).toBe("github");
      expect(inputs[name]!.url).toBe(`github:${original.owner}/${original.repo}/${original.ref}`);
    }
    expect(lock.nodes["disko"]!.inputs).toEqual({ nixpkgs: ["nixpkgs"] });
  });

  it("is a plain attribute set whose outputs function takes exactly self and the inputs", () => {
    expect(nixEval(`builtins.attrNames (import ${nixString(flake)})`)).toEqual(["description", "inputs", "outputs"]);
    expect(nixEval(`builtins.functionArgs (import ${nixString(flake)}).outputs`)).toEqual({
      self: false,
      nixpkgs: false,
      disko: false,
    });
  });
});

describe("nix/hosts.nix (host list of out/lab.json)", () => {
  const hostsNix = join(repo, "nix/hosts.nix");
  const evalHosts = (labJson: string) =>
    `builtins.attrNames (import ${nixString(hostsNix)} (builtins.fromJSON (builtins.readFile ${nixString(labJson)})))`;

  it("maps a two-host lab to its host names", () => {
    const labJson = writeJson(join(tempDir(), "lab.json"), sampleLab({ ingress: true }));
    expect(nixEval(evalHosts(labJson))).toEqual(["alpha", "beta"]);
  });

  it("keeps each host's model (the hostId the tests use)", () => {
    const labJson = writeJson(join(tempDir(), "lab.json"), sampleLab({ ingress: true }));
    const expression = `(import ${nixString(hostsNix)} (builtins.fromJSON (builtins.readFile ${nixString(labJson)}))).alpha.hostId`;
    expect(nixEval(expression)).toBe("8425e349");
  });

  it("refuses a file of another format", () => {
    const labJson = writeJson(join(tempDir(), "lab.json"), { ...sampleLab({ ingress: true }), format: "labgen/lab.json@0" });
    expect(nixEvalError(evalHosts(labJson))).toContain('expected "labgen/lab.json@2"');
  });

  it("refuses two hosts with one name", () => {
    const lab = sampleLab({ ingress: true });
    lab.model.hosts = [sampleHost("alpha", "8425e349"), sampleHost("alpha", "0badcafe")];
    const labJson = writeJson(join(tempDir(), "lab.json"), lab);
    expect(nixEvalError(evalHosts(labJson))).toContain("lists a host name more than once");
  });

  const realLabJson = join(repo, "out/lab.json");
  it.skipIf(!existsSync(realLabJson))("gives the hosts of the real out/lab.json", () => {
    const lab = JSON.parse(readFileSync(realLabJson, "utf8")) as { model: { hosts: { name: string }[] } };
    const names = lab.model.hosts.map((host) => host.name).sort();
    expect(names.length).toBeGreaterThan(0);
    expect(nixEval(evalHosts(realLabJson))).toEqual(names);
  });
});

describe("nix/disko-layout.nix (disko.nix for the 4 GiB test disks)", () => {
  const layoutNix = join(repo, "nix/disko-layout.nix");
  const load = (file: string) => `import ${nixString(layoutNix)} { lib = { }; } ${file}`;

  it("drops ZFS reservations and keeps the rest of the layout", () => {
    const file = join(tempDir(), "disko.nix");
    writeFileSync(
      file,
      `{ disko.devices = {
          disk.a = { type = "disk"; device = "/dev/disk/by-id/ata-A"; };
          zpool.rpool = {
            options.ashift = "12";
            rootFsOptions = { compression = "zstd"; refreservation = "1G"; };
            datasets.reserve = { type = "zfs_fs"; options = { mountpoint = "none"; reservation = "10G"; }; };
          };
        }; }`,
    );
    expect(nixEval(load(file))).toEqual({
      disko: {
        devices: {
          disk: { a: { type: "disk", device: "/dev/disk/by-id/ata-A" } },
          zpool: {
            rpool: {
              options: { ashift: "12" },
              rootFsOptions: { compression: "zstd" },
              datasets: { reserve: { type: "zfs_fs", options: { mountpoint: "none" } } },
            },
          },
        },
      },
    });
  });

  it("accepts a layout written as a function of { lib }, as disko's helper does", () => {
    const file = join(tempDir(), "disko.nix");
    writeFileSync(file, `{ lib, ... }: { disko.devices.zpool.tank.options = { ashift = "12"; reservation = "1G"; }; }`);
    expect(nixEval(load(file))).toEqual({ disko: { devices: { zpool: { tank: { options: { ashift: "12" } } } } } });
  });
});

describe("nix/npm-lock-resolved.nix (registry URLs for importNpmLock)", () => {
  const resolvedNix = join(repo, "nix/npm-lock-resolved.nix");
  const resolvedOf = (lockFile: string) =>
    nixEval<Record<string, string | null>>(
      `builtins.mapAttrs (_: module: module.resolved or null)
         (import ${nixString(resolvedNix)} (builtins.fromJSON (builtins.readFile ${nixString(lockFile)}))).packages`,
    );

  it("gives every package of the real package-lock.json its registry tarball", () => {
    const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; link?: boolean }>;
    };
    const resolved = resolvedOf(join(repo, "package-lock.json"));
    expect(Object.keys(resolved).sort()).toEqual(Object.keys(lock.packages).sort());
    expect(resolved[""]).toBeNull(); // the project itself
    for (const [path, module] of Object.entries(lock.packages)) {
      if (path === "" || module.link) continue;
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      const file = `${name.split("/").pop()}-${module.version}.tgz`;
      expect(resolved[path], path).toBe(`https://registry.npmjs.org/${name}/-/${file}`);
    }
  });

  it("keeps existing URLs and links, and follows npm aliases and nested packages", () => {
    const lockFile = writeJson(join(tempDir(), "package-lock.json"), {
      lockfileVersion: 3,
      packages: {
        "": { name: "x", version: "1.0.0" },
        "node_modules/kept": { version: "1.0.0", resolved: "https://example.org/kept.tgz", integrity: "sha512-x" },
        "node_modules/local": { link: true, resolved: "packages/local" },
        "node_modules/alias": { name: "@real/pkg", version: "2.0.0", integrity: "sha512-y" },
        "node_modules/a/node_modules/@s/b": { version: "3.1.4", integrity: "sha512-z" },
      },
    });
    expect(resolvedOf(lockFile)).toEqual({
      "": null,
      "node_modules/kept": "https://example.org/kept.tgz",
      "node_modules/local": "packages/local",
      "node_modules/alias": "https://registry.npmjs.org/@real/pkg/-/pkg-2.0.0.tgz",
      "node_modules/a/node_modules/@s/b": "https://registry.npmjs.org/@s/b/-/b-3.1.4.tgz",
    });
  });
});

// The flake's outputs, evaluated from a copy of flake.nix and nix/ next to a sample out/lab.json,
// with stub inputs. Only names and wiring are forced; no package is built.
function evaluateOutputs(labJson: unknown) {
  const dir = tempDir();
  cpSync(join(repo, "flake.nix"), join(dir, "flake.nix"));
  cpSync(join(repo, "nix"), join(dir, "nix"), { recursive: true });
  mkdirSync(join(dir, "out"));
  writeJson(join(dir, "out/lab.json"), labJson);
  const expression = `
    let
      flake = import ${nixString(join(dir, "flake.nix"))};
      outputs = flake.outputs {
        self = outputs;
        # legacyPackages is empty: forcing any package during this evaluation is an error.
        nixpkgs = { lib = ${stubLib}; legacyPackages = { }; };
        disko = { nixosModules.disko = "disko-module"; };
      };
      names = builtins.mapAttrs (_: builtins.attrNames);
    in {
      outputs = builtins.attrNames outputs;
      packages = names outputs.packages;
      apps = builtins.mapAttrs (_: builtins.mapAttrs (_: app: app.type)) outputs.apps;
      devShells = names outputs.devShells;
      formatter = builtins.attrNames outputs.formatter;
      checks = names outputs.checks;
      nixosConfigurations = builtins.mapAttrs (_: system: {
        inherit (system) system;
        modules = map toString system.modules;
      }) outputs.nixosConfigurations;
    }`;
  return { dir, outputs: nixEval<Record<string, unknown>>(expression) };
}

describe("flake outputs", () => {
  const systems = ["aarch64-darwin", "aarch64-linux", "x86_64-linux"];
  const { dir, outputs } = evaluateOutputs(sampleLab({ ingress: true }));
  const perSystem = (value: unknown) => Object.fromEntries(systems.map((system) => [system, value]));

  it("are packages, apps, formatter, devShells, nixosConfigurations and checks", () => {
    expect(outputs["outputs"]).toEqual(["apps", "checks", "devShells", "formatter", "nixosConfigurations", "packages"]);
  });

  it("packages.default, apps generate + default, formatter and devShells.default exist for every system", () => {
    expect(outputs["packages"]).toEqual(perSystem(["default"]));
    expect(outputs["apps"]).toEqual(perSystem({ default: "app", generate: "app" }));
    expect(outputs["formatter"]).toEqual(systems);
    expect(outputs["devShells"]).toEqual(perSystem(["default"]));
  });

  it("nixosConfigurations: one x86_64 system per host, from disko's module and the host's configuration.nix", () => {
    expect(outputs["nixosConfigurations"]).toEqual({
      alpha: { system: "x86_64-linux", modules: ["disko-module", join(dir, "out/hosts/alpha/configuration.nix")] },
      beta: { system: "x86_64-linux", modules: ["disko-module", join(dir, "out/hosts/beta/configuration.nix")] },
    });
  });

  it("checks: drift, vitest and tofu-validate everywhere; host, disko, incus-zfs and ingress VM tests on x86_64-linux", () => {
    const everywhere = ["drift", "tofu-validate", "vitest"];
    expect(outputs["checks"]).toEqual({
      "aarch64-darwin": everywhere,
      "aarch64-linux": everywhere,
      "x86_64-linux": ["disko-alpha", "disko-beta", "drift", "host-alpha", "host-beta", "incus-zfs", "ingress", "tofu-validate", "vitest"],
    });
  });

  const realLabJson = join(repo, "out/lab.json");
  it.skipIf(!existsSync(realLabJson))("for the real out/lab.json: a system, a host test and a disko test per host", () => {
    const lab = JSON.parse(readFileSync(realLabJson, "utf8")) as { model: { hosts: { name: string }[]; ingress: unknown } };
    const real = evaluateOutputs(lab).outputs;
    const names = lab.model.hosts.map((host) => host.name).sort();
    expect(Object.keys(real["nixosConfigurations"] as object).sort()).toEqual(names);
    const checks = (real["checks"] as Record<string, string[]>)["x86_64-linux"];
    for (const name of names) expect(checks).toEqual(expect.arrayContaining([`host-${name}`, `disko-${name}`]));
    expect(checks!.includes("ingress")).toBe(lab.model.ingress !== null);
  });

  it("has no ingress test for a lab without ingress", () => {
    const withoutIngress = evaluateOutputs(sampleLab({ ingress: false })).outputs["checks"] as Record<string, string[]>;
    expect(withoutIngress["x86_64-linux"]).not.toContain("ingress");
    expect(withoutIngress["x86_64-linux"]).toContain("host-alpha");
  });
});

// The VM tests' own arguments and Python test scripts, evaluated with the test helpers stubbed to
// return their arguments. This pins down what each VM test boots and checks.
describe("VM tests", () => {
  const dir = tempDir();
  const host = writeJson(join(dir, "host.json"), sampleHost("alpha", "8425e349"));
  const lab = writeJson(join(dir, "lab.json"), sampleLab({ ingress: true }));
  const readJson = (file: string) => `builtins.fromJSON (builtins.readFile ${nixString(file)})`;
  const hostArgs = `{
    pkgs = { };
    diskoTestLib.makeDiskoTest = args: args;
    diskoLayout = file: "layout of " + toString file;
    host = ${readJson(host)};
    hostDir = "/lab/out/hosts/alpha";
  }`;

  describe("host-<name>: the host's configuration booted on its disko layout", () => {
    const test = nixEval<{
      name: string;
      disko: string;
      installerHostId: string;
      imports: string[];
      script: string;
    }>(`
      let test = import ${nixString(join(repo, "nix/checks/host.nix"))} ${hostArgs};
      in {
        inherit (test) name;
        disko = test.disko-config;
        installerHostId = test.extraInstallerConfig.networking.hostId;
        imports = map toString test.extraSystemConfig.imports;
        script = test.extraTestScript;
      }`);

    it("installs the generated disko.nix and boots the generated configuration.nix", () => {
      expect(test.disko).toBe("layout of /lab/out/hosts/alpha/disko.nix");
      expect(test.imports).toEqual(["/lab/out/hosts/alpha/configuration.nix"]);
      expect(test.installerHostId).toBe("8425e349");
    });

    it.each([
      ["the ZFS module is loaded", "test -d /sys/module/zfs"],
      ["every pool is imported and healthy", '["rpool","tank"]'],
      ["the pool health is checked", "zpool list -H -o health {pool} | grep -qx ONLINE"],
      ["nftables has an input chain", "nft list ruleset | grep -q 'chain input'"],
      ["the Incus socket is up", 'wait_for_unit("incus.socket")'],
      ["the Incus daemon answers", "incus info"],
      ["sshd refuses passwords", "sshd -T | grep -qix 'passwordauthentication no'"],
      ["tailscaled runs", 'wait_for_unit("tailscaled.service")'],
      ["the GitOps timer exists", 'wait_for_unit("labgen-gitops.timer")'],
    ])("checks that %s", (_what, fragment) => {
      expect(test.script).toContain(fragment);
    });
  });

  describe("disko-<name>: the host's disko.nix alone", () => {
    const script = nixEval<string>(`
      (import ${nixString(join(repo, "nix/checks/disko.nix"))} (${hostArgs} // { lib = ${stubLib}; })).extraTestScript`);

    it("expects each mounted dataset at its mount point and the others unmounted", () => {
      expect(script).toContain('[["rpool/root","/"],["rpool/nix","/nix"],["tank/backup","/srv/backup"]]');
      expect(script).toContain('["rpool/incus","rpool/reserve"]');
    });

    it("checks the model's dataset properties, except the reservations removed for the test disks", () => {
      expect(script).toContain('["tank/backup","recordsize","1M"]');
      expect(script).not.toContain("reservation");
    });

    it("checks ashift, autotrim and the lab-wide dataset defaults", () => {
      for (const fragment of ["ashift", "autotrim", '"compression","zstd.*"', '"xattr","sa"', '"atime","off"', "posix(acl)?"]) {
        expect(script).toContain(fragment);
      }
    });
  });

  const realLabJson = join(repo, "out/lab.json");
  it.skipIf(!existsSync(realLabJson))("evaluate for every host and the ingress of the real out/lab.json", () => {
    const lab = JSON.parse(readFileSync(realLabJson, "utf8")) as {
      model: { hosts: { name: string; zpools: { name: string }[] }[]; ingress: { routes: { hostname: string; scheme: string }[] } | null };
    };
    for (const host of lab.model.hosts) {
      const args = `{
        pkgs = { };
        diskoTestLib.makeDiskoTest = args: args;
        diskoLayout = file: toString file;
        host = builtins.head (builtins.filter (h: h.name == ${nixString(host.name)}) (${readJson(realLabJson)}).model.hosts);
        hostDir = "/lab/out/hosts/${host.name}";
      }`;
      const hostScript = nixEval<string>(`(import ${nixString(join(repo, "nix/checks/host.nix"))} ${args}).extraTestScript`);
      const diskoScript = nixEval<string>(
        `(import ${nixString(join(repo, "nix/checks/disko.nix"))} (${args} // { lib = ${stubLib}; })).extraTestScript`,
      );
      const pools = JSON.stringify(host.zpools.map((pool) => pool.name));
      expect(hostScript).toContain(pools);
      expect(diskoScript).toContain(pools);
    }
    if (lab.model.ingress !== null) {
      const route = lab.model.ingress.routes.find((r) => r.scheme === "http")!;
      const script = nixEval<string>(`
        let
          pkgs = { testers.runNixOSTest = test: test; writeTextDir = name: text: name; python3 = ""; openssl = ""; yq-go = ""; curl = ""; };
          test = import ${nixString(join(repo, "nix/checks/ingress.nix"))} {
            inherit pkgs;
            lib = ${stubLib};
            outDir = "/lab/out";
            lab = ${readJson(realLabJson)};
          };
        in test.testScript { nodes.traefik.networking.primaryIPAddress = "192.168.1.3"; }`);
      expect(script).toContain(`https://${route.hostname}/`);
    }
  });

  describe("ingress: Traefik with the generated config and CA", () => {
    const test = nixEval<{ staticConfigFile: string; etc: Record<string, string>; script: string }>(`
      let
        lib = ${stubLib};
        pkgs = {
          testers.runNixOSTest = test: test;
          writeTextDir = name: text: "/stub/" + name;
          python3 = "/stub/python3";
          openssl = "openssl";
          yq-go = "yq-go";
          curl = "curl";
        };
        test = import ${nixString(join(repo, "nix/checks/ingress.nix"))} {
          inherit lib pkgs;
          outDir = "/lab/out";
          lab = ${readJson(lab)};
        };
        traefik = test.nodes.traefik { inherit pkgs; };
      in {
        staticConfigFile = traefik.services.traefik.staticConfigFile;
        etc = builtins.mapAttrs (_: file: file.source) traefik.environment.etc;
        script = test.testScript { nodes.traefik.networking.primaryIPAddress = "192.168.1.3"; };
      }`);

    it("runs services.traefik with the generated static config and places the dynamic config and CA script", () => {
      expect(test.staticConfigFile).toBe("/lab/out/traefik/traefik.yml");
      expect(test.etc).toEqual({ "labgen-test/dynamic.yml": "/lab/out/traefik/dynamic.yml", "labgen-test/ca": "/lab/out/ca" });
    });

    it.each([
      ["the backend takes the first plain-HTTP route's address", "ip address add 10.10.0.11/32 dev eth1"],
      ["the CA is initialised by the generated script", "LABGEN_CA_DIR=/root/labgen-ca bash /etc/labgen-test/ca/ca.sh init"],
      ["the certificate is issued by the generated script", "LABGEN_CA_DIR=/root/labgen-ca bash /etc/labgen-test/ca/ca.sh issue"],
      ["Traefik gets the full chain", "/root/labgen-ca/fullchain.crt"],
      ["Traefik gets the leaf key", "/root/labgen-ca/leaf.key"],
      ["the client trusts the root", "cat /root/labgen-ca/root.crt"],
      ["the client resolves the route to Traefik", "--resolve git.lab.home.arpa:443:192.168.1.3 https://git.lab.home.arpa/"],
      ["curl with the root CA succeeds", "--fail --cacert /tmp/root.crt"],
      ["curl without it fails verification", "status == 60"],
    ])("%s", (_what, fragment) => {
      expect(test.script).toContain(fragment);
    });
  });
});

// Issue 13 item 14: what the sandboxed checks need, evaluated with stub builders that return
// their arguments.
describe("nix/checks: the vitest and tofu-validate checks have what they need", () => {
  it("checks.vitest: git, flock (util-linux), ssh-keygen (openssh) and jq are build inputs", () => {
    const stub = (n: string) => `{ __stub = "${n}"; }`;
    const args = ["nix", "opentofu", "openssl", "shellcheck", "git", "util-linux", "openssh", "jq"].map((n) => `${n} = ${stub(n)};`).join(" ");
    const inputs = nixEval<string[]>(`
      let drv = import ${nixString(join(repo, "nix/checks/vitest.nix"))} {
        lib = { importJSON = _: { }; };
        buildNpmPackage = a: a;
        importNpmLock = (_: { }) // { npmConfigHook = null; };
        nodejs = null;
        python3 = { withPackages = f: { __stub = "python3"; }; };
        src = ${nixString(repo)};
        ${args}
      };
      in map (x: x.__stub) drv.nativeBuildInputs`);
    expect(inputs).toEqual(expect.arrayContaining(["git", "util-linux", "openssh", "jq", "nix", "opentofu", "openssl", "shellcheck"]));
  });

  it("checks.tofu-validate: a dummy TF_VAR_state_passphrase (out/tofu's variable has no default)", () => {
    const script = nixEval<string>(`
      import ${nixString(join(repo, "nix/checks/tofu-validate.nix"))} {
        runCommand = name: attrs: script: script;
        opentofu = null;
        tofuDir = "/tofu";
      }`);
    expect(script).toMatch(/^\s*export TF_VAR_state_passphrase=\S+$/m);
    expect(script.indexOf("TF_VAR_state_passphrase")).toBeLessThan(script.indexOf("tofu validate"));
  });
});

describe("incus-zfs: the Incus and ZFS refusals on the real Incus (VM test)", () => {
  const test = nixEval<{ name: string; nodes: { machine: Record<string, unknown> }; testScript: string }>(`
    import ${nixString(join(repo, "nix/checks/incus-zfs.nix"))} {
      pkgs = { testers.runNixOSTest = t: t; };
      hostId = "8425e349";
    }`);

  it("boots Incus with ZFS and a spare disk, as nixpkgs' own incus storage test", () => {
    expect(test.name).toBe("labgen-incus-zfs");
    expect(test.nodes.machine).toMatchObject({ networking: { hostId: "8425e349", nftables: { enable: true } }, virtualisation: { emptyDiskImages: [2048], incus: { enable: true } } });
  });

  it.each([
    ["a pool source below a parent with a snapshot", "incus storage create bulk zfs source=tank/incus/bulk"],
    ["an existing source with a snapshot refused", `refused("incus storage create old zfs source=tank/incus/old", "isn't empty")`],
    ["a foreign snapshot blocks Incus's restore", `"subsequent internal snapshot(s)"`],
    ["a later Incus snapshot blocks it", `"Set zfs.remove_snapshots to override"`],
    ["labgen's Incus-native instance snapshot", "incus snapshot create --no-expiry c1 {snap}"],
    ["a volume's snapshots die with it", "incus storage volume delete bulk doomed"],
  ])("checks that %s", (_what, fragment) => {
    expect(test.testScript).toContain(fragment);
  });
});
