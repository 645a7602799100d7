// providers.tf: the incus provider with one remote per host and one per image server.
import { hcl } from "../../printers/hcl/index.ts";
import type { Body, BodyItem } from "../../printers/hcl/index.ts";
import type { ImageRemote, Model } from "../../resolve/model.ts";
import { type TofuFile, wholeFile } from "./file.ts";

/**
 * Image remotes by name, as `incus remote add <name> <address> --protocol=<protocol>`. Each registry
 * is declared once, whatever number of instances pull from it; only the ones the lab uses are
 * written. The OCI ones are what lxc/incus doc/reference/image_servers.md adds for Docker Hub
 * (`incus remote add docker https://docker.io --protocol=oci`), for each registry.
 */
const IMAGE_REMOTES: Record<Exclude<ImageRemote, "local">, { readonly address: string; readonly protocol: "simplestreams" | "oci" }> = {
  images: { address: "https://images.linuxcontainers.org", protocol: "simplestreams" },
  docker: { address: "https://docker.io", protocol: "oci" },
  ghcr: { address: "https://ghcr.io", protocol: "oci" },
  quay: { address: "https://quay.io", protocol: "oci" },
  lscr: { address: "https://lscr.io", protocol: "oci" },
  codeberg: { address: "https://codeberg.org", protocol: "oci" },
};

export function planProvidersTf(model: Model): TofuFile {
  const hosts = new Set(model.hosts.map((h) => h.name));
  // "local" images live on the instance's own host: no remote to declare (shared/image.ts).
  const imageRemotes = [...new Set(model.instances.map((i) => i.imageRemote))].filter((r) => r !== "local").sort();
  for (const r of imageRemotes) {
    if (hosts.has(r)) throw new Error(`host '${r}' has the name of the image remote '${r}:'; rename the host`);
  }
  return wholeFile("providers.tf", providers(model, imageRemotes), [
    model.tofu.source,
    ...model.hosts.map((h) => h.source),
    ...model.instances.map((i) => i.source),
  ]);
}

function providers(model: Model, imageRemotes: readonly string[]): Body {
  const apply = model.tofu.host;
  const remotes: BodyItem[] = [];
  for (const h of model.hosts) {
    const address = h.name === apply ? "unix://" : `https://${h.name}:8443`;
    remotes.push(hcl.blank(), hcl.block("remote", [], [hcl.attr("name", h.name), hcl.attr("address", address)]));
  }
  for (const name of imageRemotes) {
    const r = IMAGE_REMOTES[name as Exclude<ImageRemote, "local">];
    remotes.push(
      hcl.blank(),
      hcl.block("remote", [], [hcl.attr("name", name), hcl.attr("address", r.address), hcl.attr("protocol", r.protocol)]),
    );
  }
  const others = model.hosts.filter((h) => h.name !== apply).map((h) => h.name);
  const trust =
    others.length === 0
      ? []
      : [
          hcl.comment(
            `${apply} reaches its own Incus through the unix socket and ${others.join(", ")} over the tailnet ` +
              "(MagicDNS names).\n" +
              `Trust is set up once, out of band, as the user that runs tofu on ${apply}: \`incus config trust add ${apply}\`\n` +
              `on each remote host prints a one-time token, and \`incus remote add <host> <token>\` on ${apply} (remote name =\n` +
              "host name) stores that server's certificate and gets the client certificate trusted, both in\n" +
              "~/.config/incus, where the provider finds them. No token and no blind certificate acceptance here.",
          ),
        ];
  return [
    ...trust,
    hcl.block("provider", ["incus"], [hcl.attr("default_remote", apply), ...remotes]),
  ];
}
