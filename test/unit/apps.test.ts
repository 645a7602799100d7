// App presets (generator/apps): plain functions returning ordinary config. Each preset's output
// must pass the lab schema as it is, pin a valid tag from VERSIONS, reference only the secrets it
// declares, and take overrides. The upstream facts themselves are cited next to each preset.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  apps,
  forgejo,
  grafana,
  homeassistant,
  jellyfin,
  navidrome,
  nextcloud,
  postgres,
  secretFile,
  traefik,
  uptimeKuma,
  vaultwarden,
  VERSIONS,
  type App,
} from "../../generator/apps/index.ts";
import { LabSchema } from "../../generator/config/schema.ts";
import { OCI_TAG_RE, parseOciImage } from "../../generator/shared/image.ts";
import { validate } from "../../generator/validate/validate.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";

const on = { host: "nas", network: "lab0", storage: "fast", dataStorage: "bulk" };
const url = (r: string) => `https://${r}.lab.home.arpa`;

const ALL: Record<string, App> = {
  traefik: traefik({ ...on, ipv4: "10.10.0.10" }),
  forgejo: forgejo({ ...on, url: url("git") }),
  jellyfin: jellyfin({ ...on, url: url("media") }),
  grafana: grafana({ ...on, url: url("grafana") }),
  homeassistant: homeassistant({ ...on, url: url("ha"), trustedProxies: ["10.10.0.10"] }),
  vaultwarden: vaultwarden({ ...on, url: url("vault") }),
  navidrome: navidrome({ ...on, url: url("music") }),
  uptimeKuma: uptimeKuma({ ...on, url: url("status") }),
  nextcloud: nextcloud({ ...on, url: url("cloud"), trustedProxies: ["10.10.0.10"] }),
  postgres: postgres({ ...on, database: "app", passwordSecret: "app-db-password" }),
};

/** A minimal valid lab around some instances and secrets. */
function labWith(app: App): unknown {
  return {
    name: "t",
    domain: "lab.home.arpa",
    admins: { alice: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e a@b"] } },
    hosts: {
      nas: {
        hardware: { cpu: { cores: 16, threads: 32 }, memory: "64GiB", disks: [{ id: "/dev/disk/by-id/nvme-a", size: "1TB", kind: "nvme" }], nics: [{ name: "enp1s0" }] },
        lan: { mode: "static", interface: "enp1s0", address: "192.168.1.10/24", gateway: "192.168.1.1", nameservers: ["192.168.1.1"] },
        zfs: { pools: { rpool: { boot: true, vdevs: [{ topology: "stripe", disks: ["/dev/disk/by-id/nvme-a"] }] } } },
        stateVersion: "26.05",
      },
    },
    networks: { lab0: { host: "nas", subnet: "10.10.0.0/24" } },
    storage: { fast: { host: "nas", zpool: "rpool" }, bulk: { host: "nas", zpool: "rpool" } },
    secrets: app.secrets,
    instances: app.instances,
  };
}

describe("app presets", () => {
  it("there are at least 10, including the reference lab's four, Vaultwarden and an app with its own database", () => {
    expect(Object.keys(ALL).length).toBeGreaterThanOrEqual(10);
    for (const name of ["forgejo", "jellyfin", "grafana", "homeassistant", "vaultwarden", "nextcloud"]) expect(ALL).toHaveProperty(name);
    expect(Object.keys(ALL.nextcloud.instances).sort()).toEqual(["nextcloud", "nextcloud-db"]);
  });

  it.each(Object.entries(ALL))("%s passes the schema and every rule as it is", (_, app) => {
    const v = validate(labWith(app));
    expect(v.diagnostics.filter((d) => d.severity === "error").map((d) => `${formatPath(d.path)}: ${d.message}`)).toEqual([]);
    expect(LabSchema.safeParse(labWith(app)).success).toBe(true);
  });

  it("every version in VERSIONS is a valid OCI tag, and each preset pins its own", () => {
    for (const [app, tag] of Object.entries(VERSIONS)) expect(tag, app).toMatch(OCI_TAG_RE);
    const pinned = (a: App, inst: string) => parseOciImage(a.instances[inst].image).tag;
    expect(pinned(ALL.traefik, "traefik")).toBe(VERSIONS.traefik);
    expect(pinned(ALL.forgejo, "forgejo")).toBe(VERSIONS.forgejo);
    expect(pinned(ALL.jellyfin, "jellyfin")).toBe(VERSIONS.jellyfin);
    expect(pinned(ALL.grafana, "grafana")).toBe(VERSIONS.grafana);
    expect(pinned(ALL.homeassistant, "homeassistant")).toBe(VERSIONS.homeassistant);
    expect(pinned(ALL.vaultwarden, "vaultwarden")).toBe(VERSIONS.vaultwarden);
    expect(pinned(ALL.navidrome, "navidrome")).toBe(VERSIONS.navidrome);
    expect(pinned(ALL.uptimeKuma, "uptime-kuma")).toBe(VERSIONS.uptimeKuma);
    expect(pinned(ALL.nextcloud, "nextcloud")).toBe(VERSIONS.nextcloud);
    expect(pinned(ALL.nextcloud, "nextcloud-db")).toBe(VERSIONS.postgres);
  });

  it("Home Assistant is the official container, not a VM", () => {
    const ha = ALL.homeassistant.instances.homeassistant;
    expect(ha.type ?? "container").toBe("container");
    expect(ha.image).toBe(`ghcr:home-assistant/home-assistant:${VERSIONS.homeassistant}`);
    // Its reverse-proxy settings only exist in configuration.yaml: the preset pushes that file.
    expect(ha.files?.[0].path).toBe("/config/configuration.yaml");
    // Home Assistant reads it with PyYAML (homeassistant/util/yaml/loader.py): the same parser here.
    const parsed = spawnSync("python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], {
      input: ha.files?.[0].content,
      encoding: "utf8",
    });
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(JSON.parse(parsed.stdout)).toEqual({ default_config: null, http: { use_x_forwarded_for: true, trusted_proxies: ["10.10.0.10"] } });
  });

  it("every routed app declares a health check, and its data lives on dataStorage", () => {
    for (const [name, app] of Object.entries(ALL)) {
      for (const [inst, i] of Object.entries(app.instances)) {
        if (name !== "traefik" && !inst.endsWith("-db") && name !== "postgres") expect(i.health?.path, inst).toMatch(/^\//);
        for (const v of i.volumes ?? []) expect(v.storage, `${inst} ${v.name}`).toBe("bulk");
      }
    }
  });

  it("secrets: each app declares the secrets its instances read, and points *_FILE variables at them", () => {
    for (const app of Object.values(ALL)) {
      for (const [inst, i] of Object.entries(app.instances)) {
        for (const s of i.secrets ?? []) {
          const declared = s in app.secrets || Object.values(ALL).some((a) => s in a.secrets);
          expect(declared, `${inst} reads ${s}`).toBe(true);
        }
        for (const [k, v] of Object.entries(i.environment ?? {}))
          if (v.startsWith("/secrets/")) expect((i.secrets ?? []).map(secretFile), `${inst} ${k}`).toContain(v);
      }
    }
    // The app and its database share the generated password, by name.
    const nc = ALL.nextcloud;
    expect(nc.secrets["nextcloud-db-password"]).toEqual({ kind: "generated", length: 32, alphabet: "alphanumeric" });
    expect(nc.instances.nextcloud.environment?.POSTGRES_PASSWORD_FILE).toBe("/secrets/nextcloud-db-password");
    expect(nc.instances["nextcloud-db"].environment?.POSTGRES_PASSWORD_FILE).toBe("/secrets/nextcloud-db-password");
    // Reached by name over the bridge.
    expect(nc.instances.nextcloud.environment?.POSTGRES_HOST).toBe("nextcloud-db");
  });

  it("overrides: options win, extra environment merges, fields can be changed after the call", () => {
    const g = grafana({ ...on, name: "dash", url: url("dash"), version: "13.2.2", memory: "3GiB", environment: { GF_SERVER_ROOT_URL: "https://x.lab.home.arpa", EXTRA: "1" } });
    const i = g.instances.dash;
    expect(i.image).toBe("docker:grafana/grafana:13.2.2");
    expect(i.memory).toBe("3GiB");
    expect(i.environment).toMatchObject({ GF_SERVER_ROOT_URL: "https://x.lab.home.arpa", EXTRA: "1", GF_SECURITY_ADMIN_PASSWORD__FILE: "/secrets/dash-admin-password" });
    expect(Object.keys(g.secrets)).toEqual(["dash-admin-password"]);
    g.instances.dash.cpu = 3;
    expect(validate(labWith(g)).config?.instances.dash.cpu).toBe(3);
  });

  it("apps() merges and refuses a name used twice", () => {
    const merged = apps(ALL.grafana, ALL.jellyfin);
    expect(Object.keys(merged.instances).sort()).toEqual(["grafana", "jellyfin"]);
    expect(() => apps(ALL.grafana, grafana({ ...on, url: url("g2") }))).toThrow(/two apps define the instance 'grafana'/);
  });

  it("an invalid version is an error at the image, not a crash", () => {
    const bad = jellyfin({ ...on, url: url("media"), version: ".10" });
    const v = validate(labWith(bad));
    expect(v.diagnostics.map((d) => [formatPath(d.path), d.rule])).toContainEqual(["instances.jellyfin.image", "oci-version"]);
  });
});
