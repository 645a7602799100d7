// out/README.md describes only what the config has (issue 16, Deliver 8): a lab without Tailscale
// reads no Tailscale text, a lab without GitOps no agent, and data volumes are described by what
// really protects them (prevent_destroy in volumes.tf, the plan gate), not as "never touched".
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { ROOT } from "../support/golden.ts";

async function readme(name: string, edit?: (src: string) => string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "labgen-docs-"));
  try {
    const src = readFileSync(join(ROOT, "test/cases", name, "lab.config.ts"), "utf8");
    const changed = edit ? edit(src) : src;
    if (edit && changed === src) throw new Error("the edit changed nothing");
    writeFileSync(join(dir, "lab.config.ts"), changed);
    copyFileSync(join(ROOT, "test/cases", name, "lab.lock.json"), join(dir, "lab.lock.json"));
    if (existsSync(join(ROOT, join("test/cases", name), "hosts"))) cpSync(join(ROOT, join("test/cases", name), "hosts"), join(dir, "hosts"), { recursive: true }); // the case's extra.nix files
    const r = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
    if (!r.ok) throw new Error(`${name} variant is invalid`);
    return r.files.find((f) => f.path === "README.md")!.content;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("README.md: only what the config has", () => {
  it("a lab without Tailscale, GitOps or volumes says nothing about them", async () => {
    const text = await readme("dhcp-no-tailscale");
    expect(text).not.toMatch(/tailscale|tailnet/i);
    expect(text).not.toMatch(/gitops/i);
    expect(text).not.toMatch(/volume/i);
    expect(text).not.toMatch(/never touched/);
    expect(text).toContain('clients(["LAN clients"])');
  });

  it("the reference lab without its Tailscale block loses every Tailscale sentence", async () => {
    const text = await readme("reference", (s) => s.replace(/\n\s*tailscale: \{ authKeyFile: "[^"]+" \},/, ""));
    expect(text).not.toMatch(/tailscale|tailnet/i);
    // The rest of the DNS section stays.
    expect(text).toMatch(/LAN clients: the host's firewall opens only SSH/);
  });

  it("data volumes: what protects them is named, and nothing claims they are never touched", async () => {
    const text = await readme("reference");
    expect(text).not.toMatch(/never touched/);
    expect(text).toMatch(/`prevent_destroy` in `tofu\/volumes\.tf`/);
    expect(text).toMatch(/the plan gate \(`labgen plan` .*`allowDestroy`/);
  });

  it("Tailscale split DNS is described only where the ingress host advertises the bridge's DNS", async () => {
    expect(await readme("reference")).toMatch(/Tailscale split DNS: .* enter 10\.10\.0\.1 \(the bridge gateway\)/);
    expect(await readme("three-hosts")).toMatch(/Tailscale split DNS: .* enter 10\.20\.0\.1 /);
  });

  it("the apex is not advertised, and every bridge names the address that reaches Traefik", async () => {
    const text = await readme("three-hosts");
    expect(text).toMatch(/net-a → 10\.20\.0\.10, net-b → 192\.168\.20\.11, net-c → 192\.168\.20\.11/);
    expect(text).toMatch(/`rack\.home\.arpa` itself has no route, so it has no record/);
    expect(text).not.toMatch(/point `\*\.rack\.home\.arpa` and `rack\.home\.arpa`/);
  });
});
