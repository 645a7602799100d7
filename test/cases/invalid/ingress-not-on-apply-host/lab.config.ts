// Traefik runs on a second host, but OpenTofu applies from the first and reads the CA files there.
import { defineLab } from "labgen";

const disk = (n: number) => `/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNX0T10000${n}X`;
const host = (n: number) => ({
  hardware: {
    cpu: { cores: 4, threads: 8 },
    memory: "16GiB",
    disks: [{ id: disk(n), size: "1TB", kind: "nvme" as const }],
    nics: [{ name: "enp1s0" }],
  },
  lan: { mode: "static" as const, interface: "enp1s0", address: `192.168.1.${10 + n}/24`, gateway: "192.168.1.1", nameservers: ["192.168.1.1"] },
  zfs: { pools: { rpool: { boot: true, vdevs: [{ topology: "stripe" as const, disks: [disk(n)] }] } } },
  tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key", exposeIncusApi: true },
  stateVersion: "26.05",
});

export default defineLab({
  name: "homelab",
  domain: "lab.home.arpa",
  admins: {
    alice: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop"] },
  },
  hosts: { alpha: host(1), beta: host(2) },
  networks: { lab1: { host: "beta", subnet: "10.20.0.0/24" } },
  storage: { beta: { host: "beta", zpool: "rpool" } },
  instances: {
    traefik: {
      host: "beta",
      image: "docker:traefik:v3.7",
      cpu: 1,
      memory: "512MiB",
      storage: "beta",
      nics: [{ network: "lab1", ipv4: "10.20.0.10" }],
      serves: [80, 443],
      ports: [
        { host: 80, instance: 80 },
        { host: 443, instance: 443 },
      ],
    },
    wiki: { host: "beta", image: "images:debian/12", cpu: 1, memory: "1GiB", storage: "beta", nics: [{ network: "lab1" }], serves: [8080] },
  },
  ingress: {
    instance: "traefik",
    allow: ["192.168.1.0/24"],
    routes: { wiki: { instance: "wiki", port: 8080 } },
  },
});
