// profiles.tf: each labgen profile, on every host that has an instance using it.
import { hcl } from "../../printers/hcl/index.ts";
import type { BodyItem } from "../../printers/hcl/index.ts";
import type { Model, ProfileModel } from "../../resolve/model.ts";
import { resource, sortedEntries, type TofuFile, wholeFile } from "./file.ts";

export function planProfilesTf(model: Model): TofuFile {
  const profiles = model.profiles.filter((p) => p.hosts.length > 0);
  return wholeFile("profiles.tf", profiles.flatMap(profile), profiles.map((p) => p.source));
}

function profile(p: ProfileModel): BodyItem[] {
  const body: BodyItem[] = [
    hcl.attr("for_each", hcl.call("toset", [[...p.hosts]])),
    hcl.blank(),
    hcl.attr("name", p.name),
    hcl.attr("description", p.description),
    hcl.attr("remote", hcl.ref("each.key")),
  ];
  const config = sortedEntries(p.config);
  if (config.length > 0) body.push(hcl.blank(), hcl.attr("config", hcl.object(config)));
  return resource("incus_profile", p.name, p.source, body);
}
