// validate: raw default export → schema-valid LabConfig, plus every semantic finding at once.
import { LabSchema, type LabConfig } from "../config/schema.ts";
import { DiagnosticBag, type Diagnostic } from "../shared/diagnostics.ts";
import { placeholderDiagnostics, placeholderPaths, underAny } from "./placeholders.ts";
import { runRules } from "./rules.ts";
import { zodIssuesToDiagnostics } from "./schema-errors.ts";

export interface Validated {
  /** Null when there are errors. */
  readonly config: LabConfig | null;
  readonly diagnostics: Diagnostic[];
}

export function validate(raw: unknown): Validated {
  // A placeholder left by `labgen init` is one error, whatever else its made-up value breaks.
  const holes = placeholderDiagnostics(raw);
  if (holes.length) {
    const paths = placeholderPaths(raw);
    const rest = validateFilled(raw).diagnostics.filter((d) => !underAny(paths, d.path));
    return { config: null, diagnostics: [...holes, ...rest] };
  }
  return validateFilled(raw);
}

function validateFilled(raw: unknown): Validated {
  const parsed = LabSchema.safeParse(raw);
  // Semantic rules need a well-shaped config; shape errors come first, all of them at once.
  if (!parsed.success) return { config: null, diagnostics: zodIssuesToDiagnostics(parsed.error.issues, raw) };
  const bag = new DiagnosticBag();
  runRules(parsed.data, bag);
  return { config: bag.errors.length ? null : parsed.data, diagnostics: bag.items };
}
