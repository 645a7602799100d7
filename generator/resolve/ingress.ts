// The ingress contract (IngressModel.files): what the ingress instance needs pushed, from where,
// and what a change requires. The only place that knows where the proxy keeps its files: the
// proxy's target writes what `from.generated` names, the OpenTofu target pushes every entry.
import type { LabConfig } from "../config/schema.ts";
import type { CaModel, ConfigPath, IngressFileModel, IngressModel, RouteModel } from "./model.ts";
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
export function buildIngress(lab: LabConfig, routes: readonly RouteModel[], instanceIp: (inst: string) => string, caModel: CaModel): IngressModel | null {
  const ingress = lab.ingress ?? null;
  return ingress
    ? {
        instance: ingress.instance,
        host: lab.instances[ingress.instance].host,
        address: instanceIp(ingress.instance),
        allow: [...ingress.allow],
        routes,
        source: "ingress",
        software: TRAEFIK_LAYOUT.software,
        files: ingressFiles("ingress", caModel),
      }
    : null;
}
