// The foundation rule, enforced on the IR of every configuration.nix before it is printed:
// the bare metal runs NixOS maintenance and plumbing only, never an application. Every
// application runs in an Incus instance (DESIGN.md: "Zero application services on the bare metal").
import type { NixAttrs } from "../../printers/nix/index.ts";
import { GITOPS_UNIT } from "../../shared/gitops-unit.ts";
import { SECRETS_UNIT } from "../../shared/secrets.ts";
import { BOOT_ESP_UNIT } from "./layout.ts";
import { flattenBindings, type OptionBinding } from "./walk.ts";

/**
 * The closed list of NixOS `services.*` modules a host may configure: remote access (openssh,
 * tailscale) and ZFS maintenance (zfs: scrub and trim; sanoid: snapshots of the host's own
 * datasets). Incus is `virtualisation.incus`, not a service.
 */
export const HOST_SERVICES = ["openssh", "tailscale", "zfs", "sanoid"] as const;

/**
 * The closed list of systemd units (services and timers) this target defines itself: labgen's own
 * foundation (the GitOps agent, certificate renewal, the app-secrets oneshot, the ESP fallback for a degraded boot mirror), never an application.
 */
export const HOST_UNITS: readonly string[] = [...new Set([GITOPS_UNIT.service, GITOPS_UNIT.timer, GITOPS_UNIT.renewService, SECRETS_UNIT.service, BOOT_ESP_UNIT])];

export class NixosTargetError extends Error {
  override name = "NixosTargetError";
}

const show = (b: OptionBinding): string => b.path.join(".");

/**
 * Throws when the module body configures a `services.*` module outside HOST_SERVICES, or a
 * systemd service/timer outside HOST_UNITS. A value the guard cannot see into (an expression
 * where a set is expected) is refused too.
 */
export function assertFoundationOnly(host: string, body: NixAttrs): void {
  const problems: string[] = [];
  const services = new Set<string>(HOST_SERVICES);
  const units = new Set<string>(HOST_UNITS);
  for (const b of flattenBindings(body)) {
    const [top, second, third] = b.path;
    if (top === "services") {
      if (second === undefined) problems.push(`${show(b)} is an expression; services must be literal sets`);
      else if (!services.has(second))
        problems.push(`services.${second} is not a foundation service (allowed: ${HOST_SERVICES.join(", ")})`);
    }
    if (top === "systemd" && (second === "services" || second === "timers")) {
      if (third === undefined) problems.push(`${show(b)} is an expression; systemd units must be literal sets`);
      else if (!units.has(third))
        problems.push(`systemd.${second}.${third} is not a labgen unit (allowed: ${HOST_UNITS.join(", ")})`);
    }
  }
  if (problems.length) {
    throw new NixosTargetError(
      `configuration.nix of host '${host}' would run something other than the foundation ` +
        `(applications belong in Incus instances):\n  ${problems.join("\n  ")}`,
    );
  }
}
