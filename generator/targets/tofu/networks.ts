// networks.tf: the bridges, with dnsmasq host records for the ingress names.
import { hcl } from "../../printers/hcl/index.ts";
import type { Body, BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { Model } from "../../resolve/model.ts";
import { resource, type TofuFile, wholeFile } from "./file.ts";

export function planNetworksTf(model: Model): TofuFile {
  return wholeFile("networks.tf", networks(model), [
    ...model.networks.map((n) => n.source),
    ...(model.ingress ? [model.ingress.source, ...model.ingress.routes.map((r) => r.source)] : []),
  ]);
}

function networks(model: Model): Body {
  const hosts = new Map(model.hosts.map((h) => [h.name, h]));
  return model.networks.flatMap((n) => {
    const records = hostRecords(model, n.ingressAddress);
    const config: [string, Expr][] = [
      ["ipv4.address", n.address],
      ["ipv4.nat", String(n.nat)],
      ["ipv6.address", "none"],
      ["dns.domain", n.dnsDomain],
    ];
    const body: BodyItem[] = [
      hcl.attr("name", n.name),
      hcl.attr("description", n.description),
      hcl.attr("remote", n.host),
      hcl.attr("type", "bridge"),
      hcl.blank(),
    ];
    if (records !== null) {
      config.push(["raw.dnsmasq", records]);
      const routes = hosts.get(n.host)?.tailscale?.advertiseRoutes ?? [];
      const advertised = routes.includes(n.subnet) || routes.includes(`${n.gateway}/32`);
      const where =
        n.host === model.ingress!.host
          ? "Traefik's own address"
          : `${model.ingress!.host}'s LAN address, where its proxy devices pass 80/443 to Traefik`;
      body.push(
        hcl.comment(
          `dnsmasq answers the route names itself (host records), with ${where}.` +
            (advertised
              ? `\nTailscale split DNS for ${model.lab.domain} can point at ${n.gateway}, which ${n.host} advertises.`
              : ""),
        ),
      );
    }
    body.push(hcl.attr("config", hcl.object(config)));
    return resource("incus_network", n.name, n.source, body);
  });
}

/**
 * dnsmasq host records for every route, at the address that reaches the ingress from this bridge.
 * The apex has no router (the ingress would answer 404), so it gets no record.
 */
function hostRecords(model: Model, address: string | null): string | null {
  const ing = model.ingress;
  if (!ing || address === null || ing.routes.length === 0) return null;
  return ing.routes.map((r) => `host-record=${r.hostname},${address}`).join("\n");
}
