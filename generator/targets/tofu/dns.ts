// dns.tf: the Incus network zone of the ingress names (for zone transfer to a real DNS server).
import { hcl } from "../../printers/hcl/index.ts";
import type { Body } from "../../printers/hcl/index.ts";
import type { ConfigPath, Model } from "../../resolve/model.ts";
import { resource, type TofuFile, wholeFile } from "./file.ts";

/** Where Incus's built-in DNS server listens (loopback: it only serves zone transfers). */
const DNS_ADDRESS = "127.0.0.1:1053";

// Resource name of the zone and of its apex record. Config names never contain "_", so it
// cannot collide with a route's record.
const DOMAIN = "lab_domain";


export function planDnsTf(model: Model): TofuFile | null {
  if (!model.ingress) return null;
  return wholeFile("dns.tf", dns(model), [model.ingress.source, ...model.ingress.routes.map((r) => r.source)]);
}

function dns(model: Model): Body {
  const ing = model.ingress!;
  const domain = model.lab.domain;
  const record = (name: string, source: ConfigPath, id: string) =>
    resource("incus_network_zone_record", id, source, [
      hcl.attr("name", name),
      hcl.attr("remote", ing.host),
      hcl.attr("zone", hcl.ref(`incus_network_zone.${DOMAIN}.name`)),
      hcl.blank(),
      hcl.block("entry", [], [hcl.attr("type", "A"), hcl.attr("value", ing.address), hcl.attr("ttl", 300)]),
    ]);
  const label = (hostname: string) => {
    if (!hostname.endsWith(`.${domain}`)) throw new Error(`route hostname ${hostname} is not in ${domain}`);
    return hostname.slice(0, -domain.length - 1);
  };
  return [
    hcl.comment(
      `${ing.source}: Incus serves network zones from core.dns_address by zone transfer (AXFR) only, to the\n` +
        "peers listed in the zone; a DNS server on the host can transfer it from there.",
    ),
    hcl.block("resource", ["incus_server", ing.host], [
      hcl.attr("remote", ing.host),
      hcl.blank(),
      hcl.attr("config", hcl.object([["core.dns_address", DNS_ADDRESS]])),
    ]),
    ...resource("incus_network_zone", DOMAIN, ing.source, [
      hcl.attr("name", domain),
      hcl.attr("description", `Ingress names of ${model.lab.name}`),
      hcl.attr("remote", ing.host),
      hcl.blank(),
      hcl.attr("config", hcl.object([["peers.host.address", DNS_ADDRESS.split(":")[0]]])),
    ]),
    ...record("@", ing.source, DOMAIN),
    ...ing.routes.map((r) => record(label(r.hostname), r.source, r.name)).flat(),
  ];
}
