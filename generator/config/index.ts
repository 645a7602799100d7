// What lab.config.ts imports as "labgen".
export { defineLab } from "./define.ts";
export type { LabInput, LabConfig, HostConfig, InstanceConfig } from "./schema.ts";
