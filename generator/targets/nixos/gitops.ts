// The GitOps agent as configuration.nix wires it (its let bindings and its section), from the agent's contract (GITOPS_UNIT, shared/gitops-unit.ts):
// the scripts next to configuration.nix (out/hosts/<host>/labgen-gitops.sh, labgen-rollback.sh)
// packaged with writeShellApplication and their runtime inputs, a oneshot service run by a timer,
// the rollback command on PATH, and on the CA host the certificate renewal timer.
import { nix, type NixBinding, type NixEntry, type NixExpr } from "../../printers/nix/index.ts";
import type { HostModel } from "../../resolve/model.ts";
import { commentFor } from "./text.ts";
import { GITOPS_UNIT, gitopsRuntimeInputs, gitopsTimerConfig, renews, type GitopsNixInput } from "../../shared/gitops-unit.ts";

export { GITOPS_UNIT, gitopsTimerConfig, renews };

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

/** What the scripts find on PATH (writeShellApplication's runtimeInputs); OpenTofu only on the apply host. */
export function runtimeInputsIr(host: HostModel): NixExpr[] {
  return gitopsRuntimeInputs(host).map(inputIR);
}

function renewSection(): NixBinding[] {
  const unit = GITOPS_UNIT;
  return [
    b(
      ["systemd", "services", unit.renewService],
      nix.attrs([
        b("description", "labgen: renew the lab's certificate and hand it to the ingress"),
        b(["serviceConfig", "Type"], "oneshot"),
        b(["serviceConfig", "ExecStart"], e(`lib.getExe ${unit.renewService}`)),
      ]),
      comment("The certificate renews itself before it expires and reaches the ingress (a push and a restart of that instance only)."),
    ),
    b(
      ["systemd", "timers", unit.renewService],
      nix.attrs([b("wantedBy", nix.list(["timers.target"])), b("timerConfig", nix.attrs(Object.entries(unit.renewTimer).map(([k, v]) => b(k, v))))]),
    ),
  ];
}

export function gitopsSection(host: HostModel, renew: boolean): NixBinding[] {
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
        ...(g.onFailure.length > 0
          ? [b("onFailure", nix.list([...g.onFailure]), comment("gitops.onFailure: told about every failed or refused deploy."))]
          : []),
        b(
          "serviceConfig",
          nix.attrs([
            b("Type", settings.type),
            b("User", settings.user),
            b("ExecStart", e(`lib.getExe ${unit.service}`)),
            b("TimeoutStartSec", settings.timeoutStartSec, comment("A hung build or apply ends the run; the next one retries with backoff.")),
            b("SuccessExitStatus", settings.successExitStatus, comment("75: nothing to do now (busy, backoff, held commit, waiting for the CA), not a failure.")),
          ]),
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
    ...(renew ? renewSection() : []),
  ];
}

/** The let bindings of the module (the GitOps agent's packages), or none. */
export function gitopsLetEntries(host: HostModel, renew: boolean): NixEntry[] {
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
    ...(renew ? renewLetEntries() : []),
  ];
}

/** labgen-ca (out/ca/ca.sh) and labgen-cert-renew, packaged like the agent. */
function renewLetEntries(): NixEntry[] {
  const unit = GITOPS_UNIT;
  const tools = unit.renewRuntimeInputs.map((p) => e(`pkgs.${p}`));
  const app = (name: string, inputs: NixExpr[], file: string) =>
    nix.call(
      "pkgs.writeShellApplication",
      nix.attrs([b("name", name), b("runtimeInputs", nix.list(inputs)), b("text", nix.call("builtins.readFile", nix.path(file)))]),
    );
  return [
    b(unit.caCommand, app(unit.caCommand, tools, unit.caScriptFromHost), comment("out/ca/ca.sh, for the renewal timer and the admins.")),
    b(unit.renewService, app(unit.renewService, [e(unit.caCommand), e("config.virtualisation.incus.clientPackage"), ...tools], `./${unit.renewScript}`)),
  ];
}
