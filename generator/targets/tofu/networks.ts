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
  const records = hostRecords(model);
  const hosts = new Map(model.hosts.map((h) => [h.name, h]));
  return model.networks.flatMap((n) => {
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
      const advertised = hosts.get(n.host)?.tailscale?.advertiseRoutes.includes(n.subnet) ?? false;
      body.push(
        hcl.comment(
          "dnsmasq answers the ingress names itself (host records): the Incus zone in dns.tf cannot be queried." +
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

/** dnsmasq host records for the domain apex and every route, all at the ingress address. */
function hostRecords(model: Model): string | null {
  const ing = model.ingress;
  if (!ing) return null;
  const names = [model.lab.domain, ...ing.routes.map((r) => r.hostname)];
  return names.map((name) => `host-record=${name},${ing.address}`).join("\n");
}
