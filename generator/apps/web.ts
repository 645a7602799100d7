// Presets of single-instance apps served through the ingress (and the ingress itself).
import { VERSIONS } from "./versions.ts";
import { type App, type AppOptions, type WebAppOptions, base, finish, generated, hostOf, secretFile } from "./common.ts";

/** Traefik v3, the lab's ingress (configuration from labgen's Traefik target, pushed as files). */
export function traefik(o: AppOptions): App {
  const name = o.name ?? "traefik";
  const i = base(o, `docker:traefik:${o.version ?? VERSIONS.traefik}`, { cpu: 1, memory: "512MiB", description: "Traefik: the lab's ingress" });
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
  const i = base(o, `codeberg:forgejo/forgejo:${o.version ?? VERSIONS.forgejo}`, { cpu: 2, memory: "2GiB", description: "Forgejo: Git forge" });
  i.environment = {
    // Forgejo's environment-to-ini (modules/setting/config_env.go) maps GITEA__<section>__<KEY>
    // into app.ini at every start (docker/root/etc/s6/gitea/setup).
    GITEA__server__ROOT_URL: `${o.url.replace(/\/$/, "")}/`,
    GITEA__server__SSH_DOMAIN: hostOf(o.url),
    // The port clone URLs show (the host's). OpenSSH in the container still listens on 22: its
    // port is the container's SSH_LISTEN_PORT/SSH_PORT (default 22), not app.ini's
    // (docker/root/etc/s6/openssh/setup, from Gitea, which Forgejo's image keeps).
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
        // routers/web/web.go: routes.Get("/api/healthz", healthcheck.Check) (Gitea's, which Forgejo keeps).
        health: { path: "/api/healthz" },
      }),
    },
    secrets: {},
  };
}

/** Jellyfin, a media server on 8096; media on its own volume at /media. */
export function jellyfin(o: WebAppOptions & { readonly mediaSize?: string; readonly mediaStorage?: string }): App {
  const name = o.name ?? "jellyfin";
  const i = base(o, `docker:jellyfin/jellyfin:${o.version ?? VERSIONS.jellyfin}`, { cpu: 4, memory: "4GiB", description: "Jellyfin: media server" });
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
  const i = base(o, `docker:grafana/grafana:${o.version ?? VERSIONS.grafana}`, { cpu: 1, memory: "1GiB", description: "Grafana: dashboards" });
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
        // Grafana docs, developer-resources/api-reference/http-api/other.md: "Health API", GET /api/health.
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
  const i = base(o, `ghcr:home-assistant/home-assistant:${o.version ?? VERSIONS.homeassistant}`, {
    cpu: 2,
    memory: "2GiB",
    description: "Home Assistant: home automation",
  });
  if (o.timezone) i.environment = { TZ: o.timezone };
  // homeassistant/components/http/__init__.py: CONF_USE_X_FORWARDED_FOR = "use_x_forwarded_for",
  // CONF_TRUSTED_PROXIES = "trusted_proxies"; without them HA refuses a request whose
  // X-Forwarded-For comes from a proxy it does not trust (http/forwarded.py).
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
        // home-assistant/core homeassistant/const.py: SERVER_PORT: Final = 8123 (the http integration's default).
        serves: [8123],
        // home-assistant/core Dockerfile: VOLUME /config (python -m homeassistant --config /config).
        volumes: [{ name: "config", size: o.dataSize ?? "20GiB", path: "/config", ...(o.dataStorage ? { storage: o.dataStorage } : {}) }],
        // JSON is YAML (flow style), and keeps a YAML library out of every config load.
        files: [{ path: "/config/configuration.yaml", content: `# Written by labgen (lab.config.ts): edit it there.\n${JSON.stringify(configuration, null, 2)}\n` }],
        // homeassistant/components/frontend/__init__.py: register_view(ManifestJSONView()), the app
        // manifest the login page loads before anyone is signed in.
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
  const i = base(o, `docker:vaultwarden/server:${o.version ?? VERSIONS.vaultwarden}`, { cpu: 1, memory: "512MiB", description: "Vaultwarden: passwords" });
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
  const i = base(o, `ghcr:navidrome/navidrome:${o.version ?? VERSIONS.navidrome}`, { cpu: 1, memory: "1GiB", description: "Navidrome: music" });
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
  const i = base(o, `docker:louislam/uptime-kuma:${o.version ?? VERSIONS.uptimeKuma}`, { cpu: 1, memory: "512MiB", description: "Uptime Kuma: status monitor" });
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

