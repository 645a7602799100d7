// What lab.config.ts imports as "labgen". The input types are generated from the schema at build
// time (lab-input.generated.ts, with every field's description as its documentation).
export { defineLab } from "./define.ts";
export type { LabInput, HostInput, InstanceInput } from "./lab-input.generated.ts";
export type { LabConfig, HostConfig, InstanceConfig } from "./schema.ts";
