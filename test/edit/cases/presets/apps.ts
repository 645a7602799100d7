// Presets in the style of labgen/apps (plain functions returning instances by name), so the edit
// engine's preset support is tested on the shape the reference lab uses.
interface Options {
  readonly name?: string;
  readonly host: string;
  readonly network: string;
  readonly storage: string;
  readonly dataStorage?: string;
  readonly cpu?: number;
  readonly memory?: string;
  readonly ipv4?: string;
  readonly profiles?: readonly string[];
  readonly description?: string;
  readonly snapshots?: { readonly schedule: string; readonly expiry: string };
}
type Instances = Record<string, Record<string, unknown>>;

function base(o: Options, image: string, d: { cpu: number; memory: string; description: string }) {
  return {
    host: o.host,
    image,
    description: o.description ?? d.description,
    cpu: o.cpu ?? d.cpu,
    memory: o.memory ?? d.memory,
    storage: o.storage,
    profiles: [...(o.profiles ?? [])],
    nics: [{ network: o.network, ...(o.ipv4 ? { ipv4: o.ipv4 } : {}) }],
    ...(o.snapshots ? { snapshots: { ...o.snapshots } } : {}),
  };
}

export function apps(...list: { instances: Instances }[]): { instances: Instances } {
  return { instances: Object.assign({}, ...list.map((a) => a.instances)) };
}

export function traefik(o: Options) {
  const i = base(o, "docker:traefik:v3.7", { cpu: 1, memory: "512MiB", description: "Traefik" });
  return { instances: { [o.name ?? "traefik"]: { ...i, serves: [80, 443], ports: [{ host: 80, instance: 80 }, { host: 443, instance: 443 }] } } };
}

export function grafana(o: Options) {
  return { instances: { [o.name ?? "grafana"]: { ...base(o, "images:debian/12", { cpu: 1, memory: "1GiB", description: "Grafana" }), serves: [3000] } } };
}

export function jellyfin(o: Options & { readonly mediaSize?: string }) {
  const i = base(o, "images:debian/12", { cpu: 4, memory: "4GiB", description: "Jellyfin" });
  const volumes = [{ name: "media", size: o.mediaSize ?? "1TiB", path: "/srv/media", storage: o.dataStorage ?? o.storage }];
  return { instances: { [o.name ?? "jellyfin"]: { ...i, serves: [8096], volumes } } };
}
