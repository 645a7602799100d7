// out/labgen.schema.json: the JSON Schema of lab.config.ts, from zod's own conversion, so
// editors and agents can read the config language without TypeScript.
import { z } from "zod";
import { LabSchema } from "../../config/schema.ts";
import type { OutputFile } from "../types.ts";

// The bundled CLI gets the converted schema text at build time (scripts/build.mjs): it depends
// only on the schema's source, and converting it took ~10 ms of every cold run.
declare const __LABGEN_SCHEMA_TEXT__: string | undefined;

export function labJsonSchema(): unknown {
  // "input": what the user writes (fields with defaults are optional).
  return z.toJSONSchema(LabSchema, { io: "input", target: "draft-2020-12" });
}

export function labJsonSchemaText(): string {
  return typeof __LABGEN_SCHEMA_TEXT__ === "string" ? __LABGEN_SCHEMA_TEXT__ : `${JSON.stringify(labJsonSchema(), null, 2)}\n`;
}

export function planSchema(): OutputFile[] {
  return [{ path: "labgen.schema.json", content: labJsonSchemaText(), sources: ["(schema)"] }];
}
