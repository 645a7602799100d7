// CA target: CaInput → out/ca/ca.sh (private root + intermediate CA and the wildcard certificate).
export { CaInputError, planCaScript, renderCaScript, subjectValue } from "./plan.ts";
export { CA_FILES } from "../../shared/ca.ts";
export type { CaInput } from "./types.ts";

import type { Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { renderCaScript as render } from "./plan.ts";

/** out/ca/ca.sh from the Model's CA (the model's rules already guarantee a valid CaInput). */
export function planCa(model: Model): OutputFile[] {
  const ca = model.ca;
  const content = render({
    domain: ca.domain,
    organization: ca.organization,
    rootCommonName: ca.rootCommonName,
    intermediateCommonName: ca.intermediateCommonName,
    dir: ca.dir,
    rootDays: ca.rootDays,
    intermediateDays: ca.intermediateDays,
    leafDays: ca.leafDays,
    renewBeforeDays: ca.renewBeforeDays,
  });
  return [{ path: "ca/ca.sh", content, executable: true, sources: ["ca", "domain"] }];
}
