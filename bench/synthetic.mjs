// Synthetic labs for the bench (and for profiling): 100 instances per host.
/** A synthetic lab: 100 instances per host, one /24 bridge per host, routes on the first host. */
export function syntheticLab(instances) {
  const perHost = 100;
  const hostCount = Math.max(1, Math.ceil(instances / perHost));
  const hosts = {};
  const networks = {};
  const storage = {};
  for (let h = 0; h < hostCount; h++) {
    const disk = (n) => `/dev/disk/by-id/nvme-BENCH_${h}_${n}`;
    hosts[`host${h}`] = {
      hardware: {
        cpu: { cores: 64, threads: 128 },
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
    networks[`br${h}`] = { host: `host${h}`, subnet: `10.${Math.floor(h / 256)}.${h % 256}.0/24` };
    storage[`s${h}`] = { host: `host${h}`, zpool: "rpool" };
  }
  const inst = {};
  for (let i = 0; i < instances; i++) {
    const h = Math.floor(i / perHost);
    inst[`app${i}`] = {
      host: `host${h}`,
      image: "images:debian/12",
      cpu: 1,
      memory: "1GiB",
      storage: `s${h}`,
      nics: [{ network: `br${h}` }],
      serves: [8080],
      volumes: i % 4 === 0 ? [{ name: "data", size: "10GiB", path: "/srv/data" }] : [],
      snapshots: i % 2 === 0 ? { schedule: "@daily", expiry: "7d" } : undefined,
    };
  }
  inst.app0 = { ...inst.app0, serves: [80, 443], ports: [{ host: 80, instance: 80 }, { host: 443, instance: 443 }] };
  const routes = {};
  for (let i = 1; i < Math.min(instances, perHost); i++) routes[`r${i}`] = { instance: `app${i}`, port: 8080 };
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

