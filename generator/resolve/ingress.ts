// The ingress contract (IngressModel.files): what the ingress instance needs pushed, from where,
// and what a change requires. The only place that knows where the proxy keeps its files: the
// proxy's target writes what `from.generated` names, the OpenTofu target pushes every entry.
import type { LabConfig } from "../config/schema.ts";
import { ipToInt, parseCidr, type Cidr } from "../shared/ipv4.ts";
import type { CaModel, ConfigPath, IngressFileModel, IngressModel, NetworkModel, RouteModel } from "./model.ts";
import { byName } from "./sort.ts";
import { healthOf } from "./build-instances.ts";

/** Traefik v3's files: in the instance, and below out/. */
export const TRAEFIK_LAYOUT = {
  software: "Traefik",
  /** Read at start only: a change needs a restart. */
  static: { path: "/etc/traefik/traefik.yml", generated: "traefik/traefik.yml" },
  /** In the directory the file provider watches: a change reloads by itself. */
  dynamic: { path: "/etc/traefik/dynamic/dynamic.yml", generated: "traefik/dynamic.yml" },
  certificate: "/etc/traefik/certs/fullchain.crt",
  key: "/etc/traefik/certs/leaf.key",
} as const;

/** The files of the ingress contract, in push order: generated config first, then the CA's chain and key. */
export function ingressFiles(source: ConfigPath, ca: CaModel): IngressFileModel[] {
  const L = TRAEFIK_LAYOUT;
  return [
    { role: "static", path: L.static.path, from: { generated: L.static.generated }, mode: "0644", onChange: "restart", source },
    { role: "dynamic", path: L.dynamic.path, from: { generated: L.dynamic.generated }, mode: "0644", onChange: "reload", source },
    { role: "certificate", path: L.certificate, from: { host: ca.files.fullchain }, mode: "0644", onChange: "restart", source: ca.source },
    { role: "key", path: L.key, from: { host: ca.files.leafKey }, mode: "0600", onChange: "restart", source: ca.source },
  ];
}

/** The routes, sorted by name, each with its hostname, URL and backend. */
export function buildRoutes(lab: LabConfig, instanceIp: (inst: string) => string): RouteModel[] {
  const ingress = lab.ingress ?? null;
  const domain = lab.domain;
  return ingress
    ? byName(
        Object.entries(ingress.routes).map(([name, r]) => {
          const hostname = r.hostname ?? `${name}.${domain}`;
          return {
            name,
            hostname,
            url: `https://${hostname}`,
            instance: r.instance,
            port: r.port,
            scheme: r.scheme,
            backend: `${r.scheme}://${instanceIp(r.instance)}:${r.port}`,
            health: healthOf(lab.instances[r.instance].health),
            source: `ingress.routes.${name}`,
          };
        }),
      )
    : [];
}

/** The ingress and its contract (null without ingress). */
export function buildIngress(
  lab: LabConfig,
  routes: readonly RouteModel[],
  instanceIp: (inst: string) => string,
  caModel: CaModel,
  networks: readonly NetworkModel[],
): IngressModel | null {
  const ingress = lab.ingress ?? null;
  return ingress
    ? {
        instance: ingress.instance,
        host: lab.instances[ingress.instance].host,
        address: instanceIp(ingress.instance),
        allow: allowList(lab, networks),
        routes,
        source: "ingress",
        software: TRAEFIK_LAYOUT.software,
        files: ingressFiles("ingress", caModel),
      }
    : null;
}

/**
 * Where Traefik is reached from a bridge on `host`. On the ingress host: Traefik's own address. On
 * another host, whose guests cannot reach that bridge: the ingress host's LAN address, where the
 * NAT proxy devices listen on 80/443 (rule dhcp-proxy keeps the ingress off DHCP hosts, so the
 * address is known in every valid lab; null only without ingress).
 */
export function ingressAddressOf(lab: LabConfig, instanceIp: (inst: string) => string): (host: string) => string | null {
  const ingress = lab.ingress ?? null;
  if (!ingress) return () => null;
  const ingressHost = lab.instances[ingress.instance].host;
  const lan = lab.hosts[ingressHost].lan;
  const lanAddress = lan.mode === "static" ? lan.address.split("/")[0] : null;
  return (host) => (host === ingressHost ? instanceIp(ingress.instance) : lanAddress);
}

/** Tailscale routes by default: on the ingress host only, Traefik and its bridge's DNS server as /32s. */
export function ingressRoutesOn(lab: LabConfig, networks: readonly NetworkModel[], instanceIp: (inst: string) => string, host: string): string[] {
  const ingress = lab.ingress ?? null;
  if (!ingress || lab.instances[ingress.instance].host !== host) return [];
  const traefikNet = networks.find((n) => n.name === lab.instances[ingress.instance].nics[0].network)!;
  return [traefikNet.gateway, instanceIp(ingress.instance)].sort((a, b) => ipToInt(a) - ipToInt(b)).map((ip) => `${ip}/32`);
}

/**
 * Traefik's allow-list: the configured sources, then the guests that the bridges' DNS sends to
 * Traefik (app-to-app calls: webhooks, OAuth). Guests on the ingress host's bridges arrive with
 * their own addresses; guests on another host's NAT bridge arrive as that host's LAN address, on a
 * routed (non-NAT) bridge with their own. Entries an allowed range already covers are left out.
 */
export function allowList(lab: LabConfig, networks: readonly NetworkModel[]): string[] {
  const ingress = lab.ingress ?? null;
  if (!ingress) return [];
  const ingressHost = lab.instances[ingress.instance].host;
  const out = [...ingress.allow];
  // The IPv4 ranges of `out`, parsed once: a bridge per host makes this list as long as the hosts.
  const ranges = out.filter((a) => a.includes(".")).map(parseCidr);
  const covered = (c: Cidr): boolean => ranges.some((o) => o.prefix <= c.prefix && c.base >= o.base && c.base < o.base + o.size);
  const add = (cidr: string) => {
    const c = parseCidr(cidr);
    if (covered(c)) return;
    out.push(cidr);
    ranges.push(c);
  };
  for (const n of networks) {
    if (n.host === ingressHost || !n.nat) add(n.subnet);
    else {
      const lan = lab.hosts[n.host].lan;
      if (lan.mode === "static") add(`${lan.address.split("/")[0]}/32`);
    }
  }
  return out;
}
