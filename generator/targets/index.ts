// The target registry. A target is a folder under targets/ whose index.ts exports
// plan<Name>(model) → OutputFile[]; it reads only the Model (never another target) and maps it to
// printer IR (builders named *Ir) and then to text. Adding a target: its folder, and one line in
// TARGETS. Docs comes last, outside the list, because lab.json records every other file.
import type { Model } from "../resolve/model.ts";
import { planCa } from "./ca/index.ts";
import { planDocs, planSchema } from "./docs/index.ts";
import { planGitops } from "./gitops/index.ts";
import { planNixos } from "./nixos/index.ts";
import { planSecrets } from "./secrets/index.ts";
import { planTofu } from "./tofu/index.ts";
import { planTraefik } from "./traefik/index.ts";
import type { OutputFile } from "./types.ts";

export interface Target {
  /** The folder under targets/. */
  readonly name: string;
  readonly plan: (model: Model) => OutputFile[];
}

export const TARGETS: readonly Target[] = [
  { name: "ca", plan: planCa },
  { name: "gitops", plan: planGitops },
  { name: "nixos", plan: planNixos },
  { name: "secrets", plan: planSecrets },
  { name: "tofu", plan: planTofu },
  { name: "traefik", plan: planTraefik },
  { name: "docs", plan: planSchema },
];

export function planAll(model: Model): OutputFile[] {
  const files = TARGETS.flatMap((t) => t.plan(model));
  for (const f of planDocs(model, files)) files.push(f);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
