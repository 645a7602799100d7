// Instances: the host and profiles they reference, what they ask of the host (memory, CPU, ports), images.
import { isOciImage } from "../../shared/image.ts";
import { sizeBytes } from "../../shared/units.ts";
import type { PathSegment } from "../../shared/diagnostics.ts";
import { type Rule, instanceRule, instancesByHost, UnknownNames } from "./common.ts";

// NixOS releases of images:nixos/<release>: lxc/lxc-ci jenkins/jobs/image-nixos.yaml builds only
// "unstable" and "26.05"; its history removed 23.11 (2024-08-16), 24.05 (2025-01-29), 24.11
// (2025-07-01), 25.05 (2026-01-02) and 25.11 (2026-07-01). An image no longer built leaves the
// image server, and `tofu apply` fails on it. Releases not listed here are not judged.
const NIXOS_IMAGES_BUILT = ["unstable", "26.05"] as const;
const NIXOS_IMAGES_NO_LONGER_BUILT = new Set(["23.11", "24.05", "24.11", "25.05", "25.11"]);

export const INSTANCES_RULES: Rule[] = [
  instanceRule({
    id: "ref-host",
    summary: "every host reference resolves",
    pass(lab, d) {
      const hosts = Object.keys(lab.hosts);
      const unknown = new UnknownNames();
      for (const [n, net] of Object.entries(lab.networks)) if (!(net.host in lab.hosts)) unknown.add(net.host, ["networks", n, "host"]);
      for (const [n, s] of Object.entries(lab.storage)) if (!(s.host in lab.hosts)) unknown.add(s.host, ["storage", n, "host"]);
      return {
        each(n, i) {
          if (!(i.host in lab.hosts)) unknown.add(i.host, ["instances", n, "host"]);
        },
        end: () => unknown.report(d, "ref-host", (host) => `unknown host '${host}': declare it under hosts, or use one of ${hosts.map((h) => `'${h}'`).join(", ")}`),
      };
    },
  }),
  instanceRule({
    id: "ref-profile",
    summary: "every profile reference resolves",
    pass(lab, d) {
      const unknown = new UnknownNames();
      return {
        each(n, inst) {
          if (inst.profiles.length === 0) return;
          const seen = new Set<string>();
          inst.profiles.forEach((p, i) => {
            if (seen.has(p)) d.error("ref-profile", ["instances", n, "profiles", i], `profile '${p}' is listed twice`);
            else if (!(p in lab.profiles)) unknown.add(p, ["instances", n, "profiles", i]);
            seen.add(p);
          });
        },
        end: () => unknown.report(d, "ref-profile", (p) => `unknown profile '${p}': declare it under profiles (known: ${Object.keys(lab.profiles).join(", ") || "none"})`),
      };
    },
  }),
  {
    id: "memory-capacity",
    summary: "instance memory + the host reserve fits in the host's RAM",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
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
      for (const [h, host] of Object.entries(lab.hosts)) {
        const insts = instancesByHost(lab).get(h) ?? [];
        for (const [n, i] of insts)
          if (i.cpu > host.hardware.cpu.threads) d.error("cpu-overcommit", ["instances", n, "cpu"], `${i.cpu} CPUs is more than host '${h}' has (${host.hardware.cpu.threads} threads)`);
        const sum = insts.reduce((s, [, i]) => s + i.cpu, 0);
        if (sum > host.hardware.cpu.threads)
          d.warn("cpu-overcommit", ["hosts", h, "hardware", "cpu"], `instances on '${h}' ask for ${sum} CPUs, the host has ${host.hardware.cpu.threads} threads: CPU is overcommitted (fine for idle services, slow under load)`);
      }
    },
  },
  instanceRule({
    id: "port-unique",
    summary: "exposed host ports are unique per host and protocol",
    pass(_lab, d) {
      const seen = new Map<string, string>();
      return {
        each: (n, inst) =>
          inst.ports.forEach((p, i) => {
            const key = `${inst.host}/${p.protocol}/${p.host}`;
            const prev = seen.get(key);
            if (prev) d.error("port-unique", ["instances", n, "ports", i, "host"], `${p.protocol} port ${p.host} on host '${inst.host}' is already exposed by ${prev}: pick another host port`);
            else seen.set(key, `instances.${n}`);
          }),
      };
    },
  }),
  instanceRule({
    id: "port-ssh",
    summary: "no instance takes the host's SSH port",
    pass: (lab, d) => ({
      each(n, inst) {
        const host = lab.hosts[inst.host];
        if (!host) return;
        inst.ports.forEach((p, i) => {
          if (p.protocol === "tcp" && p.host === host.ssh.port)
            d.error("port-ssh", ["instances", n, "ports", i, "host"], `tcp ${p.host} is the SSH port of host '${inst.host}': expose the instance on another host port (e.g. 2222)`);
        });
      },
    }),
  }),
  instanceRule({
    id: "port-served",
    summary: "exposed and routed ports are ports the instance serves",
    pass: (lab, d) => ({
      each: (n, inst) =>
        inst.ports.forEach((p, i) => {
          if (!inst.serves.includes(p.instance))
            d.error("port-served", ["instances", n, "ports", i, "instance"], `port ${p.instance} is not in this instance's serves (${inst.serves.join(", ") || "none"}): add it to serves or fix the port`);
        }),
      end() {
        for (const [r, route] of Object.entries(lab.ingress?.routes ?? {})) {
          const inst = lab.instances[route.instance];
          if (inst && !inst.serves.includes(route.port))
            d.error("port-served", ["ingress", "routes", r, "port"], `instance '${route.instance}' does not serve port ${route.port} (it serves ${inst.serves.join(", ") || "nothing"}): fix the port or add it to the instance's serves`);
        }
      },
    }),
  }),
  instanceRule({
    id: "vm-proxy-static-ip",
    summary: "a VM's exposed ports need a static IP (Incus proxies to VMs only in NAT mode)",
    pass: (_lab, d) => ({
      each(n, inst) {
        if (inst.type === "vm" && inst.ports.length > 0 && !inst.nics[0]?.ipv4)
          d.error("vm-proxy-static-ip", ["instances", n, "nics", 0, "ipv4"], "this VM exposes ports, and Incus proxies to VMs only in NAT mode, which needs a static address on the first NIC: set ipv4");
      },
    }),
  }),
  instanceRule({
    id: "oci-image",
    summary: "OCI application images run as containers and take no cloud-init",
    // OCI images need Incus ≥ 6.3; incus-lts is 7.0.x in the nixpkgs snapshot our option data
    // comes from (pkgs/by-name/in/incus/lts.nix), so both channels run them.
    pass: (_lab, d) => ({
      each(n, inst) {
        if (!isOciImage(inst.image)) return;
        if (inst.type === "vm") d.error("oci-image", ["instances", n, "type"], "OCI images run as containers only: use an images: image for a VM");
        if (inst.cloudInit !== undefined) d.error("oci-image", ["instances", n, "cloudInit"], "OCI application containers do not run cloud-init: drop cloudInit or use an images:…/cloud image");
      },
    }),
  }),
  instanceRule({
    id: "image-built",
    summary: "images: NixOS releases that images.linuxcontainers.org still builds",
    pass: (_lab, d) => ({
      each(n, inst) {
        const m = /^images:nixos\/([0-9]{2}\.[0-9]{2})(\/|$)/.exec(inst.image);
        if (m && NIXOS_IMAGES_NO_LONGER_BUILT.has(m[1]))
          d.error("image-built", ["instances", n, "image"], `images:nixos/${m[1]} is no longer built on images.linuxcontainers.org (it builds NixOS ${NIXOS_IMAGES_BUILT.join(" and ")} only), so Incus cannot download it: use "images:nixos/${NIXOS_IMAGES_BUILT[NIXOS_IMAGES_BUILT.length - 1]}"`);
      },
    }),
  }),
  instanceRule({
    id: "dhcp-proxy",
    summary: "exposed ports on a DHCP host: NAT-mode proxies need a static LAN address (VMs and the ingress need NAT)",
    pass: (lab, d) => ({
      each(n, inst) {
        const host = lab.hosts[inst.host];
        if (!host || host.lan.mode !== "dhcp" || inst.ports.length === 0) return;
        const path = ["instances", n, "ports"];
        if (inst.type === "vm")
          d.error("dhcp-proxy", path, `Incus proxies to VMs only in NAT mode, which listens on a fixed host address, and host '${inst.host}' takes its LAN address from DHCP: give the host a static LAN address, or expose nothing from this VM`);
        else if (lab.ingress?.instance === n)
          d.error("dhcp-proxy", path, `Traefik's allow-list needs the clients' addresses, which only NAT-mode proxies keep, and NAT mode needs a static LAN address on host '${inst.host}': give the host a static LAN address`);
        else
          d.warn("dhcp-proxy", path, `host '${inst.host}' uses DHCP, so these ports are proxied by Incus in user space on every host address and the instance sees the proxy, not the client`);
      },
    }),
  }),
];
