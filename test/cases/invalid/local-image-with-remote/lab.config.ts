// A local image is named by its alias alone: the provider reads "local:nas:web" as remote "nas", image "web:…".
import { defineLab } from "labgen";

export default defineLab({
  name: "homelab",
  domain: "lab.home.arpa",
  admins: {
    alice: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop"] },
  },
  hosts: {
    nas: {
      hardware: {
        cpu: { cores: 4, threads: 8 },
        memory: "16GiB",
        disks: [
          { id: "/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100001A", size: "1TB", kind: "nvme" },
        ],
        nics: [{ name: "enp1s0" }],
      },
      lan: { mode: "static", interface: "enp1s0", address: "192.168.1.10/24", gateway: "192.168.1.1", nameservers: ["192.168.1.1"] },
      zfs: {
        pools: {
          rpool: {
            boot: true,
            vdevs: [{ topology: "stripe", disks: ["/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T100001A"] }],
          },
        },
      },
      stateVersion: "26.05",
    },
  },
  networks: {
    lab0: { host: "nas", subnet: "10.10.0.0/24" },
  },
  storage: {
    fast: { host: "nas", zpool: "rpool" },
  },
  instances: {
    web: {
      host: "nas",
      image: "local:nas:web",
      cpu: 1,
      memory: "1GiB",
      storage: "fast",
      nics: [{ network: "lab0" }],
      serves: [80],
    },
    traefik: {
      host: "nas",
      image: "docker:traefik:v3.7",
      cpu: 1,
      memory: "512MiB",
      storage: "fast",
      nics: [{ network: "lab0", ipv4: "10.10.0.10" }],
      serves: [80, 443],
      ports: [
        { host: 80, instance: 80 },
        { host: 443, instance: 443 },
      ],
    },
  },
  ingress: {
    instance: "traefik",
    allow: ["192.168.1.0/24", "100.64.0.0/10"],
    routes: {
      web: { instance: "web", port: 80 },
    },
  },
});
