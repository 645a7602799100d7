// volumes.tf: the custom storage volumes that hold application data (they refuse destruction).
import { hcl } from "../../printers/hcl/index.ts";
import type { BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { ConfigPath, InstanceModel, Model, VolumeModel } from "../../resolve/model.ts";
import { cmp, resource, type TofuFile } from "./file.ts";
import { storagePoolNamed } from "../../resolve/lookup.ts";

export function planVolumesTf(model: Model): TofuFile {
  // A shared volume is created by its owner only. Plain loops and no destructuring: a big lab has
  // one entry per instance here, sorted while most of this code is not yet optimized.
  const volumes: { readonly inst: InstanceModel; readonly v: VolumeModel }[] = [];
  for (const inst of model.instances) for (const v of inst.volumes) if (v.shared === null) volumes.push({ inst, v });
  volumes.sort((a, b) => cmp(a.v.incusName, b.v.incusName));
  const parts: (() => BodyItem[])[] = new Array(volumes.length);
  const sources: ConfigPath[] = new Array(volumes.length);
  for (let k = 0; k < volumes.length; k++) {
    const { inst, v } = volumes[k];
    parts[k] = () => volume(model, inst, v);
    sources[k] = v.source;
  }
  return { name: "volumes.tf", parts, sources };
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
