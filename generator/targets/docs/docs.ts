// out/lab.json (the resolved lab for machines, with provenance) and out/README.md (the same lab
// as a document for people, with a Mermaid diagram). Both are pure functions of the Model.
import { SECRETS_LAYOUT } from "../../shared/secrets.ts";
import type { Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { deploysSection, renewalParagraph } from "./deploys.ts";
import { md } from "./markdown.ts";
import { networksOn, storagePoolNamed } from "../../resolve/lookup.ts";

/**
 * @2: one resource per line, and no inverse provenance index (config path → files: derive it
 * from `outputs`). The model itself is the same as in @1.
 */
export const LAB_JSON_FORMAT = "labgen/lab.json@2";

/**
 * lab.json with one resource per line: every element of the model's lists (a host, an
 * instance, …) and every output is one compact JSON line. A change to one instance is a one-line
 * diff, and the file is about half the size of an indented one (a 10,000-instance lab's was 14 MB).
 */
export function labJsonText(model: Readonly<Record<string, unknown>>, outputs: readonly { path: string; sources: readonly string[] }[]): string {
  // The pieces go into one array joined once: the file (9 MB at 10,000 instances) is built as
  // one flat string, never as nested joins and templates that are each copied again.
  const parts: string[] = [`{\n  "format": ${JSON.stringify(LAB_JSON_FORMAT)},\n  "model": {\n`];
  const keys = Object.keys(model);
  for (let i = 0; i < keys.length; i++) {
    const v = model[keys[i]];
    if (i > 0) parts.push(",\n");
    if (Array.isArray(v) && v.length > 0) {
      parts.push(`    ${JSON.stringify(keys[i])}: [\n      `);
      for (let j = 0; j < v.length; j++) {
        if (j > 0) parts.push(",\n      ");
        parts.push(JSON.stringify(v[j]));
      }
      parts.push("\n    ]");
    } else parts.push(`    ${JSON.stringify(keys[i])}: ${JSON.stringify(v)}`);
  }
  parts.push('\n  },\n  "outputs": [\n');
  for (let j = 0; j < outputs.length; j++) parts.push(j > 0 ? ",\n    " : "    ", JSON.stringify({ path: outputs[j].path, sources: outputs[j].sources }));
  parts.push(outputs.length ? "\n  ]\n}\n" : "  ]\n}\n");
  return parts.join("");
}
/** The two files this target writes about the whole lab (below out/). */
export const LAB_JSON = "lab.json";
export const README = "README.md";

export function planDocs(model: Model, others: readonly OutputFile[]): OutputFile[] {
  const everything = allSources(model);
  const outputs = [...others, { path: README, sources: everything }, { path: LAB_JSON, sources: everything }]
    .map((f) => ({ path: f.path, sources: [...f.sources] }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return [
    { path: LAB_JSON, content: labJsonText(labJsonModel(model), outputs), sources: everything },
    { path: README, content: renderReadme(model, others), sources: everything },
  ];
}

/**
 * The Model as lab.json records it: without the ingress contract (software, files), which is
 * wiring between targets, derived from the rest; lab.json gains it only with a format change.
 */
function labJsonModel(model: Model): Readonly<Record<string, unknown>> {
  if (!model.ingress) return model as unknown as Readonly<Record<string, unknown>>;
  const { software: _software, files: _files, ...ingress } = model.ingress;
  return { ...model, ingress };
}

function allSources(model: Model): string[] {
  const s = new Set<string>(["admins", "ca", "domain"]);
  for (const h of model.hosts) s.add(h.source);
  for (const n of model.networks) s.add(n.source);
  for (const p of model.storagePools) s.add(p.source);
  for (const p of model.profiles) s.add(p.source);
  for (const i of model.instances) s.add(i.source);
  if (model.ingress) s.add(model.ingress.source);
  return [...s].sort();
}

const code = (s: string) => `\`${s}\``;

export function mermaid(model: Model): string {
  const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const lines = ["flowchart LR"];
  // Instances by the network of their first NIC (which is on their host), grouped once.
  const byNetwork = new Map<string, Model["instances"][number][]>();
  for (const i of model.instances) {
    const list = byNetwork.get(i.nics[0].network);
    if (list) list.push(i);
    else byNetwork.set(i.nics[0].network, [i]);
  }
  lines.push(`  clients(["${model.hosts.some((h) => h.tailscale) ? "LAN + tailnet clients" : "LAN clients"}"])`);
  for (const h of model.hosts) {
    lines.push(`  subgraph ${id("host", h.name)}["host ${h.name} (NixOS + ZFS + Incus)"]`);
    for (const p of h.zpools) lines.push(`    ${id(`pool_${h.name}`, p.name)}[("${p.name}: ${p.vdevs.map((v) => `${v.topology}×${v.disks.length}`).join(" + ")}")]`);
    for (const n of networksOn(model, h.name)) {
      lines.push(`    subgraph ${id("net", n.name)}["bridge ${n.name} ${n.subnet}"]`);
      for (const i of byNetwork.get(n.name) ?? [])
        lines.push(`      ${id("inst", i.name)}["${i.name}<br/>${i.type === "virtual-machine" ? "VM" : "container"} ${i.ipv4}"]`);
      lines.push("    end");
    }
    lines.push("  end");
  }
  for (const i of model.instances) {
    const pools = new Set([i.rootDisk.storage, ...i.volumes.map((v) => v.storage)]);
    for (const s of [...pools].sort()) {
      const sp = storagePoolNamed(model, s);
      if (sp) lines.push(`  ${id("inst", i.name)} -.-> ${id(`pool_${sp.host}`, sp.zpool)}`);
    }
  }
  if (model.ingress) {
    lines.push(`  clients -- "https :443" --> ${id("inst", model.ingress.instance)}`);
    for (const r of model.ingress.routes) lines.push(`  ${id("inst", model.ingress.instance)} -- "${r.hostname}" --> ${id("inst", r.instance)}`);
  }
  return lines.join("\n");
}

/**
 * Past this many instances the README summarises (per host, per policy) instead of listing every
 * instance: a 10,000-row table helps no reader and made the README bigger than the OpenTofu code.
 * Every fact stays in lab.json.
 */
export const README_DETAIL_LIMIT = 200;

/** The diagram of a large lab: hosts and bridges with their instance counts. */
function mermaidSummary(model: Model): string {
  const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const perNetwork = new Map<string, number>();
  for (const i of model.instances) perNetwork.set(i.nics[0].network, (perNetwork.get(i.nics[0].network) ?? 0) + 1);
  const lines = ["flowchart LR", '  clients(["LAN + tailnet clients"])'];
  for (const h of model.hosts) {
    lines.push(`  subgraph ${id("host", h.name)}["host ${h.name} (NixOS + ZFS + Incus)"]`);
    for (const n of h.networks) lines.push(`    ${id("net", n)}["bridge ${n}: ${perNetwork.get(n) ?? 0} instance(s)"]`);
    lines.push("  end");
  }
  if (model.ingress) {
    const ingressNet = model.instances.find((i) => i.name === model.ingress!.instance)?.nics[0].network;
    if (ingressNet) lines.push(`  clients -- "https :443 (${model.ingress.routes.length} routes)" --> ${id("net", ingressNet)}`);
  }
  return lines.join("\n");
}

function renderReadme(model: Model, files: readonly OutputFile[]): string {
  const { lab } = model;
  const large = model.instances.length > README_DETAIL_LIMIT;
  const d = md();
  d.h(1, `${lab.name}: lab architecture`);
  d.p(
    `Generated by labgen from ${code("lab.config.ts")} and ${code("lab.lock.json")}; do not edit (run ${code("labgen generate")}). ` +
      `Internal domain ${code(lab.domain)}, time zone ${code(lab.timezone)}. ` +
      `${model.hosts.length} host(s), ${model.networks.length} network(s), ${model.instances.length} instance(s), ${model.ingress?.routes.length ?? 0} route(s).`,
  );
  // Only what this lab has: no Tailscale, GitOps or volume text for a lab without them.
  const tailscale = model.hosts.some((h) => h.tailscale);
  const gitops = model.hosts.some((h) => h.gitops);
  const volumes = model.instances.some((i) => i.volumes.length > 0);
  const foundation = ["bare metal", "ZFS", "the Incus daemon", "SSH", ...(tailscale ? ["Tailscale"] : []), ...(gitops ? ["the GitOps agent"] : [])];
  d.p(
    `Three pillars, no overlap: NixOS is the foundation (${foundation.join(", ")} and nothing else); ` +
      "Incus is the engine (every application runs in a container or VM); OpenTofu is the brain (every Incus object is declared in `tofu/`). " +
      "Code is disposable, state is sacred: everything here can be regenerated, and the generator itself never writes to the lab's state " +
      "(ZFS datasets, OpenTofu state, the CA keys; lab.lock.json only gains new allocations)." +
      (volumes
        ? " Application data lives on Incus custom volumes that outlive their instances; what protects them from a deploy is `prevent_destroy` in `tofu/volumes.tf` " +
          "(OpenTofu refuses any plan that would destroy one) and the plan gate (`labgen plan` classifies such a change as destroy-data and refuses it unless `allowDestroy` names the volume)."
        : ""),
  );
  d.h(2, "Diagram");
  d.fence("mermaid", large ? mermaidSummary(model) : mermaid(model));

  d.h(2, "Hosts");
  d.table(
    ["host", "CPU", "RAM (reserve)", "LAN", "hostId", ...(tailscale ? ["Tailscale"] : []), ...(gitops ? ["GitOps"] : [])],
    model.hosts.map((h) => [
      h.name,
      `${h.cpu.model ? `${h.cpu.model}, ` : ""}${h.cpu.cores}c/${h.cpu.threads}t`,
      `${h.memory} (${h.memoryReserve})`,
      h.lan.mode === "static" ? `${h.lan.interface} ${h.lan.address}/${h.lan.prefixLength} via ${h.lan.gateway}` : `${h.lan.interface} DHCP`,
      code(h.hostId),
      ...(tailscale ? [h.tailscale ? `yes${h.tailscale.advertiseRoutes.length ? `, routes ${h.tailscale.advertiseRoutes.join(", ")}` : ", no routes"}` : "no"] : []),
      ...(gitops ? [h.gitops ? `${h.gitops.repository} (${h.gitops.branch}, every ${h.gitops.interval})` : "no"] : []),
    ]),
  );
  d.p(
    `SSH accepts keys only. At a host's own console, root logs in with the password whose hash is in ${[...new Set(model.hosts.map((h) => h.consolePasswordFile))].map(code).join(", ")} on that host, ` +
      "if you placed one there (docs/nixos.md, \"Console recovery\"); without the file there is no console login.",
  );
  for (const h of model.hosts) {
    d.h(3, `${h.name}: pools and datasets`);
    if (h.description) d.p(h.description);
    d.table(
      ["pool", "layout", "disks", "Incus storage"],
      h.zpools.map((p) => [
        `${p.name}${p.boot ? " (boot)" : ""}`,
        p.vdevs.map((v) => `${v.topology} × ${v.disks.length}`).join(" + "),
        p.vdevs.flatMap((v) => v.disks).map((id) => {
          const disk = h.disks.find((x) => x.id === id);
          return `${code(id.replace("/dev/disk/by-id/", ""))}${disk ? ` ${disk.size} ${disk.kind}` : ""}`;
        }).join("<br/>"),
        p.incusStorage.join(", ") || "-",
      ]),
    );
    d.table(
      ["dataset", "mountpoint", "properties", "role"],
      h.zpools.flatMap((p) =>
        p.datasets.map((ds) => [
          code(`${p.name}/${ds.name}`),
          ds.mountpoint ?? "(not mounted)",
          Object.entries(ds.properties).map(([k, v]) => `${k}=${v}`).join(", ") || "-",
          ds.role,
        ]),
      ),
    );
  }

  d.h(2, "Networks");
  d.table(
    ["network", "host", "subnet", "gateway", "NAT", "DNS domain", "description"],
    model.networks.map((n) => [n.name, n.host, n.subnet, n.gateway, n.nat ? "yes" : "no", n.dnsDomain, n.description || "-"]),
  );
  d.h(2, "Storage pools");
  d.table(
    ["pool", "host", "ZFS dataset", "description"],
    model.storagePools.map((s) => [s.name, s.host, code(s.dataset), s.description || "-"]),
  );
  if (model.profiles.length) {
    d.h(2, "Profiles");
    d.table(
      ["profile", "config", "description"],
      model.profiles.map((p) => [p.name, Object.entries(p.config).map(([k, v]) => `${code(k)}=${code(v)}`).join(", ") || "-", p.description || "-"]),
    );
  }

  d.h(2, "Instances");
  if (large) {
    const byHost = new Map<string, Model["instances"][number][]>();
    for (const i of model.instances) (byHost.get(i.host) ?? byHost.set(i.host, []).get(i.host)!).push(i);
    d.p(`${model.instances.length} instances: more than a document can usefully list one by one. Per host below; every instance, with its address, disks, ports and URLs, is in ${code("lab.json")} (${code("labgen explain <name>")} shows one).`);
    d.table(
      ["host", "instances", "containers", "VMs", "vCPU", "RAM", "volumes", "exposed ports"],
      model.hosts.map((h) => {
        const mine = byHost.get(h.name) ?? [];
        const vms = mine.filter((i) => i.type === "virtual-machine").length;
        const ram = mine.reduce((a, i) => a + i.memoryBytes, 0);
        return [h.name, String(mine.length), String(mine.length - vms), String(vms), String(mine.reduce((a, i) => a + i.cpu, 0)), `${(ram / 2 ** 30).toFixed(0)}GiB`, String(mine.reduce((a, i) => a + i.volumes.length, 0)), String(mine.reduce((a, i) => a + i.ports.length, 0))];
      }),
    );
  } else d.table(
    ["instance", "host", "type", "image", "IPv4", "CPU", "RAM", "disks", "ports", "URL"],
    model.instances.map((i) => [
      i.name,
      i.host,
      i.type === "virtual-machine" ? "VM" : "container",
      code(i.image),
      `${i.ipv4}${i.nics[0].staticIp ? "" : " (allocated)"}`,
      String(i.cpu),
      i.memory,
      [`root ${i.rootDisk.size} on ${i.rootDisk.storage}`, ...i.volumes.map((v) => `${v.incusName} ${v.size} on ${v.storage} at ${v.path}`)].join("<br/>"),
      i.ports.map((p) => `${p.protocol} ${p.hostPort}→${p.instancePort}`).join(", ") || "-",
      i.urls.join("<br/>") || "-",
    ]),
  );

  if (model.ingress) {
    const ing = model.ingress;
    d.h(2, "Routes");
    d.p(
      `${ing.software} runs in ${code(ing.instance)} (${ing.address}) on ${ing.host}; only ${ing.allow.map(code).join(", ")} may connect ` +
        `(the configured sources, then the guests whose bridge DNS sends them to ${ing.software}). The domain name alone has no route.`,
    );
    d.table(
      ["URL", "instance", "backend"],
      ing.routes.map((r) => [r.url, r.instance, code(r.backend)]),
    );
  }

  const appInstances = model.instances.filter((i) => i.oci && !i.ingress);
  if (appInstances.length) {
    d.h(2, "Apps");
    d.p(
      "The OCI application containers: each runs one app from a pinned image. Upgrade one by changing its version " +
        "(the preset's `version`, or `VERSIONS` in generator/apps/versions.ts for every lab); OpenTofu replaces the instance and keeps its volumes.",
    );
    d.table(
      ["app", "version", "URL", "data (volume on pool)", "secrets", "health"],
      appInstances.map((i) => [
        i.name,
        code(i.imageTag ?? i.image),
        i.urls.join("<br/>") || "-",
        i.volumes.map((v) => `${code(v.path)}: ${v.incusName} on ${v.storage}`).join("<br/>") || "-",
        i.secrets.map((s) => code(s.path)).join("<br/>") || "-",
        i.health ? code(i.health.path) : "-",
      ]),
    );
  }
  if (model.secrets.length) {
    d.h(2, "Secrets");
    d.p(
      `Values exist only on the host: ${code("labgen-secrets")} (a oneshot service before Incus and the GitOps agent) generates the missing ones at boot into ${code(SECRETS_LAYOUT.store)} ` +
        `and copies each into ${code(`${SECRETS_LAYOUT.instances}/<instance>`)}, which the instance mounts read-only at ${code(SECRETS_LAYOUT.mount)}. ` +
        `${code("sudo labgen-secrets rotate <name>")} makes a new value and restarts the instances that read it; ${code("labgen-secrets list")} shows paths, never values.`,
    );
    d.table(
      ["secret", "kind", "on host", "read by (as)"],
      model.secrets.map((s) => [
        s.name,
        s.kind === "generated" ? `generated, ${s.length} ${s.alphabet}` : `provided: ${code(s.providedFile!)}`,
        s.host ? `${s.host}: ${code(s.kind === "generated" ? s.hostPath : s.providedFile!)}` : "-",
        s.instances.map((n) => `${n} (${code(`${SECRETS_LAYOUT.mount}/${s.name}`)})`).join("<br/>") || "-",
      ]),
    );
  }

  d.h(2, "Snapshot policies");
  const snap = model.instances.filter((i) => i.snapshots);
  if (large) {
    const policies = new Map<string, number>();
    for (const i of snap) policies.set(`${i.snapshots!.schedule}\u0000${i.snapshots!.expiry}`, (policies.get(`${i.snapshots!.schedule}\u0000${i.snapshots!.expiry}`) ?? 0) + 1);
    d.table(
      ["schedule", "expiry", "instances"],
      [...policies].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => [code(k.split("\u0000")[0]), k.split("\u0000")[1], String(n)]),
    );
    d.p(`${model.instances.length - snap.length} instance(s) without automatic snapshots; each instance's policy is in ${code("lab.json")}.`);
  } else d.table(
    ["instance", "schedule", "expiry", "covers"],
    snap.map((i) => [i.name, code(i.snapshots!.schedule), i.snapshots!.expiry, ["root", ...i.volumes.map((v) => v.incusName)].join(", ")]),
  );
  const unsnap = model.instances.filter((i) => !i.snapshots).map((i) => i.name);
  if (unsnap.length && !large) d.p(`No automatic snapshots: ${unsnap.join(", ")}.`);

  deploysSection(d, model);

  const ca = model.ca;
  d.h(2, "TLS: the lab's private CA");
  d.p(
    `Every route is served with a wildcard certificate for ${code(`*.${ca.domain}`)} and ${code(ca.domain)}, issued by the lab's intermediate CA, ` +
      `whose root is name-constrained to ${code(ca.domain)}: even if a CA key leaked, it could not sign for any other domain. ` +
      `Keys and certificates live on the host in ${code(ca.dir)} (never in this repository); ${code("ca/ca.sh")} creates and renews them:`,
  );
  d.fence("sh", [`sudo out/ca/ca.sh init    # root + intermediate, once (refuses to overwrite)`, `sudo out/ca/ca.sh issue   # wildcard leaf, ${ca.leafDays} days`, `sudo out/ca/ca.sh renew   # re-issues when fewer than ${ca.renewBeforeDays} days remain`, `sudo out/ca/ca.sh verify`].join("\n"));
  d.p(
    `Every instance gets the root certificate as ${code(ca.files.guestRoot)} (OpenTofu pushes it from ${code(ca.files.rootCert)} on ${model.tofu.host}). ` +
      "Debian, Ubuntu and Alpine guests trust it after `update-ca-certificates`; an application with its own store is pointed at the file " +
      "(e.g. `NODE_EXTRA_CA_CERTS`, or `SSL_CERT_FILE` on a bundle that includes it).",
  );
  renewalParagraph(d, model);
  d.p(`Trust the root certificate ${code(ca.files.rootCert)} (public; copy it off the host) on every client:`);
  d.list([
    "Linux laptop: copy it to `/usr/local/share/ca-certificates/homelab-root.crt` and run `sudo update-ca-certificates` (Debian/Ubuntu); on NixOS add it to `security.pki.certificateFiles`.",
    "macOS: open it in Keychain Access, add it to the System keychain, then set it to \"Always Trust\" for SSL.",
    "Windows: `certutil -addstore -f Root root.crt` from an administrator prompt.",
    "Firefox uses its own store: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import.",
    "iPhone/iPad: send the file to the device (AirDrop or mail), install the profile in Settings → General → VPN & Device Management, then enable full trust in Settings → General → About → Certificate Trust Settings.",
    "Android: Settings → Security → Encryption & credentials → Install a certificate → CA certificate (apps opt in to user CAs; browsers do).",
  ]);
  if (model.ingress) {
    d.h(2, "Internal DNS");
    const ing = model.ingress;
    // The ingress instance is looked up once, not once per network (100 networks × 10,000 instances).
    const ingressNet = model.instances.find((i) => i.name === ing.instance)?.nics[0].network;
    const traefikNet = model.networks.find((n) => n.name === ingressNet);
    const host = model.hosts.find((h) => h.name === ing.host);
    d.p(
      `The route names resolve through the DNS server Incus runs on each bridge (dnsmasq), from host records in ${code("tofu/networks.tf")}; the guests ask it. ` +
        `Each bridge answers with an address that reaches ${ing.software} from there: ${model.networks.map((n) => `${n.name} → ${n.ingressAddress ?? `none (no address reaches ${ing.software} from there)`}`).join(", ")}. ` +
        `The domain name ${code(ca.domain)} itself has no route, so it has no record.`,
    );
    const splitDns = host?.tailscale && traefikNet && host.tailscale.advertiseRoutes.some((r) => r === `${traefikNet.gateway}/32` || r === traefikNet.subnet);
    d.list([
      ...(splitDns
        ? [
            `Tailscale split DNS: in the admin console, DNS → Nameservers → Add nameserver → Custom, enter ${traefikNet!.gateway} (the bridge gateway), tick "Restrict to domain" and enter ${code(ca.domain)}. ${ing.host} advertises routes to that address and to ${ing.software} (${host!.tailscale!.advertiseRoutes.join(", ")}; approve them once in the admin console).`,
          ]
        : []),
      `LAN clients: the host's firewall opens only SSH and the exposed ports on the LAN, so point ${code(`*.${ca.domain}`)} at ${host?.lan.mode === "static" ? host.lan.address : `host ${ing.host}`} in your router's DNS (a local override) or in hosts files: ports 80 and 443 there reach ${ing.software}, which sees the client's own address.`,
    ]);
  }

  d.h(2, "Generated files");
  d.table(
    ["file", "made from"],
    [...files.map((f) => [code(f.path), large && f.sources.length > 12 ? `${f.sources.slice(0, 12).map(code).join(", ")} and ${f.sources.length - 12} more (${code(LAB_JSON)} lists all)` : f.sources.map(code).join(", ")]), [code(LAB_JSON), "everything"], [code(README), "everything"]].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  );
  return d.toString();
}
