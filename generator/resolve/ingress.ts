// The ingress contract (IngressModel.files): what the ingress instance needs pushed, from where,
// and what a change requires. The only place that knows where the proxy keeps its files: the
// proxy's target writes what `from.generated` names, the OpenTofu target pushes every entry.
import type { CaModel, ConfigPath, IngressFileModel } from "./model.ts";

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
