// Synthetic labs for the bench (and for profiling). The shapes cover what users do:
//   dhcp     100 instances per host, one /24 bridge per host, addresses allocated in lab.lock.json
//   static   the same, every NIC with a static ipv4 in the config
//   one-host every instance on one host and one /16 bridge (the widest scans per host)
// Every lab has many routes (one per 10 instances on the ingress host's bridge, up to 99), many
// volumes (one instance in four has a data volume) and snapshots on half of the instances.

const PER_HOST = 100;

/** @param {number} instances @param {"dhcp"|"static"|"one-host"} shape */
export function syntheticLab(instances, shape = "dhcp") {
  const perHost = shape === "one-host" ? Math.max(instances, 1) : PER_HOST;
  const hostCount = Math.max(1, Math.ceil(instances / perHost));
  const hosts = {};
  const networks = {};
  const storage = {};
  for (let h = 0; h < hostCount; h++) {
    const disk = (n) => `/dev/disk/by-id/nvme-BENCH_${h}_${n}`;
    hosts[`host${h}`] = {
      hardware: {
        // Enough threads for one per guest: a warning would make the run parse the config again
        // to locate it (measured separately), which is not what a clean lab pays.
        cpu: { cores: 64, threads: Math.max(128, perHost) },
        memory: "1TiB",
        disks: [
          { id: disk(0), size: "2TB", kind: "nvme" },
          { id: disk(1), size: "2TB", kind: "nvme" },
        ],
        nics: [{ name: "enp1s0" }],
      },
      lan: { mode: "static", interface: "enp1s0", address: `172.16.${Math.floor(h / 250)}.${(h % 250) + 2}/16`, gateway: "172.16.0.1", nameservers: ["172.16.0.1"] },
      zfs: { pools: { rpool: { boot: true, vdevs: [{ topology: "mirror", disks: [disk(0), disk(1)] }] } } },
      // host0 applies OpenTofu; it reaches the other hosts' Incus over the tailnet.
      tailscale: { authKeyFile: "/var/lib/labgen/secrets/ts.key", exposeIncusApi: h > 0 },
      stateVersion: "26.05",
    };
    networks[`br${h}`] = { host: `host${h}`, subnet: shape === "one-host" ? "10.128.0.0/16" : `10.${Math.floor(h / 256)}.${h % 256}.0/24` };
    storage[`s${h}`] = { host: `host${h}`, zpool: "rpool" };
  }
  const inst = {};
  for (let i = 0; i < instances; i++) {
    const h = Math.floor(i / perHost);
    const k = i % perHost;
    const nic = { network: `br${h}` };
    if (shape === "static") nic.ipv4 = `10.${Math.floor(h / 256)}.${h % 256}.${10 + k}`;
    inst[`app${i}`] = {
      host: `host${h}`,
      image: "images:debian/12",
      cpu: 1,
      // One host holds them all: small guests, or the memory-capacity rule (rightly) refuses.
      memory: shape === "one-host" ? "64MiB" : "1GiB",
      storage: `s${h}`,
      nics: [nic],
      serves: [8080],
      volumes: i % 4 === 0 ? [{ name: "data", size: "10GiB", path: "/srv/data" }] : [],
      snapshots: i % 2 === 0 ? { schedule: "@daily", expiry: "7d" } : undefined,
    };
  }
  // The ingress runs Traefik v3 (rule ingress-traefik).
  inst.app0 = { ...inst.app0, image: "docker:traefik:v3.7", serves: [80, 443], ports: [{ host: 80, instance: 80 }, { host: 443, instance: 443 }] };
  const routes = {};
  for (let i = 1; i < Math.min(instances, perHost); i++) if (i % 10 === 1 || instances <= 100) routes[`r${i}`] = { instance: `app${i}`, port: 8080 };
  return {
    name: "bench",
    domain: "lab.home.arpa",
    admins: { admin: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench admin"] } },
    hosts,
    networks,
    storage,
    instances: inst,
    ingress: instances > 1 ? { instance: "app0", allow: ["192.168.0.0/16"], routes } : undefined,
  };
}
