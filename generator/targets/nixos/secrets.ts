// App secrets as configuration.nix wires them (SECRETS_UNIT, shared/secrets.ts): the script next to
// configuration.nix (out/hosts/<host>/labgen-secrets.sh) packaged with writeShellApplication, a
// oneshot that runs it at boot before Incus and the GitOps agent, and the admins' commands on PATH.
import { nix, type NixBinding, type NixEntry } from "../../printers/nix/index.ts";
import type { HostModel, Model } from "../../resolve/model.ts";
import { GITOPS_UNIT } from "../../shared/gitops-unit.ts";
import { SECRETS_UNIT } from "../../shared/secrets.ts";
import { commentFor } from "./text.ts";

const b = nix.bind;
const e = nix.expr;
const comment = commentFor("configuration");

/** Whether this host keeps app secrets (model.secrets[].host). */
export function keepsSecrets(model: Model, host: HostModel): boolean {
  return model.secrets.some((s) => s.host === host.name);
}

/**
 * labgen-secrets generates the missing secrets at boot (values from /dev/urandom, on the host
 * only) and gives each instance its read-only copies, before Incus starts instances and before the
 * GitOps agent applies OpenTofu. Foundation plumbing, not an application.
 */
export function secretsSection(model: Model, host: HostModel): NixBinding[] {
  if (!keepsSecrets(model, host)) return [];
  return [
    b(
      ["systemd", "services", SECRETS_UNIT.service],
      nix.attrs([
        b("description", "labgen app secrets: generate missing ones, copy them to their instances"),
        b("wantedBy", nix.list(["multi-user.target"])),
        b("before", nix.list([...SECRETS_UNIT.before])),
        b(
          "serviceConfig",
          nix.attrs([
            b("Type", "oneshot"),
            b("RemainAfterExit", true),
            b("ExecStart", e(`lib.getExe ${SECRETS_UNIT.command}`), comment("No argument: ensure.")),
          ]),
        ),
      ]),
      comment("Instances mount /var/lib/labgen/secrets/instances/<name> read-only: it must exist before they start."),
    ),
  ];
}

/** The admins' commands: labgen-rollback (GitOps) and labgen-secrets (app secrets). */
export function adminCommands(model: Model, host: HostModel, renews: boolean): NixBinding[] {
  const cmds: [string, string][] = [];
  if (host.gitops) cmds.push([GITOPS_UNIT.rollbackCommand, "goes back to the previous deploy"]);
  if (renews) cmds.push([GITOPS_UNIT.caCommand, "is out/ca/ca.sh"]);
  if (keepsSecrets(model, host)) cmds.push([SECRETS_UNIT.command, "rotate <name> gives a secret a new value and restarts its readers"]);
  if (cmds.length === 0) return [];
  return [
    b(
      ["environment", "systemPackages"],
      nix.list(cmds.map(([c]) => e(c))),
      comment(`For the admins: ${cmds.map(([c, why]) => `\`${c}\` ${why}`).join("; ")}.`),
    ),
  ];
}

/** The let binding of the labgen-secrets package, or none. */
export function secretsLetEntries(model: Model, host: HostModel): NixEntry[] {
  if (!keepsSecrets(model, host)) return [];
  return [
    b(
      SECRETS_UNIT.command,
      nix.call(
        "pkgs.writeShellApplication",
        nix.attrs([
          b("name", SECRETS_UNIT.command),
          b(
            "runtimeInputs",
            nix.list([e("pkgs.coreutils"), e("config.virtualisation.incus.clientPackage")]),
            comment("coreutils for files and /dev/urandom; incus for `rotate`, which restarts the readers."),
          ),
          b("text", nix.call("builtins.readFile", nix.path(`./${SECRETS_UNIT.script}`))),
        ]),
      ),
      comment("App secrets: the script next to this file (names and paths only, never a value)."),
    ),
  ];
}
