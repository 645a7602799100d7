// The GitOps agent as configuration.nix wires it (its let bindings and its section), from the agent's contract (GITOPS_UNIT, shared/gitops-unit.ts):
// the scripts next to configuration.nix (out/hosts/<host>/labgen-gitops.sh, labgen-rollback.sh)
// packaged with writeShellApplication and their runtime inputs, a oneshot service run by a timer,
// and the rollback command on PATH.
import { nix, type NixBinding, type NixEntry, type NixExpr } from "../../printers/nix/index.ts";
import type { HostModel } from "../../resolve/model.ts";
import { commentFor } from "./text.ts";
import { GITOPS_UNIT, gitopsRuntimeInputs, gitopsTimerConfig, type GitopsNixInput } from "../../shared/gitops-unit.ts";

export { GITOPS_UNIT, gitopsTimerConfig };

const b = nix.bind;
const e = nix.expr;
const comment = commentFor("configuration");

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
export function runtimeInputsIr(host: HostModel): NixExpr[] {
  return gitopsRuntimeInputs(host).map(inputIR);
}

export function gitopsSection(host: HostModel): NixBinding[] {
  const g = host.gitops;
  if (!g) return [];
  const unit = GITOPS_UNIT;
  const settings = unit.serviceSettings;
  const what = g.appliesTofu
    ? "pull the lab repository, rebuild this host, apply OpenTofu"
    : "pull the lab repository, rebuild this host";
  const timer = gitopsTimerConfig(g);
  return [
    b(
      ["systemd", "services", unit.service],
      nix.attrs([
        b("description", `labgen GitOps agent: ${what}`),
        b("after", nix.list([...settings.after])),
        b("wants", nix.list([...settings.wants])),
        b(
          "restartIfChanged",
          settings.restartIfChanged,
          comment(
            "It runs nixos-rebuild switch itself: restarting or stopping it then would kill the deploy in " +
              "progress (as for system.autoUpgrade's unit).",
          ),
        ),
        b(["unitConfig", "X-StopOnRemoval"], settings.stopOnRemoval),
        b(
          "serviceConfig",
          nix.attrs([b("Type", settings.type), b("User", settings.user), b("ExecStart", e(`lib.getExe ${unit.service}`))]),
        ),
      ]),
      comment(`The GitOps agent: ${g.repository}, branch ${g.branch}.`),
    ),
    b(
      ["systemd", "timers", unit.timer],
      nix.attrs([
        b("wantedBy", nix.list(["timers.target"])),
        b(
          "timerConfig",
          nix.attrs(Object.entries(timer).map(([k, v]) => b(k, v))),
          comment(`Shortly after boot, then ${g.interval} after each run ends: a long deploy never overlaps the next.`),
        ),
      ]),
    ),
    b(
      ["environment", "systemPackages"],
      nix.list([e(unit.rollbackCommand)]),
      comment(`For the admins: \`${unit.rollbackCommand}\` goes back to the previous deploy.`),
    ),
  ];
}

/** The let bindings of the module (the GitOps agent's packages), or none. */
export function gitopsLetEntries(host: HostModel): NixEntry[] {
  if (!host.gitops) return [];
  const unit = GITOPS_UNIT;
  const app = (name: string, script: string) =>
    nix.call(
      "pkgs.writeShellApplication",
      nix.attrs([
        b("name", name),
        nix.inherit(["runtimeInputs"]),
        b("text", nix.call("builtins.readFile", nix.path(`./${script}`))),
      ]),
    );
  return [
    b(
      "runtimeInputs",
      nix.list(runtimeInputsIr(host)),
      comment(
        "The GitOps agent: the scripts next to this file, with their tools on PATH (writeShellApplication " +
          "also runs shellcheck on them at build time).",
      ),
    ),
    b(unit.service, app(unit.service, unit.script)),
    b(unit.rollbackCommand, app(unit.rollbackCommand, unit.rollbackScript)),
  ];
}
