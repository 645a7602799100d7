// Docs target: out/labgen.schema.json (the config language), out/AGENTS.md (the brief for AI
// agents), out/lab.json and out/README.md (the lab, with the provenance of every other file, so
// it is planned last).
export { AGENTS_MD, planAgents } from "./agents.ts";
export { LAB_JSON, LAB_JSON_FORMAT, README, planDocs } from "./docs.ts";
export { labJsonSchema, labJsonSchemaText, planSchema } from "./schema.ts";
