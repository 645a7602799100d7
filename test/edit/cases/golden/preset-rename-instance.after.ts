// A lab made of presets, shaped like the reference lab: instances come from `...lab.instances`.
import { defineLab } from "labgen";
import { apps, grafana, jellyfin, traefik } from "./apps.ts";

// Where every app runs.
const on = { host: "box", network: "guests", storage: "ssd", profiles: ["base"] };

const lab = apps(
  traefik({ ...on, ipv4: "10.20.0.10" }),
  jellyfin({ ...on, mediaSize: "4TiB", snapshots: { schedule: "@weekly", expiry: "4w" } }),
  grafana({ ...on, snapshots: { schedule: "@daily", expiry: "7d" }, name: "metrics" }),
);

export default defineLab({
  name: "presets",
  domain: "p.home.arpa",

  admins: {
    dana: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDhcpN0Ta1lsca1eCaseKeyAAAAAAAAAAAAAAAAAAAAA dana@laptop"] },
  },

  hosts: {
    box: {
      hardware: {
        cpu: { cores: 4, threads: 8 },
        memory: "32GiB",
        disks: [{ id: "/dev/disk/by-id/nvme-EXAMPLE_1TB_0001", size: "1TB", kind: "nvme" }],
        nics: [{ name: "eno1" }],
      },
      lan: { mode: "static", interface: "eno1", address: "192.168.1.20/24", gateway: "192.168.1.1", nameservers: ["192.168.1.1"] },
      zfs: {
        pools: {
          rpool: { boot: true, vdevs: [{ topology: "stripe", disks: ["/dev/disk/by-id/nvme-EXAMPLE_1TB_0001"] }] },
        },
      },
      stateVersion: "26.05",
    },
  },

  networks: { guests: { host: "box", subnet: "10.20.0.0/24" } },
  storage: { ssd: { host: "box", zpool: "rpool" } },
  profiles: { base: { config: { "boot.autostart.delay": "5" } } },

  instances: {
    ...lab.instances,
    notes: {
      host: "box",
      image: "images:debian/12",
      cpu: 1,
      memory: "1GiB",
      storage: "ssd",
      nics: [{ network: "guests" }],
      serves: [8080],
    },
  },

  ingress: {
    instance: "traefik",
    allow: ["192.168.0.0/16"],
    routes: {
      media: { instance: "jellyfin", port: 8096 },
      grafana: { instance: "metrics", port: 3000 },
      notes: { instance: "notes", port: 8080 },
    },
  },
});
