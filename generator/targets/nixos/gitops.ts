// The GitOps agent as configuration.nix wires it, from the agent's contract (GITOPS_UNIT, shared/gitops-unit.ts):
// the scripts next to configuration.nix (out/hosts/<host>/labgen-gitops.sh, labgen-rollback.sh)
// packaged with writeShellApplication and their runtime inputs, a oneshot service run by a timer,
// and the rollback command on PATH.
import { nix, type NixExpr } from "../../printers/nix/index.ts";
import type { HostModel } from "../../resolve/model.ts";
import { GITOPS_UNIT, gitopsRuntimeInputs, gitopsTimerConfig, type GitopsNixInput } from "../../shared/gitops-unit.ts";

export { GITOPS_UNIT, gitopsTimerConfig };

/** One runtime input as printer IR (the spelling of gitopsInputCode). */
function inputIR(input: GitopsNixInput): NixExpr {
  switch (input.kind) {
    case "pkgs":
      return nix.expr(`pkgs.${input.attr}`);
    case "config":
      return nix.expr(`config.${input.path.join(".")}`);
    case "withPlugins":
      return nix.call(`pkgs.${input.attr}.withPlugins`, nix.lambda("p", nix.list(input.plugins.map((p) => nix.expr(`p.${p}`)))));
  }
}

/** What the scripts find on PATH (writeShellApplication's runtimeInputs); OpenTofu and zfs only on the apply host. */
export function runtimeInputsIR(host: HostModel): NixExpr[] {
  return gitopsRuntimeInputs(host).map(inputIR);
}
