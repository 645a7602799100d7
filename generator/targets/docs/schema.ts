// out/labgen.schema.json: the JSON Schema of lab.config.ts, from zod's own conversion, so
// editors and agents can read the config language without TypeScript.
import { z } from "zod";
import { LabSchema } from "../../config/schema.ts";
import type { OutputFile } from "../types.ts";

export function labJsonSchema(): unknown {
  // "input": what the user writes (fields with defaults are optional).
  return z.toJSONSchema(LabSchema, { io: "input", target: "draft-2020-12" });
}

export function planSchema(): OutputFile[] {
  return [{ path: "labgen.schema.json", content: `${JSON.stringify(labJsonSchema(), null, 2)}\n`, sources: ["(schema)"] }];
}
