// CA target: CaInput → out/ca/ca.sh (private root + intermediate CA and the wildcard certificate).
export { CaInputError, caScriptIr, printCaScript, subjectValue } from "./plan.ts";
export { CA_FILES } from "../../shared/ca.ts";
export type { CaInput } from "./types.ts";

import type { Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { printCaScript } from "./plan.ts";

/** out/ca/ca.sh from the Model's CA, which is a CaInput (the model's rules already guarantee a valid one). */
export function planCa(model: Model): OutputFile[] {
  const content = printCaScript(model.ca);
  return [{ path: "ca/ca.sh", content, executable: true, sources: ["ca", "domain"] }];
}
