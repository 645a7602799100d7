// The smallest host: one SSD (a single-disk stripe boot pool), an address from the LAN's DHCP
// server, no Tailscale, no GitOps (deploys by hand with nixos-rebuild and tofu), root login off.
import { defineLab } from "labgen";

export default defineLab({
  name: "minilab",
  domain: "mini.home.arpa",

  admins: {
    carol: {
      description: "Owner",
      sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDhcpN0Ta1lsca1eCaseKeyAAAAAAAAAAAAAAAAAAAAA carol@laptop"],
    },
  },

  hosts: {
    mini: {
      description: "A mini PC with one SSD",
      hardware: {
        cpu: { cores: 4, threads: 4 },
        memory: "16GiB",
        disks: [{ id: "/dev/disk/by-id/nvme-WD_BLACK_SN770_1TB_23170H800001", size: "1TB", kind: "nvme" }],
        nics: [{ name: "enp1s0" }],
      },
      lan: { mode: "dhcp", interface: "enp1s0", subnet: "192.168.50.0/24" },
      zfs: {
        pools: {
          rpool: {
            boot: true,
            vdevs: [{ topology: "stripe", disks: ["/dev/disk/by-id/nvme-WD_BLACK_SN770_1TB_23170H800001"] }],
            reserve: "5GiB",
          },
        },
      },
      ssh: { permitRootLogin: "no" },
      stateVersion: "26.05",
    },
  },

  networks: {
    br0: { host: "mini", subnet: "10.50.0.0/24", description: "Guests" },
  },

  storage: {
    local: { host: "mini", zpool: "rpool", description: "The SSD" },
  },

  instances: {
    mqtt: {
      host: "mini",
      image: "images:debian/12",
      description: "MQTT broker for the sensors (MQTT over TCP, MQTT-SN over UDP)",
      cpu: 1,
      memory: "512MiB",
      storage: "local",
      nics: [{ network: "br0", ipv4: "10.50.0.53" }],
      serves: [1883],
      ports: [
        { host: 1883, instance: 1883, protocol: "udp" },
        { host: 1883, instance: 1883 },
      ],
    },
    notes: {
      host: "mini",
      image: "images:debian/12",
      description: "Notes app",
      cpu: 1,
      memory: "1GiB",
      storage: "local",
      nics: [{ network: "br0" }],
      serves: [8080],
      ports: [{ host: 8080, instance: 8080 }],
    },
  },
});
