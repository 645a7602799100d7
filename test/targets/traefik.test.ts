import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { checkTraefikDynamic, checkTraefikStatic } from "../support/traefik.ts";
import { ROOT } from "../support/golden.ts";

const reference = async () => {
  const r = await compile({ configFile: join(ROOT, "test/cases/reference/lab.config.ts"), lockFile: join(ROOT, "test/cases/reference/lab.lock.json") });
  if (!r.ok) throw new Error("reference lab is invalid");
  const file = (p: string) => r.files.find((f) => f.path === p)!.content;
  return { model: r.model, dynamic: file("traefik/dynamic.yml"), static: file("traefik/traefik.yml") };
};

describe("Traefik fixtures", () => {
  it("are the pinned SchemaStore files", () => {
    const sha = (f: string) => createHash("sha256").update(readFileSync(join(ROOT, "test/fixtures/upstream/traefik", f))).digest("hex");
    expect(sha("traefik-v3-file-provider.json")).toBe("8734891c888025bd1821a52f9c743c44bc5b10bcbb01aa84fb267c3f67b1416e");
    expect(sha("traefik-v3.json")).toBe("bb3fd9028607956e2b22541c11591cd47320eb69d75701537c0b1b45c2e268fc");
  });
});

describe("the checker catches what Traefik rejects or deprecates", () => {
  const base = async () => parse((await reference()).dynamic);
  const problems = (doc: unknown) => checkTraefikDynamic(`${JSON.stringify(doc)}\n`);
  it("schema: router typo, bare tls, int port", async () => {
    const d = await base();
    d.http.routers.git.entrypoints = d.http.routers.git.entryPoints;
    expect(problems(d).join("\n")).toMatch(/entrypoints/);
    const d2 = await base();
    d2.http.routers.git.tls = null;
    expect(problems(d2).join("\n")).toMatch(/tls/);
  });
  it("holes: ipWhiteList, removed headers, open tls option keys, unknown http keys, templates", async () => {
    const d = await base();
    d.http.middlewares["lab-allowlist"] = { ipWhiteList: { sourceRange: ["10.0.0.0/8"] } };
    d.http.middlewares["lab-security-headers"].headers.sslRedirect = true;
    d.tls.options.default.minVerison = "VersionTLS12";
    d.http.router = {};
    d.tls.certificates[0].certfile = "x";
    const p = problems(d);
    expect(p).toContain("http.middlewares.lab-allowlist: ipWhiteList is the v2 name; use ipAllowList");
    expect(p).toContain("http.middlewares.lab-security-headers.headers.sslRedirect was removed in v3");
    expect(p).toContain("tls.options.default: unknown key 'minVerison'");
    expect(p).toContain("http: unknown key 'router'");
    expect(p).toContain("tls.certificates[0]: unknown key 'certfile'");
    expect(checkTraefikDynamic("http:\n  routers: {}\n# {{ .Env.X }}\n")).toContain("contains '{{': the file provider runs files through Go templates");
  });
  it("static: filename with directory, dynamic sections, typos", () => {
    const p = checkTraefikStatic("providers:\n  file:\n    directory: /x\n    filename: /y\nhttp: {}\nentrypoints: {}\n");
    expect(p).toContain("providers.file: filename and directory are mutually exclusive");
    expect(p).toContain("dynamic section 'http' in the static file is ignored by Traefik");
    expect(p).toContain("(root): unknown key 'entrypoints'");
  });
});

// Traefik's ipAllowList matches the TCP peer (traefik/traefik docs/content/reference/routing-configuration/http/middlewares/ipallowlist.md):
// guests on the ingress host's bridges arrive with their own addresses; guests on another host's
// NAT bridge (ipv4.nat=true: masqueraded) arrive as that host's LAN address.
describe("allow-list: the guests whose DNS sends them to Traefik", () => {
  const compiled = async (edit: (src: string) => string) => {
    const dir = mkdtempSync(join(tmpdir(), "labgen-allow-"));
    try {
      const cfg = readFileSync(join(ROOT, "test/cases/three-hosts/lab.config.ts"), "utf8");
      writeFileSync(join(dir, "lab.config.ts"), edit(cfg));
      copyFileSync(join(ROOT, "test/cases/three-hosts/lab.lock.json"), join(dir, "lab.lock.json"));
      if (existsSync(join(ROOT, "test/cases/three-hosts", "hosts"))) cpSync(join(ROOT, "test/cases/three-hosts", "hosts"), join(dir, "hosts"), { recursive: true }); // the case's extra.nix files
      const r = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
      if (!r.ok) throw new Error("three-hosts variant is invalid");
      return r.model.ingress!.allow;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it("three-hosts: the ingress host's bridge is added; the other hosts' LAN addresses are already in 192.168.20.0/24", async () => {
    expect(await compiled((s) => s)).toEqual(["192.168.20.0/24", "100.64.0.0/10", "10.20.0.0/24"]);
  });
  it("without the LAN in the allow-list: other hosts' NAT bridges arrive as their LAN address, a routed bridge as itself", async () => {
    const allow = await compiled((s) =>
      s
        .replace('allow: ["192.168.20.0/24", "100.64.0.0/10"]', 'allow: ["100.64.0.0/10"]')
        .replace('"net-c": { host: "gamma", subnet: "10.22.0.0/24", nat: true,', '"net-c": { host: "gamma", subnet: "10.22.0.0/24", nat: false,'),
    );
    expect(allow).toEqual(["100.64.0.0/10", "10.20.0.0/24", "192.168.20.12/32", "10.22.0.0/24"]);
  });
});

describe("reference lab Traefik config", () => {
  it("static config passes the v3 schema and our checks", async () => {
    expect(checkTraefikStatic((await reference()).static)).toEqual([]);
  });
  it("dynamic config passes the v3 schema and our checks", async () => {
    expect(checkTraefikDynamic((await reference()).dynamic)).toEqual([]);
  });
  it("web redirects to websecure, the file provider watches a directory, no API/dashboard, access log on", async () => {
    const s = parse((await reference()).static);
    expect(s.entryPoints.web).toEqual({
      address: ":80",
      http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
      transport: { respondingTimeouts: { readTimeout: "60s", writeTimeout: "60s", idleTimeout: "180s" } },
    });
    expect(s.entryPoints.websecure.address).toBe(":443");
    expect(s.providers.file).toEqual({ directory: "/etc/traefik/dynamic", watch: true });
    expect(s.api).toBeUndefined();
    expect(s.accessLog).toEqual({});
  });
  // traefik/traefik docs/content/reference/install-configuration/entrypoints.md: readTimeout
  // (the whole request, body included) defaults to 60s, which cuts long uploads; 0 = no timeout.
  it("websecure's responding timeouts are explicit: no read or write limit for long uploads and downloads", async () => {
    const s = parse((await reference()).static);
    expect(s.entryPoints.websecure.transport.respondingTimeouts).toEqual({ readTimeout: "0s", writeTimeout: "0s", idleTimeout: "180s" });
    // The schema knows these keys where they are written (a misplaced key would be refused).
    const moved = { ...s, entryPoints: { ...s.entryPoints, websecure: { ...s.entryPoints.websecure, respondingTimeouts: {} } } };
    expect(checkTraefikStatic(`${JSON.stringify(moved)}\n`).join("\n")).toMatch(/respondingTimeouts/);
  });
  it("one TLS router per route with Host(`name.domain`), services at instance addresses, allow-list and headers", async () => {
    const { model, dynamic } = await reference();
    const d = parse(dynamic);
    const routes = model.ingress!.routes;
    expect(Object.keys(d.http.routers).sort()).toEqual(routes.map((r) => r.name).sort());
    for (const r of routes) {
      expect(d.http.routers[r.name]).toEqual({
        rule: `Host(\`${r.hostname}\`)`,
        entryPoints: ["websecure"],
        middlewares: ["lab-allowlist", "lab-security-headers"],
        service: r.name,
        tls: {},
      });
      const inst = model.instances.find((i) => i.name === r.instance)!;
      expect(d.http.services[r.name].loadBalancer.servers).toEqual([{ url: `http://${inst.ipv4}:${r.port}` }]);
    }
    // The configured sources, then the guests on the ingress host's bridge: its dnsmasq sends the
    // route names to Traefik, so app-to-app calls must pass the allow-list too.
    expect(d.http.middlewares["lab-allowlist"]).toEqual({ ipAllowList: { sourceRange: ["192.168.1.0/24", "100.64.0.0/10", "fd7a:115c:a1e0::/48", "10.10.0.0/24"] } });
    expect(dynamic).not.toMatch(/ipWhiteList/);
    expect(d.http.middlewares["lab-security-headers"].headers.stsSeconds).toBeGreaterThanOrEqual(31536000);
    expect(d.tls.options.default).toEqual({ minVersion: "VersionTLS12", sniStrict: true });
    expect(d.tls.stores.default.defaultCertificate).toEqual(d.tls.certificates[0]);
  });

  it("every routed app's health check becomes its service's healthCheck (httpLoadBalancerService.healthCheck)", async () => {
    const { model, dynamic } = await reference();
    const d = parse(dynamic);
    for (const r of model.ingress!.routes) {
      const health = model.instances.find((i) => i.name === r.instance)!.health;
      expect(health, r.instance).not.toBeNull();
      expect(d.http.services[r.name].loadBalancer.healthCheck).toEqual({ path: health!.path, interval: "30s", timeout: "5s" });
    }
    expect(d.http.services.git.loadBalancer.healthCheck.path).toBe("/api/healthz");
    expect(d.http.services.ha.loadBalancer.healthCheck.path).toBe("/manifest.json");
    // The v3 schema accepts it (and the checker would flag an unknown key).
    expect(checkTraefikDynamic(dynamic)).toEqual([]);
  });
});
