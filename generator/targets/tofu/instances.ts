// instances.tf: every instance with its devices, the files the ingress contract pushes, and the ingress restart.
import { hcl } from "../../printers/hcl/index.ts";
import type { BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { ConfigPath, ExposedPortModel, HostModel, InstanceModel, Model } from "../../resolve/model.ts";
import { SECRETS_LAYOUT } from "../../shared/secrets.ts";
import { providerImage } from "../../shared/image.ts";
import { byKey, resource, type TofuFile } from "./file.ts";

export function planInstancesTf(model: Model): TofuFile {
  const hosts = new Map(model.hosts.map((h) => [h.name, h]));
  return {
    name: "instances.tf",
    parts: [
      ...model.instances.map((i) => () => instance(model, i, hosts.get(i.host)!)),
      () => ingressRestart(model),
      ...model.instances.filter((i) => !i.ingress && i.files.length > 0).map((i) => () => fileRestart(model, i)),
    ],
    sources: [
      ...model.instances.map((i) => i.source),
      ...model.instances.filter((i) => i.ports.length > 0).map((i) => hosts.get(i.host)!.source),
      ...(model.ingress ? [model.ingress.source, ...model.ingress.files.map((f) => f.source)] : []),
    ],
  };
}

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
  // environment.* and oci.*: lxc/incus doc/config_options.txt (instance-miscellaneous, instance-oci).
  // Plain loops, no spreads or destructuring: this runs for every instance of a big lab, mostly
  // before the JIT has optimized it.
  for (const k of Object.keys(inst.environment)) config.push([`environment.${k}`, inst.environment[k]]);
  for (const k of Object.keys(inst.ociConfig)) config.push([k, inst.ociConfig[k]]);
  config.sort(byKey);

  const devices: BodyItem[] = [
    device("root", "disk", [
      ["path", "/"],
      ["pool", hcl.ref(`incus_storage_pool.${inst.rootDisk.storage}.name`)],
      ["size", inst.rootDisk.size],
    ]),
  ];
  const names = ["root"];
  for (const nic of inst.nics) {
    devices.push(
      device(nic.name, "nic", [
        ["hwaddr", nic.mac],
        ["ipv4.address", nic.ipv4],
        ["network", hcl.ref(`incus_network.${nic.network}.name`)],
      ]),
    );
    names.push(nic.name);
  }
  for (const port of inst.ports) {
    devices.push(device(port.name, "proxy", proxy(inst, port, host)));
    names.push(port.name);
  }
  for (const v of inst.volumes) {
    const name = hcl.ref(`incus_storage_volume.${v.incusName}.name`);
    // A sub-path of a custom volume is source=<volume>/<sub_path> (lxc/incus doc/reference/devices_disk.md).
    const source: Expr = v.shared?.subPath ? hcl.template([name, `/${v.shared.subPath}`]) : name;
    const properties: [string, Expr][] = [
      ["path", v.path],
      ["pool", hcl.ref(`incus_storage_volume.${v.incusName}.pool`)],
    ];
    if (v.shared?.readonly) properties.push(["readonly", "true"]);
    properties.push(["source", source]);
    devices.push(device(v.name, "disk", properties));
    names.push(v.name);
  }
  // The instance's secrets: a host directory, never a value. readonly and shift (idmapped, so
  // the owner labgen-secrets sets is the owner the app sees) are disk options of lxc/incus
  // doc/config_options.txt (devices-disk); `required` (default true) refuses to start without it.
  if (inst.secretsHostDir !== null) {
    devices.push(
      device(SECRETS_DEVICE, "disk", [
        ["path", SECRETS_LAYOUT.mount],
        ["readonly", "true"],
        ["shift", "true"],
        ["source", inst.secretsHostDir],
      ]),
    );
    names.push(SECRETS_DEVICE);
  }
  for (let i = 1; i < names.length; i++) {
    if (names.indexOf(names[i]) !== i) {
      throw new Error(`${inst.source}: two devices are named '${names[i]}' (root disk, NICs, ports and volumes share one namespace)`);
    }
  }

  const profiles: Expr[] = [];
  for (const p of inst.profiles) profiles.push(hcl.traversal("incus_profile", [{ attr: p }, { index: inst.host }, { attr: "name" }]));
  const body: BodyItem[] = [
    hcl.attr("name", inst.name),
    hcl.attr("description", inst.description),
    hcl.attr("remote", inst.host),
    hcl.attr("type", inst.type),
    // A local: image goes by its bare alias, which the provider finds on this instance's own server.
    hcl.attr("image", providerImage(inst.image)),
    hcl.attr("profiles", profiles),
    hcl.attr("running", true),
    hcl.blank(),
    hcl.attr("config", hcl.object(config)),
  ];
  for (const d of devices) body.push(hcl.blank(), d);
  body.push(hcl.blank());
  for (const item of labRootFile(model)) body.push(item);
  for (const f of inst.files) {
    body.push(
      hcl.blank(),
      hcl.comment(f.source),
      hcl.block("file", [], [
        hcl.attr("target_path", f.path),
        hcl.attr("content", f.content),
        hcl.attr("mode", f.mode),
        hcl.attr("uid", f.uid),
        hcl.attr("gid", f.gid),
        hcl.attr("create_directories", true),
      ]),
    );
  }
  if (inst.ingress) {
    for (const f of ingressFiles(model)) {
      body.push(hcl.blank());
      for (const item of f) body.push(item);
    }
  }
  // The provider pushes files into a VM through its agent only.
  if (inst.type === "virtual-machine") {
    body.push(hcl.blank(), hcl.block("wait_for", [], [hcl.attr("type", "agent")]));
  }
  return resource("incus_instance", inst.name, inst.source, body);
}

/** Device name of the secrets mount (volumes may not take it: rule oci-options). */
const SECRETS_DEVICE = "secrets";

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

/** Where every instance finds the lab's root certificate (model.ca.files.guestRoot), for tests. */
export { GUEST_CA_ROOT_PATH } from "../../shared/lab.ts";

/**
 * The lab root for the guest to trust, pushed as a file: the one way that works for OCI
 * application containers (no cloud-init), system containers and VMs alike. The path is the local
 * trust directory of Debian, Ubuntu and Alpine, which `update-ca-certificates` adds to the system
 * store; an application with its own store is pointed at the file.
 */
function labRootFile(model: Model): readonly BodyItem[] {
  // The same for every instance: built once per model (the IR is immutable, so sharing it is safe).
  let items = rootFileItems.get(model);
  if (items === undefined) rootFileItems.set(model, (items = rootFileItemsOf(model)));
  return items;
}
const rootFileItems = new WeakMap<Model, readonly BodyItem[]>();

function rootFileItemsOf(model: Model): BodyItem[] {
  return [
    hcl.comment(`The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on ${model.tofu.host}.`),
    hcl.block("file", [], [
      hcl.attr("target_path", model.ca.files.guestRoot),
      hcl.attr("source_path", model.ca.files.rootCert),
      hcl.attr("mode", "0644"),
      hcl.attr("create_directories", true),
    ]),
  ];
}

/**
 * The files of the ingress contract, in its order: generated ones are read from out/ (next to
 * out/tofu), the others from the apply host (`source_path` is read where tofu runs).
 */
function ingressFiles(model: Model): BodyItem[][] {
  let first = true;
  return model.ingress!.files.map((f) => {
    if ("generated" in f.from) {
      return [
        hcl.block("file", [], [
          hcl.attr("target_path", f.path),
          hcl.attr("content", hcl.call("file", [hcl.template([hcl.ref("path.module"), `/../${f.from.generated}`])])),
          hcl.attr("mode", f.mode),
          hcl.attr("create_directories", true),
        ]),
      ];
    }
    const note = first ? [hcl.comment(`source_path is read by tofu on ${model.tofu.host}: the CA's chain and key must be there.`)] : [];
    first = false;
    return [
      ...note,
      hcl.block("file", [], [
        hcl.attr("target_path", f.path),
        hcl.attr("source_path", f.from.host),
        hcl.attr("mode", f.mode),
        hcl.attr("create_directories", true),
      ]),
    ];
  });
}

/**
 * The provider pushes files only once the instance runs, and a file whose contract says
 * `onChange: "restart"` is read at startup only: so after the first start, and after any change
 * to the instance or its files, the ingress is restarted. The ingress runs on the apply host
 * (rule ingress-apply-host), where the local `incus` client reaches it.
 */
function ingressRestart(model: Model): BodyItem[] {
  const ing = model.ingress;
  if (!ing || !ing.files.some((f) => f.onChange === "restart")) return [];
  return restartAfterPush(ing.instance, ing.instance, ing.source);
}

/**
 * Apps read their configuration files at start, and the provider pushes files only after starting
 * the instance: restart it once after the first push and after any change of the instance (its
 * files included). `incus restart` runs on the apply host, through its remote of the instance's host.
 */
function fileRestart(model: Model, inst: InstanceModel): BodyItem[] {
  const target = inst.host === model.tofu.host ? inst.name : `${inst.host}:${inst.name}`;
  return restartAfterPush(inst.name, target, inst.source);
}

/** terraform_data.<instance>_restart: `incus restart <target>` after the instance is created or replaced. */
function restartAfterPush(instance: string, target: string, source: ConfigPath): BodyItem[] {
  const ref = `incus_instance.${instance}`;
  return resource("terraform_data", `${instance}_restart`, source, [
    hcl.attr("depends_on", hcl.tuple([hcl.ref(ref)])),
    hcl.blank(),
    hcl.block("provisioner", ["local-exec"], [hcl.attr("command", `incus restart ${target}`)]),
    hcl.blank(),
    hcl.block("lifecycle", [], [hcl.attr("replace_triggered_by", hcl.tuple([hcl.ref(ref)]))]),
  ]);
}
