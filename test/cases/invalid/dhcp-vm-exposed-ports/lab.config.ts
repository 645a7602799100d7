// A VM exposes a port on a host whose LAN address comes from DHCP: NAT-mode proxies need a fixed one.
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
      lan: { mode: "dhcp", interface: "enp1s0" },
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
    ha: {
      host: "nas",
      type: "vm",
      image: "images:debian/12/cloud",
      cpu: 2,
      memory: "4GiB",
      storage: "fast",
      nics: [{ network: "lab0", ipv4: "10.10.0.20" }],
      serves: [8123],
      ports: [{ host: 8123, instance: 8123 }],
    },
  },
});
