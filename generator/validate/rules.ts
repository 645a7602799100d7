// Semantic (cross-layer) rules. Each rule reads the schema-valid config and reports every
// problem it sees; all rules always run, so the user gets every error at once.
// The table at the bottom (RULES) is the catalogue; docs and tests enumerate it.
import type { LabConfig } from "../config/schema.ts";
import { INCUS_NAME_RE } from "../config/schema.ts";
import { broadcast, cidrString, contains, intToIp, ipToInt, isIpv4Cidr, isNetworkAddress, overlaps, parseCidr } from "../resolve/ipv4.ts";
import { tofuHostOf } from "../resolve/resolve.ts";
import { sizeBytes } from "../resolve/units.ts";
import type { DiagnosticBag, PathSegment } from "./diagnostics.ts";

type Rule = { id: string; summary: string; check: (lab: LabConfig, d: DiagnosticBag) => void };

const entries = <T>(r: Record<string, T>): [string, T][] => Object.entries(r);

// Instances grouped by host, computed once per config: rules that look per host must stay
// linear in instances (10,000-instance labs are in the performance budget).
const byHostCache = new WeakMap<LabConfig, Map<string, [string, LabConfig["instances"][string]][]>>();
function instancesByHost(lab: LabConfig): Map<string, [string, LabConfig["instances"][string]][]> {
  let m = byHostCache.get(lab);
  if (!m) {
    m = new Map();
    for (const e of Object.entries(lab.instances)) {
      const list = m.get(e[1].host);
      if (list) list.push(e);
      else m.set(e[1].host, [e]);
    }
    byHostCache.set(lab, m);
  }
  return m;
}
// NixOS releases of images:nixos/<release>: lxc/lxc-ci jenkins/jobs/image-nixos.yaml builds only
// "unstable" and "26.05"; its history removed 23.11 (2024-08-16), 24.05 (2025-01-29), 24.11
// (2025-07-01), 25.05 (2026-01-02) and 25.11 (2026-07-01). An image no longer built leaves the
// image server, and `tofu apply` fails on it. Releases not listed here are not judged.
const NIXOS_IMAGES_BUILT = ["unstable", "26.05"] as const;
const NIXOS_IMAGES_NO_LONGER_BUILT = new Set(["23.11", "24.05", "24.11", "25.05", "25.11"]);
// Traefik's official image on Docker Hub (docker.io/library/traefik), v3 tags only; its version
// tags come with and without the "v", e.g. "v2.9.4, 2.9.4, v2.9, 2.9" in
// docker-library/official-images library/traefik. Codenames and "latest" are refused: they do
// not say v3.
const TRAEFIK_IMAGE_RE = /^docker:(library\/)?traefik:v?3(\.[0-9]+){0,2}$/;
const MIN_MEMBERS = { stripe: 1, mirror: 2, raidz1: 3, raidz2: 4, raidz3: 5 } as const;

/** The address an instance's NIC gets from the config (static) — allocated ones are checked in resolve. */
function gatewayOf(net: LabConfig["networks"][string]): string {
  return net.gateway ?? intToIp(parseCidr(net.subnet).base + 1);
}

function dnsNameProblem(domain: string): string | null {
  if (domain.length > 253) return "is longer than 253 characters";
  const labels = domain.split(".");
  if (labels.length < 2) return "needs at least two labels, e.g. lab.home.arpa";
  for (const l of labels) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))
      return `has an invalid label '${l}' (labels are 1-63 lowercase letters, digits or '-', not starting or ending with '-')`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return "must not end in a numeric label";
  return null;
}

/** Values that are secrets themselves rather than paths to them. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/tskey-[A-Za-z0-9-]+/, "a Tailscale auth key (tskey-…)"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/-----BEGIN [A-Z ]+-----/, "PEM material"],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/, "a GitHub token"],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key"],
  [/b3BlbnNzaC1rZXktdjE/, "an OpenSSH private key (base64)"],
];

/** What kind of secret a value looks like (null: it does not look like one). The schema errors use it too, so a secret pasted where a path belongs is never echoed back. */
export function secretKind(value: string): string | null {
  for (const [re, what] of SECRET_PATTERNS) if (re.test(value)) return what;
  return null;
}

/** What to say about a secret found at `path` (never the secret itself). */
export function secretMessage(kind: string, path: readonly PathSegment[]): string {
  // Fields that hold public keys: the usual mistake is pasting the private half.
  if (path.some((seg) => seg === "sshKeys" || seg === "allowedSigners" || seg === "knownHosts"))
    return `this value looks like ${kind}: this setting takes a public key line (the .pub file, e.g. "ssh-ed25519 AAAA… you@laptop"); never put a private key in lab.config.ts`;
  return `this value looks like ${kind}: never put secrets in lab.config.ts; store the secret in a file on the host and give its path`;
}

function walkStrings(v: unknown, path: PathSegment[], visit: (s: string, p: PathSegment[]) => void): void {
  if (typeof v === "string") visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, [...path, i], visit));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walkStrings(x, [...path, k], visit);
}

export const RULES: Rule[] = [
  {
    id: "incus-name",
    summary: "names of hosts, networks, storage pools, profiles, instances and routes are valid Incus/DNS names",
    check(lab, d) {
      const kinds: [string, Record<string, unknown>, string][] = [
        ["hosts", lab.hosts, "Host"],
        ["networks", lab.networks, "Network"],
        ["storage", lab.storage, "Storage pool"],
        ["profiles", lab.profiles, "Profile"],
        ["instances", lab.instances, "Instance"],
        ["admins", lab.admins, "Admin"],
      ];
      for (const [key, rec, what] of kinds)
        for (const name of Object.keys(rec))
          if (!INCUS_NAME_RE.test(name))
            d.error("incus-name", [key, name], `${what} name '${name}' is invalid: use 1-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'`);
      for (const name of Object.keys(lab.hosts))
        if (["local", "images", "docker", "ghcr"].includes(name))
          d.error("incus-name", ["hosts", name], `'${name}' is the name of an Incus remote (local, or an image server): name the host something else`);
      for (const [name] of entries(lab.ingress?.routes ?? {}))
        if (!INCUS_NAME_RE.test(name))
          d.error("incus-name", ["ingress", "routes", name], `Route name '${name}' is invalid: it becomes a DNS label, so use a-z, 0-9 and '-', starting with a letter`);
      for (const [host, h] of entries(lab.hosts))
        for (const pool of Object.keys(h.zfs.pools))
          if (!/^[a-z][a-z0-9_.-]{0,62}$/.test(pool) || /^(mirror|raidz|draid|spare|log|c[0-9])/.test(pool))
            d.error("incus-name", ["hosts", host, "zfs", "pools", pool], `ZFS pool name '${pool}' is invalid: start with a letter, use a-z 0-9 _ . -, and avoid reserved prefixes (mirror, raidz, draid, spare, log)`);
    },
  },
  {
    id: "unique-names",
    summary: "Incus names are unique where Incus needs them to be (volumes per storage pool, devices per instance)",
    check(lab, d) {
      const volumes = new Map<string, string>();
      for (const [name, inst] of entries(lab.instances)) {
        const nics = new Set<string>();
        inst.nics.forEach((nic, i) => {
          if (nics.has(nic.name)) d.error("unique-names", ["instances", name, "nics", i, "name"], `NIC name '${nic.name}' is used twice in this instance: give each NIC its own name (eth0, eth1, …)`);
          nics.add(nic.name);
        });
        const paths = new Set<string>();
        // Incus device names of the instance: root, the NICs, the proxies (<proto>-<port>), the volumes.
        const devices = new Set(["root", ...inst.nics.map((n) => n.name), ...inst.ports.map((p) => `${p.protocol}-${p.host}`)]);
        inst.volumes.forEach((v, i) => {
          const clash = devices.has(v.name);
          if (clash)
            d.error("unique-names", ["instances", name, "volumes", i, "name"], `'${v.name}' is already a device of this instance (root, NICs ${[...nics].join(", ")}, proxies tcp-/udp-<port>, other volumes): give the volume another name`);
          devices.add(v.name);
          const storage = v.storage ?? inst.storage;
          const incusName = `${name}-${v.name}`;
          const key = `${storage}/${incusName}`;
          const prev = volumes.get(key);
          // A name clash inside the instance is reported once, above.
          if (prev && !clash) d.error("unique-names", ["instances", name, "volumes", i, "name"], `volume '${incusName}' on storage '${storage}' already comes from ${prev}: rename one of them`);
          else volumes.set(key, `instances.${name}.volumes[${i}]`);
          if (incusName.length > 63) d.error("unique-names", ["instances", name, "volumes", i, "name"], `the Incus volume name '${incusName}' (instance-volume) is longer than 63 characters: shorten the volume or instance name`);
          if (paths.has(v.path)) d.error("unique-names", ["instances", name, "volumes", i, "path"], `two volumes are mounted at ${v.path}: give each volume its own path`);
          paths.add(v.path);
          if (v.path === "/") d.error("unique-names", ["instances", name, "volumes", i, "path"], "a data volume cannot be mounted at /: the root disk is rootSize on the instance's storage");
        });
      }
    },
  },
  {
    id: "ref-host",
    summary: "every host reference resolves",
    check(lab, d) {
      const hosts = Object.keys(lab.hosts);
      const check = (path: PathSegment[], host: string) => {
        if (!(host in lab.hosts)) d.error("ref-host", path, `unknown host '${host}': declare it under hosts, or use one of ${hosts.map((h) => `'${h}'`).join(", ")}`);
      };
      for (const [n, net] of entries(lab.networks)) check(["networks", n, "host"], net.host);
      for (const [n, s] of entries(lab.storage)) check(["storage", n, "host"], s.host);
      for (const [n, i] of entries(lab.instances)) check(["instances", n, "host"], i.host);
    },
  },
  {
    id: "ref-network",
    summary: "every NIC's network exists and lives on the instance's host",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances))
        inst.nics.forEach((nic, i) => {
          const net = lab.networks[nic.network];
          if (!net) d.error("ref-network", ["instances", n, "nics", i, "network"], `unknown network '${nic.network}': declare it under networks (known: ${Object.keys(lab.networks).join(", ") || "none"})`);
          else if (net.host !== inst.host && inst.host in lab.hosts)
            d.error("ref-network", ["instances", n, "nics", i, "network"], `network '${nic.network}' is a bridge on host '${net.host}', but the instance runs on '${inst.host}': use a network of host '${inst.host}'`);
        });
    },
  },
  {
    id: "ref-storage",
    summary: "every storage reference exists and lives on the instance's host",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances)) {
        const check = (path: PathSegment[], s: string) => {
          const pool = lab.storage[s];
          if (!pool) d.error("ref-storage", path, `unknown storage pool '${s}': declare it under storage (known: ${Object.keys(lab.storage).join(", ") || "none"})`);
          else if (pool.host !== inst.host && inst.host in lab.hosts)
            d.error("ref-storage", path, `storage pool '${s}' is on host '${pool.host}', but the instance runs on '${inst.host}'`);
        };
        check(["instances", n, "storage"], inst.storage);
        inst.volumes.forEach((v, i) => v.storage && check(["instances", n, "volumes", i, "storage"], v.storage));
      }
    },
  },
  {
    id: "ref-zpool",
    summary: "every Incus storage pool sits on a ZFS pool of its host",
    check(lab, d) {
      for (const [n, s] of entries(lab.storage)) {
        const host = lab.hosts[s.host];
        if (host && !(s.zpool in host.zfs.pools))
          d.error("ref-zpool", ["storage", n, "zpool"], `host '${s.host}' has no ZFS pool '${s.zpool}' (its pools: ${Object.keys(host.zfs.pools).join(", ")})`);
      }
    },
  },
  {
    id: "ref-profile",
    summary: "every profile reference resolves",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances)) {
        const seen = new Set<string>();
        inst.profiles.forEach((p, i) => {
          if (!(p in lab.profiles)) d.error("ref-profile", ["instances", n, "profiles", i], `unknown profile '${p}': declare it under profiles (known: ${Object.keys(lab.profiles).join(", ") || "none"})`);
          if (seen.has(p)) d.error("ref-profile", ["instances", n, "profiles", i], `profile '${p}' is listed twice`);
          seen.add(p);
        });
      }
    },
  },
  {
    id: "ref-ingress",
    summary: "the ingress instance and every route target exist",
    check(lab, d) {
      const ing = lab.ingress;
      if (!ing) return;
      if (!(ing.instance in lab.instances)) d.error("ref-ingress", ["ingress", "instance"], `unknown instance '${ing.instance}': the ingress must name the Traefik instance declared under instances`);
      for (const [r, route] of entries(ing.routes)) {
        if (!(route.instance in lab.instances)) d.error("ref-ingress", ["ingress", "routes", r, "instance"], `unknown instance '${route.instance}': a route must target an instance declared under instances`);
        else if (route.instance === ing.instance) d.error("ref-ingress", ["ingress", "routes", r, "instance"], "a route cannot target the Traefik instance itself");
      }
    },
  },
  {
    id: "ingress-reachable",
    summary: "route targets share a network with the Traefik instance",
    check(lab, d) {
      const ing = lab.ingress;
      const traefik = ing && lab.instances[ing.instance];
      if (!ing || !traefik) return;
      const nets = new Set(traefik.nics.map((n) => n.network));
      for (const [r, route] of entries(ing.routes)) {
        const target = lab.instances[route.instance];
        if (target && !target.nics.some((n) => nets.has(n.network)))
          d.error("ingress-reachable", ["ingress", "routes", r, "instance"], `instance '${route.instance}' shares no network with the Traefik instance '${ing.instance}': attach it to one of ${[...nets].join(", ")}`);
      }
    },
  },
  {
    id: "ingress-exposed",
    summary: "the Traefik instance serves and exposes 443 (and 80 for the redirect)",
    check(lab, d) {
      const ing = lab.ingress;
      const traefik = ing && lab.instances[ing.instance];
      if (!ing || !traefik) return;
      for (const port of [443, 80])
        if (!traefik.ports.some((p) => p.host === port && p.instance === port && p.protocol === "tcp"))
          d.error("ingress-exposed", ["instances", ing.instance, "ports"], `the Traefik instance must expose tcp ${port} on the host: add { host: ${port}, instance: ${port} } to its ports`);
    },
  },
  {
    id: "static-ip-subnet",
    summary: "static IPs are inside their network's subnet",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances))
        inst.nics.forEach((nic, i) => {
          const net = lab.networks[nic.network];
          if (net && nic.ipv4 && !contains(parseCidr(net.subnet), nic.ipv4))
            d.error("static-ip-subnet", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is outside network '${nic.network}' (${net.subnet}): pick an address inside the subnet`);
        });
    },
  },
  {
    id: "static-ip-reserved",
    summary: "static IPs are not the network, broadcast or gateway address",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances))
        inst.nics.forEach((nic, i) => {
          const net = lab.networks[nic.network];
          if (!net || !nic.ipv4) return;
          const c = parseCidr(net.subnet);
          if (!contains(c, nic.ipv4)) return;
          const ip = ipToInt(nic.ipv4);
          const what = ip === c.base ? "the network address" : ip === broadcast(c) ? "the broadcast address" : nic.ipv4 === gatewayOf(net) ? "the bridge's gateway address" : null;
          if (what) d.error("static-ip-reserved", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is ${what} of network '${nic.network}': pick another address`);
        });
    },
  },
  {
    id: "static-ip-unique",
    summary: "static IPs are unique",
    check(lab, d) {
      const seen = new Map<string, string>();
      for (const [n, inst] of entries(lab.instances))
        inst.nics.forEach((nic, i) => {
          if (!nic.ipv4) return;
          const key = `${nic.network}/${nic.ipv4}`;
          const prev = seen.get(key);
          if (prev) d.error("static-ip-unique", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is already used by ${prev}: every instance needs its own address`);
          else seen.set(key, `instances.${n}`);
        });
    },
  },
  {
    id: "network-subnet",
    summary: "bridge subnets are network addresses, /16 to /30, with the gateway inside",
    check(lab, d) {
      for (const [n, net] of entries(lab.networks)) {
        if (!isNetworkAddress(net.subnet)) {
          const c = parseCidr(net.subnet);
          d.error("network-subnet", ["networks", n, "subnet"], `${net.subnet} has host bits set: write the network address ${intToIp(c.base)}/${c.prefix}`);
        }
        const c = parseCidr(net.subnet);
        if (c.prefix < 16 || c.prefix > 30) d.error("network-subnet", ["networks", n, "subnet"], `a /${c.prefix} bridge is not supported: use a prefix between /16 and /30`);
        if (net.gateway) {
          const ip = ipToInt(net.gateway);
          if (!contains(c, net.gateway) || ip === c.base || ip === broadcast(c))
            d.error("network-subnet", ["networks", n, "gateway"], `gateway ${net.gateway} must be a host address inside ${net.subnet}`);
        }
      }
    },
  },
  {
    id: "network-overlap",
    summary: "bridges overlap neither each other, nor the LAN, nor Tailscale's 100.64.0.0/10",
    check(lab, d) {
      const nets = entries(lab.networks);
      nets.forEach(([a, na], i) => {
        const ca = parseCidr(na.subnet);
        for (const [b, nb] of nets.slice(0, i))
          if (overlaps(ca, parseCidr(nb.subnet))) d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps network '${b}' (${nb.subnet}): give each bridge its own range`);
        const tailnet = new Set(["100.64.0.0/10", ...lab.tailnet.filter(isIpv4Cidr)]);
        for (const cidr of tailnet)
          if (overlaps(ca, parseCidr(cidr))) d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps the Tailscale range ${cidr}: guests would be unreachable from the tailnet`);
        for (const [h, host] of entries(lab.hosts)) {
          const lan = host.lan.mode === "static" ? host.lan.address : host.lan.subnet;
          if (lan && overlaps(ca, parseCidr(lan)))
            d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps the LAN of host '${h}' (${cidrString(parseCidr(lan))}): pick a private range the LAN does not use, e.g. 10.10.0.0/24`);
        }
      });
    },
  },
  {
    id: "lan-address",
    summary: "a static LAN address is a host address whose gateway is on the same subnet, on a NIC the host has",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const lan = host.lan;
        if (!host.hardware.nics.some((n) => n.name === lan.interface))
          d.error("lan-address", ["hosts", h, "lan", "interface"], `interface '${lan.interface}' is not among hardware.nics (${host.hardware.nics.map((n) => n.name).join(", ")})`);
        if (lan.mode !== "static") continue;
        const c = parseCidr(lan.address);
        const ip = ipToInt(lan.address.split("/")[0]);
        if (ip === c.base || ip === broadcast(c)) d.error("lan-address", ["hosts", h, "lan", "address"], `${lan.address} is the network or broadcast address of its subnet: use the host's own address, e.g. ${intToIp(c.base + 10)}/${c.prefix}`);
        if (!contains(c, lan.gateway)) d.error("lan-address", ["hosts", h, "lan", "gateway"], `gateway ${lan.gateway} is not on the LAN subnet ${intToIp(c.base)}/${c.prefix}`);
      }
    },
  },
  {
    id: "disk-by-id",
    summary: "disks are named by /dev/disk/by-id/… and declared once",
    check(lab, d) {
      const seen = new Map<string, string>();
      for (const [h, host] of entries(lab.hosts))
        host.hardware.disks.forEach((disk, i) => {
          if (!/^\/dev\/disk\/by-id\/[^/\s]+$/.test(disk.id))
            d.error("disk-by-id", ["hosts", h, "hardware", "disks", i, "id"], `'${disk.id}' is not a /dev/disk/by-id/ path: kernel names like /dev/sda change between boots; use ls -l /dev/disk/by-id/ to find the stable name`);
          const prev = seen.get(disk.id);
          if (prev) d.error("disk-by-id", ["hosts", h, "hardware", "disks", i, "id"], `disk ${disk.id} is already declared at ${prev}`);
          else seen.set(disk.id, `hosts.${h}.hardware.disks[${i}]`);
        });
    },
  },
  {
    id: "disk-one-vdev",
    summary: "every vdev member is a declared disk of the host, used in exactly one vdev",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const declared = new Set(host.hardware.disks.map((x) => x.id));
        const used = new Map<string, string>();
        for (const [p, pool] of entries(host.zfs.pools))
          pool.vdevs.forEach((v, vi) =>
            v.disks.forEach((id, di) => {
              const path = ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks", di];
              if (!declared.has(id)) d.error("disk-one-vdev", path, `disk ${id} is not declared in hosts.${h}.hardware.disks: add it there (by id) or fix the id`);
              const prev = used.get(id);
              if (prev) d.error("disk-one-vdev", path, `disk ${id} is already a member of ${prev}: a disk belongs to exactly one vdev`);
              else used.set(id, `pool '${p}' vdev ${vi}`);
            }),
          );
      }
    },
  },
  {
    id: "vdev-members",
    summary: "vdev member counts: mirror ≥ 2, raidz1 ≥ 3, raidz2 ≥ 4, raidz3 ≥ 5; one topology per pool",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts))
        for (const [p, pool] of entries(host.zfs.pools)) {
          pool.vdevs.forEach((v, vi) => {
            const min = MIN_MEMBERS[v.topology];
            if (v.disks.length < min)
              d.error("vdev-members", ["hosts", h, "zfs", "pools", p, "vdevs", vi, "disks"], `a ${v.topology} vdev needs at least ${min} disks, this one has ${v.disks.length}`);
          });
          const tops = new Set(pool.vdevs.map((v) => v.topology));
          if (tops.size > 1) d.error("vdev-members", ["hosts", h, "zfs", "pools", p, "vdevs"], `pool '${p}' mixes ${[...tops].join(" and ")} vdevs: ZFS warns against mismatched replication levels; use one topology per pool`);
        }
    },
  },
  {
    id: "boot-pool",
    summary: "exactly one boot pool per host",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const boots = entries(host.zfs.pools).filter(([, p]) => p.boot);
        if (boots.length === 0) d.error("boot-pool", ["hosts", h, "zfs", "pools"], "no boot pool: mark the pool that holds / with boot: true");
        else if (boots.length > 1) d.error("boot-pool", ["hosts", h, "zfs", "pools", boots[1][0], "boot"], `more than one boot pool (${boots.map(([n]) => n).join(", ")}): exactly one pool holds /`);
        for (const [p, pool] of boots)
          if (pool.vdevs.some((v) => v.topology.startsWith("raidz")) || pool.vdevs.length > 1)
            d.error("boot-pool", ["hosts", h, "zfs", "pools", p, "vdevs"], "the boot pool must be a single disk or a single mirror vdev: each member carries its own EFI partition");
      }
    },
  },
  {
    id: "datasets",
    summary: "dataset names and mountpoints are valid and unique per host",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const mounts = new Map<string, string>();
        for (const m of ["/", "/nix", "/var", "/home", "/boot", "/var/lib/labgen"]) mounts.set(m, "the boot pool's system datasets");
        for (const [p, pool] of entries(host.zfs.pools))
          for (const [ds, spec] of entries(pool.datasets)) {
            const path = ["hosts", h, "zfs", "pools", p, "datasets", ds];
            if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/.test(ds))
              d.error("datasets", path, `dataset name '${ds}' is invalid: use letters, digits, _ . : - and / between levels`);
            if (["root", "nix", "var", "home", "labgen", "incus", "reserved"].includes(ds))
              d.error("datasets", path, `dataset '${ds}' is managed by labgen (root, nix, var, home, labgen, incus, reserved): choose another name`);
            const mp = spec.mountpoint;
            if (mp && mp !== "none") {
              const prev = mounts.get(mp);
              if (prev) d.error("datasets", [...path, "mountpoint"], `${mp} is already mounted by ${prev}`);
              else mounts.set(mp, `pool '${p}' dataset '${ds}'`);
            }
          }
      }
    },
  },
  {
    id: "memory-capacity",
    summary: "instance memory + the host reserve fits in the host's RAM",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const insts = instancesByHost(lab).get(h) ?? [];
        const used = insts.reduce((s, [, i]) => s + sizeBytes(i.memory), 0);
        const total = sizeBytes(host.hardware.memory);
        const reserve = sizeBytes(host.memoryReserve);
        if (used + reserve > total) {
          const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
          d.error("memory-capacity", ["hosts", h, "hardware", "memory"], `instances on '${h}' need ${gib(used)} plus the ${gib(reserve)} host reserve, but the host has ${gib(total)}: lower instance memory or move instances to another host`);
        }
      }
    },
  },
  {
    id: "cpu-overcommit",
    summary: "instance CPUs: each fits the host (error); their sum above the host's threads is overcommit (warning)",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const insts = instancesByHost(lab).get(h) ?? [];
        for (const [n, i] of insts)
          if (i.cpu > host.hardware.cpu.threads) d.error("cpu-overcommit", ["instances", n, "cpu"], `${i.cpu} CPUs is more than host '${h}' has (${host.hardware.cpu.threads} threads)`);
        const sum = insts.reduce((s, [, i]) => s + i.cpu, 0);
        if (sum > host.hardware.cpu.threads)
          d.warn("cpu-overcommit", ["hosts", h, "hardware", "cpu"], `instances on '${h}' ask for ${sum} CPUs, the host has ${host.hardware.cpu.threads} threads: CPU is overcommitted (fine for idle services, slow under load)`);
      }
    },
  },
  {
    id: "hardware",
    summary: "CPU threads ≥ cores; NIC names unique",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        if (host.hardware.cpu.threads < host.hardware.cpu.cores) d.error("hardware", ["hosts", h, "hardware", "cpu", "threads"], `threads (${host.hardware.cpu.threads}) cannot be fewer than cores (${host.hardware.cpu.cores})`);
        const seen = new Set<string>();
        host.hardware.nics.forEach((n, i) => {
          if (seen.has(n.name)) d.error("hardware", ["hosts", h, "hardware", "nics", i, "name"], `NIC '${n.name}' is declared twice`);
          seen.add(n.name);
        });
      }
    },
  },
  {
    id: "port-unique",
    summary: "exposed host ports are unique per host and protocol",
    check(lab, d) {
      const seen = new Map<string, string>();
      for (const [n, inst] of entries(lab.instances))
        inst.ports.forEach((p, i) => {
          const key = `${inst.host}/${p.protocol}/${p.host}`;
          const prev = seen.get(key);
          if (prev) d.error("port-unique", ["instances", n, "ports", i, "host"], `${p.protocol} port ${p.host} on host '${inst.host}' is already exposed by ${prev}: pick another host port`);
          else seen.set(key, `instances.${n}`);
        });
    },
  },
  {
    id: "port-ssh",
    summary: "no instance takes the host's SSH port",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances)) {
        const host = lab.hosts[inst.host];
        if (!host) continue;
        inst.ports.forEach((p, i) => {
          if (p.protocol === "tcp" && p.host === host.ssh.port)
            d.error("port-ssh", ["instances", n, "ports", i, "host"], `tcp ${p.host} is the SSH port of host '${inst.host}': expose the instance on another host port (e.g. 2222)`);
        });
      }
    },
  },
  {
    id: "port-served",
    summary: "exposed and routed ports are ports the instance serves",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances))
        inst.ports.forEach((p, i) => {
          if (!inst.serves.includes(p.instance))
            d.error("port-served", ["instances", n, "ports", i, "instance"], `port ${p.instance} is not in this instance's serves (${inst.serves.join(", ") || "none"}): add it to serves or fix the port`);
        });
      for (const [r, route] of entries(lab.ingress?.routes ?? {})) {
        const inst = lab.instances[route.instance];
        if (inst && !inst.serves.includes(route.port))
          d.error("port-served", ["ingress", "routes", r, "port"], `instance '${route.instance}' does not serve port ${route.port} (it serves ${inst.serves.join(", ") || "nothing"}): fix the port or add it to the instance's serves`);
      }
    },
  },
  {
    id: "vm-proxy-static-ip",
    summary: "a VM's exposed ports need a static IP (Incus proxies to VMs only in NAT mode)",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances))
        if (inst.type === "vm" && inst.ports.length > 0 && !inst.nics[0]?.ipv4)
          d.error("vm-proxy-static-ip", ["instances", n, "nics", 0, "ipv4"], "this VM exposes ports, and Incus proxies to VMs only in NAT mode, which needs a static address on the first NIC: set ipv4");
    },
  },
  {
    id: "oci-image",
    summary: "OCI application images run as containers and take no cloud-init",
    check(lab, d) {
      // OCI images need Incus ≥ 6.3; incus-lts is 7.0.x in the nixpkgs snapshot our option data
      // comes from (pkgs/by-name/in/incus/lts.nix), so both channels run them.
      for (const [n, inst] of entries(lab.instances)) {
        if (inst.image.startsWith("images:")) continue;
        if (inst.type === "vm") d.error("oci-image", ["instances", n, "type"], "OCI images run as containers only: use an images: image for a VM");
        if (inst.cloudInit !== undefined) d.error("oci-image", ["instances", n, "cloudInit"], "OCI application containers do not run cloud-init: drop cloudInit or use an images:…/cloud image");
      }
    },
  },
  {
    id: "image-built",
    summary: "images: NixOS releases that images.linuxcontainers.org still builds",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances)) {
        const m = /^images:nixos\/([0-9]{2}\.[0-9]{2})(\/|$)/.exec(inst.image);
        if (m && NIXOS_IMAGES_NO_LONGER_BUILT.has(m[1]))
          d.error("image-built", ["instances", n, "image"], `images:nixos/${m[1]} is no longer built on images.linuxcontainers.org (it builds NixOS ${NIXOS_IMAGES_BUILT.join(" and ")} only), so Incus cannot download it: use "images:nixos/${NIXOS_IMAGES_BUILT[NIXOS_IMAGES_BUILT.length - 1]}"`);
      }
    },
  },
  {
    id: "ingress-traefik",
    summary: "the ingress instance runs a Traefik v3 OCI image",
    check(lab, d) {
      const ing = lab.ingress;
      const traefik = ing && lab.instances[ing.instance];
      if (!ing || !traefik) return;
      // The generated traefik.yml/dynamic.yml use v3-only names (ipAllowList), and OpenTofu pushes
      // them to /etc/traefik/, where Traefik looks for its static configuration
      // (traefik/traefik docs/content/reference/install-configuration/boot-environment.md).
      if (!TRAEFIK_IMAGE_RE.test(traefik.image))
        d.error("ingress-traefik", ["instances", ing.instance, "image"], `the ingress instance must run Traefik v3, which reads the generated /etc/traefik files: use the official image "docker:traefik:v3.7" (or any other v3 tag: v3, v3.N, v3.N.M, with or without the v), not "${traefik.image}"`);
    },
  },
  {
    id: "ingress-hostname",
    summary: "ingress hostnames are unique and exactly one label under the domain",
    check(lab, d) {
      const seen = new Map<string, string>();
      for (const [r, route] of entries(lab.ingress?.routes ?? {})) {
        const hostname = route.hostname ?? `${r}.${lab.domain}`;
        const path = ["ingress", "routes", r, route.hostname ? "hostname" : ""].filter(Boolean);
        const suffix = `.${lab.domain}`;
        const label = hostname.endsWith(suffix) ? hostname.slice(0, -suffix.length) : null;
        if (label === null || label === "")
          d.error("ingress-hostname", path, `${hostname} is not under ${lab.domain}: the lab CA may only sign names in its domain`);
        else if (label.includes("."))
          d.error("ingress-hostname", path, `${hostname} is two labels under ${lab.domain}: the wildcard certificate *.${lab.domain} covers exactly one label; use e.g. ${label.replace(/\./g, "-")}.${lab.domain}`);
        else if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))
          d.error("ingress-hostname", path, `'${label}' is not a valid DNS label`);
        const prev = seen.get(hostname);
        if (prev) d.error("ingress-hostname", path, `${hostname} is already used by route '${prev}': hostnames must be unique`);
        else seen.set(hostname, r);
      }
    },
  },
  {
    id: "domain",
    summary: "the lab domain is a valid DNS name",
    check(lab, d) {
      // The wildcard certificate's CN "*.<domain>" must fit X.509's 64-character limit.
      const p = lab.domain.length > 62 ? "is longer than 62 characters (the certificate name *.<domain> must fit in 64)" : dnsNameProblem(lab.domain);
      if (p) d.error("domain", ["domain"], `'${lab.domain}' ${p}`);
      for (const [n, net] of entries(lab.networks)) {
        const p2 = net.dnsDomain !== undefined ? dnsNameProblem(net.dnsDomain) : null;
        if (p2) d.error("domain", ["networks", n, "dnsDomain"], `'${net.dnsDomain}' ${p2}`);
        if (net.dnsDomain === lab.domain)
          d.error("domain", ["networks", n, "dnsDomain"], `the bridge DNS domain must differ from the lab domain ${lab.domain}, whose names belong to ingress routes: use e.g. ${n}.${lab.domain}`);
      }
    },
  },
  {
    id: "secret-paths",
    summary: "secrets are absolute paths on the host outside the Nix store",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const paths: [PathSegment[], string | undefined][] = [
          [["hosts", h, "tailscale", "authKeyFile"], host.tailscale?.authKeyFile],
          [["hosts", h, "gitops", "deployKeyFile"], host.gitops?.deployKeyFile],
        ];
        for (const [path, value] of paths)
          if (value?.startsWith("/nix/store")) d.error("secret-paths", path, "secrets must not live in the Nix store (world-readable): use a path such as /var/lib/labgen/secrets/…");
      }
      if (lab.ca.dir.startsWith("/nix/store")) d.error("secret-paths", ["ca", "dir"], "the CA keys must not live in the Nix store (world-readable): use e.g. /var/lib/labgen/ca");
    },
  },
  {
    id: "secret-value",
    summary: "no value in the config is itself a secret (auth keys, private keys, tokens)",
    check(lab, d) {
      walkStrings(lab, [], (s, path) => {
        const kind = secretKind(s);
        if (kind) d.error("secret-value", path, secretMessage(kind, path));
      });
    },
  },
  {
    id: "tofu-host",
    summary: "the OpenTofu apply host exists, and reaches every other host's Incus over the tailnet",
    check(lab, d) {
      const applier = tofuHostOf(lab);
      if (lab.tofu.host !== undefined && !(lab.tofu.host in lab.hosts)) {
        d.error("tofu-host", ["tofu", "host"], `unknown host '${lab.tofu.host}': OpenTofu must run on one of ${Object.keys(lab.hosts).join(", ")}`);
        return;
      }
      for (const [h, host] of entries(lab.hosts)) {
        if (h === applier || !instancesByHost(lab).has(h)) continue;
        if (!host.tailscale?.exposeIncusApi)
          d.error("tofu-host", ["hosts", h, "tailscale"], `host '${applier}' applies OpenTofu and must reach the Incus API of '${h}': enable tailscale with exposeIncusApi: true on '${h}' (the API is never exposed on the LAN)`);
      }
      for (const [path, value] of [[["tofu", "passphraseFile"], lab.tofu.passphraseFile], [["tofu", "stateDir"], lab.tofu.stateDir]] as const)
        if (value.startsWith("/nix/store")) d.error("secret-paths", [...path], "OpenTofu state and its passphrase must not live in the Nix store (world-readable)");
    },
  },
  {
    id: "ingress-apply-host",
    summary: "the Traefik instance runs on the host that applies OpenTofu (which reads the CA's chain and key)",
    check(lab, d) {
      const inst = lab.ingress && lab.instances[lab.ingress.instance];
      const applier = tofuHostOf(lab);
      if (inst && inst.host in lab.hosts && inst.host !== applier)
        d.error("ingress-apply-host", ["ingress", "instance"], `the Traefik instance runs on '${inst.host}', but OpenTofu applies from '${applier}' and pushes the certificate and key from ${lab.ca.dir} there: run the ingress on '${applier}' or set tofu.host to '${inst.host}'`);
    },
  },
  {
    id: "dhcp-proxy",
    summary: "exposed ports on a DHCP host: NAT-mode proxies need a static LAN address (VMs and the ingress need NAT)",
    check(lab, d) {
      for (const [n, inst] of entries(lab.instances)) {
        const host = lab.hosts[inst.host];
        if (!host || host.lan.mode !== "dhcp" || inst.ports.length === 0) continue;
        const path = ["instances", n, "ports"];
        if (inst.type === "vm")
          d.error("dhcp-proxy", path, `Incus proxies to VMs only in NAT mode, which listens on a fixed host address, and host '${inst.host}' takes its LAN address from DHCP: give the host a static LAN address, or expose nothing from this VM`);
        else if (lab.ingress?.instance === n)
          d.error("dhcp-proxy", path, `Traefik's allow-list needs the clients' addresses, which only NAT-mode proxies keep, and NAT mode needs a static LAN address on host '${inst.host}': give the host a static LAN address`);
        else
          d.warn("dhcp-proxy", path, `host '${inst.host}' uses DHCP, so these ports are proxied by Incus in user space on every host address and the instance sees the proxy, not the client`);
      }
    },
  },
  {
    id: "ca-validity",
    summary: "CA validities nest (leaf < intermediate ≤ root) and leaves stay within client limits",
    check(lab, d) {
      const ca = lab.ca;
      if (ca.intermediateDays > ca.rootDays) d.error("ca-validity", ["ca", "intermediateDays"], `the intermediate (${ca.intermediateDays} d) cannot outlive the root (${ca.rootDays} d)`);
      if (ca.leafDays >= ca.intermediateDays) d.error("ca-validity", ["ca", "leafDays"], `the leaf (${ca.leafDays} d) must expire before the intermediate (${ca.intermediateDays} d)`);
      if (ca.leafDays > 397) d.warn("ca-validity", ["ca", "leafDays"], `${ca.leafDays} days exceeds the 397 days Apple and Chromium recommend; 825 is Apple's hard limit`);
      if (ca.renewBeforeDays >= ca.leafDays) d.error("ca-validity", ["ca", "renewBeforeDays"], `renewBeforeDays (${ca.renewBeforeDays}) must be smaller than leafDays (${ca.leafDays}), or every renew re-issues`);
    },
  },
  {
    id: "admins",
    summary: "at least one admin with an SSH key (password login is off)",
    check(lab, d) {
      if (Object.keys(lab.admins).length === 0) d.error("admins", ["admins"], "declare at least one admin with an SSH key: passwords are disabled, so nobody could log in");
      for (const [a] of entries(lab.admins))
        if (["root", "nixos", "incus", "tailscale", "sshd", "nobody"].includes(a)) d.error("admins", ["admins", a], `'${a}' is a system account name: pick a personal user name`);
    },
  },
  {
    id: "hosts",
    summary: "at least one host",
    check(lab, d) {
      if (Object.keys(lab.hosts).length === 0) d.error("hosts", ["hosts"], "declare at least one host");
    },
  },
];

export function runRules(lab: LabConfig, bag: DiagnosticBag): void {
  for (const rule of RULES) rule.check(lab, bag);
}
