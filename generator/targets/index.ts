// The targets, in the order their files are planned. Each maps the Model to files; docs comes
// last because lab.json records the provenance of every other file.
import type { Model } from "../resolve/model.ts";
import { planCa } from "./ca/index.ts";
import { planAgents } from "./docs/agents.ts";
import { planDocs } from "./docs/docs.ts";
import { planGitops } from "./gitops/index.ts";
import { planNixos } from "./nixos/index.ts";
import { planTofu } from "./tofu/index.ts";
import { planTraefik } from "./traefik/index.ts";
import { planSchema } from "./docs/schema.ts";
import type { OutputFile } from "./types.ts";

type Target = (model: Model) => OutputFile[];

const TARGETS: Target[] = [planCa, planGitops, planNixos, planTofu, planTraefik];

export function planAll(model: Model): OutputFile[] {
  const files = TARGETS.flatMap((t) => t(model));
  files.push(...planSchema());
  files.push(...planAgents(model));
  files.push(...planDocs(model, files));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
