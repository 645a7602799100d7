// Instances from an image imported on the host: image "local:<alias>".
//
// How the provider resolves it (lxc/terraform-provider-incus internal/instance/resource_instance.go,
// createInstanceFromImage): `image` is split at its first ':' into remote and image; with no remote
// the image server is the instance's own server, where the alias is looked up (GetImageAlias) and
// the image read by fingerprint (GetImage). So labgen writes the bare alias and declares no remote
// for it. The alias grammar is Incus's (lxc/incus shared/validate/validate.go, IsAPIName, as
// cmd/incusd/images.go imageAliasesPost calls it), without ':'. The image itself comes from e.g.
// `incus image import <metadata> <rootfs> --alias <alias>` (NixOS/nixpkgs
// nixos/tests/incus/incus-tests-module.nix), which the GitOps VM test does.
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../generator/pipeline.ts";
import { planLab } from "../../generator/plan/plan.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";
import { validate } from "../../generator/validate/validate.ts";
import type { OutputFile } from "../../generator/targets/types.ts";
import { baseLab, type Obj, REPO_ROOT } from "../support/lab-fixtures.ts";
import { hclFmtCheckFiles, hclToJson } from "../support/hcl.ts";
import { validateIncusHcl } from "../support/incus-schema.ts";

type Json = any; // hcl2json output

const VM_LAB = join(REPO_ROOT, "test/fixtures/gitops-vm");

async function compiled(config: string) {
  const r = await compile({ configFile: join(VM_LAB, config), lockFile: join(VM_LAB, "lab.lock.json") });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${formatPath(d.path)}: ${d.message}`).join("\n"));
  return r;
}

function tofuFiles(files: readonly OutputFile[]): Record<string, string> {
  return Object.fromEntries(files.filter((f) => f.path.startsWith("tofu/")).map((f) => [posix.basename(f.path), f.content]));
}

function imageErrors(image: string): string[] {
  const lab: Obj = baseLab();
  lab.instances.web.image = image;
  return validate(lab).diagnostics.map((d) => `${formatPath(d.path)}: ${d.message} [${d.rule}]`);
}

describe("local:<alias> images (the GitOps VM test's lab)", () => {
  it("are in the Model as remote local, neither OCI nor versioned by a tag", async () => {
    const { model } = await compiled("lab.config.ts");
    const web = model.instances.find((i) => i.name === "web")!;
    expect(web).toMatchObject({ image: "local:labgen-vmtest", imageRemote: "local", imageTag: null, oci: false });
  });

  it("reach OpenTofu as the bare alias, with no remote declared for them", async () => {
    const { files } = await compiled("lab.config.ts");
    const tf = tofuFiles(files);
    const instances: Json = await hclToJson(tf["instances.tf"]!, "instances.tf");
    expect(instances.resource.incus_instance.web[0]).toMatchObject({ image: "labgen-vmtest", remote: "vm" });
    const providers: Json = await hclToJson(tf["providers.tf"]!, "providers.tf");
    expect(providers.provider.incus[0].remote).toEqual([{ name: "vm", address: "unix://" }]);
    expect(tf["providers.tf"]).not.toContain("local");
  });

  it("is valid OpenTofu for the provider's schema, formatted as tofu fmt writes it", async () => {
    for (const config of ["lab.config.ts", "commit-2.config.ts"]) {
      const { files } = await compiled(config);
      expect(await validateIncusHcl(tofuFiles(files)), config).toEqual([]);
      expect(hclFmtCheckFiles(tofuFiles(files)), config).toEqual({ ok: true, output: "" });
    }
  });

  it("commit 2 only adds the instance db (no lock change for web, nothing destroyed)", async () => {
    const one = await compiled("lab.config.ts");
    const two = await compiled("commit-2.config.ts");
    expect(one.model.instances.map((i) => i.name)).toEqual(["web"]);
    expect(two.model.instances.map((i) => i.name).sort()).toEqual(["db", "web"]);
    const webOf = (m: typeof one.model) => JSON.stringify(m.instances.find((i) => i.name === "web"));
    expect(webOf(two.model)).toBe(webOf(one.model));
    // What the agent's plan gate sees (labgen plan --base <commit 1>): one add, nothing blocked.
    const plan = planLab(one.model, two.model);
    expect(plan.changes.map((c) => `${c.risk} ${c.kind} ${c.name}`)).toEqual(["add instance db"]);
    expect(plan.blocked).toEqual([]);
  });

  it("mix with images from servers in one lab", async () => {
    const lab: Obj = baseLab();
    lab.instances.web.image = "local:my/own-build@2";
    lab.instances.app = { ...lab.instances.web, image: "images:debian/12" };
    const v = validate(lab);
    expect(v.diagnostics).toEqual([]);
  });

  it("may be VMs with cloud-init (they are not OCI images)", () => {
    const lab: Obj = baseLab();
    lab.instances.web = { ...lab.instances.web, type: "vm", image: "local:nixos/vm", cloudInit: "#cloud-config\n", ipv4: undefined };
    expect(validate(lab).diagnostics.filter((d) => d.rule === "oci-image" || d.rule === "oci-version")).toEqual([]);
  });

  it.each([
    ["labgen-vmtest"],
    ["nixos/26.05/container"],
    ["a"],
    ["x".repeat(64)],
    ["my_image.v2@home"],
  ])("accepts the alias %s", (alias) => {
    expect(imageErrors(`local:${alias}`)).toEqual([]);
  });

  it.each([
    ["local:", "instances.web.image: local:<alias> needs the alias the image was imported with (incus image import <metadata> <rootfs> --alias <alias>) [schema]"],
    ["local:vm:web", "instances.web.image: a local image is named by its alias alone, without ':' (OpenTofu's Incus provider would take the part before a ':' for a remote) [schema]"],
    [`local:${"x".repeat(65)}`, "instances.web.image: an image alias has at most 64 characters (Incus), this one has 65 [schema]"],
    ["local:my image", "instances.web.image: an image alias uses only A-Z a-z 0-9 . _ / @ - (Incus refuses white space and $ ? & + \" ' ` *) [schema]"],
    ["local:a+b", "instances.web.image: an image alias uses only A-Z a-z 0-9 . _ / @ - (Incus refuses white space and $ ? & + \" ' ` *) [schema]"],
    ["local:-web", "instances.web.image: an image alias starts and ends with a letter or digit (Incus) [schema]"],
    ["local:web.", "instances.web.image: an image alias starts and ends with a letter or digit (Incus) [schema]"],
  ])("refuses %j with one error at its path", (image, message) => {
    expect(imageErrors(image)).toEqual([message.replace(/ \[schema\]$/, `, got ${JSON.stringify(image)} [schema]`)]);
  });

  it("an unknown remote still names every remote, local included", () => {
    expect(imageErrors("ubuntu:24.04")).toEqual([
      'instances.web.image: must be <remote>:<image> with remote images (system containers/VMs) or an OCI registry (docker, ghcr, quay, lscr, codeberg), e.g. "images:debian/12" or "docker:library/traefik:v3.7.11", or local:<alias> for an image imported on the host, got "ubuntu:24.04" [schema]',
    ]);
  });
});
