// Every golden file is checked by the real program that consumes it (or its closest offline
// stand-in). A file type without a check fails the suite, so a new output cannot slip in unchecked.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { LAB_JSON_FORMAT } from "../../generator/targets/docs/docs.ts";
import { expectedFiles, goldenCases } from "../support/golden.ts";
import { hclFmtCheckFiles } from "../support/hcl.ts";
import { validateIncusHcl } from "../support/incus-schema.ts";
import { nixEvalJson, nixParse } from "../support/nix.ts";
import { bashN, shellcheck } from "../support/shell.ts";
import { checkTraefikDynamic, checkTraefikStatic } from "../support/traefik.ts";

function withTempFile<T>(name: string, content: string, f: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "labgen-golden-"));
  try {
    const p = join(dir, name);
    writeFileSync(p, content);
    return f(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(goldenCases())("real tools on golden case $name", (c) => {
  const files = expectedFiles(c);
  const byExt = (ext: string) => [...files].filter(([p]) => p.endsWith(ext));

  it("has a check for every file type it contains", () => {
    const known = [".nix", ".tf", ".sh", ".yml", ".json", ".md"];
    expect([...files.keys()].filter((p) => !known.some((e) => p.endsWith(e)))).toEqual([]);
  });

  it.runIf(byExt(".nix").length > 0)("every .nix file parses with nix-instantiate, and disko.nix evaluates to plain data", () => {
    for (const [path, text] of byExt(".nix")) {
      expect(() => nixParse(text), path).not.toThrow();
      if (path.endsWith("/disko.nix")) {
        const data = nixEvalJson(text) as { disko: { devices: { disk: object; zpool: object } } };
        expect(Object.keys(data.disko.devices.disk).length, path).toBeGreaterThan(0);
        expect(Object.keys(data.disko.devices.zpool).length, path).toBeGreaterThan(0);
      }
    }
  });

  it.runIf(byExt(".tf").length > 0)("out/tofu passes terraform fmt -check and the Incus provider schema", async () => {
    const tf = Object.fromEntries(byExt(".tf").map(([p, t]) => [p.replace(/^tofu\//, ""), t]));
    const fmt = hclFmtCheckFiles(tf);
    expect(fmt.output).toBe("");
    expect(fmt.ok).toBe(true);
    expect(await validateIncusHcl(tf)).toEqual([]);
  });

  it.runIf(byExt(".sh").length > 0)("every script passes bash -n and shellcheck", () => {
    for (const [path, text] of byExt(".sh"))
      withTempFile("script.sh", text, (f) => {
        expect(bashN(f), path).toEqual({ ok: true, output: "" });
        const sc = shellcheck(f);
        expect(sc.output, path).toBe("");
        expect(sc.ok, path).toBe(true);
      });
  });

  it.runIf(byExt(".yml").length > 0)("Traefik files pass the v3 schemas and the hole checks", () => {
    for (const [path, text] of byExt(".yml")) {
      if (path === "traefik/traefik.yml") expect(checkTraefikStatic(text), path).toEqual([]);
      else if (path === "traefik/dynamic.yml") expect(checkTraefikDynamic(text), path).toEqual([]);
      else throw new Error(`no checker for ${path}`);
    }
  });

  it("lab.json is the resolved lab with provenance for every other file; the JSON Schema compiles", () => {
    const lab = JSON.parse(files.get("lab.json")!);
    expect(lab.format).toBe(LAB_JSON_FORMAT);
    expect(lab.model.formatVersion).toBe(1);
    const listed = lab.outputs.map((o: { path: string }) => o.path).sort();
    expect(listed).toEqual([...files.keys()].sort());
    for (const o of lab.outputs) expect(o.sources.length, o.path).toBeGreaterThan(0);
    const schema = JSON.parse(files.get("labgen.schema.json")!);
    expect(() => new Ajv2020({ strict: false }).compile(schema)).not.toThrow();
  });

  it("README.md has every host, instance and route, and a Mermaid diagram", () => {
    const md = files.get("README.md")!;
    const lab = JSON.parse(files.get("lab.json")!);
    expect(md).toMatch(/```mermaid\nflowchart LR\n/);
    for (const h of lab.model.hosts) expect(md).toContain(h.name);
    for (const i of lab.model.instances) expect(md).toContain(`| ${i.name} |`);
    for (const r of lab.model.ingress?.routes ?? []) expect(md).toContain(r.url);
  });
});
