import type { LabInput } from "./schema.ts";

/**
 * Declare a lab. The identity function at run time: it exists so editors type-check and
 * complete lab.config.ts against the schema. Validation happens when labgen loads the file.
 */
export function defineLab<const T extends LabInput>(lab: T): T {
  return lab;
}
