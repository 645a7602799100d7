// Text: every string and name in the config is something every output can carry. Runs on the raw
// config, before the schema, so a value that breaks a printer is refused with its place in the
// file whatever else is wrong.
import type { PathSegment } from "../../shared/diagnostics.ts";
import { textProblem } from "../../shared/text.ts";
import type { Rule } from "./common.ts";
import { secretKind } from "./secrets.ts";

/** Fields that hold multi-line text: cloud-init user data and raw Incus options. */
function multiline(path: readonly PathSegment[]): boolean {
  return (path[0] === "instances" && path[2] === "cloudInit" && path.length === 3) || (path[0] === "profiles" && path[2] === "config" && path.length === 4);
}

export const TEXT_RULES: Rule[] = [
  {
    id: "text",
    summary: "every string and name is valid Unicode (NFC) without control characters, and one line except cloud-init and profile options",
    raw: true,
    check(raw, d) {
      const seen = new Set<unknown>();
      const walk = (v: unknown, path: PathSegment[]) => {
        if (typeof v === "string") {
          // A pasted secret is reported as one (and never echoed) by the schema or secret-value.
          const p = secretKind(v) ? null : textProblem(v, multiline(path));
          if (p) d.error("text", path, p);
        } else if (v && typeof v === "object" && !seen.has(v)) {
          seen.add(v);
          if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
          else
            for (const [k, x] of Object.entries(v)) {
              const p = textProblem(k, false);
              if (p) d.error("text", [...path, k], `the name ${p}`);
              else walk(x, [...path, k]);
            }
        }
      };
      walk(raw, []);
    },
  },
];
