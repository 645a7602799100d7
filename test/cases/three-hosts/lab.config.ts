// Three hosts, one bridge each: alpha applies OpenTofu and reaches the Incus API of beta and
// gamma over the tailnet. alpha boots from an NVMe mirror; beta has an 8-disk data pool of two
// raidz2 vdevs; gamma boots from one SSD and keeps a 2-disk stripe for scratch data.
import { defineLab } from "labgen";

const alice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop";
const bob = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBb0bKeyForTheThreeHostsLabAAAAAAAAAAAAAAAAA bob@desk";
const githubHostKey = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

const nvme = (serial: string) => `/dev/disk/by-id/nvme-Samsung_SSD_990_PRO_2TB_${serial}`;
const hdd = (n: number) => `/dev/disk/by-id/ata-ST12000VN0008-2YS101_ZRT0B00${n}`;
const ssd = (serial: string) => `/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_${serial}`;

export default defineLab({
  name: "rack",
  domain: "rack.home.arpa",
  timezone: "UTC",

  admins: {
    alice: { description: "Lab owner", sshKeys: [alice] },
    bob: { description: "Second admin", sshKeys: [bob] },
  },

  hosts: {
    alpha: {
      description: "Applies OpenTofu; boots from an NVMe mirror",
      hardware: {
        cpu: { cores: 8, threads: 16 },
        memory: "64GiB",
        disks: [
          { id: nvme("S6B0NX0T100001A"), size: "2TB", kind: "nvme" },
          { id: nvme("S6B0NX0T100002B"), size: "2TB", kind: "nvme" },
        ],
        nics: [{ name: "enp3s0", speed: "10GbE" }],
      },
      lan: { mode: "static", interface: "enp3s0", address: "192.168.20.11/24", gateway: "192.168.20.1", nameservers: ["192.168.20.1", "1.1.1.1"] },
      zfs: {
        pools: {
          rpool: { boot: true, vdevs: [{ topology: "mirror", disks: [nvme("S6B0NX0T100001A"), nvme("S6B0NX0T100002B")] }] },
        },
        scrub: "Sun *-*-1..7 03:00",
      },
      ssh: { port: 2200, permitRootLogin: "prohibit-password" },
      tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key" },
      gitops: {
        repository: "git@github.com:alice/rack.git",
        deployKeyFile: "/var/lib/labgen/secrets/deploy-key",
        knownHosts: [githubHostKey],
        interval: "10min",
      },
      stateVersion: "26.05",
    },
    beta: {
      description: "Storage: two raidz2 vdevs of four HDDs",
      hardware: {
        cpu: { cores: 4, threads: 8 },
        memory: "32GiB",
        disks: [
          { id: ssd("S6PNNS0T200001A"), size: "1TB", kind: "ssd" },
          ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ id: hdd(n), size: "12TB", kind: "hdd" as const })),
        ],
        nics: [{ name: "eno1" }],
      },
      lan: { mode: "static", interface: "eno1", address: "192.168.20.12/24", gateway: "192.168.20.1", nameservers: ["192.168.20.1"] },
      zfs: {
        pools: {
          rpool: { boot: true, vdevs: [{ topology: "stripe", disks: [ssd("S6PNNS0T200001A")] }] },
          tank: {
            vdevs: [
              { topology: "raidz2", disks: [hdd(1), hdd(2), hdd(3), hdd(4)] },
              { topology: "raidz2", disks: [hdd(5), hdd(6), hdd(7), hdd(8)] },
            ],
            datasets: {
              media: { mountpoint: "/srv/media", recordsize: "1M" },
              archive: { quota: "2TiB" },
            },
            reserve: "100GiB",
          },
        },
        autoSnapshot: { hourly: 0, daily: 7, weekly: 8, monthly: 12 },
      },
      tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key", exposeIncusApi: true },
      gitops: {
        repository: "git@github.com:alice/rack.git",
        deployKeyFile: "/var/lib/labgen/secrets/deploy-key",
        knownHosts: [githubHostKey],
      },
      incus: { channel: "feature" },
      // hosts/beta/extra.nix: a kernel parameter, a udev rule and SMART monitoring for its HDDs.
      extraModule: true,
      stateVersion: "26.05",
    },
    gamma: {
      description: "Game and scratch box: one SSD to boot, two HDDs striped",
      hardware: {
        cpu: { cores: 6, threads: 12 },
        memory: "32GiB",
        disks: [
          { id: ssd("S6PNNS0T300001C"), size: "1TB", kind: "ssd" },
          { id: hdd(9), size: "12TB", kind: "hdd" },
          { id: "/dev/disk/by-id/ata-ST12000VN0008-2YS101_ZRT0B010", size: "12TB", kind: "hdd" },
        ],
        nics: [{ name: "enp1s0" }, { name: "enp2s0" }],
      },
      lan: { mode: "static", interface: "enp2s0", address: "192.168.20.13/24", gateway: "192.168.20.1", nameservers: ["192.168.20.1"] },
      zfs: {
        pools: {
          rpool: { boot: true, vdevs: [{ topology: "stripe", disks: [ssd("S6PNNS0T300001C")] }] },
          scratch: {
            vdevs: [{ topology: "stripe", disks: [hdd(9), "/dev/disk/by-id/ata-ST12000VN0008-2YS101_ZRT0B010"] }],
          },
        },
      },
      tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key", advertiseGuestNetworks: false, exposeIncusApi: true },
      stateVersion: "26.05",
    },
  },

  networks: {
    "net-a": { host: "alpha", subnet: "10.20.0.0/24", description: "alpha's guests" },
    "net-b": { host: "beta", subnet: "10.21.0.0/24", description: "beta's guests" },
    "net-c": { host: "gamma", subnet: "10.22.0.0/24", nat: true, description: "gamma's guests" },
  },

  storage: {
    fast: { host: "alpha", zpool: "rpool", description: "NVMe mirror" },
    bulk: { host: "beta", zpool: "tank", description: "raidz2 HDDs" },
    scratch: { host: "gamma", zpool: "scratch", description: "Striped HDDs: no redundancy" },
  },

  profiles: {
    base: { description: "Defaults", config: { "boot.autostart.delay": "3" } },
  },

  instances: {
    traefik: {
      host: "alpha",
      image: "docker:traefik:v3.7",
      description: "Reverse proxy",
      cpu: 1,
      memory: "512MiB",
      storage: "fast",
      profiles: ["base"],
      nics: [{ network: "net-a", ipv4: "10.20.0.10" }],
      serves: [80, 443],
      ports: [
        { host: 80, instance: 80 },
        { host: 443, instance: 443 },
      ],
    },
    forgejo: {
      host: "alpha",
      image: "images:debian/12",
      description: "Git forge",
      cpu: 2,
      memory: "2GiB",
      storage: "fast",
      profiles: ["base"],
      nics: [{ network: "net-a" }],
      serves: [3000, 22],
      ports: [{ host: 22, instance: 22 }],
    },
    files: {
      host: "beta",
      image: "images:debian/12",
      description: "File server",
      cpu: 2,
      memory: "4GiB",
      storage: "bulk",
      nics: [{ network: "net-b" }],
      serves: [445],
      ports: [{ host: 445, instance: 445 }],
      volumes: [{ name: "share", size: "4TiB", path: "/srv/share" }],
      snapshots: { schedule: "@daily", expiry: "30d" },
    },
    game: {
      host: "gamma",
      type: "vm",
      image: "images:debian/12/cloud",
      description: "Game server (UDP and TCP on the same port)",
      cpu: 4,
      memory: "8GiB",
      rootSize: "64GiB",
      storage: "scratch",
      nics: [{ network: "net-c", ipv4: "10.22.0.20" }],
      serves: [27015],
      ports: [
        { host: 27015, instance: 27015, protocol: "udp" },
        { host: 27015, instance: 27015 },
      ],
    },
  },

  ingress: {
    instance: "traefik",
    allow: ["192.168.20.0/24", "100.64.0.0/10"],
    routes: {
      git: { instance: "forgejo", port: 3000 },
    },
  },

  tofu: { host: "alpha" },
});
