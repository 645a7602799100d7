// Names: what Incus, ZFS and DNS accept as names, and where names must be unique.
import { IMAGE_REMOTE_NAMES, INCUS_NAME_RE } from "../../config/schema.ts";
import { type Rule, instanceRule } from "./common.ts";

export function dnsNameProblem(domain: string): string | null {
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

export const NAMING_RULES: Rule[] = [
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
        if (["local", ...IMAGE_REMOTE_NAMES].includes(name))
          d.error("incus-name", ["hosts", name], `'${name}' is the name of an Incus remote (local, or an image server): name the host something else`);
      for (const [name] of Object.entries(lab.ingress?.routes ?? {}))
        if (!INCUS_NAME_RE.test(name))
          d.error("incus-name", ["ingress", "routes", name], `Route name '${name}' is invalid: it becomes a DNS label, so use a-z, 0-9 and '-', starting with a letter`);
      for (const [host, h] of Object.entries(lab.hosts))
        for (const pool of Object.keys(h.zfs.pools))
          if (!/^[a-z][a-z0-9_.-]{0,62}$/.test(pool) || /^(mirror|raidz|draid|spare|log|c[0-9])/.test(pool))
            d.error("incus-name", ["hosts", host, "zfs", "pools", pool], `ZFS pool name '${pool}' is invalid: start with a letter, use a-z 0-9 _ . -, and avoid reserved prefixes (mirror, raidz, draid, spare, log)`);
    },
  },
  instanceRule({
    id: "unique-names",
    summary: "Incus names are unique where Incus needs them to be (volumes per storage pool, devices per instance)",
    pass(_lab, d) {
      const volumes = new Map<string, string>();
      return {
        each(name, inst) {
          // The instance's distinct NIC names, in order (a list: an instance has one or two NICs).
          const nics: string[] = [];
          inst.nics.forEach((nic, i) => {
            if (nics.includes(nic.name)) d.error("unique-names", ["instances", name, "nics", i, "name"], `NIC name '${nic.name}' is used twice in this instance: give each NIC its own name (eth0, eth1, …)`);
            else {
              // NICs are Incus devices, and "root" is the root disk's device name.
              if (nic.name === "root") d.error("unique-names", ["instances", name, "nics", i, "name"], "'root' is the device name of the instance's root disk: name the NIC eth0, eth1, …");
              nics.push(nic.name);
            }
          });
          // Everything below is about volumes: an instance without any needs no device list.
          if (inst.volumes.length === 0) return;
          const paths = new Set<string>();
          // Incus device names of the instance: root, the NICs, the proxies (<proto>-<port>), the volumes.
          const devices = new Set(["root", ...inst.nics.map((n) => n.name), ...inst.ports.map((p) => `${p.protocol}-${p.host}`)]);
          inst.volumes.forEach((v, i) => {
            const clash = devices.has(v.name);
            if (clash)
              d.error("unique-names", ["instances", name, "volumes", i, "name"], `'${v.name}' is already a device of this instance (root, NICs ${nics.join(", ")}, proxies tcp-/udp-<port>, other volumes): give the volume another name`);
            devices.add(v.name);
            if (paths.has(v.path)) d.error("unique-names", ["instances", name, "volumes", i, "path"], `two volumes are mounted at ${v.path}: give each volume its own path`);
            paths.add(v.path);
            // A shared volume is the owner's Incus volume: no name of its own on the pool.
            if (v.share) return;
            const storage = v.storage ?? inst.storage;
            const incusName = `${name}-${v.name}`;
            const key = `${storage}/${incusName}`;
            const prev = volumes.get(key);
            // A name clash inside the instance is reported once, above.
            if (prev && !clash) d.error("unique-names", ["instances", name, "volumes", i, "name"], `volume '${incusName}' on storage '${storage}' already comes from ${prev}: rename one of them`);
            else volumes.set(key, `instances.${name}.volumes[${i}]`);
            // A long instance name is the incus-name rule's error already.
            if (incusName.length > 63 && INCUS_NAME_RE.test(name)) d.error("unique-names", ["instances", name, "volumes", i, "name"], `the Incus volume name '${incusName}' (instance-volume) is longer than 63 characters: shorten the volume or instance name`);
            if (v.path === "/") d.error("unique-names", ["instances", name, "volumes", i, "path"], "a data volume cannot be mounted at /: the root disk is rootSize on the instance's storage");
          });
        },
      };
    },
  }),
  {
    id: "domain",
    summary: "the lab domain is a valid DNS name",
    check(lab, d) {
      // The wildcard certificate's CN "*.<domain>" must fit X.509's 64-character limit.
      const p = lab.domain.length > 62 ? "is longer than 62 characters (the certificate name *.<domain> must fit in 64)" : dnsNameProblem(lab.domain);
      if (p) d.error("domain", ["domain"], `'${lab.domain}' ${p}`);
      for (const [n, net] of Object.entries(lab.networks)) {
        const p2 = net.dnsDomain !== undefined ? dnsNameProblem(net.dnsDomain) : null;
        if (p2) d.error("domain", ["networks", n, "dnsDomain"], `'${net.dnsDomain}' ${p2}`);
        if (net.dnsDomain === lab.domain)
          d.error("domain", ["networks", n, "dnsDomain"], `the bridge DNS domain must differ from the lab domain ${lab.domain}, whose names belong to ingress routes: use e.g. ${n}.${lab.domain}`);
      }
    },
  },
];
