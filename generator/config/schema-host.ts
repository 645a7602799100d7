// The config schema of a host (the NixOS foundation): hardware, ZFS, LAN, Tailscale, GitOps, Incus.
import { z } from "zod";
import { branchProblem, knownHostsProblem } from "../shared/text.ts";
import { name, Size, Ipv4, Cidr4, Port, AbsPath, checked } from "./schema-base.ts";

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

export const Tailscale = z
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
      .regex(/^(ssh:\/\/[^\s]+|[A-Za-z0-9._][A-Za-z0-9._-]*@[A-Za-z0-9.-]+:[^\s]+)$/, {
        error: 'must be an SSH git URL such as "git@github.com:me/lab.git" (the deploy key authenticates over SSH)',
      })
      .describe("The lab's git repository (SSH URL) that the host pulls."),
    branch: checked(branchProblem).default("main").describe("Branch to deploy (a git branch name: no spaces, no '..')."),
    deployKeyFile: AbsPath.describe("Path ON THE HOST of the read-only deploy key (never in this repository)."),
    knownHosts: z
      .array(checked(knownHostsProblem))
      .min(1)
      .describe('Pinned host keys of the git server, known_hosts lines such as "github.com ssh-ed25519 AAAA…" (no trust on first use).'),
    interval: z
      .string()
      .regex(/^[1-9][0-9]*(s|min|h)$/, { error: 'must be a systemd time span such as "5min" or "1h"' })
      .default("5min")
      .describe("How often the host polls the repository."),
    allowedSigners: z
      .array(checked((s) => (s.trim() === "" ? "must not be empty" : null)))
      .default([])
      .describe("If non-empty, only deploy commits signed by one of these SSH public keys (git allowed_signers lines)."),
    keepSnapshots: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        "How many labgen snapshot sets to keep for rollback: Incus-native snapshots of every instance and volume plus ZFS snapshots of the Incus database and the OpenTofu state, taken before each deploy.",
      ),
    onFailure: z
      .array(z.string().regex(/^[A-Za-z0-9:_.@%\\-]+\.(service|target)$/, { error: 'must be a systemd unit name such as "notify-admin@%n.service"' }))
      .default([])
      .describe(
        "systemd units started when a deploy fails or is refused (OnFailure= of labgen-gitops.service), e.g. a notifier you define in hosts/<host>/extra.nix.",
      ),
  })
  .describe("Pull-based GitOps: the host fetches the repository, rebuilds itself and applies OpenTofu.");

export const Incus = z
  .strictObject({
    channel: z
      .enum(["lts", "feature"])
      .default("lts")
      .describe(
        "lts: pkgs.incus-lts (stable, security fixes only: the right choice for a foundation you want to forget). feature: pkgs.incus (monthly releases).",
      ),
  })
  .describe("The Incus daemon on the host.");

export const Host = z
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
    extraModule: z
      .boolean()
      .default(false)
      .describe(
        "Import your own NixOS module hosts/<host>/extra.nix (next to lab.config.ts) into this host's configuration.nix, for host settings labgen does not model (a kernel parameter, a udev rule, a hardware quirk). The file is yours, never generated; `labgen check` parses it and refuses application services in it, as in this config.",
      ),
    stateVersion: z
      .string()
      .regex(/^[0-9]{2}\.(05|11)$/, { error: 'must be a NixOS release "YY.MM" such as "26.05" (releases are .05 and .11)' })
      .describe("NixOS stateVersion: the release this host was first installed with. Never change it afterwards."),
  })
  .describe("A bare-metal host running NixOS + ZFS + Incus (and nothing else).");
