// The README's "Deploys and rollback" section and the certificate renewal paragraph: what the
// GitOps agent snapshots, keeps and refuses, and the dates of the TLS policy.
import type { Model } from "../../resolve/model.ts";
import { INTERMEDIATE_FAIL_DAYS, INTERMEDIATE_WARN_DAYS } from "../../shared/gitops-unit.ts";
import type { md } from "./markdown.ts";

type Doc = ReturnType<typeof md>;
const code = (s: string): string => `\`${s}\``;

export function deploysSection(d: Doc, model: Model): void {
  const agents = model.hosts.filter((h) => h.gitops);
  if (agents.length === 0) return;
  d.h(2, "Deploys and rollback");
  const applier = agents.find((h) => h.gitops!.appliesTofu);
  const across =
    applier !== undefined && model.hosts.length > 1
      ? `; the agent on ${applier.name} takes them on every host, through their Incus remotes, so one set is the undo point of everything its apply changes${agents.length > 1 ? ", and the other agents take none" : ""}`
      : "";
  d.p(
    `Before each deploy the GitOps agent takes a labgen snapshot set: an Incus snapshot of every instance and custom volume (Incus can restore it${across}) and a ZFS snapshot ` +
      `of Incus's database and the OpenTofu state (${[...new Set(agents.flatMap((h) => h.undoDatasets))].map(code).join(", ")}). It never snapshots a dataset Incus owns. ` +
      "Secrets, the CA and labgen's records are on datasets no snapshot set or rollback touches.",
  );
  d.table(
    ["host", "sets kept", "deploys"],
    agents.map((h) => [
      h.name,
      String(h.gitops!.keepSnapshots),
      `${h.gitops!.branch}, fast-forward only${h.gitops!.allowedSigners.length > 0 ? ", signed commits only" : ", unsigned commits accepted (no allowedSigners)"}`,
    ]),
  );
  d.p(
    `${code("labgen-rollback <commit>")} returns NixOS to the generation before that deploy and applies the previous commit's ${code("tofu/")}; ` +
      `${code("--data")} restores instances and volumes from the set taken before it. When that generation runs an older Incus, which refuses a database a newer one migrated, ` +
      `Incus's database goes back to the set's snapshot too; ${code("--dry-run")} lists every step. ` +
      (applier !== undefined && agents.length > 1
        ? `Undo a deploy on ${applier.name} first, then on the other hosts: its re-apply removes what the undone deploys created on every host while each host's Incus still knows it. `
        : "") +
      "A change that destroys a volume, a pool, a dataset or an instance's root disk " +
      `needs an ${code("allowDestroy")} entry, or the agent refuses the deploy.`,
  );
}

export function renewalParagraph(d: Doc, model: Model): void {
  const ing = model.ingress;
  if (ing === null) return;
  const ca = model.ca;
  const caHost = model.hosts.find((h) => h.gitops?.appliesTofu);
  d.p(
    caHost
      ? `Renewal is automatic on ${caHost.name}: ${code("labgen-cert-renew.timer")} runs daily; the wildcard certificate (valid ${ca.leafDays} days) is re-issued ` +
          `when fewer than ${ca.renewBeforeDays} days remain, pushed into ${code(ing.instance)} (${code("incus file push")}) and only that instance restarts, ` +
          `since OpenTofu re-pushes a file only when its path changes. The intermediate (valid ${ca.intermediateDays} days) is not renewed automatically: ` +
          `the timer warns in the journal from ${INTERMEDIATE_WARN_DAYS} days before it expires and fails (its unit's OnFailure= hook) from ${INTERMEDIATE_FAIL_DAYS} days.`
      : `OpenTofu copies the chain and key from ${code(ca.dir)} into the ${ing.software} instance when it creates it; without a GitOps agent on the OpenTofu host nothing renews them: ` +
          `run ${code("ca.sh renew")} and ${code(`tofu apply -replace=incus_instance.${ing.instance}`)} before ${ca.leafDays} days have passed.`,
  );
}
