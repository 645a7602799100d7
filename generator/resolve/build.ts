// buildModel: the Model from a config whose allocations are all in the lock. One builder per
// kind (build-hosts.ts, build-instances.ts, ingress.ts, and the small ones here); this function
// orders them: routes before instances (an instance lists its URLs), instances before profiles
// and hosts (which list the instances they serve).
import type { LabConfig } from "../config/schema.ts";
import { CA_FILES } from "../shared/ca.ts";
import { parseCidr } from "../shared/ipv4.ts";
import { DATASETS, GUEST_CA_ROOT_PATH, tofuHostOf } from "../shared/lab.ts";
import { buildHosts } from "./build-hosts.ts";
import { buildInstances, buildProfiles, buildSecrets, instanceIpOf } from "./build-instances.ts";
import { buildIngress, buildRoutes, ingressAddressOf } from "./ingress.ts";
import type { Lock, NicLock } from "./lock.ts";
import * as M from "./model.ts";
import { byName } from "./sort.ts";

/** `nicLocks`: every NIC's lock entry in config order (instances, then their NICs). */
export function buildModel(lab: LabConfig, lock: Lock, gateways: Map<string, string>, nicLocks: readonly NicLock[]): M.Model {
  const domain = lab.domain;
  const tofuHost = tofuHostOf(lab);
  const instanceIp = instanceIpOf(lab, lock);
  const networks = buildNetworks(lab, gateways, ingressAddressOf(lab, instanceIp));
  const routes = buildRoutes(lab, instanceIp);
  const instances = buildInstances(lab, nicLocks, routes);
  const storagePools = buildStoragePools(lab);
  const profiles = buildProfiles(lab, instances);
  const hosts = buildHosts(lab, lock, { networks, storagePools, instances, tofuHost, instanceIp });
  const admins = buildAdmins(lab);
  const caModel = buildCa(lab);
  const ingressModel = buildIngress(lab, routes, instanceIp, caModel, networks);

  return {
    formatVersion: M.MODEL_FORMAT,
    lab: { name: lab.name, domain, timezone: lab.timezone, tailnet: [...lab.tailnet] },
    admins,
    hosts,
    networks,
    storagePools,
    profiles,
    instances,
    ingress: ingressModel,
    secrets: buildSecrets(lab, instances),
    ca: caModel,
    tofu: {
      host: tofuHost,
      stateDir: lab.tofu.stateDir,
      stateFile: `${lab.tofu.stateDir}/terraform.tfstate`,
      passphraseFile: lab.tofu.passphraseFile,
      source: "tofu",
    },
    allowDestroy: [...lab.allowDestroy],
  };
}

function buildNetworks(lab: LabConfig, gateways: Map<string, string>, ingressAddress: (host: string) => string | null): M.NetworkModel[] {
  const domain = lab.domain;
  return byName(
    Object.entries(lab.networks).map(([name, n]) => {
      const c = parseCidr(n.subnet);
      const gateway = gateways.get(name)!;
      return {
        name,
        host: n.host,
        description: n.description,
        subnet: n.subnet,
        prefixLength: c.prefix,
        gateway,
        address: `${gateway}/${c.prefix}`,
        nat: n.nat,
        dnsDomain: n.dnsDomain ?? `${name}.${domain}`,
        ingressAddress: ingressAddress(n.host),
        source: `networks.${name}`,
      };
    }),
  );
}

function buildStoragePools(lab: LabConfig): M.StoragePoolModel[] {
  return byName(
    Object.entries(lab.storage).map(([name, s]) => ({
      name,
      host: s.host,
      zpool: s.zpool,
      // One level below the labgen-owned parent <zpool>/incus: Incus creates a missing source dataset
      // and refuses an existing one that has any child or snapshot (lxc/incus
      // internal/server/storage/drivers/driver_zfs.go, Create(): "Provided ZFS pool (or dataset)
      // isn't empty"), so nothing but Incus ever touches it.
      dataset: `${s.zpool}/${DATASETS.incus}/${name}`,
      description: s.description,
      source: `storage.${name}`,
    })),
  );
}

function buildAdmins(lab: LabConfig): M.AdminModel[] {
  return byName(
    Object.entries(lab.admins).map(([name, a]) => ({ name, description: a.description, sshKeys: [...a.sshKeys], source: `admins.${name}` })),
  );
}

function buildCa(lab: LabConfig): M.CaModel {
  const domain = lab.domain;
  const ca = lab.ca;
  return {
    domain,
    organization: ca.organization,
    rootCommonName: ca.rootName,
    intermediateCommonName: ca.intermediateName,
    dir: ca.dir,
    rootDays: ca.rootDays,
    intermediateDays: ca.intermediateDays,
    leafDays: ca.leafDays,
    renewBeforeDays: ca.renewBeforeDays,
    files: {
      rootCert: `${ca.dir}/${CA_FILES.rootCert}`,
      fullchain: `${ca.dir}/${CA_FILES.fullchain}`,
      leafKey: `${ca.dir}/${CA_FILES.leafKey}`,
      guestRoot: GUEST_CA_ROOT_PATH,
    },
    source: "ca",
  };
}
