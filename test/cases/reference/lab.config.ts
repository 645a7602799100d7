// The reference lab: one NAS running NixOS + ZFS + Incus, every application in an instance.
// `npx labgen generate` (or `nix run .#generate`) turns this file into out/.
import { defineLab } from "labgen";
import { apps, forgejo, grafana, homeassistant, jellyfin, nextcloud, traefik, vaultwarden } from "labgen/apps";

const domain = "lab.home.arpa";
const url = (route: string) => `https://${route}.${domain}`;
// Where every app runs: the NAS, the guest bridge, root disks on NVMe, data on the HDD pool.
const on = { host: "nas", network: "lab0", storage: "fast", dataStorage: "bulk", profiles: ["base"] };
// Traefik's address: the apps that check forwarded headers trust it and nothing else.
const proxy = "10.10.0.10";

const lab = apps(
  traefik({ ...on, ipv4: proxy }),
  forgejo({ ...on, url: url("git"), snapshots: { schedule: "@daily", expiry: "14d" } }),
  jellyfin({ ...on, url: url("media"), mediaSize: "4TiB", snapshots: { schedule: "@weekly", expiry: "4w" } }),
  grafana({ ...on, url: url("grafana"), snapshots: { schedule: "@daily", expiry: "7d" } }),
  homeassistant({ ...on, url: url("ha"), ipv4: "10.10.0.20", trustedProxies: [proxy], timezone: "Europe/Paris", snapshots: { schedule: "0 4 * * *", expiry: "7d" } }),
  vaultwarden({ ...on, url: url("vault"), snapshots: { schedule: "@daily", expiry: "30d" } }),
  nextcloud({ ...on, url: url("cloud"), trustedProxies: [proxy], snapshots: { schedule: "@daily", expiry: "14d" } }),
);

export default defineLab({
  name: "homelab",
  domain,
  timezone: "Europe/Paris",

  admins: {
    alice: {
      description: "Lab owner",
      sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop"],
    },
  },

  hosts: {
    nas: {
      description: "WTR PRO-class mini server: 8 cores, 32 GiB, 2 × NVMe + 4 × HDD",
      hardware: {
        cpu: { model: "AMD Ryzen 7 5825U", cores: 8, threads: 16 },
        memory: "32GiB",
        disks: [
          { id: "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100001A", size: "1TB", kind: "nvme" },
          { id: "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100002B", size: "1TB", kind: "nvme" },
          { id: "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA1", size: "8TB", kind: "hdd" },
          { id: "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA2", size: "8TB", kind: "hdd" },
          { id: "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA3", size: "8TB", kind: "hdd" },
          { id: "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA4", size: "8TB", kind: "hdd" },
        ],
        nics: [{ name: "enp2s0", speed: "2.5GbE" }],
      },
      lan: {
        mode: "static",
        interface: "enp2s0",
        address: "192.168.1.10/24",
        gateway: "192.168.1.1",
        nameservers: ["192.168.1.1"],
      },
      zfs: {
        pools: {
          rpool: {
            boot: true,
            vdevs: [
              {
                topology: "mirror",
                disks: [
                  "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100001A",
                  "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100002B",
                ],
              },
            ],
          },
          tank: {
            vdevs: [
              {
                topology: "raidz1",
                disks: [
                  "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA1",
                  "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA2",
                  "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA3",
                  "/dev/disk/by-id/ata-WDC_WD80EFZZ-68BTXN0_WD-CA0AAAA4",
                ],
              },
            ],
            datasets: { backup: { mountpoint: "/srv/backup", recordsize: "1M" } },
          },
        },
      },
      memoryReserve: "6GiB",
      tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key" },
      gitops: {
        repository: "git@github.com:alice/homelab.git",
        deployKeyFile: "/var/lib/labgen/secrets/deploy-key",
        knownHosts: [
          "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        ],
      },
      stateVersion: "26.05",
    },
  },

  networks: {
    lab0: { host: "nas", subnet: "10.10.0.0/24", description: "Guest bridge for every instance" },
  },

  storage: {
    fast: { host: "nas", zpool: "rpool", description: "NVMe mirror: root disks" },
    bulk: { host: "nas", zpool: "tank", description: "HDD raidz1: application data and media" },
  },

  profiles: {
    base: { description: "Defaults for every instance", config: { "boot.autostart.delay": "5" } },
    nesting: { description: "Containers that run their own init or containers", config: { "security.nesting": "true" } },
  },

  // Every routed app is a preset from labgen/apps (see generator/apps/index.ts): pinned OCI images
  // with their data on the HDD pool, secrets generated on the host, health checks for Traefik.
  secrets: lab.secrets,
  instances: {
    ...lab.instances,
    nixbox: {
      host: "nas",
      image: "images:nixos/26.05",
      description: "A NixOS container for experiments (no preset: a plain system container)",
      cpu: 2,
      memory: "2GiB",
      storage: "fast",
      profiles: ["base", "nesting"],
      nics: [{ network: "lab0" }],
      serves: [8080],
    },
  },

  ingress: {
    instance: "traefik",
    allow: ["192.168.1.0/24", "100.64.0.0/10", "fd7a:115c:a1e0::/48"],
    routes: {
      git: { instance: "forgejo", port: 3000 },
      media: { instance: "jellyfin", port: 8096 },
      grafana: { instance: "grafana", port: 3000 },
      ha: { instance: "homeassistant", port: 8123 },
      vault: { instance: "vaultwarden", port: 80 },
      cloud: { instance: "nextcloud", port: 80 },
    },
  },

  ca: {
    organization: "Homelab",
    rootName: "Homelab Root CA",
    intermediateName: "Homelab Intermediate CA",
    dir: "/var/lib/labgen/ca",
  },
});
