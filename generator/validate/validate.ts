// validate: raw default export → schema-valid LabConfig, plus every semantic finding at once.
import { LabSchema, type LabConfig } from "../config/schema.ts";
import { DiagnosticBag, type Diagnostic } from "../shared/diagnostics.ts";
import { runRules } from "./rules.ts";
import { zodIssuesToDiagnostics } from "./schema-errors.ts";

export interface Validated {
  /** Null when there are errors. */
  readonly config: LabConfig | null;
  readonly diagnostics: Diagnostic[];
}

export function validate(raw: unknown): Validated {
  const parsed = LabSchema.safeParse(raw);
  // Semantic rules need a well-shaped config; shape errors come first, all of them at once.
  if (!parsed.success) return { config: null, diagnostics: zodIssuesToDiagnostics(parsed.error.issues, raw) };
  const bag = new DiagnosticBag();
  runRules(parsed.data, bag);
  return { config: bag.errors.length ? null : parsed.data, diagnostics: bag.items };
}
