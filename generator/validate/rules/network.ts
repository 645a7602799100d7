// Networks: bridge subnets, static addresses on them, and the hosts' LAN addresses.
import { broadcast, type Cidr, cidrString, contains, intToIp, ipToInt, isIpv4Cidr, isNetworkAddress, overlaps, parseCidr } from "../../shared/ipv4.ts";
import { defaultGateway } from "../../shared/lab.ts";
import { type Rule, instanceRule, UnknownNames } from "./common.ts";

export const NETWORK_RULES: Rule[] = [
  instanceRule({
    id: "ref-network",
    summary: "every NIC's network exists and lives on the instance's host",
    pass(lab, d) {
      const unknown = new UnknownNames();
      return {
        each: (n, inst) =>
          inst.nics.forEach((nic, i) => {
            const net = lab.networks[nic.network];
            if (!net) unknown.add(nic.network, ["instances", n, "nics", i, "network"]);
            // A bridge on an unknown host is ref-host's error, reported there once.
            else if (net.host !== inst.host && inst.host in lab.hosts && net.host in lab.hosts)
              d.error("ref-network", ["instances", n, "nics", i, "network"], `network '${nic.network}' is a bridge on host '${net.host}', but the instance runs on '${inst.host}': use a network of host '${inst.host}'`);
          }),
        end: () => unknown.report(d, "ref-network", (name) => `unknown network '${name}': declare it under networks (known: ${Object.keys(lab.networks).join(", ") || "none"})`),
      };
    },
  }),
  instanceRule({
    id: "static-ip-subnet",
    summary: "static IPs are inside their network's subnet",
    pass: (lab, d) => ({
      each: (n, inst) =>
        inst.nics.forEach((nic, i) => {
          const net = lab.networks[nic.network];
          if (net && nic.ipv4 && !contains(parseCidr(net.subnet), nic.ipv4))
            d.error("static-ip-subnet", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is outside network '${nic.network}' (${net.subnet}): pick an address inside the subnet`);
        }),
    }),
  }),
  instanceRule({
    id: "static-ip-reserved",
    summary: "static IPs are not the network, broadcast or gateway address",
    pass: (lab, d) => ({
      each: (n, inst) =>
        inst.nics.forEach((nic, i) => {
          const net = lab.networks[nic.network];
          if (!net || !nic.ipv4) return;
          const c = parseCidr(net.subnet);
          if (!contains(c, nic.ipv4)) return;
          const ip = ipToInt(nic.ipv4);
          const what = ip === c.base ? "the network address" : ip === broadcast(c) ? "the broadcast address" : nic.ipv4 === defaultGateway(net) ? "the bridge's gateway address" : null;
          if (what) d.error("static-ip-reserved", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is ${what} of network '${nic.network}': pick another address`);
        }),
    }),
  }),
  instanceRule({
    id: "static-ip-unique",
    summary: "static IPs are unique",
    pass(_lab, d) {
      const seen = new Map<string, string>();
      return {
        each: (n, inst) =>
          inst.nics.forEach((nic, i) => {
            if (!nic.ipv4) return;
            const key = `${nic.network}/${nic.ipv4}`;
            const prev = seen.get(key);
            if (prev) d.error("static-ip-unique", ["instances", n, "nics", i, "ipv4"], `${nic.ipv4} is already used by ${prev}: every instance needs its own address`);
            else seen.set(key, `instances.${n}`);
          }),
      };
    },
  }),
  {
    id: "network-subnet",
    summary: "bridge subnets are network addresses, /16 to /30, with the gateway inside",
    check(lab, d) {
      for (const [n, net] of Object.entries(lab.networks)) {
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
      const nets = Object.entries(lab.networks);
      // The Tailscale ranges and the hosts' LANs are the same for every bridge: read once (a lab
      // with a bridge per host compares every bridge with every host).
      const tailnet = [...new Set(["100.64.0.0/10", ...lab.tailnet.filter(isIpv4Cidr)])];
      const hostLans: { h: string; text: string; cidr: Cidr }[] = [];
      for (const [h, host] of Object.entries(lab.hosts)) {
        const lan = host.lan.mode === "static" ? host.lan.address : host.lan.subnet;
        if (!lan) continue;
        const cidr = parseCidr(lan);
        hostLans.push({ h, text: cidrString(cidr), cidr });
      }
      nets.forEach(([a, na], i) => {
        const ca = parseCidr(na.subnet);
        for (let j = 0; j < i; j++) {
          const [b, nb] = nets[j];
          if (overlaps(ca, parseCidr(nb.subnet))) d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps network '${b}' (${nb.subnet}): give each bridge its own range`);
        }
        // One mistake, one error: the first Tailscale range and each distinct LAN it overlaps.
        const cidr = tailnet.find((t) => overlaps(ca, parseCidr(t)));
        if (cidr) d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps the Tailscale range ${cidr}: guests would be unreachable from the tailnet`);
        const lans = new Set<string>();
        for (const { h, text, cidr: lanCidr } of hostLans)
          if (!lans.has(text) && overlaps(ca, lanCidr)) {
            lans.add(text);
            d.error("network-overlap", ["networks", a, "subnet"], `${na.subnet} overlaps the LAN of host '${h}' (${text}): pick a private range the LAN does not use, e.g. 10.10.0.0/24`);
          }
      });
    },
  },
  {
    id: "lan-address",
    summary: "a static LAN address is a host address whose gateway is on the same subnet, on a NIC the host has",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
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
];
