// Presets with a database: PostgreSQL for one app, and Nextcloud with its own PostgreSQL instance.
import { VERSIONS } from "./versions.ts";
import { type App, type AppOptions, type WebAppOptions, base, finish, generated, hostOf, secretFile } from "./common.ts";

/** PostgreSQL for one app: the database and owner named `database`, the password a generated secret (declared here). */
export function postgres(o: AppOptions & { readonly database: string; readonly passwordSecret: string }): App {
  const name = o.name ?? "postgres";
  const i = base(o, `docker:postgres:${o.version ?? VERSIONS.postgres}`, { cpu: 1, memory: "1GiB", description: `PostgreSQL for ${o.database}` });
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
  const i = base(o, `docker:nextcloud:${o.version ?? VERSIONS.nextcloud}`, { cpu: 2, memory: "2GiB", description: "Nextcloud: files and calendars" });
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
