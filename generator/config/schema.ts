// The zod schema of lab.config.ts. It is the single source of user documentation: every field
// carries .describe(), and `labgen schema` / out/labgen.schema.json are generated from it.
// Shape checks live here; cross-field rules live in ../validate/rules.ts.
import { z } from "zod";

/** Incus names: ≤ 63 chars, [a-z0-9-], no leading digit or hyphen, no trailing hyphen. */
export const INCUS_NAME_RE = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$/;
const SIZE_RE = /^[1-9][0-9]*(\.[0-9]+)?(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const CIDR4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\/([0-9]|[12][0-9]|3[0-2])$/;
// IPv6 CIDRs are only accepted in allow-lists (Tailscale's ULA range); a loose check is enough there
// because Traefik parses them again and the model never computes with them.
const CIDR6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

const name = (what: string) =>
  z
    .string()
    .regex(INCUS_NAME_RE, {
      error: `${what} names must be 1-63 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (Incus and DNS naming rules)`,
    });

export const Size = z
  .string()
  .regex(SIZE_RE, { error: 'sizes are a number and a unit, e.g. "512MiB", "32GiB", "4TB"' })
  .describe('A size with a unit: B, KiB, MiB, GiB, TiB (binary) or KB, MB, GB, TB (decimal), e.g. "32GiB".');

export const Ipv4 = z.string().regex(IPV4, { error: "must be an IPv4 address such as 10.10.0.20" });
export const Cidr4 = z.string().regex(CIDR4, { error: "must be an IPv4 CIDR such as 10.10.0.0/24" });
export const Cidr = z
  .string()
  .refine((s) => CIDR4.test(s) || CIDR6.test(s), { error: "must be a CIDR such as 192.168.1.0/24 or fd7a:115c:a1e0::/48" });

const Port = z.number().int().min(1).max(65535);
const AbsPath = z
  .string()
  .regex(/^\/[^\0]*$/, { error: "must be an absolute path on the host, e.g. /var/lib/labgen/secrets/x" });

// ---------------------------------------------------------------------------------------------
// Hosts (the NixOS foundation)

const Disk = z
  .strictObject({
    id: z
      .string()
      .describe(
        "Stable device path under /dev/disk/by-id/ (never /dev/sdX or /dev/nvme0n1: those names change between boots).",
      ),
    size: Size.describe("Capacity of the disk as sold, e.g. \"1TB\" or \"8TB\" (documentation and capacity checks)."),
    kind: z.enum(["nvme", "ssd", "hdd"]).describe("Media kind; informs the README and pool advice."),
  })
  .describe("A physical disk of the host.");

const Nic = z
  .strictObject({
    name: z.string().min(1).describe('Kernel interface name, e.g. "enp1s0".'),
    speed: z.string().optional().describe('Link speed for documentation, e.g. "2.5GbE".'),
  })
  .describe("A physical network interface of the host.");

const Hardware = z
  .strictObject({
    cpu: z
      .strictObject({
        model: z.string().optional().describe("CPU model for documentation."),
        cores: z.number().int().min(1).describe("Physical cores."),
        threads: z.number().int().min(1).describe("Hardware threads (what Incus can hand out as limits.cpu)."),
      })
      .describe("The host CPU."),
    memory: Size.describe('Installed RAM, e.g. "32GiB".'),
    disks: z.array(Disk).min(1).describe("Every disk in the host, by id."),
    nics: z.array(Nic).min(1).describe("Physical network interfaces."),
  })
  .describe("Hardware of the host: what the capacity rules check against.");

export const Topology = z
  .enum(["stripe", "mirror", "raidz1", "raidz2", "raidz3"])
  .describe("vdev layout: stripe (no redundancy), mirror (≥ 2 disks), raidz1 (≥ 3), raidz2 (≥ 4), raidz3 (≥ 5).");

const Vdev = z
  .strictObject({
    topology: Topology,
    disks: z.array(z.string()).min(1).describe("Disk ids (from hardware.disks) that form this vdev."),
  })
  .describe("One top-level vdev of a ZFS pool.");

const Dataset = z
  .strictObject({
    mountpoint: z
      .union([AbsPath, z.literal("none")])
      .optional()
      .describe('Where the dataset is mounted ("none" for a container dataset). Defaults to "none".'),
    quota: Size.optional().describe("ZFS quota."),
    reservation: Size.optional().describe("ZFS reservation."),
    recordsize: z.enum(["16K", "32K", "64K", "128K", "256K", "512K", "1M"]).optional().describe("ZFS recordsize (1M suits media)."),
  })
  .describe("A ZFS dataset, created by disko at install time.");

const Zpool = z
  .strictObject({
    boot: z
      .boolean()
      .default(false)
      .describe("The pool that holds / (exactly one per host). Its disks also carry an EFI system partition each."),
    vdevs: z.array(Vdev).min(1).describe("Top-level vdevs; data is striped across them."),
    datasets: z
      .record(z.string(), Dataset)
      .default({})
      .describe(
        'Extra datasets, keyed by their name below the pool (e.g. "media" → tank/media). The boot pool always gets root (/), nix (/nix), var (/var) and home (/home); a pool hosting Incus storage gets an unmounted "incus" dataset.',
      ),
    reserve: Size.default("10GiB").describe(
      "Space held back in an unmounted 'reserved' dataset so a full pool cannot wedge the host (delete or shrink it to recover).",
    ),
  })
  .describe("A ZFS pool, created by disko.");

const AutoSnapshot = z
  .strictObject({
    hourly: z.number().int().min(0).default(24).describe("Hourly snapshots to keep."),
    daily: z.number().int().min(0).default(14).describe("Daily snapshots to keep."),
    weekly: z.number().int().min(0).default(4).describe("Weekly snapshots to keep."),
    monthly: z.number().int().min(0).default(6).describe("Monthly snapshots to keep."),
  })
  .describe(
    "Automatic snapshots of the host's own datasets (/, /var, /home, labgen state, extra datasets) by sanoid; Incus datasets are left to Incus's per-instance snapshots.",
  );

const Lan = z
  .discriminatedUnion("mode", [
    z.strictObject({
      mode: z.literal("static").describe("Static addressing."),
      interface: z.string().min(1).describe("The NIC (hardware.nics[].name) on the LAN."),
      address: Cidr4.describe('Host address with prefix, e.g. "192.168.1.10/24".'),
      gateway: Ipv4.describe("Default gateway."),
      nameservers: z.array(Ipv4).min(1).describe("DNS resolvers."),
    }),
    z.strictObject({
      mode: z.literal("dhcp").describe("Address from the LAN's DHCP server."),
      interface: z.string().min(1).describe("The NIC (hardware.nics[].name) on the LAN."),
      subnet: Cidr4.optional().describe("The LAN subnet, if known: used for overlap checks and the ingress allow-list."),
    }),
  ])
  .describe("How the host joins the LAN.");

const Tailscale = z
  .strictObject({
    authKeyFile: AbsPath.describe(
      "Path ON THE HOST of a file holding the Tailscale auth key (placed at install time, never in this repository).",
    ),
    advertiseGuestNetworks: z
      .boolean()
      .default(false)
      .describe(
        "Wider tailnet access, an explicit choice: true advertises this host's whole Incus bridges as subnet routes, so tailnet clients reach every port of every guest directly, bypassing Traefik and its allow-list. false (default): the host that runs the ingress advertises only Traefik's address and its bridge's DNS server (two /32 routes); other hosts advertise nothing.",
      ),
    exposeIncusApi: z
      .boolean()
      .default(false)
      .describe("Also serve the Incus API on the host's tailnet address (port 8443). Off: unix socket only."),
  })
  .describe("Tailscale on the host: remote access and subnet routing for the guests.");

const Gitops = z
  .strictObject({
    repository: z
      .string()
      .regex(/^(ssh:\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/, {
        error: 'must be an SSH git URL such as "git@github.com:me/lab.git" (the deploy key authenticates over SSH)',
      })
      .describe("The lab's git repository (SSH URL) that the host pulls."),
    branch: z.string().min(1).default("main").describe("Branch to deploy."),
    deployKeyFile: AbsPath.describe("Path ON THE HOST of the read-only deploy key (never in this repository)."),
    knownHosts: z
      .array(z.string().min(1))
      .min(1)
      .describe('Pinned host keys of the git server, known_hosts lines such as "github.com ssh-ed25519 AAAA…" (no trust on first use).'),
    interval: z
      .string()
      .regex(/^[1-9][0-9]*(s|min|h)$/, { error: 'must be a systemd time span such as "5min" or "1h"' })
      .default("5min")
      .describe("How often the host polls the repository."),
    allowedSigners: z
      .array(z.string().min(1))
      .default([])
      .describe("If non-empty, only deploy commits signed by one of these SSH public keys (git allowed_signers lines)."),
    keepSnapshots: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe("How many pre-deploy ZFS snapshots (of the Incus datasets and labgen's state) to keep for rollback."),
  })
  .describe("Pull-based GitOps: the host fetches the repository, rebuilds itself and applies OpenTofu.");

const Incus = z
  .strictObject({
    channel: z
      .enum(["lts", "feature"])
      .default("lts")
      .describe(
        "lts: pkgs.incus-lts (stable, security fixes only: the right choice for a foundation you want to forget). feature: pkgs.incus (monthly releases).",
      ),
  })
  .describe("The Incus daemon on the host.");

const Host = z
  .strictObject({
    description: z.string().default("").describe("What this machine is."),
    hardware: Hardware,
    lan: Lan,
    zfs: z
      .strictObject({
        pools: z.record(z.string(), Zpool).describe("ZFS pools by name."),
        autoSnapshot: AutoSnapshot.default({ hourly: 24, daily: 14, weekly: 4, monthly: 6 }),
        scrub: z
          .string()
          .default("monthly")
          .describe('When to scrub every pool (systemd calendar, e.g. "monthly" or "Sun *-*-1..7 03:00").'),
      })
      .describe("ZFS on the host."),
    memoryReserve: Size.default("4GiB").describe(
      "RAM kept for the host itself (ZFS ARC, Incus, NixOS); instances may use the rest.",
    ),
    ssh: z
      .strictObject({
        port: Port.default(22).describe("SSH port (the only port open on the LAN)."),
        permitRootLogin: z
          .enum(["no", "prohibit-password"])
          .default("prohibit-password")
          .describe('Root login: "no", or by key only ("prohibit-password", which nixos-anywhere needs for re-installs).'),
      })
      .default({ port: 22, permitRootLogin: "prohibit-password" })
      .describe("OpenSSH: key-only, always."),
    tailscale: Tailscale.optional(),
    gitops: Gitops.optional(),
    incus: Incus.default({ channel: "lts" }),
    stateVersion: z
      .string()
      .regex(/^[0-9]{2}\.(05|11)$/, { error: 'must be a NixOS release "YY.MM" such as "26.05" (releases are .05 and .11)' })
      .describe("NixOS stateVersion: the release this host was first installed with. Never change it afterwards."),
  })
  .describe("A bare-metal host running NixOS + ZFS + Incus (and nothing else).");

// ---------------------------------------------------------------------------------------------
// Incus objects (created by OpenTofu)

const Network = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) whose Incus creates this bridge."),
    subnet: Cidr4.describe('The bridge subnet, e.g. "10.10.0.0/24".'),
    gateway: Ipv4.optional().describe("The bridge's own address (default: the first address of the subnet)."),
    nat: z.boolean().default(true).describe("Masquerade guest traffic leaving the host."),
    dnsDomain: z
      .string()
      .optional()
      .describe('DNS domain Incus serves for instances on this bridge (default: "<network>.<domain>").'),
    description: z.string().default("").describe("What this network is for."),
  })
  .describe("An Incus managed bridge.");

const StoragePool = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) that owns the pool."),
    zpool: z.string().describe("ZFS pool (key of hosts.<host>.zfs.pools) that backs it; labgen adds an unmounted <zpool>/incus dataset."),
    description: z.string().default("").describe("What lives on this pool."),
  })
  .describe("An Incus storage pool (driver zfs) on a ZFS dataset created by disko.");

const Profile = z
  .strictObject({
    description: z.string().default("").describe("What the profile is for."),
    config: z
      .record(z.string(), z.string())
      .default({})
      .describe('Incus instance options applied by the profile, e.g. { "security.nesting": "true" }.'),
  })
  .describe("An Incus profile.");

const Volume = z
  .strictObject({
    name: name("Volume").describe("Volume name, unique within the instance (Incus name: <instance>-<name>)."),
    size: Size.describe("Quota of the volume."),
    path: AbsPath.describe("Mount path inside the instance."),
    storage: z.string().optional().describe("Storage pool (key of storage); default: the instance's storage."),
  })
  .describe("A custom storage volume for application data: it outlives the instance (prevent_destroy).");

const InstanceNic = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9]{0,14}$/, { error: "NIC names are short interface names such as eth0" }).default("eth0").describe("Interface name inside the instance."),
    network: z.string().describe("Network (key of networks) to attach to."),
    ipv4: Ipv4.optional().describe("Static IPv4; when omitted labgen allocates one and records it in lab.lock.json."),
  })
  .describe("A NIC on an Incus bridge.");

const ExposedPort = z
  .strictObject({
    host: Port.describe("Port on the host's addresses."),
    instance: Port.describe("Port inside the instance."),
    protocol: z.enum(["tcp", "udp"]).default("tcp").describe("Transport protocol."),
  })
  .describe("A port forwarded from the host to the instance (Incus proxy device).");

const Snapshots = z
  .strictObject({
    schedule: z
      .string()
      .regex(/^(@(hourly|daily|weekly|monthly|yearly|annually|midnight)|(\S+\s+){4}\S+)$/, {
        error: 'must be a cron expression ("0 3 * * *") or an alias such as "@daily"',
      })
      .describe('Incus snapshots.schedule: cron or "@daily".'),
    expiry: z
      .string()
      .regex(/^[1-9][0-9]*(M|H|d|w|m|y)$/, { error: 'must be an Incus expiry such as "14d", "8w" or "6m"' })
      .describe('Incus snapshots.expiry: how long a snapshot is kept, e.g. "14d".'),
  })
  .describe("Automatic Incus snapshots of the instance (root disk and volumes).");

const Instance = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) that runs the instance."),
    type: z.enum(["container", "vm"]).default("container").describe("LXC container or KVM virtual machine."),
    image: z
      .string()
      .regex(/^(images|docker|ghcr):[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, {
        error: 'must be <remote>:<image> with remote images (system containers/VMs), docker or ghcr (OCI application containers), e.g. "images:debian/12" or "docker:traefik:v3.7"',
      })
      .describe(
        'Incus image as <remote>:<image>: "images:debian/12", "images:nixos/26.05" (images.linuxcontainers.org) or an OCI application image "docker:traefik:v3.7" / "ghcr:owner/app:tag" (needs Incus ≥ 6.3; incus-lts 7.0 and the feature channel both have it).',
      ),
    description: z.string().default("").describe("What the instance does."),
    cpu: z.number().int().min(1).describe("limits.cpu: number of CPUs."),
    memory: Size.describe('limits.memory, e.g. "2GiB".'),
    rootSize: Size.default("10GiB").describe("Size of the root disk."),
    storage: z.string().describe("Storage pool (key of storage) for the root disk."),
    profiles: z.array(z.string()).default([]).describe("Profiles (keys of profiles) applied in order."),
    nics: z.array(InstanceNic).min(1).describe("Network interfaces; the first one carries the instance's address."),
    serves: z
      .array(Port)
      .default([])
      .describe("Ports the application listens on inside the instance; routes and exposed ports must use one of them."),
    ports: z.array(ExposedPort).default([]).describe("Ports exposed on the host."),
    volumes: z.array(Volume).default([]).describe("Data volumes that outlive the instance."),
    snapshots: Snapshots.optional(),
    autostart: z.boolean().default(true).describe("Start with the host (boot.autostart)."),
    cloudInit: z.string().optional().describe("cloud-init user data (#cloud-config …); needs a /cloud image variant."),
  })
  .describe("An Incus container or VM: where every application runs.");

const Route = z
  .strictObject({
    instance: z.string().describe("Instance (key of instances) that serves the route."),
    port: Port.describe("Port on the instance (one of its `serves`)."),
    hostname: z
      .string()
      .optional()
      .describe("Full hostname; default <route>.<domain>. Must be exactly one label under the domain (the wildcard certificate covers one label)."),
    scheme: z.enum(["http", "https"]).default("http").describe("Protocol Traefik speaks to the backend."),
  })
  .describe("An HTTPS route through Traefik.");

const Ingress = z
  .strictObject({
    instance: z.string().describe("The Traefik instance (key of instances)."),
    allow: z
      .array(Cidr)
      .min(1)
      .describe("Source CIDRs allowed through Traefik (LAN and tailnet); everything else gets 403."),
    routes: z.record(z.string(), Route).describe("Routes by name; the name is the hostname's first label."),
  })
  .describe("Ingress: one Traefik instance, HTTPS only, certificates from the lab CA.");

const Tofu = z
  .strictObject({
    host: z
      .string()
      .optional()
      .describe("Host that runs `tofu apply` (its GitOps agent applies; it reaches its own Incus over the unix socket). Default: the first host by name."),
    stateDir: AbsPath.default("/var/lib/labgen/tofu").describe("Directory ON THE HOST for the OpenTofu state (on the snapshotted labgen state dataset)."),
    passphraseFile: AbsPath.default("/var/lib/labgen/secrets/tofu-state-passphrase").describe(
      "File ON THE HOST with the passphrase for OpenTofu state encryption (never in this repository).",
    ),
  })
  .describe("OpenTofu: where the Incus layer is applied from and where its (encrypted) state lives.");

const Ca = z
  .strictObject({
    organization: z.string().min(1).max(64).default("Homelab").describe("O= of the CA subjects."),
    rootName: z.string().min(1).max(64).default("Homelab Root CA").describe("CN of the root CA."),
    intermediateName: z.string().min(1).max(64).default("Homelab Intermediate CA").describe("CN of the intermediate CA."),
    dir: AbsPath.default("/var/lib/labgen/ca").describe(
      "Directory ON THE HOST where ca.sh keeps keys and certificates (mode 0700; never in this repository).",
    ),
    rootDays: z.number().int().min(1).max(7300).default(3650).describe("Root validity in days."),
    intermediateDays: z.number().int().min(1).max(3650).default(1825).describe("Intermediate validity in days."),
    leafDays: z.number().int().min(1).max(825).default(397).describe("Leaf validity in days (≤ 397 recommended, Apple's hard limit is 825)."),
    renewBeforeDays: z.number().int().min(1).default(30).describe("`ca.sh renew` re-issues when fewer days remain."),
  })
  .describe("The lab's private CA (root + intermediate, name-constrained to the domain).");

const Admin = z
  .strictObject({
    sshKeys: z
      .array(z.string().regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/, { error: "must be an OpenSSH public key line such as \"ssh-ed25519 AAAA… you@laptop\"" }))
      .min(1)
      .describe("Public SSH keys (the only way in: passwords are off)."),
    description: z.string().default("").describe("Who this is."),
  })
  .describe("An administrator: a user on every host, in wheel and incus-admin.");

export const LabSchema = z
  .strictObject({
    name: name("Lab").describe("Name of the lab."),
    domain: z
      .string()
      .describe('Internal DNS domain; the RFC 8375 name "lab.home.arpa" is a good choice. Routes live one label below it.'),
    timezone: z.string().min(1).default("UTC").describe('IANA time zone, e.g. "Europe/Paris".'),
    tailnet: z
      .array(Cidr)
      .default(["100.64.0.0/10", "fd7a:115c:a1e0::/48"])
      .describe("Tailscale address ranges (CGNAT and ULA); allowed through ingress and never used by bridges."),
    admins: z.record(z.string(), Admin).describe("Administrators by user name."),
    hosts: z.record(z.string(), Host).describe("Bare-metal hosts by name."),
    networks: z.record(z.string(), Network).default({}).describe("Incus bridges by name."),
    storage: z.record(z.string(), StoragePool).default({}).describe("Incus storage pools by name."),
    profiles: z.record(z.string(), Profile).default({}).describe("Incus profiles by name."),
    instances: z.record(z.string(), Instance).default({}).describe("Incus instances by name."),
    ingress: Ingress.optional(),
    tofu: Tofu.default({ stateDir: "/var/lib/labgen/tofu", passphraseFile: "/var/lib/labgen/secrets/tofu-state-passphrase" }),
    ca: Ca.default({
      organization: "Homelab",
      rootName: "Homelab Root CA",
      intermediateName: "Homelab Intermediate CA",
      dir: "/var/lib/labgen/ca",
      rootDays: 3650,
      intermediateDays: 1825,
      leafDays: 397,
      renewBeforeDays: 30,
    }),
  })
  .describe("A labgen lab: everything the lab runs on, in one file.");

/** What the user writes (defaults optional). */
export type LabInput = z.input<typeof LabSchema>;
/** What the schema yields (defaults applied). */
export type LabConfig = z.output<typeof LabSchema>;
export type HostConfig = LabConfig["hosts"][string];
export type InstanceConfig = LabConfig["instances"][string];
