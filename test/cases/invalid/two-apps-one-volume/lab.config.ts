// Two apps claim the same data path on one volume: both mount Jellyfin's media/music read-write.
import { defineLab } from "labgen";
import { apps, jellyfin, navidrome, traefik } from "labgen/apps";

const on = { host: "nas", network: "lab0", storage: "fast" };
const share = { instance: "jellyfin", volume: "media", subPath: "music" };
const a = navidrome({ ...on, url: "https://music.lab.home.arpa", musicShare: share });
const b = navidrome({ ...on, name: "music2", url: "https://music2.lab.home.arpa", musicShare: share });
// Both made writable after the call.
for (const app of [a, b]) for (const i of Object.values(app.instances)) for (const v of i.volumes ?? []) if (v.share) v.share.readonly = false;
const lab = apps(traefik({ ...on, ipv4: "10.10.0.10" }), jellyfin({ ...on, url: "https://media.lab.home.arpa" }), a, b);

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
  instances: lab.instances,
  ingress: {
    instance: "traefik",
    allow: ["192.168.1.0/24", "100.64.0.0/10"],
    routes: {
      media: { instance: "jellyfin", port: 8096 },
    },
  },
});
