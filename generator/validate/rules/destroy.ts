// allowDestroy: the explicit yes that `labgen plan` needs before a deploy may destroy sacred state.
import type { Rule } from "./common.ts";

export const DESTROY_RULES: Rule[] = [
  {
    id: "allow-destroy",
    summary: "allowDestroy entries are well formed and listed once; each one is a warning until it is removed after the deploy",
    check(lab, d) {
      const seen = new Map<string, number>();
      lab.allowDestroy.forEach((entry, i) => {
        const path = ["allowDestroy", i];
        const colon = entry.indexOf(":");
        const kind = entry.slice(0, colon);
        const name = entry.slice(colon + 1);
        // Datasets are named per host (two hosts can both have tank/media); the others are lab-wide names.
        const shape = kind === "dataset" ? /^[^:/\s]+:[^:/\s]+(\/[^:/\s]+)+$/ : /^[^:/\s]+$/;
        if (!shape.test(name)) {
          const want = kind === "dataset" ? '"dataset:<host>:<pool>/<dataset>", e.g. "dataset:nas:tank/media"' : `"${kind}:<name>" with the ${kind}'s name`;
          d.error("allow-destroy", path, `'${entry}' is not ${want}: copy the name that \`labgen plan\` prints`);
          return;
        }
        const first = seen.get(entry);
        if (first !== undefined) {
          d.error("allow-destroy", path, `'${entry}' is already allowDestroy[${first}]: list each object once`);
          return;
        }
        seen.set(entry, i);
        d.warn("allow-destroy", path, `the next deploy may destroy ${kind} ${name} and its data: remove this entry after the deploy`);
      });
    },
  },
];
