// The OpenTofu target (out/tofu/*.tf), checked with real tools: terraform/tofu fmt and console,
// the HCL parser (hcl2json) and the Incus provider schema. A missing tool fails, never skips.
import { readFileSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import type { Model } from "../../generator/resolve/model.ts";
import { TRAEFIK_LAYOUT } from "../../generator/resolve/ingress.ts";
import { GUEST_CA_ROOT_PATH, planTofu } from "../../generator/targets/tofu/index.ts";
import type { OutputFile } from "../../generator/targets/types.ts";
import { compileCase, goldenCases, ROOT } from "../support/golden.ts";
import { compile } from "../../generator/pipeline.ts";
import { mkTmp, rmTmp } from "../support/lab-fixtures.ts";
import { hclFmtCheckFiles, hclToJson, hclTool, terraformEval } from "../support/hcl.ts";
import { literalString, validateIncusHcl } from "../support/incus-schema.ts";

type Json = any; // hcl2json output, navigated by the assertions below

const cases = goldenCases();

async function tofuOf(name: string): Promise<{ model: Model; files: OutputFile[]; all: OutputFile[] }> {
  const c = cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`test case '${name}' is missing from test/cases`);
  const r = await compileCase(c);
  const files = planTofu(r.model);
  return { model: r.model, files, all: [...r.files.filter((f) => !f.path.startsWith("tofu/")), ...files] };
}

/** tofu/x.tf → { "x.tf": text } */
function byName(files: readonly OutputFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [posix.basename(f.path), f.content]));
}

/** Every file parsed and merged: { resource: { type: { name: body } }, output: …, … }. */
async function parsed(files: readonly OutputFile[]): Promise<Json> {
  const merged: Json = { resource: {}, output: {}, variable: {}, provider: {}, terraform: [] };
  for (const f of files) {
    const j: Json = await hclToJson(f.content, posix.basename(f.path));
    for (const [type, byRes] of Object.entries<Json>(j.resource ?? {})) {
      merged.resource[type] ??= {};
      for (const [name, list] of Object.entries<Json>(byRes)) merged.resource[type][name] = list[0];
    }
    for (const key of ["output", "variable", "provider"]) {
      for (const [name, list] of Object.entries<Json>(j[key] ?? {})) merged[key][name] = list[0];
    }
    merged.terraform.push(...(j.terraform ?? []));
  }
  return merged;
}

const devices = (inst: Json, type: string) => inst.device.filter((d: Json) => d.type === type);
const deviceNamed = (inst: Json, name: string) => inst.device.find((d: Json) => d.name === name);

describe("the HCL tool", () => {
  it("is on PATH (tofu or terraform)", () => {
    expect(["tofu", "terraform"]).toContain(hclTool().name);
  });
});

describe.each(cases.map((c) => c.name))("out/tofu for %s", (name) => {
  it("is exactly what terraform fmt would write", async () => {
    const { files } = await tofuOf(name);
    expect(files.length).toBeGreaterThan(0);
    expect(hclFmtCheckFiles(byName(files))).toEqual({ ok: true, output: "" });
  });

  it("uses only arguments and blocks the Incus provider has", async () => {
    const { files } = await tofuOf(name);
    expect(await validateIncusHcl(byName(files))).toEqual([]);
  });

  it("is deterministic, split by concern, with no empty file and no secret", async () => {
    const { model, files } = await tofuOf(name);
    expect(planTofu(model)).toEqual(files);
    for (const f of files) {
      expect(f.path).toMatch(/^tofu\/(versions|variables|providers|storage|networks|profiles|instances|volumes|dns|outputs)\.tf$/);
      expect(f.content.trim()).not.toBe("");
      expect(f.sources.length).toBeGreaterThan(0);
      expect([...f.sources].sort()).toEqual(f.sources);
      expect(f.content).not.toMatch(/PRIVATE KEY|tskey-|token\s*=/);
    }
  });

  it("puts every resource on a declared remote, under a provenance comment", async () => {
    const { files, model } = await tofuOf(name);
    const doc = await parsed(files);
    const remotes = new Set(doc.provider.incus.remote.map((r: Json) => r.name));
    for (const h of model.hosts) expect(remotes).toContain(h.name);
    for (const [type, byRes] of Object.entries<Json>(doc.resource)) {
      // terraform_data is OpenTofu's own (the Traefik restart), not an Incus object.
      if (type === "terraform_data") continue;
      for (const [res, body] of Object.entries<Json>(byRes)) {
        const remote = literalString(body.remote);
        if (remote !== undefined) expect(remotes, `${type}.${res}`).toContain(remote);
        else expect(body.remote, `${type}.${res}`).toBe("${each.key}");
      }
    }
    for (const f of files) {
      const lines = f.content.split("\n");
      lines.forEach((line, i) => {
        if (line.startsWith("resource ")) expect(lines[i - 1], `${f.path}:${i + 1}`).toMatch(/^# [a-z]/);
      });
    }
  });

  it("reads every file() it names from the generated output", async () => {
    const { files, all } = await tofuOf(name);
    const paths = new Set(all.map((f) => f.path));
    for (const f of files) {
      for (const m of f.content.matchAll(/file\("\$\{path\.module\}\/([^"]+)"\)/g)) {
        expect(paths, `${f.path}: ${m[1]}`).toContain(posix.normalize(posix.join("tofu", m[1])));
      }
    }
  });
});

describe("out/tofu for the reference lab", () => {
  const ref = async () => {
    const t = await tofuOf("reference");
    return { ...t, doc: await parsed(t.files), text: byName(t.files) };
  };

  it("has the versions, the local backend and enforced encryption of state and plans", async () => {
    const { doc, model } = await ref();
    const [tf] = doc.terraform;
    expect(tf.required_version).toBe(">= 1.8.0");
    // The provider versions checked: the schema in test/fixtures/upstream/incus-provider is v1.1.1.
    expect(tf.required_providers[0].incus).toEqual({ source: "lxc/incus", version: ">= 1.1.1, < 2.0" });
    expect(tf.backend.local[0].path).toBe(model.tofu.stateFile);
    const enc = tf.encryption[0];
    expect(enc.key_provider.pbkdf2.state[0].passphrase).toBe("${var.state_passphrase}");
    expect(enc.method.aes_gcm.state[0].keys).toBe("${key_provider.pbkdf2.state}");
    for (const what of ["state", "plan"]) expect(enc[what][0]).toEqual({ method: "${method.aes_gcm.state}", enforced: true });
    const v = doc.variable.state_passphrase;
    expect(v).toMatchObject({ type: "${string}", sensitive: true });
    expect(v.description).toContain(model.tofu.passphraseFile);
    expect(v.default).toBeUndefined();
  });

  it("connects to the host through its unix socket and names the image remotes it uses", async () => {
    const { doc } = await ref();
    const p = doc.provider.incus;
    expect(p.default_remote).toBe("nas");
    expect(p.remote).toEqual([
      { name: "nas", address: "unix://" },
      { name: "codeberg", address: "https://codeberg.org", protocol: "oci" },
      { name: "docker", address: "https://docker.io", protocol: "oci" },
      { name: "ghcr", address: "https://ghcr.io", protocol: "oci" },
      { name: "images", address: "https://images.linuxcontainers.org", protocol: "simplestreams" },
    ]);
    expect(p.accept_remote_certificate).toBeUndefined();
  });

  it("declares the bridge, both ZFS pools and the profiles", async () => {
    const { doc, model } = await ref();
    const lab0 = doc.resource.incus_network.lab0;
    expect(lab0).toMatchObject({ name: "lab0", type: "bridge", remote: "nas" });
    expect(lab0.config).toMatchObject({
      "ipv4.address": "10.10.0.1/24",
      "ipv4.nat": "true",
      "ipv6.address": "none",
      "dns.domain": "lab0.lab.home.arpa",
    });
    const pools = doc.resource.incus_storage_pool;
    expect(Object.keys(pools).sort()).toEqual(["bulk", "fast"]);
    // One level below the labgen-owned <zpool>/incus: Incus creates the source and refuses one with
    // any child or snapshot (lxc/incus internal/server/storage/drivers/driver_zfs.go, Create()).
    expect(pools.fast).toMatchObject({ driver: "zfs", remote: "nas", config: { source: "rpool/incus/fast" } });
    expect(pools.bulk).toMatchObject({ driver: "zfs", remote: "nas", config: { source: "tank/incus/bulk" } });
    const profiles = doc.resource.incus_profile;
    expect(Object.keys(profiles).sort()).toEqual(model.profiles.map((p) => p.name));
    expect(profiles.nesting).toMatchObject({ for_each: '${toset(["nas"])}', config: { "security.nesting": "true" } });
  });

  it("declares every instance with its type, image, exact profiles, limits and root disk", async () => {
    const { doc, model } = await ref();
    const insts = doc.resource.incus_instance;
    expect(Object.keys(insts).sort()).toEqual(model.instances.map((i) => i.name));
    for (const i of model.instances) {
      const r = insts[i.name];
      expect(r).toMatchObject({ name: i.name, type: i.type, image: i.image, remote: i.host, running: true });
      expect(r.profiles).toEqual(i.profiles.map((p) => `\${incus_profile.${p}["nas"].name}`));
      expect(r.config).toMatchObject({ "limits.cpu": String(i.cpu), "limits.memory": i.memory, "boot.autostart": "true" });
      expect(deviceNamed(r, "root").properties).toEqual({
        path: "/",
        pool: `\${incus_storage_pool.${i.rootDisk.storage}.name}`,
        size: i.rootDisk.size,
      });
    }
    // Home Assistant is the official container now, not a VM.
    expect(insts.homeassistant.type).toBe("container");
    expect(insts.homeassistant.image).toBe("ghcr:home-assistant/home-assistant:2026.8.3");
    expect(insts.traefik.image).toBe("docker:traefik:v3.7.11");
    expect(insts.nixbox.profiles).toEqual(['${incus_profile.base["nas"].name}', '${incus_profile.nesting["nas"].name}']);
    expect(insts.forgejo.config).toMatchObject({ "snapshots.schedule": "@daily", "snapshots.expiry": "14d" });
    expect(insts.nixbox.config["snapshots.schedule"]).toBeUndefined();
    expect(insts.forgejo.config["cloud-init.user-data"]).toBeUndefined();
    expect(deviceNamed(insts.jellyfin, "root").properties.size).toBe("8GiB");
  });

  it("gives each NIC the MAC locked in lab.lock.json and its static address", async () => {
    const { doc, model } = await ref();
    const lock = JSON.parse(readFileSync(join(ROOT, "test/cases/reference/lab.lock.json"), "utf8"));
    const forgejo = devices(doc.resource.incus_instance.forgejo, "nic");
    expect(forgejo).toEqual([
      {
        name: "eth0",
        type: "nic",
        properties: {
          hwaddr: lock.nics["forgejo/eth0"].mac,
          "ipv4.address": lock.nics["forgejo/eth0"].ipv4,
          network: "${incus_network.lab0.name}",
        },
      },
    ]);
    expect(forgejo[0].properties).toEqual({ hwaddr: "10:66:6a:12:c0:62", "ipv4.address": "10.10.0.128", network: "${incus_network.lab0.name}" });
    for (const i of model.instances) {
      const [nic] = devices(doc.resource.incus_instance[i.name], "nic");
      expect(nic.properties.hwaddr).toBe(lock.nics[`${i.name}/eth0`].mac);
      expect(nic.properties["ipv4.address"]).toBe(i.ipv4);
    }
  });

  it("exposes ports with NAT proxies from the host's LAN address to the instance's static address", async () => {
    const { doc } = await ref();
    const insts = doc.resource.incus_instance;
    expect(devices(insts.traefik, "proxy")).toEqual([
      { name: "tcp-80", type: "proxy", properties: { listen: "tcp:192.168.1.10:80", connect: "tcp:10.10.0.10:80", nat: "true" } },
      { name: "tcp-443", type: "proxy", properties: { listen: "tcp:192.168.1.10:443", connect: "tcp:10.10.0.10:443", nat: "true" } },
    ]);
    expect(devices(insts.forgejo, "proxy")).toEqual([
      { name: "tcp-2222", type: "proxy", properties: { listen: "tcp:192.168.1.10:2222", connect: "tcp:10.10.0.128:22", nat: "true" } },
    ]);
    expect(devices(insts.homeassistant, "proxy")).toEqual([]);
    expect(devices(insts.grafana, "proxy")).toEqual([]);
  });

  it("keeps application data on volumes that refuse destruction, attached as disks", async () => {
    const { doc } = await ref();
    const vols = doc.resource.incus_storage_volume;
    expect(Object.keys(vols).sort()).toEqual([
      "forgejo-data",
      "grafana-data",
      "homeassistant-config",
      "jellyfin-cache",
      "jellyfin-config",
      "jellyfin-media",
      "nextcloud-data",
      "nextcloud-db-data",
      "vaultwarden-data",
    ]);
    expect(vols["forgejo-data"]).toEqual({
      name: "forgejo-data",
      remote: "nas",
      pool: "${incus_storage_pool.bulk.name}",
      content_type: "filesystem",
      config: { size: "100GiB", "snapshots.expiry": "14d", "snapshots.schedule": "@daily" },
      lifecycle: [{ prevent_destroy: true }],
    });
    expect(vols["jellyfin-media"].config).toEqual({ size: "4TiB", "snapshots.expiry": "4w", "snapshots.schedule": "@weekly" });
    expect(vols["jellyfin-media"].lifecycle).toEqual([{ prevent_destroy: true }]);
    expect(deviceNamed(doc.resource.incus_instance.forgejo, "data")).toEqual({
      name: "data",
      type: "disk",
      properties: {
        path: "/data",
        pool: "${incus_storage_volume.forgejo-data.pool}",
        source: "${incus_storage_volume.forgejo-data.name}",
      },
    });
    expect(deviceNamed(doc.resource.incus_instance.jellyfin, "media").properties.source).toBe("${incus_storage_volume.jellyfin-media.name}");
  });

  it("pushes the generated Traefik files and the certificate chain and key into the ingress instance", async () => {
    const { doc, model } = await ref();
    const files = doc.resource.incus_instance.traefik.file;
    expect(files).toEqual([
      { target_path: GUEST_CA_ROOT_PATH, source_path: model.ca.files.rootCert, mode: "0644", create_directories: true },
      {
        target_path: TRAEFIK_LAYOUT.static.path,
        content: `\${file("\${path.module}/../${TRAEFIK_LAYOUT.static.generated}")}`,
        mode: "0644",
        create_directories: true,
      },
      {
        target_path: TRAEFIK_LAYOUT.dynamic.path,
        content: `\${file("\${path.module}/../${TRAEFIK_LAYOUT.dynamic.generated}")}`,
        mode: "0644",
        create_directories: true,
      },
      { target_path: TRAEFIK_LAYOUT.certificate, source_path: model.ca.files.fullchain, mode: "0644", create_directories: true },
      { target_path: TRAEFIK_LAYOUT.key, source_path: model.ca.files.leafKey, mode: "0600", create_directories: true },
    ]);
    // A container: no wait_for is needed (and "agent" would be rejected).
    expect(doc.resource.incus_instance.traefik.wait_for).toBeUndefined();
    // Other instances get the lab root, then only their own configuration files (Home Assistant's configuration.yaml).
    for (const i of model.instances.filter((x) => !x.ingress))
      expect(doc.resource.incus_instance[i.name].file?.map((f: Json) => f.target_path), i.name).toEqual([model.ca.files.guestRoot, ...i.files.map((f) => f.path)]);
  });

  // Guests call each other through the routes (webhooks, OAuth), so each needs the lab root. A
  // pushed file is the one way for OCI containers (no cloud-init), system containers and VMs; the
  // provider pushes into a VM only through its agent (lxc/terraform-provider-incus
  // docs/resources/instance.md, file and wait_for).
  it("every instance gets the lab's root certificate as a file; VMs wait for their agent first", async () => {
    const { doc, model } = await ref();
    for (const i of model.instances) {
      const inst = doc.resource.incus_instance[i.name];
      expect(inst.file[0], i.name).toEqual({
        target_path: "/usr/local/share/ca-certificates/labgen-root.crt",
        source_path: "/var/lib/labgen/ca/root.crt",
        mode: "0644",
        create_directories: true,
      });
      expect(inst.wait_for, i.name).toEqual(i.type === "virtual-machine" ? [{ type: "agent" }] : undefined);
    }
  });

  it("names the Traefik target's own output files", async () => {
    const { all } = await tofuOf("reference");
    expect(all.map((f) => f.path)).toEqual(expect.arrayContaining([TRAEFIK_LAYOUT.static.generated, TRAEFIK_LAYOUT.dynamic.generated]));
  });

  // Incus serves its network zones "for zone transfer to the operator's production DNS servers"
  // only (lxc/incus doc/howto/network_zones.md), and no DNS server in the
  // lab would transfer one: the names clients use are dnsmasq's host records, one per route. The
  // apex has no router, so it is not advertised.
  it("publishes the route names through each bridge's dnsmasq only: no zone nobody queries, no apex", async () => {
    const { doc, model, text } = await ref();
    const ing = model.ingress!;
    expect(doc.resource.incus_server).toBeUndefined();
    expect(doc.resource.incus_network_zone).toBeUndefined();
    expect(doc.resource.incus_network_zone_record).toBeUndefined();
    expect(Object.keys(text)).not.toContain("dns.tf");
    expect(doc.resource.incus_network.lab0.config["raw.dnsmasq"].split("\n")).toEqual(
      ing.routes.map((r) => `host-record=${r.hostname},10.10.0.10`),
    );
    expect(doc.resource.incus_network.lab0.config["raw.dnsmasq"]).not.toMatch(/host-record=lab\.home\.arpa,/);
  });

  it("outputs every instance's address and URLs, and every route", async () => {
    const { doc, model } = await ref();
    const instances = doc.output.instances.value;
    expect(Object.keys(instances).sort()).toEqual(model.instances.map((i) => i.name));
    expect(instances.forgejo).toEqual({ host: "nas", ipv4: "10.10.0.128", type: "container", urls: ["https://git.lab.home.arpa"] });
    expect(instances.traefik.urls).toEqual([]);
    expect(doc.output.routes.value.ha).toEqual({ backend: "http://10.10.0.20:8123", url: "https://ha.lab.home.arpa" });
  });

  it("writes multi-line values that terraform reads back unchanged", async () => {
    const { text, model } = await ref();
    // Each string value is printed on one line, so its text can be evaluated on its own.
    const valueOf = (file: string, key: string) => {
      const line = text[file].split("\n").find((l) => l.trimStart().startsWith(`"${key}"`))!;
      return line.slice(line.indexOf("= ") + 2);
    };
    const evaluate = (expr: string) => terraformEval({ "main.tf": `locals {\n  v = ${expr}\n}\n` }, "local.v");
    const ha = model.instances.find((i) => i.name === "homeassistant")!;
    const content = text["instances.tf"].split("\n").find((l) => l.trimStart().startsWith("content ") && l.includes("use_x_forwarded_for"))!;
    expect(evaluate(content.slice(content.indexOf("= ") + 2))).toBe(ha.files[0].content);
    expect(evaluate(valueOf("networks.tf", "raw.dnsmasq"))).toBe(
      model.ingress!.routes.map((r) => `host-record=${r.hostname},10.10.0.10`).join("\n"),
    );
  });
});

describe("out/tofu for other labs", () => {
  it("three hosts: remotes over the tailnet, a profile only where it is used, no default profile", async () => {
    const { files, model } = await tofuOf("three-hosts");
    const doc = await parsed(files);
    expect(doc.provider.incus.remote.filter((r: Json) => !r.protocol)).toEqual([
      { name: "alpha", address: "unix://" },
      { name: "beta", address: "https://beta:8443" },
      { name: "gamma", address: "https://gamma:8443" },
    ]);
    expect(doc.provider.incus.default_remote).toBe(model.tofu.host);
    expect(byName(files)["providers.tf"]).toMatch(/incus remote add/);
    expect(doc.resource.incus_profile.base.for_each).toBe('${toset(["alpha"])}');
    expect(doc.resource.incus_instance.files).toMatchObject({ remote: "beta", profiles: [] });
    expect(doc.resource.incus_storage_volume["files-share"]).toMatchObject({ remote: "beta", pool: "${incus_storage_pool.bulk.name}" });
    const game = doc.resource.incus_instance.game;
    expect(devices(game, "proxy").map((d: Json) => d.properties)).toEqual([
      { connect: "tcp:10.22.0.20:27015", listen: "tcp:192.168.20.13:27015", nat: "true" },
      { connect: "udp:10.22.0.20:27015", listen: "udp:192.168.20.13:27015", nat: "true" },
    ]);
    // The Traefik instance is an OCI container: still a container, so no wait_for.
    expect(doc.resource.incus_instance.traefik.file).toHaveLength(5);
  });

  // Guests on beta's and gamma's bridges cannot reach alpha's bridge, where Traefik is: their
  // dnsmasq answers the route names with alpha's LAN address, where the NAT proxy devices
  // (lxc/incus doc/reference/devices_proxy.md, nat mode) pass 80/443 to Traefik.
  it("three hosts: each bridge's DNS answers the route names with an address that reaches Traefik from there", async () => {
    const { files, model } = await tofuOf("three-hosts");
    const doc = await parsed(files);
    const traefik = doc.resource.incus_instance.traefik;
    const proxies = devices(traefik, "proxy").map((d: Json) => d.properties.listen);
    expect(proxies).toEqual(["tcp:192.168.20.11:80", "tcp:192.168.20.11:443"]);
    const records = (net: string) => doc.resource.incus_network[net].config["raw.dnsmasq"];
    expect(records("net-a")).toBe("host-record=git.rack.home.arpa,10.20.0.10");
    expect(records("net-b")).toBe("host-record=git.rack.home.arpa,192.168.20.11");
    expect(records("net-c")).toBe("host-record=git.rack.home.arpa,192.168.20.11");
    // Every address a bridge hands out is one Traefik listens on (directly, or by a proxy device).
    for (const n of model.networks) {
      const address = n.ingressAddress!;
      const reachable = address === model.ingress!.address || proxies.some((l: string) => l.startsWith(`tcp:${address}:`));
      expect(reachable, n.name).toBe(true);
    }
  });

  it("a host with a DHCP LAN address: forkproxy on the wildcard address, no ingress, no DNS", async () => {
    const { files } = await tofuOf("dhcp-no-tailscale");
    const doc = await parsed(files);
    expect(devices(doc.resource.incus_instance.mqtt, "proxy").map((d: Json) => d.properties)).toEqual([
      { connect: "tcp:10.50.0.53:1883", listen: "tcp:0.0.0.0:1883" },
      { connect: "udp:10.50.0.53:1883", listen: "udp:0.0.0.0:1883" },
    ]);
    expect(files.map((f) => f.path)).not.toContain("tofu/dns.tf");
    expect(doc.resource.incus_network.br0.config["raw.dnsmasq"]).toBeUndefined();
    expect(doc.output.routes).toBeUndefined();
  });

  it("refuses a VM that exposes ports on a host without a fixed LAN address", async () => {
    const { model } = await tofuOf("reference");
    const host = { ...model.hosts[0], lan: { mode: "dhcp" as const, interface: "enp2s0", subnet: null } };
    // The reference lab has no VM now: make Forgejo (which exposes SSH) one.
    const instances = model.instances.map((i) => (i.name === "forgejo" ? { ...i, type: "virtual-machine" as const } : i));
    expect(() => planTofu({ ...model, hosts: [host], instances })).toThrow(/instances\.forgejo\.ports\[0\].*DHCP.*NAT mode/);
  });

  it("a VM running Traefik waits for its agent before the files are pushed", async () => {
    const { model } = await tofuOf("reference");
    const instances = model.instances.map((i) => (i.ingress ? { ...i, type: "virtual-machine" as const, image: "images:debian/12/cloud" } : i));
    const files = planTofu({ ...model, instances });
    const doc = await parsed(files);
    expect(doc.resource.incus_instance.traefik.wait_for).toEqual([{ type: "agent" }]);
    expect(await validateIncusHcl(byName(files))).toEqual([]);
  });

  it("lifts prevent_destroy only for a volume that allowDestroy names", async () => {
    // opentofu/opentofu website/docs/language/meta-arguments/lifecycle.mdx: prevent_destroy rejects
    // any plan that would destroy the object "as long as the argument remains present", and
    // lifecycle settings take literal values only: so an allowed volume gets a literal false.
    const { model } = await tofuOf("reference");
    const files = planTofu({ ...model, allowDestroy: ["volume:jellyfin-media"] });
    const doc = await parsed(files);
    expect(doc.resource.incus_storage_volume["jellyfin-media"].lifecycle).toEqual([{ prevent_destroy: false }]);
    expect(doc.resource.incus_storage_volume["forgejo-data"].lifecycle).toEqual([{ prevent_destroy: true }]);
    expect(byName(files)["volumes.tf"]).toContain("# allowDestroy names this volume: this deploy may delete it with its data. Remove the entry afterwards.\n");
    expect(await validateIncusHcl(byName(files))).toEqual([]);
    expect(hclFmtCheckFiles(byName(files))).toEqual({ ok: true, output: "" });
  });
});

describe("out/tofu for OCI apps", () => {
  it("declares each image registry once, as an OCI remote (lxc/incus doc/reference/image_servers.md)", async () => {
    for (const name of ["reference", "apps"]) {
      const { files, model } = await tofuOf(name);
      const doc = await parsed(files);
      const remotes: Json[] = doc.provider.incus.remote;
      const used = [...new Set(model.instances.map((i) => i.imageRemote))].sort();
      const images = remotes.filter((r) => !model.hosts.some((h) => h.name === r.name));
      expect(images.map((r) => r.name).sort(), name).toEqual(used);
      for (const r of images) expect(r.protocol, r.name).toBe(r.name === "images" ? "simplestreams" : "oci");
    }
    const { files } = await tofuOf("reference");
    const doc = await parsed(files);
    expect(doc.provider.incus.remote.find((r: Json) => r.name === "codeberg")).toMatchObject({ address: "https://codeberg.org", protocol: "oci" });
  });

  it("passes the app's environment as environment.* and oci overrides as oci.*, never a secret value", async () => {
    const { files, model } = await tofuOf("apps");
    const doc = await parsed(files);
    for (const i of model.instances) {
      const config = doc.resource.incus_instance[i.name].config;
      for (const [k, v] of Object.entries(i.environment)) expect(config[`environment.${k}`], `${i.name} ${k}`).toBe(v);
      for (const [k, v] of Object.entries(i.ociConfig)) expect(config[k], `${i.name} ${k}`).toBe(v);
    }
    expect(doc.resource.incus_instance.mqtt.config).toMatchObject({ "oci.entrypoint": "/usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf", "oci.uid": "1883", "oci.gid": "1883" });
    expect(doc.resource.incus_instance.grafana.config["environment.GF_SECURITY_ADMIN_PASSWORD__FILE"]).toBe("/secrets/grafana-admin-password");
  });

  it("mounts each instance's secrets directory read-only and idmapped at /secrets, and nothing else of them", async () => {
    const { files, model } = await tofuOf("apps");
    const doc = await parsed(files);
    for (const i of model.instances) {
      const dev = deviceNamed(doc.resource.incus_instance[i.name], "secrets");
      if (i.secrets.length === 0) expect(dev, i.name).toBeUndefined();
      else
        expect(dev, i.name).toEqual({
          name: "secrets",
          type: "disk",
          properties: { path: "/secrets", readonly: "true", shift: "true", source: `/var/lib/labgen/secrets/instances/${i.name}` },
        });
    }
  });

  it("pushes configuration files into the instance and restarts it when they change", async () => {
    const { files } = await tofuOf("apps");
    const doc = await parsed(files);
    const mqtt = doc.resource.incus_instance.mqtt;
    // First the lab root every instance gets, then the app's own configuration file.
    expect(mqtt.file).toEqual([
      expect.objectContaining({ target_path: "/usr/local/share/ca-certificates/labgen-root.crt" }),
      expect.objectContaining({ target_path: "/mosquitto/config/mosquitto.conf", mode: "0644", uid: 0, gid: 0, create_directories: true }),
    ]);
    expect(mqtt.file[1].content).toContain("password_file /secrets/mqtt-passwd\n");
    const restart = doc.resource.terraform_data.mqtt_restart;
    expect(JSON.stringify(restart.provisioner)).toContain('"command":"incus restart mqtt"');
    expect(restart.lifecycle[0].replace_triggered_by).toEqual(["${incus_instance.mqtt}"]);
  });

  it("a shared volume is the owner's: mounted (read-only, sub-path) by the reader, created once", async () => {
    const { files } = await tofuOf("apps");
    const doc = await parsed(files);
    expect(Object.keys(doc.resource.incus_storage_volume)).toContain("jellyfin-media");
    expect(Object.keys(doc.resource.incus_storage_volume)).not.toContain("navidrome-music");
    expect(deviceNamed(doc.resource.incus_instance.navidrome, "music").properties).toEqual({
      path: "/music",
      pool: "${incus_storage_volume.jellyfin-media.pool}",
      readonly: "true",
      source: "${incus_storage_volume.jellyfin-media.name}/music",
    });
  });

  it("an upgrade (a new version) changes the instance's image only: its volumes stay as they are", async () => {
    const c = cases.find((x) => x.name === "reference")!;
    const dir = mkTmp("labgen-upgrade-");
    try {
      const text = readFileSync(c.configFile, "utf8");
      const bumped = text.replace("jellyfin({ ...on,", 'jellyfin({ ...on, version: "10.11.10",');
      expect(bumped).not.toBe(text);
      writeFileSync(join(dir, "lab.config.ts"), bumped);
      writeFileSync(join(dir, "lab.lock.json"), readFileSync(c.lockFile, "utf8"));
      const after = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
      if (!after.ok) throw new Error(after.diagnostics.map((d) => d.message).join("\n"));
      const before = byName((await tofuOf("reference")).files);
      const next = byName(planTofu(after.model));
      expect(next["volumes.tf"]).toBe(before["volumes.tf"]);
      const changed = next["instances.tf"].split("\n").filter((l, i) => l !== before["instances.tf"].split("\n")[i]);
      expect(changed).toEqual(['  image       = "docker:jellyfin/jellyfin:10.11.10"']);
    } finally {
      rmTmp(dir);
    }
  });
});
