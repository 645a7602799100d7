// storage.tf: one ZFS storage pool per configured Incus pool.
import { hcl } from "../../printers/hcl/index.ts";
import type { Model } from "../../resolve/model.ts";
import { resource, type TofuFile, wholeFile } from "./file.ts";

export function planStorageTf(model: Model): TofuFile {
  return wholeFile(
    "storage.tf",
    model.storagePools.flatMap((p) =>
      resource("incus_storage_pool", p.name, p.source, [
        hcl.attr("name", p.name),
        hcl.attr("description", p.description),
        hcl.attr("remote", p.host),
        hcl.attr("driver", "zfs"),
        hcl.blank(),
        // An existing dataset (created by disko, not mounted) that Incus then owns entirely.
        hcl.attr("config", hcl.object([["source", p.dataset]])),
      ]),
    ),
    model.storagePools.map((p) => p.source),
  );
}
