// GitOps target: for every host with `gitops`, out/hosts/<host>/labgen-gitops.sh (the pull agent
// its systemd unit runs), out/hosts/<host>/labgen-rollback.sh (the admin's undo) and, on the CA
// host of a lab with an ingress, out/hosts/<host>/labgen-cert-renew.sh (the renewal timer). The NixOS
// target writes the units from GITOPS_UNIT.
export {
  GitopsInputError,
  TOFU_DIR_IN_REPO,
  allowedSignersFile,
  gitopsInput,
  agentScriptIr,
  rollbackScriptIr,
  printAgentScript,
  printRollbackScript,
  spanSeconds,
  renewScriptIr,
  NETWORK_DEADLINE_SECONDS,
  BACKOFF_MAX_SECONDS,
} from "./plan.ts";
export type { GitopsScriptInput } from "./plan.ts";
export { GITOPS_FILES, GITOPS_HISTORY_COLUMNS, GITOPS_UNIT, INTERMEDIATE_FAIL_DAYS, INTERMEDIATE_WARN_DAYS, gitopsInputCode, gitopsRuntimeInputs, gitopsTimerConfig } from "../../shared/gitops-unit.ts";
export type { GitopsNixInput, GitopsRuntimeInput } from "../../shared/gitops-unit.ts";

import type { Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { printShellScript } from "../../printers/shell/index.ts";
import { gitopsInput, printAgentScript, printRollbackScript, renewScriptIr } from "./plan.ts";
import { GITOPS_UNIT } from "../../shared/gitops-unit.ts";

/** Both scripts for every host that has gitops (hosts are already sorted by name in the Model). */
export function planGitops(model: Model): OutputFile[] {
  return model.hosts.flatMap((host) => {
    if (host.gitops === null) return [];
    const input = gitopsInput(model, host);
    // The scripts read the tofu settings (passphrase file, apply host) as well as the host's own.
    const sources = [`hosts.${host.name}.gitops`, "tofu"].sort();
    const renew = renewScriptIr(model, host);
    return [
      { path: `hosts/${host.name}/${GITOPS_UNIT.script}`, content: printAgentScript(input), executable: true, sources },
      { path: `hosts/${host.name}/${GITOPS_UNIT.rollbackScript}`, content: printRollbackScript(input), executable: true, sources },
      ...(renew === null
        ? []
        : [{ path: `hosts/${host.name}/${GITOPS_UNIT.renewScript}`, content: printShellScript(renew), executable: true, sources: ["ca", "ingress"] }]),
    ];
  });
}
