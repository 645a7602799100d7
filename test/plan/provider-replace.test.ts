// The replace/in-place split of labgen plan against the provider's schema
// (test/fixtures/upstream/incus-provider/schema.json, lxc/terraform-provider-incus v1.1.1):
// an attribute with RequiresReplace re-creates the resource, the others are updated in place.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type Attr = { requires_replace?: "always" | "if_configured" };
type Res = { attributes: Record<string, Attr>; blocks: Record<string, { attributes: Record<string, Attr> }> };
const schema = JSON.parse(readFileSync(new URL("../fixtures/upstream/incus-provider/schema.json", import.meta.url), "utf8")) as { resources: Record<string, Res> };
const replaces = (type: string, attr: string) => schema.resources[type].attributes[attr].requires_replace === "always";

// What labgen writes for each Model field, and how plan.ts classifies a change of it.
const RULES: [resource: string, attribute: string, plan: "re-created" | "in place", why: string][] = [
  ["incus_instance", "type", "re-created", "replace instance (type)"],
  ["incus_instance", "image", "re-created", "replace instance (image)"],
  ["incus_instance", "remote", "re-created", "replace instance (host)"],
  ["incus_instance", "config", "in place", "change/restart by liveKey (cpu, memory, snapshots, autostart, cloud-init)"],
  ["incus_instance", "profiles", "in place", "change/restart by the keys the profiles bring"],
  ["incus_instance", "description", "in place", "change"],
  ["incus_instance", "name", "in place", "never renamed in place by labgen: a new name is a new resource address"],
  ["incus_storage_volume", "name", "re-created", "destroy-data volume (name)"],
  ["incus_storage_volume", "pool", "re-created", "destroy-data volume (storage)"],
  ["incus_storage_volume", "remote", "re-created", "destroy-data volume (host)"],
  ["incus_storage_volume", "config", "in place", "change volume (size)"],
  ["incus_storage_pool", "name", "re-created", "destroy-data storagePool (rename = removal)"],
  ["incus_storage_pool", "remote", "re-created", "destroy-data storagePool (host)"],
  ["incus_storage_pool", "description", "in place", "change storagePool"],
  ["incus_network", "remote", "re-created", "network re-created on the other host"],
  ["incus_network", "config", "in place", "change network"],
  ["incus_profile", "config", "in place", "change/restart profile by liveKey"],
];

describe("plan's replace rules match the provider schema", () => {
  it.each(RULES)("%s.%s: %s", (resource, attribute, plan) => {
    expect(replaces(resource, attribute)).toBe(plan === "re-created");
  });

  it("devices (NICs, proxies, disks) are a block without RequiresReplace: in place, hot-plugged by Incus", () => {
    const device = schema.resources.incus_instance.blocks.device.attributes;
    expect(Object.values(device).some((a) => a.requires_replace)).toBe(false);
  });

  it("a storage pool's config map is not RequiresReplace in the schema: config.source is added by ModifyPlan for zfs", () => {
    // lxc/terraform-provider-incus internal/storage/resource_storage_pool.go, ModifyPlan:
    // `if plan.Driver == "zfs" && ConfigValueChanged(..., "source") { resp.RequiresReplace = append(..., config["source"]) }`.
    // The schema fixture records attributes only, so plan.ts cites the function for it.
    expect(replaces("incus_storage_pool", "config")).toBe(false);
  });
});
