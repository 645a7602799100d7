// NixOS target: out/hosts/<host>/configuration.nix and disko.nix, for the reference lab and the
// test/cases labs. Checked with the real Nix (parse, strict evaluation), against upstream option
// declarations (test/fixtures/upstream/nixos-options/), and against the Model they come from.
// A missing nix-instantiate fails these tests (test/support/nix.ts), it never skips them.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type CompileOk } from "../../generator/pipeline.ts";
import { nix, printNix, type NixAttrs, type NixExpr } from "../../generator/printers/nix/index.ts";
import type { HostModel, Model } from "../../generator/resolve/model.ts";
import {
  CONSOLE_PASSWORD_FILE,
  ESP_MOUNT_OPTIONS,
  GITOPS_UNIT,
  HOST_SERVICES,
  HOST_UNITS,
  NixosTargetError,
  POOL_OPTIONS,
  ROOT_FS_OPTIONS,
  assertFoundationOnly,
  espMountPoints,
  flattenBindings,
  mountUnitName,
  planNixos,
  nixosIr,
  type HostNixosIR,
} from "../../generator/targets/nixos/index.ts";
import { REPO_ROOT } from "../support/lab-fixtures.ts";
import { NIX_MISSING_MESSAGE, nixEvalJson, nixParse, requireNix } from "../support/nix.ts";
import { NixosOptions, OPTIONS_DIR } from "../support/nixos-options.ts";

// ---------------------------------------------------------------------------------------------
// Cases and helpers

const CASES = {
  reference: { config: join(REPO_ROOT, "test/cases/reference/lab.config.ts"), lock: join(REPO_ROOT, "test/cases/reference/lab.lock.json") },
  "three-hosts": {
    config: join(REPO_ROOT, "test/cases/three-hosts/lab.config.ts"),
    lock: join(REPO_ROOT, "test/cases/three-hosts/lab.lock.json"),
  },
  "dhcp-no-tailscale": {
    config: join(REPO_ROOT, "test/cases/dhcp-no-tailscale/lab.config.ts"),
    lock: join(REPO_ROOT, "test/cases/dhcp-no-tailscale/lab.lock.json"),
  },
} as const;
type CaseName = keyof typeof CASES;
const CASE_NAMES = Object.keys(CASES) as CaseName[];

const compiled = new Map<CaseName, Promise<CompileOk>>();
/** Compiled once per file, inside the tests (a failing hook would only skip them). */
function lab(name: CaseName): Promise<CompileOk> {
  let p = compiled.get(name);
  if (!p) {
    p = compile({ configFile: CASES[name].config, lockFile: CASES[name].lock }).then((r) => {
      if (!r.ok) throw new Error(`${name} is invalid:\n${r.diagnostics.map((d) => `${d.path.join(".")}: ${d.message}`).join("\n")}`);
      return r;
    });
    compiled.set(name, p);
  }
  return p;
}

async function hostIR(name: CaseName, host: string): Promise<{ model: Model; h: HostModel; ir: HostNixosIR }> {
  const { model } = await lab(name);
  const ir = nixosIr(model).find((x) => x.host === host);
  const h = model.hosts.find((x) => x.name === host);
  if (!ir || !h) throw new Error(`no host ${host} in ${name}`);
  return { model, h, ir };
}

/** IR → plain JS: literals as themselves, Nix code as "<nix:…>", paths as "<path:…>". */
function js(v: NixExpr): unknown {
  if (v === null || typeof v !== "object") return v;
  switch (v.kind) {
    case "string":
    case "indented":
      return v.value;
    case "int":
      return Number(v.value);
    case "float":
      return v.value;
    case "path":
      return `<path:${v.value}>`;
    case "list":
      return v.items.map(js);
    case "attrs": {
      const out: Record<string, unknown> = {};
      for (const b of flattenBindings(v)) {
        let cur = out;
        b.path.slice(0, -1).forEach((k) => (cur = (cur[k] ??= {}) as Record<string, unknown>));
        cur[b.path[b.path.length - 1]] = js(b.value);
      }
      return out;
    }
    default:
      return `<nix:${printNix(v).trim()}>`;
  }
}

// biome-ignore lint: a JSON-like tree
type Tree = any;
const tree = (body: NixAttrs): Tree => js(body);

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

// ---------------------------------------------------------------------------------------------

describe("nixos target: files", () => {
  it.each(CASE_NAMES)("%s: configuration.nix and disko.nix for every host, nothing else", async (name) => {
    const { model } = await lab(name);
    const files = planNixos(model);
    expect(files.map((f) => f.path)).toEqual(
      model.hosts.flatMap((h) => [`hosts/${h.name}/configuration.nix`, `hosts/${h.name}/disko.nix`]),
    );
    for (const f of files) {
      expect(f.executable ?? false).toBe(false);
      expect(f.sources).toEqual([...new Set(f.sources)].sort());
      expect(f.sources.length).toBeGreaterThan(0);
      expect(f.content.endsWith("\n")).toBe(true);
      for (const line of f.content.split("\n")) {
        // Nothing but an SSH key (which cannot be broken) runs past 100 columns.
        if (!/"(ssh-|ecdsa-|sk-)/.test(line)) expect(line.length, `${f.path}: ${line}`).toBeLessThanOrEqual(100);
        expect(line, `${f.path}: trailing whitespace`).toBe(line.trimEnd());
      }
    }
    // Deterministic: a second plan prints the same bytes.
    expect(planNixos(model).map((f) => f.content)).toEqual(files.map((f) => f.content));
  });

  it("the reference files come from the host, its admins, bridges, exposed ports, CA and disks", async () => {
    const { model } = await lab("reference");
    const files = new Map(planNixos(model).map((f) => [f.path, f.sources]));
    expect(files.get("hosts/nas/configuration.nix")).toEqual([
      "admins.alice",
      "ca",
      "hosts.nas",
      "instances.forgejo.ports[0]",
      "instances.traefik.ports[0]",
      "instances.traefik.ports[1]",
      "networks.lab0",
      "secrets.grafana-admin-password",
      "secrets.nextcloud-admin-password",
      "secrets.nextcloud-db-password",
      "secrets.vaultwarden-admin-token",
      "timezone",
      "tofu",
    ]);
    expect(files.get("hosts/nas/disko.nix")).toEqual([
      // The CA and OpenTofu state directories are datasets of their own (labgen/ca, labgen/tofu).
      "ca.dir",
      "hosts.nas",
      "hosts.nas.zfs.pools.rpool",
      "hosts.nas.zfs.pools.rpool.reserve",
      "hosts.nas.zfs.pools.tank",
      "hosts.nas.zfs.pools.tank.datasets.backup",
      "hosts.nas.zfs.pools.tank.reserve",
      "storage.bulk",
      "storage.fast",
      "tofu.stateDir",
    ]);
  });
});

describe("nixos target: real Nix", () => {
  it("nix-instantiate is installed (a missing tool fails, never skips)", () => {
    expect(requireNix()).toMatch(/nix-instantiate \(Nix\) \d+\.\d+/);
    expect(NIX_MISSING_MESSAGE).toMatch(/nix-instantiate is not on PATH/);
  });

  it.each(CASE_NAMES)("%s: every generated .nix parses (nix-instantiate --parse)", async (name) => {
    const { model } = await lab(name);
    for (const f of planNixos(model)) {
      try {
        nixParse(f.content);
      } catch (e) {
        throw new Error(`${f.path}: ${(e as Error).message}`);
      }
    }
  });

  it.each(CASE_NAMES)("%s: every disko.nix evaluates strictly to plain data", async (name) => {
    const { model } = await lab(name);
    for (const f of planNixos(model).filter((x) => x.path.endsWith("/disko.nix"))) {
      const value = nixEvalJson(f.content) as Tree;
      expect(Object.keys(value)).toEqual(["disko"]);
      expect(Object.keys(value.disko)).toEqual(["devices"]);
      expect(Object.keys(value.disko.devices).sort()).toEqual(["disk", "zpool"]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// disko.nix against the Model and against disko's types

/** disko's partition/dataset shapes (nix-community/disko lib/types/{disk,gpt,filesystem,zfs,zpool,zfs_fs}.nix). */
function checkDiskoShapes(devices: Tree): string[] {
  const problems: string[] = [];
  const keysWithin = (where: string, obj: Tree, allowed: string[]) => {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) problems.push(`${where}: unknown key ${k}`);
  };
  const strings = (where: string, obj: Tree) => {
    for (const [k, v] of Object.entries(obj)) if (typeof v !== "string") problems.push(`${where}.${k}: attrsOf str needs a string`);
  };
  for (const [name, disk] of Object.entries<Tree>(devices.disk)) {
    const at = `disk.${name}`;
    keysWithin(at, disk, ["type", "device", "content"]);
    if (disk.type !== "disk") problems.push(`${at}.type`);
    if (!/^\/dev\/disk\/by-id\/[^/]+$/.test(disk.device)) problems.push(`${at}.device is not by-id: ${disk.device}`);
    keysWithin(`${at}.content`, disk.content, ["type", "partitions"]);
    if (disk.content.type !== "gpt") problems.push(`${at}.content.type must be gpt`);
    for (const [pname, part] of Object.entries<Tree>(disk.content.partitions)) {
      const pat = `${at}.partitions.${pname}`;
      keysWithin(pat, part, ["size", "type", "content"]);
      if (!/^(100%|[0-9]+[KMGTP]?)$/.test(part.size)) problems.push(`${pat}.size ${part.size}`);
      if (part.type !== undefined && !/^[A-Fa-f0-9]{4}$/.test(part.type)) problems.push(`${pat}.type ${part.type}`);
      const c = part.content;
      if (c.type === "filesystem") keysWithin(`${pat}.content`, c, ["type", "format", "mountpoint", "mountOptions"]);
      else if (c.type === "zfs") keysWithin(`${pat}.content`, c, ["type", "pool"]);
      else problems.push(`${pat}.content.type ${c.type}`);
    }
  }
  const modes = ["", "mirror", "raidz", "raidz1", "raidz2", "raidz3"];
  for (const [name, pool] of Object.entries<Tree>(devices.zpool)) {
    const at = `zpool.${name}`;
    keysWithin(at, pool, ["type", "mode", "options", "rootFsOptions", "datasets"]);
    if (pool.type !== "zpool") problems.push(`${at}.type`);
    if (typeof pool.mode === "string") {
      if (!modes.includes(pool.mode)) problems.push(`${at}.mode ${pool.mode}`);
    } else {
      keysWithin(`${at}.mode`, pool.mode, ["topology"]);
      keysWithin(`${at}.mode.topology`, pool.mode.topology, ["type", "vdev"]);
      if (pool.mode.topology.type !== "topology") problems.push(`${at}.mode.topology.type`);
      for (const v of pool.mode.topology.vdev) {
        keysWithin(`${at}.mode.topology.vdev`, v, ["mode", "members"]);
        if (!modes.includes(v.mode)) problems.push(`${at} vdev mode ${v.mode}`);
      }
    }
    strings(`${at}.options`, pool.options);
    strings(`${at}.rootFsOptions`, pool.rootFsOptions);
    for (const [dname, ds] of Object.entries<Tree>(pool.datasets)) {
      // zfs_fs.nix: mountOptions is listOf str (default [ "defaults" ]), copied into fileSystems.
      keysWithin(`${at}.datasets.${dname}`, ds, ["type", "mountpoint", "mountOptions", "options"]);
      if (ds.type !== "zfs_fs") problems.push(`${at}.datasets.${dname}.type`);
      if (ds.mountOptions !== undefined && !(Array.isArray(ds.mountOptions) && ds.mountOptions.every((o: unknown) => typeof o === "string")))
        problems.push(`${at}.datasets.${dname}.mountOptions: listOf str`);
      strings(`${at}.datasets.${dname}.options`, ds.options);
    }
  }
  return problems;
}

const DISKO_MODE = { stripe: "", mirror: "mirror", raidz1: "raidz1", raidz2: "raidz2", raidz3: "raidz3" } as const;

describe("nixos target: disko.nix matches the Model", () => {
  it.each(CASE_NAMES)("%s", async (name) => {
    const { model } = await lab(name);
    const files = new Map(planNixos(model).map((f) => [f.path, f.content]));
    for (const host of model.hosts) {
      const devices = (nixEvalJson(files.get(`hosts/${host.name}/disko.nix`)!) as Tree).disko.devices;
      expect(checkDiskoShapes(devices), host.name).toEqual([]);

      // Every pool member, by id, exactly once; disks outside pools are never touched.
      const members = host.zpools.flatMap((p) => p.vdevs.flatMap((v) => v.disks));
      const byId = new Map(Object.entries<Tree>(devices.disk).map(([n, d]) => [d.device as string, { name: n, d }]));
      expect([...byId.keys()].sort()).toEqual([...members].sort());
      for (const d of host.disks.filter((x) => x.zpool === null)) expect(byId.has(d.id)).toBe(false);

      for (const pool of host.zpools) {
        const poolMembers = pool.vdevs.flatMap((v) => v.disks);
        poolMembers.forEach((id, i) => {
          const { d } = byId.get(id)!;
          const parts = d.content.partitions;
          expect(parts.zfs).toEqual({ size: "100%", content: { type: "zfs", pool: pool.name } });
          if (pool.boot) {
            // An ESP on every boot disk: /boot on the first, copies on the others.
            expect(parts.ESP).toEqual({
              size: "1G",
              type: "EF00",
              content: {
                type: "filesystem",
                format: "vfat",
                mountpoint: i === 0 ? "/boot" : i === 1 ? "/boot-fallback" : `/boot-fallback-${i}`,
                mountOptions: [...ESP_MOUNT_OPTIONS],
              },
            });
          } else expect(Object.keys(parts)).toEqual(["zfs"]);
        });

        const z = devices.zpool[pool.name];
        if (pool.vdevs.length === 1) expect(z.mode).toBe(DISKO_MODE[pool.vdevs[0].topology]);
        else {
          const vdevs = z.mode.topology.vdev as { mode: string; members: string[] }[];
          // Topology members are disko disk names; they must map back to the vdev's disks, in order.
          const nameToId = new Map([...byId].map(([id, x]) => [x.name, id]));
          expect(vdevs.map((v) => ({ mode: v.mode, disks: v.members.map((m) => nameToId.get(m)) }))).toEqual(
            pool.vdevs.map((v) => ({ mode: DISKO_MODE[v.topology], disks: v.disks })),
          );
        }
        expect(z.options).toEqual({ ashift: "12", autotrim: "on" });
        expect(z.options).toEqual({ ...POOL_OPTIONS });
        expect(z.rootFsOptions).toEqual({ acltype: "posixacl", atime: "off", compression: "zstd", mountpoint: "none", xattr: "sa" });
        expect(z.rootFsOptions).toEqual({ ...ROOT_FS_OPTIONS });

        // Datasets: exactly the model's, mounted (legacy) where it says, unmounted (none) otherwise.
        expect(Object.keys(z.datasets).sort()).toEqual(pool.datasets.map((d) => d.name).sort());
        for (const ds of pool.datasets) {
          const expected: Tree = { type: "zfs_fs", options: { mountpoint: ds.mountpoint === null ? "none" : "legacy", ...ds.properties } };
          if (ds.mountpoint !== null) expected.mountpoint = ds.mountpoint;
          // Only the boot pool may block boot: a data pool's mounts are nofail.
          if (ds.mountpoint !== null && !pool.boot) expected.mountOptions = ["nofail"];
          expect(z.datasets[ds.name], `${pool.name}/${ds.name}`).toEqual(expected);
          if (ds.role === "incus" || ds.role === "reserve") expect(ds.mountpoint).toBeNull();
          if (ds.role === "reserve") expect(z.datasets[ds.name].options.reservation).toBe(pool.reserve);
        }
      }
    }
  });

  it("reference: NVMe mirror boot pool with two ESPs, 4-disk raidz1 tank", async () => {
    const { model } = await lab("reference");
    const devices = (nixEvalJson(planNixos(model).find((f) => f.path === "hosts/nas/disko.nix")!.content) as Tree).disko.devices;
    expect(Object.keys(devices.disk)).toEqual(["rpool-1", "rpool-2", "tank-1", "tank-2", "tank-3", "tank-4"]);
    expect(devices.zpool.rpool.mode).toBe("mirror");
    expect(devices.zpool.tank.mode).toBe("raidz1");
    expect(devices.disk["rpool-1"].content.partitions.ESP.content.mountpoint).toBe("/boot");
    expect(devices.disk["rpool-2"].content.partitions.ESP.content.mountpoint).toBe("/boot-fallback");
    expect(devices.zpool.rpool.datasets.root).toEqual({ type: "zfs_fs", mountpoint: "/", options: { mountpoint: "legacy" } });
    expect(devices.zpool.tank.datasets.incus).toEqual({ type: "zfs_fs", options: { mountpoint: "none" } });
    expect(devices.zpool.tank.datasets.reserved).toEqual({ type: "zfs_fs", options: { mountpoint: "none", reservation: "10G" } });
    // nixpkgs nixos/modules/tasks/filesystems/zfs.nix makes zfs-import-tank requiredBy srv-backup.mount:
    // without nofail a pool that cannot import fails local-fs.target and the boot stops before SSH.
    expect(devices.zpool.tank.datasets.backup).toEqual({
      type: "zfs_fs",
      mountpoint: "/srv/backup",
      mountOptions: ["nofail"],
      options: { mountpoint: "legacy", recordsize: "1M" },
    });
    for (const ds of ["root", "nix", "var"]) expect(devices.zpool.rpool.datasets[ds].mountOptions, ds).toBeUndefined();
  });

  it("three-hosts: two raidz2 vdevs use disko's topology; a 2-disk stripe is mode \"\"", async () => {
    const { model } = await lab("three-hosts");
    const dev = (host: string) =>
      (nixEvalJson(planNixos(model).find((f) => f.path === `hosts/${host}/disko.nix`)!.content) as Tree).disko.devices;
    expect(dev("beta").zpool.tank.mode).toEqual({
      topology: {
        type: "topology",
        vdev: [
          { mode: "raidz2", members: ["tank-1", "tank-2", "tank-3", "tank-4"] },
          { mode: "raidz2", members: ["tank-5", "tank-6", "tank-7", "tank-8"] },
        ],
      },
    });
    expect(dev("gamma").zpool.scratch.mode).toBe("");
    expect(Object.keys(dev("gamma").disk)).toEqual(["rpool-1", "scratch-1", "scratch-2"]);
    expect(dev("alpha").zpool.rpool.mode).toBe("mirror");
  });

  it("dhcp-no-tailscale: a single-disk stripe boot pool with one ESP", async () => {
    const { model } = await lab("dhcp-no-tailscale");
    const devices = (nixEvalJson(planNixos(model)[1].content) as Tree).disko.devices;
    expect(Object.keys(devices.disk)).toEqual(["rpool-1"]);
    expect(devices.zpool.rpool.mode).toBe("");
    expect(Object.keys(devices.disk["rpool-1"].content.partitions)).toEqual(["ESP", "zfs"]);
    expect(devices.zpool.rpool.datasets.reserved.options.reservation).toBe("5G");
  });
});

// ---------------------------------------------------------------------------------------------
// Option paths and values against the upstream declarations

describe("nixos target: options exist upstream and literal values fit their types", () => {
  const options = new NixosOptions();

  it("the fixture is the shared copy, unchanged (PROVENANCE.md)", () => {
    const provenance = readFileSync(join(OPTIONS_DIR, "PROVENANCE.md"), "utf8");
    for (const file of ["options.json", "README.md", "supplement.json"]) {
      const line = provenance.split("\n").find((l) => l.startsWith(`| \`${file}\``));
      expect(line, file).toBeDefined();
      expect(line).toContain(sha256(join(OPTIONS_DIR, file)));
    }
  });

  it.each(CASE_NAMES)("%s: configuration.nix", async (name) => {
    const { model } = await lab(name);
    for (const { host, configuration, disko } of nixosIr(model)) {
      const r = options.checkModule(configuration.body);
      expect(r.problems, host).toEqual([]);
      // Each binding resolved to a declaration (typed) or is Nix code (path-checked only).
      expect(r.checked.length).toBeGreaterThan(40);
      const d = options.checkModule(disko);
      expect(d.problems, `${host} disko`).toEqual([]);
    }
  });

  it("reference: which options are set, and how each was checked", async () => {
    const { model } = await lab("reference");
    const [{ configuration }] = nixosIr(model);
    const r = options.checkModule(configuration.body);
    const byPath = new Map(r.checked.map((c) => [c.path, c]));
    const typeOf = (p: string) => byPath.get(p)?.type;
    expect(typeOf("networking.hostId")).toBe("null or string");
    expect(typeOf("networking.firewall.allowedTCPPorts")).toBe("list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)");
    expect(typeOf("services.openssh.settings.PermitRootLogin")).toMatch(/^null or one of "yes"/);
    expect(typeOf("boot.zfs.forceImportRoot")).toBe("boolean");
    expect(typeOf("users.users.alice.openssh.authorizedKeys.keys")).toBe("list of (optionally newline-terminated) single-line string");
    expect(byPath.get("users.users.alice.isNormalUser")?.declaration).toBe("users.users.<name>.isNormalUser");
    expect(byPath.get("networking.interfaces.enp2s0.ipv4.addresses.*.prefixLength")?.type).toBe(
      "integer between 0 and 32 (both inclusive)",
    );
    // Freeform keys: checked against the enclosing open submodule's element type.
    expect(byPath.get("services.sanoid.templates.host.weekly")?.declaration).toBe("freeform of services.sanoid.templates");
    expect(byPath.get("nix.settings.experimental-features")?.declaration).toBe("freeform of nix.settings");
    // Supplemented declarations (modules missing from options.json, see PROVENANCE.md).
    expect(typeOf("nix.gc.automatic")).toBe("boolean");
    expect(typeOf("security.sudo.wheelNeedsPassword")).toBe("boolean");
    // Nix code: only the path is checked.
    for (const p of ["boot.kernelPackages", "virtualisation.incus.package", "security.pki.certificateFiles", "environment.systemPackages.*"])
      expect(typeOf(p), p).toBe("expression");
    expect(typeOf("boot.loader.systemd-boot.extraInstallCommands")).toBe("expression");
  });

  it("sanoid datasets use only templates defined next to them", async () => {
    for (const name of CASE_NAMES) {
      const { model } = await lab(name);
      for (const { configuration } of nixosIr(model)) {
        const sanoid = tree(configuration.body).services.sanoid;
        for (const [ds, cfg] of Object.entries<Tree>(sanoid.datasets))
          for (const t of cfg.use_template) expect(Object.keys(sanoid.templates), ds).toContain(t);
      }
    }
  });

  it("the checker itself rejects unknown options, aliases, bad types, enums, ranges and missing sub-options", () => {
    const check = (...entries: Parameters<typeof nix.bind>[]) =>
      options.checkModule(nix.attrs(entries.map((args) => nix.bind(...args)))).problems;
    expect(check([["networking", "firewall", "allowedTCPPort"], nix.list([22])])).toEqual([
      "networking.firewall.allowedTCPPort: no such option",
    ]);
    expect(check([["services", "openssh", "permitRootLogin"], "no"])[0]).toMatch(/renamed or removed option/);
    expect(check([["networking", "firewall", "enable"], "yes"])[0]).toMatch(/expected a boolean, got string/);
    expect(check([["services", "openssh", "settings", "PermitRootLogin"], "maybe"])[0]).toMatch(/matches none of the alternatives/);
    expect(check([["networking", "firewall", "allowedTCPPorts"], nix.list([70000])])[0]).toMatch(/70000 is out of range/);
    expect(check([["networking", "hostName"], "bad_name-"])[0]).toMatch(/does not match/);
    expect(check([["time", "timeZone"], "Europe Paris"])[0]).toMatch(/without whitespace/);
    expect(
      check([["networking", "interfaces", "eth0", "ipv4", "addresses"], nix.list([nix.attrs({ address: "10.0.0.2" })])])[0],
    ).toMatch(/required sub-option prefixLength/);
    expect(check([["virtualisation", "incus", "package"], "incus"])[0]).toMatch(/package must be a Nix expression/);
    expect(check([["services", "tailscale", "authKeyFile"], "relative/key"])[0]).toMatch(/expected an absolute path/);
    expect(check([["services", "sanoid", "templates", "x", "weekly"], nix.list([nix.attrs({})])])[0]).toMatch(/none of the alternatives/);
    // And accepts what NixOS accepts.
    expect(check([["nix", "settings", "max-free"], 1000])).toEqual([]);
    expect(check([["boot", "supportedFilesystems"], nix.attrs({ zfs: true })])).toEqual([]);
    expect(check([["networking", "defaultGateway"], "192.168.1.1"])).toEqual([]);
    expect(check([["virtualisation", "incus", "preseed", "config", "core.https_address"], ":8443"])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The foundation rule

describe("nixos target: no application service on the bare metal", () => {
  it("the closed lists", () => {
    expect([...HOST_SERVICES]).toEqual(["openssh", "tailscale", "zfs", "sanoid"]);
    // labgen's own foundation units: the GitOps agent, certificate renewal, the app-secrets oneshot
    // and the ESP fallback of a mirrored boot pool.
    expect([...HOST_UNITS]).toEqual(["labgen-gitops", "labgen-cert-renew", "labgen-secrets", "labgen-boot-esp"]);
  });

  it.each(CASE_NAMES)("%s: services.* and systemd units stay within the closed lists", async (name) => {
    const { model } = await lab(name);
    for (const { host, configuration } of nixosIr(model)) {
      const bindings = flattenBindings(configuration.body);
      const services = new Set(bindings.filter((b) => b.path[0] === "services").map((b) => b.path[1]));
      for (const s of services) expect(HOST_SERVICES as readonly string[], `${host}: services.${s}`).toContain(s);
      const units = new Set(
        bindings.filter((b) => b.path[0] === "systemd" && (b.path[1] === "services" || b.path[1] === "timers")).map((b) => b.path[2]),
      );
      for (const u of units) expect(HOST_UNITS as readonly string[], `${host}: systemd unit ${u}`).toContain(u);
      const h = model.hosts.find((x) => x.name === host)!;
      expect([...services].sort()).toEqual(["openssh", "sanoid", ...(h.tailscale ? ["tailscale"] : []), "zfs"]);
      // The certificate renewal runs where the CA is: the OpenTofu host, when there is an ingress.
      const renews = h.gitops?.appliesTofu === true && model.ingress !== null;
      const keepsSecrets = model.secrets.some((s) => s.host === host);
      const mirrored = espMountPoints(h).length > 1;
      expect([...units].sort()).toEqual(
        [...(h.gitops ? ["labgen-gitops", ...(renews ? ["labgen-cert-renew"] : [])] : []), ...(keepsSecrets ? ["labgen-secrets"] : []), ...(mirrored ? ["labgen-boot-esp"] : [])].sort(),
      );
    }
  });

  it("the generator throws when the IR gains another service or unit, in any spelling", async () => {
    const { ir } = await hostIR("reference", "nas");
    const body = ir.configuration.body;
    const withEntry = (entry: ReturnType<typeof nix.bind>): NixAttrs => nix.attrs([...body.entries, entry]);
    expect(() => assertFoundationOnly("nas", body)).not.toThrow();
    const attempts = [
      nix.bind(["services", "nginx", "enable"], true),
      nix.bind("services", nix.attrs([nix.bind(["postgresql", "enable"], true)])),
      nix.bind(["services", "home-assistant"], nix.attrs({ enable: true })),
      nix.bind("services", nix.expr("import ./apps.nix")),
      nix.bind(["systemd", "services", "my-app"], nix.attrs({ script: "run" })),
      nix.bind(["systemd", "timers", "backup"], nix.attrs({ wantedBy: nix.list(["timers.target"]) })),
    ];
    for (const entry of attempts) {
      expect(() => assertFoundationOnly("nas", withEntry(entry)), entry.path.join(".")).toThrow(NixosTargetError);
    }
    expect(() => assertFoundationOnly("nas", withEntry(attempts[0]))).toThrow(/services\.nginx is not a foundation service/);
  });
});

// ---------------------------------------------------------------------------------------------
// What the reference host gets

describe("nixos target: reference host nas", () => {
  it("boot, ZFS and the kernel", async () => {
    const { ir } = await hostIR("reference", "nas");
    const t = tree(ir.configuration.body);
    expect(t.imports).toEqual(["<path:./disko.nix>"]);
    expect(t.networking.hostName).toBe("nas");
    expect(t.networking.hostId).toBe("1ffee8ba");
    expect(t.boot.loader["systemd-boot"].enable).toBe(true);
    expect(t.boot.loader.efi.canTouchEfiVariables).toBe(true);
    expect(t.boot.supportedFilesystems).toEqual(["zfs"]);
    expect(t.boot.kernelPackages).toBe("<nix:pkgs.linuxPackages>");
    expect(t.boot.zfs).toEqual({ forceImportRoot: false, extraPools: ["tank"] });
    expect(t.services.zfs).toEqual({ autoScrub: { enable: true, interval: "monthly" }, trim: { enable: true } });
    // The second ESP is kept in sync after every bootloader install.
    expect(t.boot.loader["systemd-boot"].extraInstallCommands).toMatch(/for esp in \/boot-fallback; do/);
  });

  it("LAN, firewall and trusted interfaces", async () => {
    const { ir, model, h } = await hostIR("reference", "nas");
    const n = tree(ir.configuration.body).networking;
    expect(n.useDHCP).toBe(false);
    expect(n.interfaces).toEqual({ enp2s0: { ipv4: { addresses: [{ address: "192.168.1.10", prefixLength: 24 }] } } });
    expect(n.defaultGateway).toEqual({ address: "192.168.1.1", interface: "enp2s0" });
    expect(n.nameservers).toEqual(["192.168.1.1"]);
    expect(n.nftables.enable).toBe(true);
    // SSH, then exactly the host ports of the instances' proxy devices.
    const exposed = model.instances.filter((i) => i.host === h.name).flatMap((i) => i.ports);
    expect(exposed.every((p) => p.protocol === "tcp")).toBe(true);
    // Guests get DHCP (udp/67) and DNS (udp+tcp/53) from the host and nothing else, as Incus's own
    // restrictive example (lxc/incus doc/howto/network_bridge_firewalld.md); no bridge is trusted.
    expect(n.firewall).toEqual({
      enable: true,
      allowedTCPPorts: [22, 80, 443, 2222],
      interfaces: { lab0: { allowedTCPPorts: [53], allowedUDPPorts: [53, 67] } },
      trustedInterfaces: ["tailscale0"],
    });
    expect(n.firewall.allowedTCPPorts.slice(1)).toEqual(exposed.map((p) => p.hostPort).sort((a, b) => a - b));
  });

  it("SSH, admins, sudo and the CA", async () => {
    const { ir, h } = await hostIR("reference", "nas");
    const t = tree(ir.configuration.body);
    expect(t.services.openssh).toEqual({
      enable: true,
      ports: [22],
      openFirewall: false,
      settings: { PasswordAuthentication: false, KbdInteractiveAuthentication: false, PermitRootLogin: "prohibit-password" },
    });
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop";
    expect(t.users).toEqual({
      mutableUsers: false,
      users: {
        alice: { isNormalUser: true, description: "Lab owner", extraGroups: ["wheel", "incus-admin"], openssh: { authorizedKeys: { keys: [key] } } },
        root: { hashedPasswordFile: CONSOLE_PASSWORD_FILE, openssh: { authorizedKeys: { keys: [key] } } },
      },
    });
    // The console way in reads a file NixOS reads at activation (nixpkgs
    // nixos/modules/config/users-groups.nix), which at boot runs before any mount but the paths
    // needed for boot (nixpkgs nixos/lib/utils.nix pathsNeededForBoot): on /var, not the state dataset.
    expect(CONSOLE_PASSWORD_FILE.startsWith("/var/lib/")).toBe(true);
    expect(CONSOLE_PASSWORD_FILE.startsWith(`${h.zpools[0].datasets.find((d) => d.role === "state")!.mountpoint}/`)).toBe(false);
    // SSH stays keys-only.
    expect(t.services.openssh.settings.PasswordAuthentication).toBe(false);
    expect(t.services.openssh.settings.KbdInteractiveAuthentication).toBe(false);
    expect(t.security.sudo).toEqual({ wheelNeedsPassword: false, execWheelOnly: true });
    expect(t.security.pki.certificateFiles).toBe(
      "<nix:lib.optional (builtins.pathExists ../../../ca/root.crt) ../../../ca/root.crt>",
    );
  });

  it("Incus, Tailscale, nix settings", async () => {
    const { ir, h } = await hostIR("reference", "nas");
    const t = tree(ir.configuration.body);
    expect(t.virtualisation.incus).toEqual({
      enable: true,
      package: h.incus.channel === "lts" ? "<nix:pkgs.incus-lts>" : "<nix:pkgs.incus>",
    });
    expect(t.services.tailscale).toEqual({
      enable: true,
      authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key",
      useRoutingFeatures: "server",
      // By default only what the ingress needs: Traefik and its bridge's DNS (for split DNS).
      extraSetFlags: ["--advertise-routes=10.10.0.1/32,10.10.0.10/32", "--snat-subnet-routes=false"],
    });
    expect(t.nix).toEqual({
      settings: { "experimental-features": ["nix-command", "flakes"] },
      gc: { automatic: true, dates: "weekly", options: "--delete-older-than 30d" },
      optimise: { automatic: true },
    });
    expect(t.time.timeZone).toBe("Europe/Paris");
    expect(t.system.stateVersion).toBe("26.05");
    expect(t.services.sanoid.templates.host).toEqual({ hourly: 24, daily: 14, weekly: 4, monthly: 6 });
    expect(Object.keys(t.services.sanoid.datasets)).toEqual([...h.autoSnapshot.datasets]);
  });

  it("the GitOps agent: service, timer and rollback command", async () => {
    const { ir } = await hostIR("reference", "nas");
    const t = tree(ir.configuration.body);
    expect(Object.keys(t.systemd.services).sort()).toEqual(["labgen-boot-esp", "labgen-cert-renew", "labgen-gitops", "labgen-secrets"]);
    expect(Object.keys(t.systemd.timers)).toEqual(["labgen-gitops", "labgen-cert-renew"]);
    expect(t.systemd.services["labgen-gitops"]).toEqual({
      description: "labgen GitOps agent: pull the lab repository, rebuild this host, apply OpenTofu",
      after: ["network-online.target"],
      wants: ["network-online.target"],
      restartIfChanged: false,
      unitConfig: { "X-StopOnRemoval": false },
      serviceConfig: {
        Type: "oneshot",
        User: "root",
        ExecStart: "<nix:lib.getExe labgen-gitops>",
        TimeoutStartSec: "2h",
        SuccessExitStatus: "75",
      },
    });
    expect(t.systemd.timers["labgen-cert-renew"]).toEqual({ wantedBy: ["timers.target"], timerConfig: { OnCalendar: "daily", Persistent: true, RandomizedDelaySec: "1h" } });
    expect(t.systemd.timers["labgen-gitops"]).toEqual({
      wantedBy: ["timers.target"],
      timerConfig: { OnBootSec: "2min", OnUnitInactiveSec: "5min" },
    });
    // The contract with the gitops target (generator/targets/gitops/unit.ts).
    expect(GITOPS_UNIT.serviceSettings).toMatchObject({ type: "oneshot", user: "root", restartIfChanged: false, stopOnRemoval: false });
    expect(t.environment.systemPackages).toEqual(["<nix:labgen-rollback>", "<nix:labgen-ca>", "<nix:labgen-secrets>"]);
    const lets = Object.fromEntries(ir.configuration.lets.map((e) => [e.kind === "binding" ? e.path.join(".") : "", e]));
    expect(Object.keys(lets)).toEqual(["runtimeInputs", GITOPS_UNIT.service, GITOPS_UNIT.rollbackCommand, GITOPS_UNIT.caCommand, GITOPS_UNIT.renewService, "labgen-secrets"]);
  });

  it("app secrets: a oneshot before Incus and the GitOps agent, and the rotate command", async () => {
    const { ir } = await hostIR("reference", "nas");
    const t = tree(ir.configuration.body);
    expect(t.systemd.services["labgen-secrets"]).toEqual({
      description: "labgen app secrets: generate missing ones, copy them to their instances",
      wantedBy: ["multi-user.target"],
      before: ["incus.service", "labgen-gitops.service"],
      serviceConfig: { Type: "oneshot", RemainAfterExit: true, ExecStart: "<nix:lib.getExe labgen-secrets>" },
    });
    // A host without app secrets has no such service (the three-hosts lab has none).
    const other = await hostIR("three-hosts", "alpha");
    expect(tree(other.ir.configuration.body).systemd?.services?.["labgen-secrets"]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The other cases

describe("nixos target: three-hosts and dhcp-no-tailscale", () => {
  it("three-hosts: hosts OpenTofu reaches over the tailnet serve the Incus API there", async () => {
    const { model } = await lab("three-hosts");
    for (const h of model.hosts) {
      const t = tree(nixosIr(model).find((x) => x.host === h.name)!.configuration.body);
      const applies = model.tofu.host === h.name;
      if (!applies && h.instances.length > 0) expect(h.tailscale?.exposeIncusApi).toBe(true);
      if (h.tailscale?.exposeIncusApi) expect(t.virtualisation.incus.preseed).toEqual({ config: { "core.https_address": "[::]:8443" } });
      else expect(t.virtualisation.incus.preseed).toBeUndefined();
      expect(t.networking.firewall.trustedInterfaces).toEqual(["tailscale0"]);
      expect(Object.keys(t.networking.firewall.interfaces)).toEqual([...h.networks]);
      // The Incus API port is never opened on the LAN.
      expect(t.networking.firewall.allowedTCPPorts).not.toContain(8443);
    }
  });

  it("three-hosts: per-host ports, SSH port, channels, routes and GitOps", async () => {
    const { model } = await lab("three-hosts");
    const t = (host: string) => tree(nixosIr(model).find((x) => x.host === host)!.configuration.body);
    expect(t("alpha").networking.firewall.allowedTCPPorts).toEqual([2200, 22, 80, 443]);
    expect(t("alpha").services.openssh.ports).toEqual([2200]);
    expect(t("gamma").networking.firewall.allowedTCPPorts).toEqual([22, 27015]);
    expect(t("gamma").networking.firewall.allowedUDPPorts).toEqual([27015]);
    expect(t("beta").networking.firewall.allowedUDPPorts).toBeUndefined();
    expect(t("beta").virtualisation.incus.package).toBe("<nix:pkgs.incus>");
    expect(t("gamma").virtualisation.incus.package).toBe("<nix:pkgs.incus-lts>");
    expect(t("gamma").services.tailscale.extraSetFlags).toEqual(["--advertise-routes="]);
    expect(t("gamma").services.tailscale.useRoutingFeatures).toBeUndefined();
    // Only the ingress host advertises anything by default: Traefik and its bridge's DNS.
    expect(t("beta").services.tailscale.extraSetFlags).toEqual(["--advertise-routes="]);
    expect(t("alpha").services.tailscale.extraSetFlags).toEqual(["--advertise-routes=10.20.0.1/32,10.20.0.10/32", "--snat-subnet-routes=false"]);
    expect(t("alpha").systemd.timers["labgen-gitops"].timerConfig.OnUnitInactiveSec).toBe("10min");
    expect(t("gamma").systemd).toBeUndefined();
    expect(t("beta").boot.zfs.extraPools).toEqual(["tank"]);
    expect(t("alpha").boot.zfs.extraPools).toBeUndefined();
    expect(t("alpha").services.zfs.autoScrub.interval).toBe("Sun *-*-1..7 03:00");
    expect(t("alpha").networking.nameservers).toEqual(["192.168.20.1", "1.1.1.1"]);
    expect(Object.keys(t("alpha").users.users)).toEqual(["alice", "bob", "root"]);
    expect(t("alpha").users.users.root.openssh.authorizedKeys.keys).toHaveLength(2);
    // Only the applying host carries OpenTofu.
    const inputs = (host: string) => printNix(nixosIr(model).find((x) => x.host === host)!.configuration.file);
    expect(inputs("alpha")).toContain("pkgs.opentofu.withPlugins (p: [ p.lxc_incus ])");
    expect(inputs("beta")).not.toContain("opentofu");
    // zfs and incus are on every agent's PATH: each host snapshots its own Incus and labgen datasets.
    expect(inputs("beta")).toContain("config.boot.zfs.package");
    expect(inputs("beta")).toContain("config.system.build.nixos-rebuild");
  });

  it("dhcp-no-tailscale: DHCP on the LAN NIC only, no tailnet, no agent, no root keys", async () => {
    const { ir } = await hostIR("dhcp-no-tailscale", "mini");
    const t = tree(ir.configuration.body);
    expect(t.networking.useDHCP).toBe(false);
    expect(t.networking.interfaces).toEqual({ enp1s0: { useDHCP: true } });
    expect(t.networking.defaultGateway).toBeUndefined();
    expect(t.networking.firewall).toEqual({
      enable: true,
      allowedTCPPorts: [22, 1883, 8080],
      allowedUDPPorts: [1883],
      interfaces: { br0: { allowedTCPPorts: [53], allowedUDPPorts: [53, 67] } },
    });
    expect(t.services.tailscale).toBeUndefined();
    expect(t.systemd).toBeUndefined();
    expect(t.environment).toBeUndefined();
    expect(ir.configuration.lets).toEqual([]);
    expect(t.services.openssh.settings.PermitRootLogin).toBe("no");
    expect(Object.keys(t.users.users)).toEqual(["carol", "root"]);
    expect(t.users.users.root).toEqual({ hashedPasswordFile: CONSOLE_PASSWORD_FILE });
    // One boot disk: nothing to mirror.
    expect(t.boot.loader["systemd-boot"].extraInstallCommands).toBeUndefined();
    expect(t.boot.zfs).toEqual({ forceImportRoot: false });
    expect(t.virtualisation.incus).toEqual({ enable: true, package: "<nix:pkgs.incus-lts>" });
  });
});

// ---------------------------------------------------------------------------------------------
// configuration.nix evaluated by the real Nix as a module function, with stub pkgs/lib/config

const STUBS = `
  stub = name: { outPath = "/nix/store/stub-" + name; __stub = name; };
  pkgs = {
    coreutils = stub "coreutils";
    git = stub "git";
    openssh = stub "openssh";
    util-linux = stub "util-linux";
    gnugrep = stub "gnugrep";
    gnused = stub "gnused";
    jq = stub "jq";
    openssl = stub "openssl";
    rsync = stub "rsync";
    linuxPackages = stub "linuxPackages";
    incus = stub "incus";
    incus-lts = stub "incus-lts";
    opentofu.withPlugins = f: stub ("opentofu+" + builtins.concatStringsSep "," (map (p: p.__stub) (f { lxc_incus = stub "lxc_incus"; })));
    writeShellApplication = a: stub a.name // { inherit (a) name text; runtimeInputs = map (x: x.__stub) a.runtimeInputs; };
  };
  lib = {
    optional = cond: x: if cond then [ x ] else [ ];
    getExe = d: "\${d}/bin/\${d.name}";
  };
  config = {
    boot.zfs.package = stub "zfs";
    system.build.nixos-rebuild = stub "nixos-rebuild";
    nix.package = stub "nix";
    systemd.package = stub "systemd";
    virtualisation.incus.clientPackage = stub "incus-client";
  };
`;

/** Lays out out/hosts/<host>/ (plus the GitOps scripts, and ca/root.crt when asked) and evaluates the module. */
function evalModule(files: { path: string; content: string }[], host: string, withCaRoot: boolean): Tree {
  requireNix();
  const root = mkdtempSync(join(tmpdir(), "labgen-nixos-"));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(root, "out", f.path)), { recursive: true });
      writeFileSync(join(root, "out", f.path), f.content);
    }
    const dir = join(root, "out", "hosts", host);
    writeFileSync(join(dir, GITOPS_UNIT.script), "echo gitops\n");
    writeFileSync(join(dir, GITOPS_UNIT.rollbackScript), "echo rollback\n");
    if (withCaRoot) {
      mkdirSync(join(root, "ca"));
      writeFileSync(join(root, "ca", "root.crt"), "-----BEGIN CERTIFICATE-----\n");
    }
    const expr = `let ${STUBS}
      m = import ${join(dir, "configuration.nix")} { inherit config lib pkgs; };
    in
      builtins.removeAttrs m [ "imports" "security" ] // {
        imports = map toString m.imports;
        security = m.security // { pki.certificateFiles = map toString m.security.pki.certificateFiles; };
      }`;
    const out = execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], {
      encoding: "utf8",
      env: { ...process.env, NIX_PATH: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { root, value: JSON.parse(out) };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`evaluating configuration.nix of ${host} failed:\n${err.stderr ?? err.message}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("nixos target: configuration.nix evaluates (stub pkgs/lib/config)", () => {
  it("reference: the printed module is a function whose result carries the model's values", async () => {
    const { model } = await lab("reference");
    const { root, value: m } = evalModule(planNixos(model), "nas", false);
    expect(m.imports).toEqual([join(root, "out/hosts/nas/disko.nix")]);
    expect(m.networking.firewall.allowedTCPPorts).toEqual([22, 80, 443, 2222]);
    expect(m.boot.kernelPackages).toBe("/nix/store/stub-linuxPackages");
    expect(m.security.pki.certificateFiles).toEqual([]);
    expect(m.boot.loader["systemd-boot"].extraInstallCommands).toBe(
      [
        "for esp in /boot-fallback; do",
        '  if [ "$esp" -ef /boot ]; then',
        '    echo "labgen: $esp is mounted on /boot and was installed directly"',
        '  elif /nix/store/stub-util-linux/bin/mountpoint -q "$esp"; then',
        '    /nix/store/stub-rsync/bin/rsync --recursive --times --modify-window=1 --delete /boot/ "$esp"/',
        "  else",
        '    echo "labgen: $esp is not mounted; its copy of /boot is out of date" >&2',
        "  fi",
        "done",
        "",
      ].join("\n"),
    );
    const svc = m.systemd.services["labgen-gitops"];
    expect(svc.serviceConfig.ExecStart).toBe("/nix/store/stub-labgen-gitops/bin/labgen-gitops");
    expect(m.environment.systemPackages).toEqual(["/nix/store/stub-labgen-rollback", "/nix/store/stub-labgen-ca", "/nix/store/stub-labgen-secrets"]);
    expect(m.systemd.services["labgen-secrets"].serviceConfig.ExecStart).toBe("/nix/store/stub-labgen-secrets/bin/labgen-secrets");
    expect(m.virtualisation.incus.package).toMatch(/^\/nix\/store\/stub-incus(-lts)?$/);
  });

  // nixpkgs nixos/modules/system/boot/loader/systemd-boot/systemd-boot.nix, checkMountpoints: the
  // builder runs `findmnt <efiSysMountPoint>` and refuses when /boot is not mounted, which is the
  // case once the first boot disk (whose ESP is /boot) is gone.
  it("reference: a degraded boot mirror still deploys: the surviving ESP is bound onto /boot", async () => {
    const { model } = await lab("reference");
    const { value: m } = evalModule(planNixos(model), "nas", false);
    const unit = m.systemd.services["labgen-boot-esp"];
    expect(unit.wantedBy).toEqual(["multi-user.target"]);
    expect(unit.before).toEqual(["labgen-gitops.service"]);
    expect(unit.unitConfig).toEqual({ ConditionPathIsMountPoint: "!/boot", After: "boot.mount boot\\x2dfallback.mount" });
    expect(unit.serviceConfig).toEqual({ Type: "oneshot", RemainAfterExit: true });
    // systemd-escape --path: "-" is \x2d in a unit name.
    expect(mountUnitName("/boot-fallback-2")).toBe("boot\\x2dfallback\\x2d2.mount");
    expect(mountUnitName("/boot")).toBe("boot.mount");

    // Run the unit's script against stand-ins of mountpoint(1) and mount(8) that refuse what the
    // real ones refuse: mountpoint -q exits 32 for a directory that is not a mount point and 1 for
    // a missing path (util-linux/util-linux sys-utils/mountpoint.1.adoc, EXIT STATUS); mount --bind
    // needs an existing source and target directory.
    const tmp = mkdtempSync(join(tmpdir(), "labgen-esp-"));
    try {
      const bin = join(tmp, "util-linux", "bin");
      mkdirSync(bin, { recursive: true });
      const mounted = join(tmp, "mounted");
      writeFileSync(
        join(bin, "mountpoint"),
        `#!/bin/bash\n[[ $1 == -q ]] || exit 2\n[[ -d $2 ]] || exit 1\ngrep -qxF -- "$2" '${mounted}' && exit 0\nexit 32\n`,
        { mode: 0o755 },
      );
      writeFileSync(
        join(bin, "mount"),
        `#!/bin/bash\n[[ $1 == --bind && $# == 3 ]] || { echo "mount: bad usage" >&2; exit 1; }\n` +
          `[[ -d $2 && -d $3 ]] || { echo "mount: $3: special device $2 does not exist" >&2; exit 32; }\n` +
          `grep -qxF -- "$2" '${mounted}' || { echo "mount: $2 is not mounted" >&2; exit 32; }\necho "$3" >>'${mounted}'\n`,
        { mode: 0o755 },
      );
      const script = (unit.script as string)
        .replaceAll("/nix/store/stub-util-linux", join(tmp, "util-linux"))
        .replaceAll("/boot", join(tmp, "boot"));
      mkdirSync(join(tmp, "boot"));
      mkdirSync(join(tmp, "boot-fallback"));
      const run = () => {
        try {
          return { status: 0, out: execFileSync("bash", ["-euc", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
        } catch (e) {
          const err = e as { status: number; stderr: string };
          return { status: err.status, out: err.stderr };
        }
      };
      // Both boot disks gone: nothing to bind, and the unit fails loudly.
      writeFileSync(mounted, "");
      expect(run()).toEqual({ status: 1, out: "labgen: no ESP is mounted; bootloader installs fail until a boot disk is back\n" });
      // The first disk gone, the second's ESP mounted: it is bound onto /boot.
      writeFileSync(mounted, `${join(tmp, "boot-fallback")}\n`);
      const r = run();
      expect(r.status).toBe(0);
      expect(readFileSync(mounted, "utf8").split("\n")).toContain(join(tmp, "boot"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("reference: the scripts are read from next to configuration.nix, with their tools", async () => {
    const { model } = await lab("reference");
    requireNix();
    const root = mkdtempSync(join(tmpdir(), "labgen-nixos-"));
    try {
      for (const f of planNixos(model)) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content);
      }
      const dir = join(root, "hosts", "nas");
      writeFileSync(join(dir, GITOPS_UNIT.script), "echo the agent\n");
      writeFileSync(join(dir, GITOPS_UNIT.rollbackScript), "echo the rollback\n");
      const expr = `let ${STUBS}
          m = import ${join(dir, "configuration.nix")} { inherit config lib pkgs; };
          app = builtins.head m.environment.systemPackages;
        in { inherit (app) name text runtimeInputs; }`;
      const out = JSON.parse(
        execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], { encoding: "utf8", env: { ...process.env, NIX_PATH: "" } }),
      );
      expect(out).toEqual({
        name: "labgen-rollback",
        text: "echo the rollback\n",
        runtimeInputs: ["coreutils", "git", "openssh", "gnugrep", "gnused", "jq", "util-linux", "nixos-rebuild", "nix", "systemd", "zfs", "incus-client", "opentofu+lxc_incus"],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("the CA root is trusted once ca/root.crt is in the repository", async () => {
    const { model } = await lab("reference");
    const { root, value: m } = evalModule(planNixos(model), "nas", true);
    expect(m.security.pki.certificateFiles).toEqual([join(root, "ca", "root.crt")]);
  });

  it.each(["three-hosts", "dhcp-no-tailscale"] as const)("%s: every host evaluates", async (name) => {
    const { model } = await lab(name);
    for (const h of model.hosts) {
      const { value: m } = evalModule(planNixos(model), h.name, false);
      expect(m.networking.hostName).toBe(h.name);
      expect(m.networking.hostId).toBe(h.hostId);
      expect(m.system.stateVersion).toBe(h.stateVersion);
    }
  });
});
