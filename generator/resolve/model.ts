// The resolved, normalized lab: what every target reads. Only `resolve` computes; targets map
// this Model to their IR without deciding anything. Everything here is read-only (readonly types,
// and deeply frozen wherever output is checked: resolve.ts FREEZE_MODEL), every
// list is sorted by name (or kept in config order where order has meaning, e.g. NICs, vdevs),
// and each resource carries `source`, the config path that produced it (provenance).

export const MODEL_FORMAT = 1;

import type { HealthModel, ImageRemote, InstanceFileModel, InstanceSecretModel, SecretModel } from "./model-apps.ts";

export type { HealthModel, ImageRemote, InstanceFileModel, InstanceSecretModel, SecretModel } from "./model-apps.ts";
export type { CaModel, IngressFileModel, IngressModel, RouteModel } from "./model-ingress.ts";
import type { CaModel, IngressModel } from "./model-ingress.ts";

/** A config path such as "instances.forgejo" or "hosts.nas.zfs.pools.tank". */
export type ConfigPath = string;

export interface Model {
  readonly formatVersion: typeof MODEL_FORMAT;
  readonly lab: LabModel;
  readonly admins: readonly AdminModel[];
  readonly hosts: readonly HostModel[];
  readonly networks: readonly NetworkModel[];
  readonly storagePools: readonly StoragePoolModel[];
  readonly profiles: readonly ProfileModel[];
  readonly instances: readonly InstanceModel[];
  readonly ingress: IngressModel | null;
  readonly ca: CaModel;
  readonly tofu: TofuModel;
  /** App secrets by name (sorted): where they live on the host, never their values. */
  readonly secrets: readonly SecretModel[];
  /** allowDestroy entries ("volume:jellyfin-media", …) in config order: what `labgen plan` may let a deploy destroy. */
  readonly allowDestroy: readonly string[];
}

export interface TofuModel {
  /** The host whose GitOps agent runs `tofu apply` (local unix socket to its own Incus). */
  readonly host: string;
  readonly stateDir: string;
  /** <stateDir>/terraform.tfstate */
  readonly stateFile: string;
  /** Passphrase for OpenTofu state encryption, a file on the apply host. */
  readonly passphraseFile: string;
  readonly source: ConfigPath;
}

export interface LabModel {
  readonly name: string;
  readonly domain: string;
  readonly timezone: string;
  /** Tailscale ranges (CGNAT + ULA). */
  readonly tailnet: readonly string[];
}

export interface AdminModel {
  readonly name: string;
  readonly description: string;
  readonly sshKeys: readonly string[];
  readonly source: ConfigPath;
}

export interface DiskModel {
  readonly id: string; // /dev/disk/by-id/…
  readonly size: string; // as configured, e.g. "1TB"
  readonly sizeBytes: number;
  readonly kind: "nvme" | "ssd" | "hdd";
  /** Pool the disk belongs to, or null when unused. */
  readonly zpool: string | null;
}

export type Topology = "stripe" | "mirror" | "raidz1" | "raidz2" | "raidz3";

export interface VdevModel {
  readonly topology: Topology;
  readonly disks: readonly string[]; // by-id paths, config order
}

export interface DatasetModel {
  /** Name below the pool, e.g. "root", "nix", "incus", "media". */
  readonly name: string;
  /** Mount path, or null for an unmounted container dataset (mountpoint=none). */
  readonly mountpoint: string | null;
  /** ZFS properties specific to this dataset (sorted keys), e.g. { reservation: "10G" }. */
  readonly properties: Readonly<Record<string, string>>;
  /**
   * Why the dataset exists: "system" (/, /nix, /var, /home), "state" (/var/lib/labgen: OpenTofu
   * records, checkout, deploy status), "secrets" (secrets and the CA: never snapshotted
   * automatically, never rolled back), "undo" (OpenTofu state and Incus's database: snapshotted by
   * the GitOps agent before each deploy), "incus" (parent of Incus storage pools, unmounted),
   * "reserve" or "user".
   */
  readonly role: "system" | "state" | "secrets" | "undo" | "incus" | "reserve" | "user";
  readonly source: ConfigPath;
}

export interface ZpoolModel {
  readonly name: string;
  readonly boot: boolean;
  readonly vdevs: readonly VdevModel[];
  /** Sorted by name. */
  readonly datasets: readonly DatasetModel[];
  /** ZFS size string for the reserve dataset, e.g. "10G". */
  readonly reserve: string;
  /** Incus storage pools (names) backed by <pool>/incus. */
  readonly incusStorage: readonly string[];
  readonly source: ConfigPath;
}

export type LanModel =
  | {
      readonly mode: "static";
      readonly interface: string;
      readonly address: string; // 192.168.1.10
      readonly prefixLength: number; // 24
      readonly subnet: string; // 192.168.1.0/24
      readonly gateway: string;
      readonly nameservers: readonly string[];
    }
  | {
      readonly mode: "dhcp";
      readonly interface: string;
      readonly subnet: string | null;
    };

export interface TailscaleModel {
  readonly authKeyFile: string;
  /** The explicit choice of wider access: the whole guest bridges are advertised. */
  readonly advertiseGuestNetworks: boolean;
  /**
   * Routes advertised (sorted): the host's guest subnets with advertiseGuestNetworks; otherwise,
   * on the ingress host only, Traefik's address and its bridge's gateway (DNS) as /32s.
   */
  readonly advertiseRoutes: readonly string[];
  readonly exposeIncusApi: boolean;
}

export interface GitopsModel {
  readonly repository: string;
  readonly branch: string;
  readonly deployKeyFile: string;
  readonly knownHosts: readonly string[];
  readonly interval: string;
  readonly allowedSigners: readonly string[];
  /** Pre-deploy snapshots kept for rollback. */
  readonly keepSnapshots: number;
  /** Where the agent keeps its checkout of the repository: /var/lib/labgen/checkout. */
  readonly checkoutDir: string;
  /** Machine-readable result of the last run: /var/lib/labgen/status.json. */
  readonly statusFile: string;
  /** True when this host also runs `tofu apply` (model.tofu.host). */
  readonly appliesTofu: boolean;
  /** systemd units started when a run fails or refuses (OnFailure=). */
  readonly onFailure: readonly string[];
}

/** sanoid retention for the host's own datasets. */
export interface AutoSnapshotModel {
  readonly hourly: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
  /** Full dataset names (pool/name), sorted: system, state and user datasets, never Incus or the reserve. */
  readonly datasets: readonly string[];
}

export interface HostModel {
  readonly name: string;
  readonly description: string;
  /** 8 lowercase hex digits, from lab.lock.json. */
  readonly hostId: string;
  readonly cpu: { readonly model: string | null; readonly cores: number; readonly threads: number };
  readonly memory: string;
  readonly memoryBytes: number;
  readonly memoryReserve: string;
  readonly memoryReserveBytes: number;
  readonly disks: readonly DiskModel[]; // config order
  readonly nics: readonly { readonly name: string; readonly speed: string | null }[];
  readonly lan: LanModel;
  readonly ssh: { readonly port: number; readonly permitRootLogin: "no" | "prohibit-password" };
  /** Boot pool first, then the others by name. */
  readonly zpools: readonly ZpoolModel[];
  /** Full names of the Incus datasets (pool/incus), sorted. */
  readonly incusDatasets: readonly string[];
  /** Datasets the GitOps agent snapshots before each deploy (role "undo"), full names, sorted. */
  readonly undoDatasets: readonly string[];
  /** The labgen state dataset, e.g. rpool/labgen, mounted at /var/lib/labgen. */
  readonly stateDataset: string;
  /** root's console password hash, if the admin places one (SSH never takes passwords). */
  readonly consolePasswordFile: string;
  readonly autoSnapshot: AutoSnapshotModel;
  /** systemd calendar for services.zfs.autoScrub. */
  readonly scrub: string;
  readonly tailscale: TailscaleModel | null;
  readonly gitops: GitopsModel | null;
  readonly incus: { readonly channel: "lts" | "feature" };
  /** The user's own NixOS module imported by configuration.nix (hosts/<host>/extra.nix, relative to lab.config.ts), or null. */
  readonly extraModule: string | null;
  /** Names of the Incus bridges on this host (sorted). */
  readonly networks: readonly string[];
  /** Names of the instances on this host (sorted). */
  readonly instances: readonly string[];
  readonly stateVersion: string;
  readonly source: ConfigPath;
}

export interface NetworkModel {
  readonly name: string;
  readonly host: string;
  readonly description: string;
  readonly subnet: string; // 10.10.0.0/24
  readonly prefixLength: number;
  readonly gateway: string; // 10.10.0.1
  /** Incus ipv4.address: gateway/prefix, e.g. 10.10.0.1/24. */
  readonly address: string;
  readonly nat: boolean;
  readonly dnsDomain: string;
  /**
   * The address this bridge's DNS (dnsmasq) gives for the route names: Traefik's own address on the
   * ingress host, the ingress host's static LAN address (its 80/443 proxy devices) elsewhere; null
   * without ingress or when no address reaches Traefik from here.
   */
  readonly ingressAddress: string | null;
  readonly source: ConfigPath;
}

export interface StoragePoolModel {
  readonly name: string;
  readonly host: string;
  readonly zpool: string;
  /** The ZFS dataset Incus uses as source, e.g. "tank/incus". */
  readonly dataset: string;
  readonly description: string;
  readonly source: ConfigPath;
}

export interface ProfileModel {
  readonly name: string;
  readonly description: string;
  readonly config: Readonly<Record<string, string>>; // sorted keys
  /** Hosts (remotes) that need this profile because an instance there uses it (sorted). */
  readonly hosts: readonly string[];
  readonly source: ConfigPath;
}

export interface InstanceNicModel {
  readonly name: string;
  readonly network: string;
  readonly ipv4: string;
  /** True when the address came from the config, false when allocated in lab.lock.json. */
  readonly staticIp: boolean;
  /** From lab.lock.json, e.g. 10:66:6a:12:34:56. */
  readonly mac: string;
  readonly source: ConfigPath;
}

export interface ExposedPortModel {
  /** Device name, e.g. "tcp-443". */
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly hostPort: number;
  readonly instancePort: number;
  readonly source: ConfigPath;
}

export interface VolumeModel {
  readonly name: string; // as configured, e.g. "data"
  /** Incus volume name: <instance>-<name> (for a shared volume, the owner's). */
  readonly incusName: string;
  readonly storage: string;
  readonly size: string;
  readonly path: string;
  /** Set when the instance mounts another instance's volume (which owns and creates it). */
  readonly shared: { readonly owner: string; readonly subPath: string | null; readonly readonly: boolean } | null;
  readonly source: ConfigPath;
}

export interface InstanceModel {
  readonly name: string;
  readonly host: string;
  /** Incus instance type. */
  readonly type: "container" | "virtual-machine";
  /** As configured, e.g. "images:debian/12" or "docker:traefik:v3.7". */
  readonly image: string;
  /** The image remote: "images" (simplestreams), an OCI registry ("docker", "ghcr", "quay", "lscr", "codeberg") or "local" (imported on the host). */
  readonly imageRemote: ImageRemote;
  /** OCI images: the tag (the app's version), e.g. "v3.7.11"; null for images:, local: or a digest-only reference. */
  readonly imageTag: string | null;
  /** True for OCI application containers (no init, no cloud-init; config arrives as files). */
  readonly oci: boolean;
  readonly description: string;
  readonly cpu: number;
  readonly memory: string;
  readonly memoryBytes: number;
  readonly rootDisk: { readonly storage: string; readonly size: string };
  readonly profiles: readonly string[]; // config order
  readonly nics: readonly InstanceNicModel[]; // config order
  /** The instance's address: the first NIC's IPv4. */
  readonly ipv4: string;
  readonly serves: readonly number[]; // sorted
  readonly ports: readonly ExposedPortModel[]; // sorted by protocol, host port
  readonly volumes: readonly VolumeModel[]; // config order
  readonly snapshots: { readonly schedule: string; readonly expiry: string } | null;
  readonly autostart: boolean;
  readonly cloudInit: string | null;
  /** https URLs of the routes that target this instance (sorted). */
  readonly urls: readonly string[];
  /** True for the ingress (Traefik) instance. */
  readonly ingress: boolean;
  /** Incus environment.* (sorted keys). */
  readonly environment: Readonly<Record<string, string>>;
  /** Secrets the instance reads, as files under SECRETS_LAYOUT.mount (sorted by name). */
  readonly secrets: readonly InstanceSecretModel[];
  /** Owner of the secret files inside the instance. */
  readonly secretOwner: { readonly uid: number; readonly gid: number };
  /** Host directory mounted read-only at SECRETS_LAYOUT.mount, or null without secrets. */
  readonly secretsHostDir: string | null;
  readonly files: readonly InstanceFileModel[];
  readonly health: HealthModel | null;
  /** oci.* overrides (sorted keys, Incus option names). */
  readonly ociConfig: Readonly<Record<string, string>>;
  readonly source: ConfigPath;
}
