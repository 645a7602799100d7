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
import { GITOPS_UNIT } from "../generator/shared/gitops-unit.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));
const pinsDir = join(repo, "test/fixtures/upstream/flake-inputs");
// The labs the flake is evaluated for: every golden case's expected out/lab.json (never the root
// lab, which is the user's).
const caseLabJsons = readdirSync(join(repo, "test/cases"))
  .filter((name) => existsSync(join(repo, "test/cases", name, "expected/lab.json")))
  .sort()
  .map((name) => join(repo, "test/cases", name, "expected/lab.json"));

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
    tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key" } as object | null,
    gitops: { repository: "git@github.com:alice/homelab.git" } as object | null,
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
  // The client of the ingress VM test sends from inside the first IPv4 range (10.0.0.77).
  allow: ["fd7a:115c:a1e0::/48", "10.0.0.0/16", "192.168.1.0/24"],
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
  optionalString = cond: string: if cond then string else "";
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

  it.each(caseLabJsons)("gives the hosts of %s", (realLabJson) => {
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

/** The lab of the GitOps VM test (nix/checks/gitops-e2e.nix). */
const GITOPS_VM_FIXTURE = "test/fixtures/gitops-vm";

// The flake's outputs, evaluated from a copy of flake.nix and nix/ next to a sample out/lab.json,
// with stub inputs. Only names and wiring are forced; no package is built.
function evaluateOutputs(labJson: unknown | null, options: { gitopsFixture: boolean } = { gitopsFixture: true }) {
  const dir = tempDir();
  cpSync(join(repo, "flake.nix"), join(dir, "flake.nix"));
  cpSync(join(repo, "nix"), join(dir, "nix"), { recursive: true });
  if (options.gitopsFixture) cpSync(join(repo, GITOPS_VM_FIXTURE), join(dir, GITOPS_VM_FIXTURE), { recursive: true });
  // null: no out/ yet (right after `nix flake init -t` or `labgen init`).
  if (labJson !== null) {
    mkdirSync(join(dir, "out"));
    writeJson(join(dir, "out/lab.json"), labJson);
  }
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
      templates = builtins.mapAttrs (_: t: { inherit (t) description; welcome = t.welcomeText; }) outputs.templates;
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
    expect(outputs["outputs"]).toEqual(["apps", "checks", "devShells", "formatter", "nixosConfigurations", "packages", "templates"]);
  });

  it("packages.default, apps generate + default, formatter and devShells.default exist for every system", () => {
    expect(outputs["packages"]).toEqual(perSystem(["default"]));
    expect(outputs["apps"]).toEqual(perSystem({ default: "app", generate: "app", init: "app" }));
    expect(outputs["formatter"]).toEqual(systems);
    expect(outputs["devShells"]).toEqual(perSystem(["default"]));
  });

  it("nixosConfigurations: one x86_64 system per host, from disko's module and the host's configuration.nix", () => {
    expect(outputs["nixosConfigurations"]).toEqual({
      alpha: { system: "x86_64-linux", modules: ["disko-module", join(dir, "out/hosts/alpha/configuration.nix")] },
      beta: { system: "x86_64-linux", modules: ["disko-module", join(dir, "out/hosts/beta/configuration.nix")] },
    });
  });

  it("checks: drift, vitest and tofu-validate everywhere; host, disko, incus-zfs, gitops-e2e and ingress VM tests on x86_64-linux", () => {
    const everywhere = ["drift", "tofu-validate", "vitest"];
    expect(outputs["checks"]).toEqual({
      "aarch64-darwin": everywhere,
      "aarch64-linux": everywhere,
      "x86_64-linux": ["disko-alpha", "disko-beta", "drift", "gitops-e2e", "host-alpha", "host-beta", "incus-zfs", "ingress", "tofu-validate", "vitest"],
    });
  });

  it("has the gitops-e2e VM test only where its lab (test/fixtures/gitops-vm) is", () => {
    const without = evaluateOutputs(sampleLab({ ingress: true }), { gitopsFixture: false }).outputs["checks"] as Record<string, string[]>;
    expect(without["x86_64-linux"]).not.toContain("gitops-e2e");
    expect(without["x86_64-linux"]).toContain("incus-zfs");
  });

  it("templates.default: the starter for `nix flake init -t`, whose first step is `labgen init`", () => {
    const templates = outputs["templates"] as Record<string, { description: string; welcome: string }>;
    expect(Object.keys(templates)).toEqual(["default"]);
    expect(templates["default"]!.description).toContain("labgen");
    expect(templates["default"]!.welcome).toContain("nix run .#init");
  });

  it("evaluate without an out/ at all: no hosts, no per-host VM tests, the rest unchanged", () => {
    const empty = evaluateOutputs(null).outputs;
    expect(empty["nixosConfigurations"]).toEqual({});
    // incus-zfs tests Incus and ZFS themselves (the refusals the agent is designed around): no lab needed.
    // gitops-e2e brings its own lab (test/fixtures/gitops-vm).
    expect((empty["checks"] as Record<string, string[]>)["x86_64-linux"]).toEqual(["drift", "gitops-e2e", "incus-zfs", "tofu-validate", "vitest"]);
    expect(empty["templates"]).toEqual(outputs["templates"]);
  });

  it("has no ingress test when there is no plain-HTTP route or no IPv4 range to send from", () => {
    const httpsOnly = sampleLab({ ingress: true });
    httpsOnly.model.ingress = { ...sampleIngress, routes: sampleIngress.routes.filter((r) => r.scheme === "https") };
    expect((evaluateOutputs(httpsOnly).outputs["checks"] as Record<string, string[]>)["x86_64-linux"]).not.toContain("ingress");
    const v6Only = sampleLab({ ingress: true });
    v6Only.model.ingress = { ...sampleIngress, allow: ["fd7a:115c:a1e0::/48"] };
    expect((evaluateOutputs(v6Only).outputs["checks"] as Record<string, string[]>)["x86_64-linux"]).not.toContain("ingress");
  });

  it.each(caseLabJsons)("for %s: a system, a host test and a disko test per host", (realLabJson) => {
    const lab = JSON.parse(readFileSync(realLabJson, "utf8")) as { model: { hosts: { name: string }[]; ingress: { routes: { scheme: string }[] } | null } };
    const real = evaluateOutputs(lab).outputs;
    const names = lab.model.hosts.map((host) => host.name).sort();
    expect(Object.keys(real["nixosConfigurations"] as object).sort()).toEqual(names);
    const checks = (real["checks"] as Record<string, string[]>)["x86_64-linux"];
    for (const name of names) expect(checks).toEqual(expect.arrayContaining([`host-${name}`, `disko-${name}`]));
    expect(checks!.includes("ingress")).toBe(lab.model.ingress !== null && lab.model.ingress.routes.some((r) => r.scheme === "http"));
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
    lib = ${stubLib};
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

  it("host-<name> checks tailscaled and the GitOps timer only on a host that has them", () => {
    const bare = writeJson(join(dir, "bare.json"), { ...sampleHost("alpha", "8425e349"), tailscale: null, gitops: null });
    const script = nixEval<string>(`(import ${nixString(join(repo, "nix/checks/host.nix"))} (${hostArgs} // { host = ${readJson(bare)}; })).extraTestScript`);
    expect(script).toContain('wait_for_unit("incus.socket")');
    expect(script).not.toContain("tailscaled");
    expect(script).not.toContain("labgen-gitops.timer");
  });

  it.each(caseLabJsons)("evaluate for every host and the ingress of %s", (realLabJson) => {
    const lab = JSON.parse(readFileSync(realLabJson, "utf8")) as {
      model: { hosts: { name: string; zpools: { name: string }[] }[]; ingress: { routes: { hostname: string; scheme: string }[] } | null };
    };
    for (const host of lab.model.hosts) {
      const args = `{
        lib = ${stubLib};
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
    const route = lab.model.ingress?.routes.find((r) => r.scheme === "http");
    if (route) {
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

  it.each([
    [["192.168.1.0/24"], "http://10.10.0.11:3000", "192.168.1.77"],
    [["10.10.0.0/16"], "http://10.10.0.77:3000", "10.10.0.78"],
    [["10.1.2.0/28"], "http://10.10.0.11:3000", "10.1.2.1"],
    [["10.1.2.3/32", "0.0.0.0/0"], "http://10.10.0.11:3000", "10.1.2.3"],
  ])("ingress: allow %j with backend %s → the client sends from %s", (allow, backend, clientIp) => {
    const l = sampleLab({ ingress: true });
    l.model.ingress = { ...sampleIngress, allow, routes: [{ name: "git", hostname: "git.lab.home.arpa", scheme: "http", backend }] };
    const file = writeJson(join(dir, "allow.json"), l);
    const script = nixEval<string>(`
      let
        pkgs = { testers.runNixOSTest = test: test; writeTextDir = name: text: name; python3 = ""; openssl = ""; yq-go = ""; curl = ""; };
        test = import ${nixString(join(repo, "nix/checks/ingress.nix"))} { inherit pkgs; lib = ${stubLib}; outDir = "/lab/out"; lab = ${readJson(file)}; };
      in test.testScript { nodes.traefik.networking.primaryIPAddress = "192.168.1.3"; }`);
    expect(script).toContain(`client.succeed("ip address add ${clientIp}/32 dev eth1")`);
    expect(script).toContain(`--interface ${clientIp} `);
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
      ["the client sends from inside the first IPv4 range of the allow-list", "client.succeed(\"ip address add 10.0.0.77/32 dev eth1\")"],
      ["Traefik routes its answers back to that address", "traefik.succeed(\"ip route add 10.0.0.77/32 dev eth1\")"],
      ["curl uses that address", "curl --silent --show-error --interface 10.0.0.77 "],
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

// The GitOps VM test, evaluated with stub packages that return their arguments: what it generates,
// packages, runs and asserts. Running it needs KVM and nixpkgs (`nix flake check`); nothing here
// boots it.
describe("gitops-e2e: the real agent, deploy, deploy, rollback (VM test)", () => {
  const dir = tempDir();
  // Stand-ins for the two nixpkgs files the check imports. The ed25519 public key is the one
  // NixOS/nixpkgs nixos/tests/ssh-keys.nix publishes (snakeOilEd25519PublicKey).
  const fakeNixpkgs = join(dir, "nixpkgs");
  mkdirSync(join(fakeNixpkgs, "nixos/tests"), { recursive: true });
  const snakeOilEd25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDPQXmEVMVLmeFRyafKMVWgPDkv8/uRBTwmcEDatZzMD";
  const snakeOilEcdsa =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBChdA2BmwcG49OrQN33f/sj+OHL5sJhwVl2Qim0vkUJQCry1zFpKTa9ZcDMiWaEhoAR6FGoaGI04ff7CS+1yybQ= snakeoil";
  writeFileSync(
    join(fakeNixpkgs, "nixos/tests/ssh-keys.nix"),
    `pkgs: {
      snakeOilPrivateKey = "/stub/privkey.snakeoil";
      snakeOilPublicKey = ${nixString(snakeOilEcdsa)};
      snakeOilEd25519PrivateKey = "/stub/privkey.ed25519.snakeoil";
      snakeOilEd25519PublicKey = ${nixString(`${snakeOilEd25519} snakeoil`)};
    }`,
  );
  writeFileSync(
    join(fakeNixpkgs, "nixos/release.nix"),
    `{ configuration }: { incusContainerMeta.x86_64-linux = "/stub/meta"; incusContainerImage.x86_64-linux = "/stub/rootfs"; }`,
  );
  const plainPkgs = ["coreutils", "git", "openssh", "gnugrep", "gnused", "jq", "util-linux", "shellcheck", "openssl", "incus-lts"];
  const stubPkgs = `{
    path = ${nixString(fakeNixpkgs)};
    stdenv.hostPlatform.system = "x86_64-linux";
    runtimeShell = "/stub/bash";
    testers.runNixOSTest = t: t;
    writeText = name: text: { outPath = "/stub/text/" + name; inherit name text; };
    runCommand = name: env: script: { outPath = "/stub/" + name; inherit name env script; };
    writeShellApplication = args: args // { outPath = "/stub/" + args.name; };
    ${plainPkgs.map((p) => `${p} = "/stub/pkgs/${p}";`).join("\n    ")}
  }`;
  const lib = `(${stubLib}) // {
    makeBinPath = paths: builtins.concatStringsSep ":" (map (p: "\${p}/bin") paths);
    getExe = drv: "\${drv}/bin/\${drv.meta.mainProgram or drv.name}";
  }`;
  // The host's own packages, by the option that gives them.
  const configPaths = ["nix.package", "systemd.package", "boot.zfs.package", "virtualisation.incus.clientPackage"];
  const config = `{ ${configPaths.map((p) => `${p} = "/stub/config/${p}";`).join(" ")} }`;
  const check = (fixture: string) => `import ${nixString(join(repo, "nix/checks/gitops-e2e.nix"))} {
    lib = ${lib};
    pkgs = ${stubPkgs};
    labgen = { outPath = "/stub/labgen"; name = "labgen"; };
    opentofu = "/stub/opentofu";
    fixture = ${fixture};
    repoFiles = { flake = "/stub/flake.nix"; lock = "/stub/flake.lock"; nix = "/stub/nix-dir"; };
  }`;
  const test = nixEval<{
    name: string;
    script: string;
    commit1: string;
    commit2: string;
    config1: string;
    config2: string;
    machine: {
      virtualisation: { incus: { enable: boolean; package: string }; emptyDiskImages: number[] };
      networking: { hostId: string; nftables: { enable: boolean }; firewall: { trustedInterfaces: string[] } };
      boot: { loader: { grub: { enable: boolean } }; supportedFilesystems: string[] };
      gitKeys: string[];
      systemPackages: string[];
      unit: { restartIfChanged: boolean; unitConfig: Record<string, unknown>; serviceConfig: Record<string, string> };
    };
    rollback: string;
    shims: { nix: string; nixosRebuild: string };
  }>(`
    let
      test = ${check(join(repo, GITOPS_VM_FIXTURE))};
      machine = test.nodes.machine { config = ${config}; pkgs = ${stubPkgs}; };
      rollback = builtins.head machine.environment.systemPackages;
    in {
      inherit (test) name;
      script = test.testScript;
      commit1 = test.passthru.commit1.script;
      commit2 = test.passthru.commit2.script;
      config1 = test.passthru.config1.text;
      config2 = test.passthru.config2.text;
      machine = {
        inherit (machine) virtualisation networking boot;
        gitKeys = machine.users.users.git.openssh.authorizedKeys.keys;
        systemPackages = map toString machine.environment.systemPackages;
        unit = { inherit (machine.systemd.services.labgen-gitops) restartIfChanged unitConfig serviceConfig; };
      };
      rollback = rollback.script;
      shims = { nix = test.passthru.shims.nix.text; nixosRebuild = (test.passthru.shims.nixos-rebuild "/stub/config/nix.package").text; };
    }`);

  it("is the runNixOSTest named labgen-gitops-e2e, on Incus LTS with ZFS and a disk for the lab's pool", () => {
    expect(test.name).toBe("labgen-gitops-e2e");
    expect(test.machine.virtualisation).toMatchObject({ incus: { enable: true, package: "/stub/pkgs/incus-lts" }, emptyDiskImages: [8192] });
    expect(test.machine.boot.supportedFilesystems).toEqual(["zfs"]);
    // The fixture's lock gives the host its hostId.
    const lock = JSON.parse(readFileSync(join(repo, GITOPS_VM_FIXTURE, "lab.lock.json"), "utf8")) as { hosts: { vm: { hostId: string } } };
    expect(test.machine.networking).toMatchObject({ hostId: lock.hosts.vm.hostId, nftables: { enable: true }, firewall: { trustedInterfaces: ["lab0"] } });
  });

  it("generates both commits with this flake's labgen, commit 2 from commit 1's lock", () => {
    expect(test.commit1).toContain("cp /stub/text/lab.config.ts lab.config.ts");
    // The fixture's lock, copied into the store as a path is.
    expect(test.commit1).toMatch(/\ncp \/nix\/store\/[0-9a-z]{32}-lab\.lock\.json lab\.lock\.json\n/);
    expect(test.commit2).toContain("cp /stub/labgen-vmtest-commit-1/lab.lock.json lab.lock.json");
    for (const script of [test.commit1, test.commit2]) {
      expect(script).toContain("labgen generate");
      expect(script).toContain("cp /stub/flake.nix flake.nix");
    }
  });

  it("pins the sshd's published host key in both commits' config, in place of the fixture's", () => {
    for (const [text, file] of [[test.config1, "lab.config.ts"], [test.config2, "commit-2.config.ts"]] as const) {
      const fixture = readFileSync(join(repo, GITOPS_VM_FIXTURE, file), "utf8");
      expect(text).toContain(`"localhost ${snakeOilEd25519}"`);
      expect(text.replace(snakeOilEd25519, "")).toBe(fixture.replace(/ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGSdX7VjDLhUdZLM\+7Qz99WII4yLL1mKflYshrUiDLPd/, ""));
    }
    // The deploy key is the other published key.
    expect(test.machine.gitKeys).toEqual([snakeOilEcdsa]);
  });

  it("refuses to build when the fixture no longer pins the key it replaces", () => {
    const moved = join(dir, "fixture");
    cpSync(join(repo, GITOPS_VM_FIXTURE), moved, { recursive: true });
    writeFileSync(join(moved, "lab.config.ts"), readFileSync(join(moved, "lab.config.ts"), "utf8").replace("AAAAIGSdX7Vj", "AAAAIGSdX7Vk"));
    expect(nixEvalError(`(${check(moved)}).passthru.config1.text`)).toContain("no longer pins");
  });

  it("runs the generated unit's settings (GITOPS_UNIT.serviceSettings) with the packaged agent", () => {
    const settings = GITOPS_UNIT.serviceSettings;
    expect(test.machine.unit).toEqual({
      restartIfChanged: settings.restartIfChanged,
      unitConfig: { "X-StopOnRemoval": settings.stopOnRemoval },
      serviceConfig: {
        Type: settings.type,
        User: settings.user,
        ExecStart: "/stub/labgen-gitops/bin/labgen-gitops",
        TimeoutStartSec: settings.timeoutStartSec,
        SuccessExitStatus: settings.successExitStatus,
      },
    });
    expect(test.machine.systemPackages[0]).toBe("/stub/labgen-rollback");
  });

  it("packages the generated scripts as writeShellApplication does, with the generated runtime inputs", () => {
    expect(test.rollback).toContain("cat /stub/labgen-vmtest-commit-1/out/hosts/vm/labgen-rollback.sh");
    expect(test.rollback).toContain("printf 'set -o errexit\\nset -o nounset\\nset -o pipefail\\n\\n'");
    expect(test.rollback).toContain('shellcheck "$out/bin/labgen-rollback"');
    const path = /printf 'export PATH="%s:\$PATH"\\n\\n' '([^']*)'/.exec(test.rollback)?.[1];
    expect(path).toBeDefined();
    // What configuration.nix puts on PATH (GITOPS_UNIT.runtimeInputsDetailed, apply host), with the
    // two stand-ins in front and config.system.build.nixos-rebuild left out.
    const expected = GITOPS_UNIT.runtimeInputsDetailed.flatMap((r) => {
      const i = r.input;
      if (i.kind === "pkgs") return [`/stub/pkgs/${i.attr}/bin`];
      if (i.kind === "withPlugins") return ["/stub/opentofu/bin"];
      const option = i.path.join(".");
      return option === "system.build.nixos-rebuild" ? [] : [`/stub/config/${option}/bin`];
    });
    expect(path!.split(":")).toEqual(["/stub/nix/bin", "/stub/nixos-rebuild/bin", ...expected]);
  });

  it("stands in for `nix run <checkout>#default` and `nixos-rebuild switch --flake` only, and says so otherwise", () => {
    // Exactly the agent's labgen_run (generator/targets/gitops/program-snapshots.ts).
    expect(test.shims.nix).toContain(`$1 == --extra-experimental-features && $3 == run && $4 == "$PWD#default" && $5 == --`);
    expect(test.shims.nix).toContain('exec labgen "$@"');
    expect(test.shims.nix).toContain("only 'nix --extra-experimental-features … run <checkout>#default -- <args>' is provided here");
    expect(test.shims.nixosRebuild).toContain("$1 != switch || $2 != --flake");
    expect(test.shims.nixosRebuild).toContain("out/hosts/$host/configuration.nix");
    expect(test.shims.nixosRebuild).toContain('nix-env -p /nix/var/nix/profiles/system --set "$path"');
    expect(test.shims.nixosRebuild).toContain('exec "$path/bin/switch-to-configuration" switch');
    // switch-to-configuration switch installs a boot loader; the directly booted VM has none.
    expect(test.machine.boot.loader.grub.enable).toBe(false);
  });

  it("its test script is Python the driver can compile", () => {
    const r = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'testScript', 'exec')"], { input: test.script, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.each([
    ["the image is imported as nixpkgs' Incus tests do", "incus image import /stub/meta/tarball/nixos-image-lxc-*-x86_64-linux.tar.xz /stub/rootfs/nixos-lxc-image-x86_64-linux.squashfs --alias labgen-vmtest"],
    ["the CA is made by the generated ca.sh", "bash /stub/labgen-vmtest-commit-1/out/ca/ca.sh init"],
    ["the deploy key is the published private key", "install -D -m 600 /stub/privkey.snakeoil {state}/secrets/deploy-key"],
    ["sshd serves the published host key", "install -m 600 /stub/privkey.ed25519.snakeoil /etc/ssh/ssh_host_ed25519_key"],
    ["the repository is a bare one the git user owns", "runuser -u git -- git init --quiet --bare --initial-branch=main /srv/git/lab.git"],
    ["the datasets come from commit 1's lab.json", 'cat /stub/labgen-vmtest-commit-1/out/lab.json'],
    ["Incus's database gets a dataset of its own", 'if ds["mountpoint"] == "/var/lib/incus":'],
    ["each deploy is a run of the unit", 'machine.execute("systemctl start labgen-gitops.service")'],
    ["commit 1 creates web and its volume", 'assert objects1["volumes"] == ["custom,web-data"], objects1'],
    ["snapshot sets are labgen-<seq>-<commit>", 'snap1 = f"labgen-000001-{c1[:12]}"'],
    ["labgen's own datasets are ZFS-snapshotted", 'machine.succeed(f"zfs list -H -t snapshot {ds}@{snap1}")'],
    ["commit 2 adds db", 'assert objects2["instances"] == ["db", "web"], objects2'],
    ["web is snapshotted by Incus before commit 2", 'incus snapshot list web --format csv,noheader --columns n | grep -x {snap2}'],
    ["its volume too", 'incus storage volume snapshot list fast web-data --format csv,noheader --columns n | grep -x {snap2}'],
    ["no labgen snapshot on Incus's datasets", 'assert [s for s in below_incus if "@labgen-" in s] == [], below_incus'],
    ["the rollback is shown first", 'labgen-rollback --dry-run {c2}'],
    ["then run", 'machine.succeed(f"labgen-rollback {c2}")'],
    ["Incus is back at commit 1", "assert incus_objects() == objects1"],
    ["OpenTofu's state too", "tofu state list\") == state1"],
    ["and the plan of commit 1 is empty", 'tofu("plan -input=false -detailed-exitcode")'],
    ["NixOS is back at commit 1's generation", 'assert machine.succeed("readlink /nix/var/nix/profiles/system").strip() == gen1'],
    ["the undone commit is held", 'assert result["result"] == "held", result'],
  ])("%s", (_what, fragment) => {
    expect(test.script).toContain(fragment);
  });
});
