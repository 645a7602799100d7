// App presets: plain functions that return ordinary lab.config.ts entries (instances and the
// secrets they read). Nothing here is special to the generator: validation, lab.json, explain and
// the docs see a preset's instance exactly as if it had been written by hand. Inspect one
// (`console.log(forgejo({...}))`), override fields after the call, or copy a function as the
// start of your own.
//
// Every fact about an image (registry and repository, port, data path, user, variables, health
// path) names the upstream file it was read from. Versions: ./versions.ts.
import { stringify } from "yaml";
import type { InstanceInput, SecretInput } from "../config/schema.ts";
import { VERSIONS } from "./versions.ts";

export { VERSIONS } from "./versions.ts";
export type { AppName } from "./versions.ts";
export type { InstanceInput, SecretInput } from "../config/schema.ts";

/** What a preset returns: instances by name, and the secrets they read by name. */
export interface App {
  readonly instances: Record<string, InstanceInput>;
  readonly secrets: Record<string, SecretInput>;
}

/** Options every preset takes. */
export interface AppOptions {
  /** Instance name (default: the app's name); secrets are named after it. */
  readonly name?: string;
  /** Host that runs it. */
  readonly host: string;
  /** Network (bridge) it joins; the ingress must share it. */
  readonly network: string;
  /** Storage pool of the root disk. */
  readonly storage: string;
  /** Storage pool of the data volumes (default: `storage`). */
  readonly dataStorage?: string;
  /** Quota of the main data volume. */
  readonly dataSize?: string;
  /** Image tag (default: VERSIONS). */
  readonly version?: string;
  readonly cpu?: number;
  readonly memory?: string;
  /** Static address on the network (default: allocated in lab.lock.json). */
  readonly ipv4?: string;
  readonly profiles?: readonly string[];
  readonly description?: string;
  /** Extra environment variables (they win over the preset's). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly snapshots?: { readonly schedule: string; readonly expiry: string };
}

/** Options of apps served through the ingress. */
export interface WebAppOptions extends AppOptions {
  /** The public URL of its route, e.g. "https://git.lab.home.arpa". */
  readonly url: string;
}

/** Merges apps (and any extra instances or secrets); a name used twice is an error. */
export function apps(...list: App[]): App {
  const instances: Record<string, InstanceInput> = {};
  const secrets: Record<string, SecretInput> = {};
  for (const app of list) {
    for (const [k, v] of Object.entries(app.instances)) {
      if (k in instances) throw new Error(`apps(): two apps define the instance '${k}': give one a different name`);
      instances[k] = v;
    }
    for (const [k, v] of Object.entries(app.secrets)) {
      if (k in secrets) throw new Error(`apps(): two apps define the secret '${k}': give one a different name`);
      secrets[k] = v;
    }
  }
  return { instances, secrets };
}

/** Where an instance finds a secret it lists (labgen mounts them read-only there). */
export const secretFile = (name: string): string => `/secrets/${name}`;

const generated = (length = 32): SecretInput => ({ kind: "generated", length, alphabet: "alphanumeric" });

function base(o: AppOptions, app: string, image: string, defaults: { cpu: number; memory: string; description: string }) {
  return {
    host: o.host,
    image,
    description: o.description ?? defaults.description,
    cpu: o.cpu ?? defaults.cpu,
    memory: o.memory ?? defaults.memory,
    storage: o.storage,
    profiles: [...(o.profiles ?? [])],
    nics: [{ network: o.network, ...(o.ipv4 ? { ipv4: o.ipv4 } : {}) }],
    ...(o.snapshots ? { snapshots: { ...o.snapshots } } : {}),
    environment: {} as Record<string, string>,
    _app: app,
  };
}

/** The instance without the helper field, with the user's environment on top. */
function finish(o: AppOptions, i: ReturnType<typeof base> & Record<string, unknown>): InstanceInput {
  const { _app, ...rest } = i;
  void _app;
  return { ...rest, environment: { ...i.environment, ...(o.environment ?? {}) } } as InstanceInput;
}

function hostOf(url: string): string {
  return new URL(url).host;
}

// ---------------------------------------------------------------------------------------------

/** Traefik v3, the lab's ingress (configuration from labgen's Traefik target, pushed as files). */
export function traefik(o: AppOptions): App {
  const name = o.name ?? "traefik";
  const i = base(o, "traefik", `docker:traefik:${o.version ?? VERSIONS.traefik}`, { cpu: 1, memory: "512MiB", description: "Traefik: the lab's ingress" });
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        rootSize: "4GiB",
        // traefik/traefik-library-image v3.7/alpine/Dockerfile: EXPOSE 80; the static configuration
        // labgen writes adds the websecure entry point on :443.
        serves: [80, 443],
        ports: [
          { host: 80, instance: 80 },
          { host: 443, instance: 443 },
        ],
      }),
    },
    secrets: {},
  };
}

/** Forgejo, a Git forge: web on 3000, SSH on 22 (exposed on the host as `sshPort`). */
export function forgejo(o: WebAppOptions & { readonly sshPort?: number }): App {
  const name = o.name ?? "forgejo";
  const sshPort = o.sshPort ?? 2222;
  const i = base(o, "forgejo", `codeberg:forgejo/forgejo:${o.version ?? VERSIONS.forgejo}`, { cpu: 2, memory: "2GiB", description: "Forgejo: Git forge" });
  i.environment = {
    // Forgejo's environment-to-ini (modules/setting/config_env.go) maps GITEA__<section>__<KEY>
    // into app.ini at every start (docker/root/etc/s6/gitea/setup).
    GITEA__server__ROOT_URL: `${o.url.replace(/\/$/, "")}/`,
    GITEA__server__SSH_DOMAIN: hostOf(o.url),
    GITEA__server__SSH_PORT: String(sshPort),
  };
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        rootSize: "8GiB",
        // Dockerfile: EXPOSE 22 3000 (HTTP_PORT's default 3000, OpenSSH on 22 under s6).
        serves: [3000, 22],
        ports: [{ host: sshPort, instance: 22 }],
        // Dockerfile: VOLUME ["/data"]; repositories, app.ini (GITEA_CUSTOM=/data/gitea) and SQLite.
        volumes: [{ name: "data", size: o.dataSize ?? "100GiB", path: "/data", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        // routers/web/healthcheck (GET /api/healthz): 200 while the database answers.
        health: { path: "/api/healthz" },
      }),
    },
    secrets: {},
  };
}

/** Jellyfin, a media server on 8096; media on its own volume at /media. */
export function jellyfin(o: WebAppOptions & { readonly mediaSize?: string; readonly mediaStorage?: string }): App {
  const name = o.name ?? "jellyfin";
  const i = base(o, "jellyfin", `docker:jellyfin/jellyfin:${o.version ?? VERSIONS.jellyfin}`, { cpu: 4, memory: "4GiB", description: "Jellyfin: media server" });
  const data = o.dataStorage ? { storage: o.dataStorage } : {};
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        rootSize: "8GiB",
        // jellyfin/jellyfin-packaging docker/Dockerfile: EXPOSE 8096.
        serves: [8096],
        volumes: [
          // docker/Dockerfile: JELLYFIN_DATA_DIR="/config", JELLYFIN_CACHE_DIR="/cache", VOLUME both.
          { name: "config", size: o.dataSize ?? "20GiB", path: "/config", ...data },
          { name: "cache", size: "20GiB", path: "/cache", ...data },
          { name: "media", size: o.mediaSize ?? "1TiB", path: "/media", ...(o.mediaStorage ? { storage: o.mediaStorage } : data) },
        ],
        // docker/Dockerfile: HEALTHCHECK_URL=http://localhost:8096/health.
        health: { path: "/health" },
      }),
    },
    secrets: {},
  };
}

/** Grafana on 3000, the admin password generated on the host. */
export function grafana(o: WebAppOptions): App {
  const name = o.name ?? "grafana";
  const admin = `${name}-admin-password`;
  const i = base(o, "grafana", `docker:grafana/grafana:${o.version ?? VERSIONS.grafana}`, { cpu: 1, memory: "1GiB", description: "Grafana: dashboards" });
  i.environment = {
    // conf/defaults.ini [server] root_url, as GF_<SECTION>_<KEY> (docs: setup-grafana/configure-docker.md).
    GF_SERVER_ROOT_URL: o.url,
    // packaging/docker/run.sh reads GF_<SECTION>_<KEY>__FILE from the named file.
    GF_SECURITY_ADMIN_PASSWORD__FILE: secretFile(admin),
  };
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        // Dockerfile: EXPOSE 3000.
        serves: [3000],
        // Dockerfile: GF_PATHS_DATA="/var/lib/grafana".
        volumes: [{ name: "data", size: o.dataSize ?? "10GiB", path: "/var/lib/grafana", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        secrets: [admin],
        // Dockerfile: ARG GF_UID="472", ARG GF_GID="0", USER "$GF_UID": run.sh reads the file as 472.
        secretOwner: { uid: 472, gid: 0 },
        // pkg/api/api.go: GET /api/health (no authentication).
        health: { path: "/api/health" },
      }),
    },
    secrets: { [admin]: generated() },
  };
}

/**
 * Home Assistant, the official container (not the OS VM) on 8123. Its reverse-proxy settings live
 * only in configuration.yaml (http: use_x_forwarded_for, trusted_proxies), so the preset pushes
 * that file; your own settings go in `configuration`.
 */
export function homeassistant(o: WebAppOptions & { readonly trustedProxies: readonly string[]; readonly timezone?: string; readonly configuration?: Record<string, unknown> }): App {
  const name = o.name ?? "homeassistant";
  const i = base(o, "homeassistant", `ghcr:home-assistant/home-assistant:${o.version ?? VERSIONS.homeassistant}`, {
    cpu: 2,
    memory: "2GiB",
    description: "Home Assistant: home automation",
  });
  if (o.timezone) i.environment = { TZ: o.timezone };
  // homeassistant/components/http/__init__.py: CONF_USE_X_FORWARDED_FOR, CONF_TRUSTED_PROXIES;
  // without them a request carrying X-Forwarded-For from the proxy is refused (http/forwarded.py).
  const configuration = {
    default_config: null,
    http: { use_x_forwarded_for: true, trusted_proxies: [...o.trustedProxies] },
    ...(o.configuration ?? {}),
  };
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        rootSize: "8GiB",
        // home-assistant/core: the web server's default port (components/http SERVER_PORT 8123).
        serves: [8123],
        // home-assistant/core Dockerfile: VOLUME /config (python -m homeassistant --config /config).
        volumes: [{ name: "config", size: o.dataSize ?? "20GiB", path: "/config", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        files: [{ path: "/config/configuration.yaml", content: `# Written by labgen (lab.config.ts): edit it there.\n${stringify(configuration)}` }],
        // components/frontend: /manifest.json is served without authentication.
        health: { path: "/manifest.json" },
      }),
    },
    secrets: {},
  };
}

/** Vaultwarden (Bitwarden-compatible server) on 80, the admin token generated on the host. */
export function vaultwarden(o: WebAppOptions): App {
  const name = o.name ?? "vaultwarden";
  const token = `${name}-admin-token`;
  const i = base(o, "vaultwarden", `docker:vaultwarden/server:${o.version ?? VERSIONS.vaultwarden}`, { cpu: 1, memory: "512MiB", description: "Vaultwarden: passwords" });
  i.environment = {
    // .env.template: DOMAIN=https://vw.domain.tld (the public URL, scheme included).
    DOMAIN: o.url,
    // src/util.rs get_env_str_value: <KEY>_FILE is read instead of <KEY>.
    ADMIN_TOKEN_FILE: secretFile(token),
  };
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        // docker/Dockerfile.debian: ROCKET_PORT=80, EXPOSE 80.
        serves: [80],
        // docker/Dockerfile.debian: VOLUME /data (DATA_FOLDER).
        volumes: [{ name: "data", size: o.dataSize ?? "5GiB", path: "/data", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        secrets: [token],
        // docker/healthcheck.sh: GET <base path>/alive.
        health: { path: "/alive" },
      }),
    },
    secrets: { [token]: generated(48) },
  };
}

/** Navidrome, a music server on 4533; music on its own volume at /music. */
export function navidrome(
  o: WebAppOptions & {
    readonly musicSize?: string;
    readonly musicStorage?: string;
    /** Read the music from another instance's volume (e.g. Jellyfin's media, subPath "music") instead of its own. */
    readonly musicShare?: { readonly instance: string; readonly volume: string; readonly subPath?: string };
  },
): App {
  const name = o.name ?? "navidrome";
  const i = base(o, "navidrome", `ghcr:navidrome/navidrome:${o.version ?? VERSIONS.navidrome}`, { cpu: 1, memory: "1GiB", description: "Navidrome: music" });
  const data = o.dataStorage ? { storage: o.dataStorage } : {};
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        // Dockerfile: ENV ND_PORT=4533, EXPOSE ${ND_PORT}.
        serves: [4533],
        // Dockerfile: VOLUME ["/data", "/music"], ND_DATAFOLDER=/data, ND_MUSICFOLDER=/music.
        volumes: [
          { name: "data", size: o.dataSize ?? "10GiB", path: "/data", ...data },
          o.musicShare
            ? { name: "music", path: "/music", share: { ...o.musicShare, readonly: true } }
            : { name: "music", size: o.musicSize ?? "500GiB", path: "/music", ...(o.musicStorage ? { storage: o.musicStorage } : data) },
        ],
        // server/server.go: middleware.Heartbeat("/ping").
        health: { path: "/ping" },
      }),
    },
    secrets: {},
  };
}

/** Uptime Kuma, a status monitor on 3001. */
export function uptimeKuma(o: WebAppOptions): App {
  const name = o.name ?? "uptime-kuma";
  const i = base(o, "uptimeKuma", `docker:louislam/uptime-kuma:${o.version ?? VERSIONS.uptimeKuma}`, { cpu: 1, memory: "512MiB", description: "Uptime Kuma: status monitor" });
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        // docker/dockerfile (release stage): EXPOSE 3001.
        serves: [3001],
        // docker/dockerfile: WORKDIR /app; server/database.js: dataDir "./data/" → /app/data.
        volumes: [{ name: "data", size: o.dataSize ?? "5GiB", path: "/app/data", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        // extra/healthcheck.go: GET / on the app's port (the Dockerfile's HEALTHCHECK).
        health: { path: "/" },
      }),
    },
    secrets: {},
  };
}

/** PostgreSQL for one app: the database and owner named `database`, the password a generated secret (declared here). */
export function postgres(o: AppOptions & { readonly database: string; readonly passwordSecret: string }): App {
  const name = o.name ?? "postgres";
  const i = base(o, "postgres", `docker:postgres:${o.version ?? VERSIONS.postgres}`, { cpu: 1, memory: "1GiB", description: `PostgreSQL for ${o.database}` });
  i.environment = {
    // docker-library/postgres docker-entrypoint.sh: file_env POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB.
    POSTGRES_DB: o.database,
    POSTGRES_USER: o.database,
    POSTGRES_PASSWORD_FILE: secretFile(o.passwordSecret),
  };
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        // 18/trixie/Dockerfile: EXPOSE 5432.
        serves: [5432],
        // 18/trixie/Dockerfile: VOLUME /var/lib/postgresql (PGDATA=/var/lib/postgresql/18/docker).
        volumes: [{ name: "data", size: o.dataSize ?? "20GiB", path: "/var/lib/postgresql", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        secrets: [o.passwordSecret],
        // 18/trixie/Dockerfile: useradd --uid=999 postgres; the entrypoint re-runs as postgres
        // (gosu) and reads POSTGRES_PASSWORD_FILE again as that user.
        secretOwner: { uid: 999, gid: 999 },
      }),
    },
    secrets: { [o.passwordSecret]: generated() },
  };
}

/**
 * Nextcloud (Apache image) on 80 with its own PostgreSQL instance `<name>-db`, reached by name
 * over the bridge; the database and admin passwords are generated on the host.
 */
export function nextcloud(o: WebAppOptions & { readonly trustedProxies: readonly string[]; readonly db?: Partial<AppOptions> }): App {
  const name = o.name ?? "nextcloud";
  const dbName = `${name}-db`;
  const dbPassword = `${name}-db-password`;
  const adminPassword = `${name}-admin-password`;
  const i = base(o, "nextcloud", `docker:nextcloud:${o.version ?? VERSIONS.nextcloud}`, { cpu: 2, memory: "2GiB", description: "Nextcloud: files and calendars" });
  i.environment = {
    // nextcloud/docker docker-entrypoint.sh: file_env POSTGRES_DB/USER/PASSWORD, POSTGRES_HOST; the
    // host is the database instance's name, which the bridge's DNS resolves (Incus hands OCI
    // containers the bridge's search domain: lxc/incus cmd/incusd/main_forknet.go).
    POSTGRES_HOST: dbName,
    POSTGRES_DB: "nextcloud",
    POSTGRES_USER: "nextcloud",
    POSTGRES_PASSWORD_FILE: secretFile(dbPassword),
    // docker-entrypoint.sh: file_env NEXTCLOUD_ADMIN_USER / NEXTCLOUD_ADMIN_PASSWORD on first install.
    NEXTCLOUD_ADMIN_USER: "admin",
    NEXTCLOUD_ADMIN_PASSWORD_FILE: secretFile(adminPassword),
    // README.md: NEXTCLOUD_TRUSTED_DOMAINS; config/reverse-proxy.config.php: OVERWRITEPROTOCOL,
    // OVERWRITECLIURL, TRUSTED_PROXIES (space-separated).
    NEXTCLOUD_TRUSTED_DOMAINS: hostOf(o.url),
    OVERWRITEPROTOCOL: "https",
    OVERWRITECLIURL: o.url,
    TRUSTED_PROXIES: o.trustedProxies.join(" "),
  };
  const db = postgres({
    host: o.host,
    network: o.network,
    storage: o.storage,
    dataStorage: o.dataStorage,
    ...(o.db ?? {}),
    name: dbName,
    database: "nextcloud",
    passwordSecret: dbPassword,
  });
  return {
    instances: {
      [name]: finish(o, {
        ...i,
        rootSize: "8GiB",
        // 34/apache/Dockerfile: apache2-foreground on port 80.
        serves: [80],
        // 34/apache/Dockerfile: VOLUME /var/www/html (code, config and data).
        volumes: [{ name: "data", size: o.dataSize ?? "200GiB", path: "/var/www/html", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        secrets: [adminPassword, dbPassword],
        // docker-entrypoint.sh reads the files as root before it drops to www-data.
        secretOwner: { uid: 0, gid: 0 },
        // Nextcloud's status.php answers without login.
        health: { path: "/status.php" },
      }),
      ...db.instances,
    },
    secrets: { ...db.secrets, [adminPassword]: generated() },
  };
}
