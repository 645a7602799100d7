// A lab written the way people write: comments everywhere, a helper, a spread, odd spacing.
// The edit engine's goldens start from this file; every edit must keep all of this as it is.
import { defineLab } from "labgen";
import { BASE_CONFIG } from "./shared.ts";

const web = (port: number) => ({ port }); // a helper: its calls are computed values

export default defineLab({
  name: "commented",
  domain: "c.home.arpa",

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

  networks: {
    // The one bridge.
    guests: { host: "box", subnet: "10.20.0.0/24" },
  },

  storage: {
    ssd: { host: "box", zpool: "rpool" }, // root disks and data
  },

  profiles: {
    base: { config: { "boot.autostart.delay": "5" } },
    shared: { config: BASE_CONFIG }, // imported: computed
  },

  instances: {
    // Traefik: the way in.
    proxy: {
      host: "box",
      image: "docker:traefik:v3.7",
      cpu: 1,
      memory: "512MiB", // small is enough
      storage: "ssd",
      profiles: ["base"],
      nics: [{ network: "guests", ipv4: "10.20.0.10" }],
      serves: [80, 443],
      ports: [
        { host: 80, instance: 80 },
        { host: 443, instance: 443 }, // https
      ],
    },
    /* The wiki keeps its pages on a volume. */
    wiki: {
      host: "box",
      image: "images:debian/12",
      cpu: 2,
      memory: "2GiB",
      storage: "ssd",
      profiles: ["base"],
      nics: [{ network: "guests" }],
      serves: [3000],
      volumes: [{ name: "pages", size: "20GiB", path: "/srv/pages" }],
    },
    // Metrics, for now on the default root size.
    // (A second comment line that belongs to it.)
    metrics: {
      host: "box",
      image: "images:debian/12",
      cpu: 1,
      memory: "1GiB",
      storage: "ssd",
      nics: [{ network: "guests" }],
      serves: [9090, 3000] // no trailing comma here
    },
  },

  ingress: {
    instance: "proxy",
    allow: ["192.168.0.0/16"],
    routes: {
      wiki: { instance: "wiki", port: 3000 },
      metrics: { instance: "metrics", ...web(9090) },
      grafana: { instance: "metrics", port: 3000 },
    },
  },
});
