// Ingress: the ingress instance and its routes, reachable from clients, names inside the lab domain.
import { INCUS_NAME_RE } from "../../config/schema.ts";
import { tofuHostOf } from "../../shared/lab.ts";
import { type Rule } from "./common.ts";

// Traefik's official image on Docker Hub (docker.io/library/traefik), v3 tags only; its version
// tags come with and without the "v", e.g. "v2.9.4, 2.9.4, v2.9, 2.9" in
// docker-library/official-images library/traefik. Codenames and "latest" are refused: they do
// not say v3.
const TRAEFIK_IMAGE_RE = /^docker:(library\/)?traefik:v?3(\.[0-9]+){0,2}$/;

export const INGRESS_RULES: Rule[] = [
  {
    id: "ref-ingress",
    summary: "the ingress instance and every route target exist",
    check(lab, d) {
      const ing = lab.ingress;
      if (!ing) return;
      if (!(ing.instance in lab.instances)) d.error("ref-ingress", ["ingress", "instance"], `unknown instance '${ing.instance}': the ingress must name the Traefik instance declared under instances`);
      for (const [r, route] of Object.entries(ing.routes)) {
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
      // A NIC on an unknown network is ref-network's error; which networks were meant is unknown.
      const unknown = (i: typeof traefik) => i.nics.some((n) => !(n.network in lab.networks));
      if (unknown(traefik)) return;
      for (const [r, route] of Object.entries(ing.routes)) {
        const target = lab.instances[route.instance];
        if (target && !unknown(target) && !target.nics.some((n) => nets.has(n.network)))
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
      for (const [r, route] of Object.entries(lab.ingress?.routes ?? {})) {
        const hostname = route.hostname ?? `${r}.${lab.domain}`;
        const path = ["ingress", "routes", r, route.hostname ? "hostname" : ""].filter(Boolean);
        const suffix = `.${lab.domain}`;
        const label = hostname.endsWith(suffix) ? hostname.slice(0, -suffix.length) : null;
        // A hostname made from an invalid route name is the incus-name rule's error, reported once.
        const derivedFromInvalidName = route.hostname === undefined && !INCUS_NAME_RE.test(r);
        if (derivedFromInvalidName) {
          /* reported by incus-name */
        } else if (label === null || label === "")
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
    id: "ingress-apply-host",
    summary: "the Traefik instance runs on the host that applies OpenTofu (which reads the CA's chain and key)",
    check(lab, d) {
      const inst = lab.ingress && lab.instances[lab.ingress.instance];
      const applier = tofuHostOf(lab);
      if (inst && inst.host in lab.hosts && inst.host !== applier)
        d.error("ingress-apply-host", ["ingress", "instance"], `the Traefik instance runs on '${inst.host}', but OpenTofu applies from '${applier}' and pushes the certificate and key from ${lab.ca.dir} there: run the ingress on '${applier}' or set tofu.host to '${inst.host}'`);
    },
  },
];
