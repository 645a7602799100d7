import type { LabInput } from "./lab-input.generated.ts";

/**
 * Declare a lab. The identity function at run time: it exists so editors type-check and
 * document lab.config.ts. The parameter is the plain generated `LabInput` (not a generic
 * `<const T extends LabInput>`, which would turn off excess-property checks): a misspelt field is
 * a type error, and hovering a field shows its description. Validation happens when labgen loads
 * the file (`labgen check`).
 */
export function defineLab(lab: LabInput): LabInput {
  return lab;
}
