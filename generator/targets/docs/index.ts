// Docs target: out/labgen.schema.json (the config language), out/lab.json and out/README.md (the
// lab, with the provenance of every other file, so it is planned last).
export { LAB_JSON, LAB_JSON_FORMAT, README, planDocs } from "./docs.ts";
export { labJsonSchema, labJsonSchemaText, planSchema } from "./schema.ts";
