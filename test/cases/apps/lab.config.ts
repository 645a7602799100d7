// Apps: presets with and without a database, a preset with overrides, a volume shared read-only
// between two apps, and a custom OCI instance (no preset) with a pushed configuration file, a
// provided secret and an entrypoint override.
import { defineLab } from "labgen";
import { apps, grafana, jellyfin, navidrome, nextcloud, traefik, uptimeKuma } from "labgen/apps";

const on = { host: "nas", network: "lab0", storage: "fast" };
const proxy = "10.10.0.10";

// Overrides: options (version, memory, extra environment) and a field changed after the call.
const dashboards = grafana({ ...on, url: "https://grafana.lab.home.arpa", version: "13.2.2", memory: "2GiB", environment: { GF_USERS_ALLOW_SIGN_UP: "false" } });
dashboards.instances.grafana.description = "Grafana, pinned one release back";

const lab = apps(
  traefik({ ...on, ipv4: proxy }),
  dashboards,
  jellyfin({ ...on, url: "https://media.lab.home.arpa", mediaSize: "500GiB" }),
  // Navidrome reads the music folder of Jellyfin's media volume, read-only.
  navidrome({ ...on, url: "https://music.lab.home.arpa", musicShare: { instance: "jellyfin", volume: "media", subPath: "music" } }),
  uptimeKuma({ ...on, name: "status", url: "https://status.lab.home.arpa" }),
  nextcloud({ ...on, url: "https://cloud.lab.home.arpa", trustedProxies: [proxy], db: { memory: "512MiB" } }),
);

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
  secrets: {
    ...lab.secrets,
    // A hashed mosquitto password file you create on the host (mosquitto_passwd).
    "mqtt-passwd": { kind: "file", path: "/var/lib/labgen/secrets/mqtt-passwd" },
  },
  instances: {
    ...lab.instances,
    // A custom OCI instance: eclipse/mosquitto docker/2.0-openssl/Dockerfile (EXPOSE 1883,
    // VOLUME /mosquitto/data, user mosquitto 1883:1883); docker-library/official-images
    // library/eclipse-mosquitto has the 2.0.22 tag.
    mqtt: {
      host: "nas",
      image: "docker:eclipse-mosquitto:2.0.22",
      description: "MQTT broker",
      cpu: 1,
      memory: "256MiB",
      storage: "fast",
      nics: [{ network: "lab0" }],
      serves: [1883],
      ports: [{ host: 1883, instance: 1883 }],
      volumes: [{ name: "data", size: "1GiB", path: "/mosquitto/data" }],
      environment: { TZ: "Europe/Paris" },
      secrets: ["mqtt-passwd"],
      secretOwner: { uid: 1883, gid: 1883 },
      files: [
        {
          path: "/mosquitto/config/mosquitto.conf",
          content: "listener 1883\npersistence true\npersistence_location /mosquitto/data/\npassword_file /secrets/mqtt-passwd\n",
        },
      ],
      oci: { entrypoint: "/usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf", uid: 1883, gid: 1883 },
    },
  },
  ingress: {
    instance: "traefik",
    allow: ["192.168.1.0/24", "100.64.0.0/10"],
    routes: {
      grafana: { instance: "grafana", port: 3000 },
      media: { instance: "jellyfin", port: 8096 },
      music: { instance: "navidrome", port: 4533 },
      status: { instance: "status", port: 3001 },
      cloud: { instance: "nextcloud", port: 80 },
    },
  },
});
