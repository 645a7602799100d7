// volumes.tf: the custom storage volumes that hold application data (they refuse destruction).
import { hcl } from "../../printers/hcl/index.ts";
import type { BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { InstanceModel, Model, VolumeModel } from "../../resolve/model.ts";
import { cmp, resource, type TofuFile } from "./file.ts";
import { storagePoolNamed } from "../../resolve/lookup.ts";

export function planVolumesTf(model: Model): TofuFile {
  // A shared volume is created by its owner only.
  const volumes = model.instances.flatMap((i) => i.volumes.filter((v) => v.shared === null).map((v) => [i, v] as const));
  return {
    name: "volumes.tf",
    parts: volumes.sort(([, a], [, b]) => cmp(a.incusName, b.incusName)).map(([i, v]) => () => volume(model, i, v)),
    sources: volumes.map(([, v]) => v.source),
  };
}

function volume(model: Model, inst: InstanceModel, v: VolumeModel): BodyItem[] {
  const pool = storagePoolNamed(model, v.storage)!;
  const config: [string, Expr][] = [["size", v.size]];
  // Instance snapshots cover the root disk only; a custom volume has its own schedule.
  if (inst.snapshots) {
    config.push(["snapshots.expiry", inst.snapshots.expiry], ["snapshots.schedule", inst.snapshots.schedule]);
  }
  const body: BodyItem[] = [
    hcl.attr("name", v.incusName),
    hcl.attr("remote", pool.host),
    hcl.attr("pool", hcl.ref(`incus_storage_pool.${v.storage}.name`)),
    hcl.attr("content_type", "filesystem"),
    hcl.blank(),
    hcl.attr("config", hcl.object(config)),
    hcl.blank(),
  ];
  // prevent_destroy makes OpenTofu reject any plan that deletes or replaces the volume while this
  // block exists; allowDestroy (checked by `labgen plan`) is the one way to lift it for a deploy.
  if (model.allowDestroy.includes(`volume:${v.incusName}`)) {
    body.push(
      hcl.comment("allowDestroy names this volume: this deploy may delete it with its data. Remove the entry afterwards."),
      hcl.block("lifecycle", [], [hcl.attr("prevent_destroy", false)]),
    );
  } else body.push(PREVENT_DESTROY);
  return resource("incus_storage_volume", v.incusName, v.source, body);
}

/** The same block for every volume (the IR is immutable, so one copy serves them all). */
const PREVENT_DESTROY = hcl.preventDestroy();
