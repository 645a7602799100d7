// NixOS target: out/hosts/<host>/configuration.nix and out/hosts/<host>/disko.nix for every host.
import { printNix, type NixAttrs } from "../../printers/nix/index.ts";
import type { HostModel, Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { configurationHeader, configurationIr, type HostModuleIR } from "./configuration.ts";
import { DISKO_HEADER, diskoIr } from "./disko.ts";
import { assertFoundationOnly } from "./guard.ts";
import { instancesOn } from "../../resolve/lookup.ts";

export { HOST_SERVICES, HOST_UNITS, NixosTargetError, assertFoundationOnly } from "./guard.ts";
export { flattenBindings, type OptionBinding } from "./walk.ts";
export { GITOPS_UNIT } from "./gitops.ts";
export { BOOT_ESP_UNIT, diskSlots, espMountPoints, espMountPoint, mountUnitName } from "./layout.ts";
export { POOL_OPTIONS, ROOT_FS_OPTIONS, ESP_MOUNT_OPTIONS, ESP_SIZE, DATA_POOL_MOUNT_OPTIONS } from "./disko.ts";
export {
  BRIDGE_PORTS,
  CA_ROOT_IN_REPO,
  CONSOLE_PASSWORD_FILE,
  INCUS_API_ADDRESS,
  INCUS_GROUP,
  TAILSCALE_INTERFACE,
  exposedPorts,
} from "./configuration.ts";
export type { HostModuleIR } from "./configuration.ts";

export interface HostNixosIR {
  readonly host: string;
  readonly configuration: HostModuleIR;
  readonly disko: NixAttrs;
}

/** The printer IR of every host's two files (checked by the foundation guard). */
export function nixosIr(model: Model): HostNixosIR[] {
  return model.hosts.map((host) => {
    const configuration = configurationIr(model, host);
    assertFoundationOnly(host.name, configuration.body);
    return { host: host.name, configuration, disko: diskoIr(host) };
  });
}

const uniqueSorted = (xs: string[]): string[] => [...new Set(xs)].sort();

function configurationSources(model: Model, host: HostModel): string[] {
  const ports = instancesOn(model, host.name).flatMap((i) => i.ports.map((p) => p.source));
  return uniqueSorted([
    host.source,
    ...model.admins.map((a) => a.source),
    ...host.networks.map((n) => `networks.${n}`),
    ...ports,
    "timezone",
    model.ca.source,
    ...(host.gitops?.appliesTofu ? [model.tofu.source] : []),
    // The app-secrets service exists on hosts that keep secrets.
    ...model.secrets.filter((s) => s.host === host.name).map((s) => s.source),
  ]);
}

function diskoSources(host: HostModel): string[] {
  return uniqueSorted([
    host.source,
    ...host.zpools.flatMap((p) => [p.source, ...p.datasets.map((d) => d.source)]),
    ...host.zpools.flatMap((p) => p.incusStorage.map((s) => `storage.${s}`)),
  ]);
}

export function planNixos(model: Model): OutputFile[] {
  const byName = new Map(model.hosts.map((h) => [h.name, h]));
  return nixosIr(model).flatMap(({ host, configuration, disko }) => {
    const h = byName.get(host)!;
    return [
      {
        path: `hosts/${host}/configuration.nix`,
        content: printNix(configuration.file, { header: configurationHeader(h) }),
        sources: configurationSources(model, h),
      },
      {
        path: `hosts/${host}/disko.nix`,
        content: printNix(disko, { header: DISKO_HEADER(host) }),
        sources: diskoSources(h),
      },
    ];
  });
}
