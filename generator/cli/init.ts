// `labgen init`: a small, valid starting point (one host, one bridge, one container).
export function starterConfig(): string {
  return `import { defineLab } from "labgen";

export default defineLab({
  name: "homelab",
  domain: "lab.home.arpa",
  timezone: "UTC",
  admins: {
    me: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReplaceWithYourOwnPublicKey me@laptop"] },
  },
  hosts: {
    server: {
      hardware: {
        cpu: { cores: 4, threads: 8 },
        memory: "16GiB",
        disks: [{ id: "/dev/disk/by-id/nvme-REPLACE_ME", size: "1TB", kind: "nvme" }],
        nics: [{ name: "enp1s0" }],
      },
      lan: { mode: "dhcp", interface: "enp1s0" },
      zfs: { pools: { rpool: { boot: true, vdevs: [{ topology: "stripe", disks: ["/dev/disk/by-id/nvme-REPLACE_ME"] }] } } },
      stateVersion: "26.05",
    },
  },
  networks: { lab0: { host: "server", subnet: "10.10.0.0/24" } },
  storage: { default: { host: "server", zpool: "rpool" } },
  instances: {
    hello: { host: "server", image: "images:debian/12", cpu: 1, memory: "1GiB", storage: "default", nics: [{ network: "lab0" }] },
  },
});
`;
}
