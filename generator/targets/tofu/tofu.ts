// OpenTofu target: out/tofu/*.tf, one root module for the lxc/incus provider (~> 1.0, checked
// against the v1.1.1 schema), split by concern: versions, variables, providers, storage,
// networks, profiles, instances, volumes, outputs. Every resource carries a comment naming
// the config entry that made it, and sets `remote` to the host it lives on.
//
// Provider and Incus limitations, and what the output does about them:
//  - Unchecked keys. The provider passes `config` and device `properties` to Incus as they are,
//    so a wrong key fails only at apply; the schema tests cannot catch one. Each key written here
//    is taken from the Incus reference (instance, device, bridge, ZFS volume and server options).
//  - Profiles. An instance gets exactly its labgen profiles, never Incus's "default" (the
//    provider's choice when `profiles` is null): that one's root disk and eth0 point at a pool
//    and a bridge a labgen lab does not have. Root disk and NICs are devices of the instance.
//  - cloud-init runs at first boot only. Changing `cloud-init.user-data` updates the config key
//    (not live-updated) but nothing re-runs it: re-provision with `tofu apply -replace=…`.
//  - `image` forces replacement: a new tag recreates the instance and its root disk. Application
//    data lives on custom volumes (volumes.tf) that outlive the instance and refuse destruction.
//  - Proxy devices. VMs support NAT mode only; NAT mode needs a static address on the NIC (every
//    NIC here has one, from the config or lab.lock.json) and refuses a wildcard listen address.
//    So proxies listen on the host's static LAN address, and NAT keeps the client's address for
//    Traefik's allow-list. A host whose LAN address comes from DHCP gets forkproxy (non-NAT)
//    proxies on 0.0.0.0 for containers, where the instance sees the proxy, not the client; a VM
//    with exposed ports cannot be expressed there and is refused.
//  - File pushes. The provider pushes `file` blocks only into a running instance, after starting
//    it (a VM also needs `wait_for { type = "agent" }`). Traefik reads its static configuration at
//    start only, so after the first apply, and after any change to traefik.yml, restart the
//    Traefik instance once (`incus restart <name>`); dynamic.yml is watched and reloads by itself.
//  - `source_path` is read on the machine running tofu: the CA chain and leaf key must exist on
//    the apply host (tofu.host), whichever host runs Traefik.
//  - Providers before 1.1.1 create the parent directories of a pushed file with the file's own
//    mode (1.1.1 uses 0755). Traefik runs as root in its container, which is unaffected.
//  - OCI images (`docker:…`, `ghcr:…`) need Incus ≥ 6.3 (the feature channel) and get no
//    cloud-init; they are configured through pushed files.
//  - Incus's built-in DNS server answers zone transfers (AXFR) only, never plain queries, and
//    nothing in the lab would transfer a network zone (no DNS server runs on the hosts): so there
//    is none. Route names resolve through each bridge's dnsmasq (`raw.dnsmasq` host records,
//    networks.tf), which guests ask and tailnet clients reach by split DNS.
//  - Remote hosts are trusted out of band (`incus remote add` with a one-time token): a token in
//    the provider block would put a secret in the repository.
import { hcl, printHcl } from "../../printers/hcl/index.ts";
import type { Body, BodyItem, Expr } from "../../printers/hcl/index.ts";
import type {
  ConfigPath,
  ExposedPortModel,
  HostModel,
  InstanceModel,
  Model,
  ProfileModel,
  VolumeModel,
} from "../../resolve/model.ts";
import { TRAEFIK_PATHS } from "../traefik/index.ts";
import type { OutputFile } from "../types.ts";

/** The Traefik target's files, as paths below out/ (pushed into the ingress instance). */
export const TRAEFIK_FILES = { static: "traefik/traefik.yml", dynamic: "traefik/dynamic.yml" } as const;

/** Image remotes by name, as `incus remote add <name> <address> --protocol=<protocol>`. */
const IMAGE_REMOTES = {
  images: { address: "https://images.linuxcontainers.org", protocol: "simplestreams" },
  docker: { address: "https://docker.io", protocol: "oci" },
  ghcr: { address: "https://ghcr.io", protocol: "oci" },
} as const;

export function planTofu(model: Model): OutputFile[] {
  const files: OutputFile[] = [];
  // The big files are built and printed one resource at a time, so their IR is never all alive.
  const addEach = (name: string, parts: readonly (() => Body)[], sources: Iterable<ConfigPath>) => {
    const text = parts.map((part) => printTopLevel(part())).filter((t) => t !== "").join("\n");
    if (text !== "") files.push({ path: `tofu/${name}`, content: text, sources: [...new Set(sources)].sort() });
  };
  const add = (name: string, body: Body, sources: Iterable<ConfigPath>) => addEach(name, [() => body], sources);
  const hosts = new Map(model.hosts.map((h) => [h.name, h]));
  const imageRemotes = [...new Set(model.instances.map((i) => i.imageRemote))].sort();
  for (const r of imageRemotes) {
    if (hosts.has(r)) throw new Error(`host '${r}' has the name of the image remote '${r}:'; rename the host`);
  }

  add("versions.tf", versions(model), [model.tofu.source]);
  add("variables.tf", variables(model), [model.tofu.source]);
  add("providers.tf", providers(model, imageRemotes), [
    model.tofu.source,
    ...model.hosts.map((h) => h.source),
    ...model.instances.map((i) => i.source),
  ]);
  add(
    "storage.tf",
    model.storagePools.flatMap((p) =>
      resource("incus_storage_pool", p.name, p.source, [
        hcl.attr("name", p.name),
        hcl.attr("description", p.description),
        hcl.attr("remote", p.host),
        hcl.attr("driver", "zfs"),
        hcl.blank(),
        // An existing dataset (created by disko, not mounted) that Incus then owns entirely.
        hcl.attr("config", hcl.object([["source", p.dataset]])),
      ]),
    ),
    model.storagePools.map((p) => p.source),
  );
  add("networks.tf", networks(model), [
    ...model.networks.map((n) => n.source),
    ...(model.ingress ? [model.ingress.source, ...model.ingress.routes.map((r) => r.source)] : []),
  ]);
  const profiles = model.profiles.filter((p) => p.hosts.length > 0);
  add("profiles.tf", profiles.flatMap(profile), profiles.map((p) => p.source));
  addEach(
    "instances.tf",
    [...model.instances.map((i) => () => instance(model, i, hosts.get(i.host)!)), () => traefikRestart(model)],
    [
      ...model.instances.map((i) => i.source),
      ...model.instances.filter((i) => i.ports.length > 0).map((i) => hosts.get(i.host)!.source),
      ...(model.ingress ? [model.ingress.source, model.ca.source] : []),
    ],
  );
  const volumes = model.instances.flatMap((i) => i.volumes.map((v) => [i, v] as const));
  addEach(
    "volumes.tf",
    volumes.sort(([, a], [, b]) => cmp(a.incusName, b.incusName)).map(([i, v]) => () => volume(model, i, v)),
    volumes.map(([, v]) => v.source),
  );
  add("outputs.tf", outputs(model), [
    ...model.instances.map((i) => i.source),
    ...(model.ingress?.routes.map((r) => r.source) ?? []),
  ]);
  return files;
}

// ---------------------------------------------------------------------------------------------
// versions.tf, variables.tf, providers.tf

function versions(model: Model): Body {
  const method = hcl.ref("method.aes_gcm.state");
  return [
    hcl.comment(model.tofu.source),
    hcl.block("terraform", [], [
      hcl.comment("OpenTofu only: state encryption came in 1.7, a variable in its configuration in 1.8."),
      hcl.attr("required_version", ">= 1.8.0"),
      hcl.blank(),
      hcl.block("required_providers", [], [
        hcl.attr("incus", hcl.object([["source", "lxc/incus"], ["version", "~> 1.0"]])),
      ]),
      hcl.blank(),
      hcl.block("backend", ["local"], [hcl.attr("path", model.tofu.stateFile)]),
      hcl.blank(),
      hcl.block("encryption", [], [
        hcl.block("key_provider", ["pbkdf2", "state"], [hcl.attr("passphrase", hcl.ref("var.state_passphrase"))]),
        hcl.blank(),
        hcl.block("method", ["aes_gcm", "state"], [hcl.attr("keys", hcl.ref("key_provider.pbkdf2.state"))]),
        hcl.blank(),
        hcl.block("state", [], [hcl.attr("method", method), hcl.attr("enforced", true)]),
        hcl.blank(),
        hcl.block("plan", [], [hcl.attr("method", method), hcl.attr("enforced", true)]),
      ]),
    ]),
  ];
}

function variables(model: Model): Body {
  const file = model.tofu.passphraseFile;
  return [
    hcl.comment(model.tofu.source),
    hcl.block("variable", ["state_passphrase"], [
      hcl.attr(
        "description",
        `Passphrase (16 characters or more) that encrypts the OpenTofu state and plans. It lives in ${file} ` +
          `on ${model.tofu.host}: TF_VAR_state_passphrase="$(cat ${file})" tofu apply`,
      ),
      hcl.attr("type", hcl.ref("string")),
      hcl.attr("sensitive", true),
    ]),
  ];
}

function providers(model: Model, imageRemotes: readonly string[]): Body {
  const apply = model.tofu.host;
  const remotes: BodyItem[] = [];
  for (const h of model.hosts) {
    const address = h.name === apply ? "unix://" : `https://${h.name}:8443`;
    remotes.push(hcl.blank(), hcl.block("remote", [], [hcl.attr("name", h.name), hcl.attr("address", address)]));
  }
  for (const name of imageRemotes) {
    const r = IMAGE_REMOTES[name as keyof typeof IMAGE_REMOTES];
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

// ---------------------------------------------------------------------------------------------
// networks.tf, profiles.tf

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
 * dnsmasq host records for every route, at the address that reaches Traefik from this bridge. The
 * apex has no router (Traefik would answer 404), so it gets no record.
 */
function hostRecords(model: Model, address: string | null): string | null {
  const ing = model.ingress;
  if (!ing || address === null || ing.routes.length === 0) return null;
  return ing.routes.map((r) => `host-record=${r.hostname},${address}`).join("\n");
}

function profile(p: ProfileModel): BodyItem[] {
  const body: BodyItem[] = [
    hcl.attr("for_each", hcl.call("toset", [[...p.hosts]])),
    hcl.blank(),
    hcl.attr("name", p.name),
    hcl.attr("description", p.description),
    hcl.attr("remote", hcl.ref("each.key")),
  ];
  const config = sortedEntries(p.config);
  if (config.length > 0) body.push(hcl.blank(), hcl.attr("config", hcl.object(config)));
  return resource("incus_profile", p.name, p.source, body);
}

// ---------------------------------------------------------------------------------------------
// instances.tf, volumes.tf

function instance(model: Model, inst: InstanceModel, host: HostModel): BodyItem[] {
  const config: [string, Expr][] = [
    ["boot.autostart", String(inst.autostart)],
    ["limits.cpu", String(inst.cpu)],
    ["limits.memory", inst.memory],
  ];
  if (inst.snapshots) {
    config.push(["snapshots.expiry", inst.snapshots.expiry], ["snapshots.schedule", inst.snapshots.schedule]);
  }
  if (inst.cloudInit !== null) config.push(["cloud-init.user-data", inst.cloudInit]);
  config.sort(([a], [b]) => cmp(a, b));

  const devices: BodyItem[] = [
    device("root", "disk", [
      ["path", "/"],
      ["pool", hcl.ref(`incus_storage_pool.${inst.rootDisk.storage}.name`)],
      ["size", inst.rootDisk.size],
    ]),
    ...inst.nics.map((nic) =>
      device(nic.name, "nic", [
        ["hwaddr", nic.mac],
        ["ipv4.address", nic.ipv4],
        ["network", hcl.ref(`incus_network.${nic.network}.name`)],
      ]),
    ),
    ...inst.ports.map((port) => device(port.name, "proxy", proxy(inst, port, host))),
    ...inst.volumes.map((v) =>
      device(v.name, "disk", [
        ["path", v.path],
        ["pool", hcl.ref(`incus_storage_volume.${v.incusName}.pool`)],
        ["source", hcl.ref(`incus_storage_volume.${v.incusName}.name`)],
      ]),
    ),
  ];
  const names = [
    "root",
    ...inst.nics.map((n) => n.name),
    ...inst.ports.map((p) => p.name),
    ...inst.volumes.map((v) => v.name),
  ];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`${inst.source}: two devices are named '${dup}' (root disk, NICs, ports and volumes share one namespace)`);

  const profiles = inst.profiles.map((p) =>
    hcl.traversal("incus_profile", [{ attr: p }, { index: inst.host }, { attr: "name" }]),
  );
  const body: BodyItem[] = [
    hcl.attr("name", inst.name),
    hcl.attr("description", inst.description),
    hcl.attr("remote", inst.host),
    hcl.attr("type", inst.type),
    hcl.attr("image", inst.image),
    hcl.attr("profiles", profiles),
    hcl.attr("running", true),
    hcl.blank(),
    hcl.attr("config", hcl.object(config)),
  ];
  for (const d of devices) body.push(hcl.blank(), d);
  body.push(hcl.blank(), ...labRootFile(model));
  if (inst.ingress) {
    for (const f of traefikFiles(model)) body.push(hcl.blank(), ...f);
  }
  // The provider pushes files into a VM through its agent only.
  if (inst.type === "virtual-machine") {
    body.push(hcl.blank(), hcl.block("wait_for", [], [hcl.attr("type", "agent")]));
  }
  return resource("incus_instance", inst.name, inst.source, body);
}

function device(name: string, type: string, properties: [string, Expr][]): BodyItem {
  return hcl.block("device", [], [
    hcl.attr("name", name),
    hcl.attr("type", type),
    hcl.attr("properties", hcl.object(properties)),
  ]);
}

/** Proxy properties: NAT on the host's static LAN address, else forkproxy (containers only). */
function proxy(inst: InstanceModel, port: ExposedPortModel, host: HostModel): [string, Expr][] {
  const connect = `${port.protocol}:${inst.ipv4}:${port.instancePort}`;
  if (host.lan.mode === "static") {
    return [
      ["connect", connect],
      ["listen", `${port.protocol}:${host.lan.address}:${port.hostPort}`],
      ["nat", "true"],
    ];
  }
  if (inst.type === "virtual-machine") {
    throw new Error(
      `${port.source}: host '${host.name}' takes its LAN address from DHCP, and Incus proxies to a VM only in ` +
        "NAT mode, which needs a fixed listen address on the host",
    );
  }
  return [
    ["connect", connect],
    ["listen", `${port.protocol}:0.0.0.0:${port.hostPort}`],
  ];
}

/** Where every instance finds the lab's root certificate (see labRootFile). */
export const GUEST_CA_ROOT_PATH = "/usr/local/share/ca-certificates/labgen-root.crt";

/**
 * The lab root for the guest to trust, pushed as a file: the one way that works for OCI
 * application containers (no cloud-init), system containers and VMs alike. The path is the local
 * trust directory of Debian, Ubuntu and Alpine, which `update-ca-certificates` adds to the system
 * store; an application with its own store is pointed at the file.
 */
function labRootFile(model: Model): BodyItem[] {
  return [
    hcl.comment(`The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on ${model.tofu.host}.`),
    hcl.block("file", [], [
      hcl.attr("target_path", GUEST_CA_ROOT_PATH),
      hcl.attr("source_path", model.ca.files.rootCert),
      hcl.attr("mode", "0644"),
      hcl.attr("create_directories", true),
    ]),
  ];
}

/** The Traefik configuration (content of the generated files) and the certificate chain and key. */
function traefikFiles(model: Model): BodyItem[][] {
  const generated = (target: string, outPath: string) =>
    hcl.block("file", [], [
      hcl.attr("target_path", target),
      hcl.attr("content", hcl.call("file", [hcl.template([hcl.ref("path.module"), `/../${outPath}`])])),
      hcl.attr("mode", "0644"),
      hcl.attr("create_directories", true),
    ]);
  const onHost = (target: string, source: string, mode: string) =>
    hcl.block("file", [], [
      hcl.attr("target_path", target),
      hcl.attr("source_path", source),
      hcl.attr("mode", mode),
      hcl.attr("create_directories", true),
    ]);
  return [
    [generated(TRAEFIK_PATHS.static, TRAEFIK_FILES.static)],
    [generated(TRAEFIK_PATHS.dynamic, TRAEFIK_FILES.dynamic)],
    [
      hcl.comment(`source_path is read by tofu on ${model.tofu.host}: the CA's chain and key must be there.`),
      onHost(TRAEFIK_PATHS.certFile, model.ca.files.fullchain, "0644"),
    ],
    [onHost(TRAEFIK_PATHS.keyFile, model.ca.files.leafKey, "0600")],
  ];
}

function volume(model: Model, inst: InstanceModel, v: VolumeModel): BodyItem[] {
  const pool = model.storagePools.find((p) => p.name === v.storage)!;
  const config: [string, Expr][] = [["size", v.size]];
  // Instance snapshots cover the root disk only; a custom volume has its own schedule.
  if (inst.snapshots) {
    config.push(["snapshots.expiry", inst.snapshots.expiry], ["snapshots.schedule", inst.snapshots.schedule]);
  }
  return resource("incus_storage_volume", v.incusName, v.source, [
    hcl.attr("name", v.incusName),
    hcl.attr("remote", pool.host),
    hcl.attr("pool", hcl.ref(`incus_storage_pool.${v.storage}.name`)),
    hcl.attr("content_type", "filesystem"),
    hcl.blank(),
    hcl.attr("config", hcl.object(config)),
    hcl.blank(),
    hcl.preventDestroy(),
  ]);
}

// ---------------------------------------------------------------------------------------------
// outputs.tf

function outputs(model: Model): Body {
  const instances = model.instances.map(
    (i) =>
      [
        i.name,
        hcl.object([
          ["host", i.host],
          ["ipv4", i.ipv4],
          ["type", i.type],
          ["urls", [...i.urls]],
        ]),
      ] as [string, Expr],
  );
  const body: BodyItem[] = [
    hcl.block("output", ["instances"], [
      hcl.attr("description", "Every instance: its host, type, address and the URLs routed to it."),
      hcl.attr("value", hcl.object(instances)),
    ]),
  ];
  if (model.ingress) {
    const routes = model.ingress.routes.map(
      (r) => [r.name, hcl.object([["backend", r.backend], ["url", r.url]])] as [string, Expr],
    );
    body.push(
      hcl.block("output", ["routes"], [
        hcl.attr("description", `Every route through Traefik at ${model.ingress.address}: its URL and backend.`),
        hcl.attr("value", hcl.object(routes)),
      ]),
    );
  }
  return body;
}

// ---------------------------------------------------------------------------------------------

/** `# <config path>` above `resource "<type>" "<name>" { … }`: the provenance of the resource. */
function resource(type: string, name: string, source: ConfigPath, body: Body): BodyItem[] {
  return [hcl.comment(source), hcl.block("resource", [type, name], body)];
}

/**
 * The provider pushes files only once the instance runs, and Traefik reads traefik.yml only at
 * startup: so after the first start, and after any change to the instance or its files, Traefik
 * is restarted (dynamic.yml alone would reload by itself). The ingress runs on the apply host
 * (rule ingress-apply-host), where the local `incus` client reaches it.
 */
function traefikRestart(model: Model): BodyItem[] {
  if (!model.ingress) return [];
  const traefik = `incus_instance.${model.ingress.instance}`;
  return resource("terraform_data", `${model.ingress.instance}_restart`, model.ingress.source, [
    hcl.attr("depends_on", hcl.tuple([hcl.ref(traefik)])),
    hcl.blank(),
    hcl.block("provisioner", ["local-exec"], [hcl.attr("command", `incus restart ${model.ingress.instance}`)]),
    hcl.blank(),
    hcl.block("lifecycle", [], [hcl.attr("replace_triggered_by", hcl.tuple([hcl.ref(traefik)]))]),
  ]);
}

/**
 * Prints a file one top-level block (with the comments above it) at a time: fmt aligns nothing
 * across top-level blocks, so the text is the same as printing the whole body at once, while the
 * IR of a 10,000-instance file never has to be alive all at once (it dominated memory and GC).
 */
function printTopLevel(body: Body): string {
  const chunks: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i].kind === "block") {
      chunks.push(printHcl(body.slice(start, i + 1)));
      start = i + 1;
    }
  }
  if (start < body.length) chunks.push(printHcl(body.slice(start)));
  return chunks.filter((c) => c !== "").join("\n");
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, Expr][] {
  return Object.keys(record)
    .sort(cmp)
    .map((k) => [k, record[k]]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
