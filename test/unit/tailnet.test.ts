// What the tailnet reaches (issue 13, item 13). The host forwards whatever an advertised route
// covers, in clear and around Traefik, so by default only what the ingress needs is advertised:
// Traefik's address and its bridge's DNS server, on the host that runs Traefik. Whole bridges are
// an explicit choice (tailscale.advertiseGuestNetworks).
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import type { Model } from "../../generator/resolve/model.ts";
import { ROOT } from "../support/golden.ts";

async function threeHosts(edit?: (src: string) => string): Promise<Model> {
  const dir = mkdtempSync(join(tmpdir(), "labgen-tailnet-"));
  try {
    const src = readFileSync(join(ROOT, "test/cases/three-hosts/lab.config.ts"), "utf8");
    const changed = edit ? edit(src) : src;
    if (edit && changed === src) throw new Error("the edit changed nothing");
    writeFileSync(join(dir, "lab.config.ts"), changed);
    copyFileSync(join(ROOT, "test/cases/three-hosts/lab.lock.json"), join(dir, "lab.lock.json"));
    if (existsSync(join(ROOT, "test/cases/three-hosts", "hosts"))) cpSync(join(ROOT, "test/cases/three-hosts", "hosts"), join(dir, "hosts"), { recursive: true }); // the case's extra.nix files
    const r = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
    if (!r.ok) throw new Error("three-hosts variant is invalid");
    return r.model;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const routes = (m: Model) => Object.fromEntries(m.hosts.map((h) => [h.name, h.tailscale?.advertiseRoutes]));

describe("tailnet routes", () => {
  it("by default: the ingress host advertises Traefik and its bridge's DNS as /32s; the others nothing", async () => {
    expect(routes(await threeHosts())).toEqual({ alpha: ["10.20.0.1/32", "10.20.0.10/32"], beta: [], gamma: [] });
  });

  it("advertiseGuestNetworks: true is the explicit choice of a whole bridge", async () => {
    const m = await threeHosts((s) =>
      s.replace(
        'tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key", exposeIncusApi: true },',
        'tailscale: { authKeyFile: "/var/lib/labgen/secrets/tailscale-auth.key", exposeIncusApi: true, advertiseGuestNetworks: true },',
      ),
    );
    expect(routes(m)).toEqual({ alpha: ["10.20.0.1/32", "10.20.0.10/32"], beta: ["10.21.0.0/24"], gamma: [] });
    expect(m.hosts.find((h) => h.name === "beta")!.tailscale!.advertiseGuestNetworks).toBe(true);
  });

  it("the option is off by default and its description says what turning it on exposes", () => {
    const text = readFileSync(join(ROOT, "test/cases/three-hosts/expected/labgen.schema.json"), "utf8");
    const found: { default?: unknown; description?: string }[] = [];
    JSON.parse(text, (key, value) => {
      if (key === "advertiseGuestNetworks") found.push(value);
      return value;
    });
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.default).toBe(false);
      expect(f.description).toMatch(/bypassing Traefik and its allow-list/);
    }
  });
});
