// Text: every string and name in the config is something every output can carry. Runs on the raw
// config, before the schema, so a value that breaks a printer is refused with its place in the
// file whatever else is wrong.
import type { PathSegment } from "../../shared/diagnostics.ts";
import { textProblem } from "../../shared/text.ts";
import type { Rule } from "./common.ts";
import { secretKind } from "./secrets.ts";

/** Fields that hold multi-line text: cloud-init user data, raw Incus options, files pushed into an instance. */
function multiline(path: readonly PathSegment[]): boolean {
  return (
    (path[0] === "instances" && path[2] === "cloudInit" && path.length === 3) ||
    (path[0] === "instances" && path[2] === "files" && path[4] === "content" && path.length === 5) ||
    (path[0] === "profiles" && path[2] === "config" && path.length === 4)
  );
}

export const TEXT_RULES: Rule[] = [
  {
    id: "text",
    summary: "every string and name is valid Unicode (NFC) without control characters, and one line except cloud-init and profile options",
    raw: true,
    check(raw, d) {
      // One path array, pushed and popped: the walk visits every string of labs with 10,000
      // instances, and copies a path only for a finding.
      const path: PathSegment[] = [];
      const seen = new Set<unknown>();
      const walk = (v: unknown) => {
        if (typeof v === "string") {
          const p = textProblem(v, multiline(path));
          // A pasted secret is reported as one (and never echoed) by the schema or secret-value.
          if (p && !secretKind(v)) d.error("text", [...path], p);
        } else if (v && typeof v === "object" && !seen.has(v)) {
          seen.add(v);
          if (Array.isArray(v))
            for (let i = 0; i < v.length; i++) {
              path.push(i);
              walk(v[i]);
              path.pop();
            }
          else
            for (const k of Object.keys(v)) {
              path.push(k);
              const p = textProblem(k, false);
              if (p) d.error("text", [...path], `the name ${p}`);
              else walk((v as Record<string, unknown>)[k]);
              path.pop();
            }
        }
      };
      walk(raw);
    },
  },
];
