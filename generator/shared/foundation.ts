// What a host may run besides NixOS itself (DESIGN.md: "Zero application services on the bare
// metal"): read by the NixOS target's guard on the generated configuration and by validate on a
// host's own extra.nix. Imports only shared/ facts: validate reads this without reaching the Model.
import { SECRETS_UNIT } from "./secrets.ts";

/**
 * The closed list of NixOS `services.*` modules a host may configure: remote access (openssh,
 * tailscale) and ZFS maintenance (zfs: scrub and trim; sanoid: snapshots of the host's own
 * datasets). Incus is `virtualisation.incus`, not a service.
 */
export const HOST_SERVICES = ["openssh", "tailscale", "zfs", "sanoid"] as const;

/** The GitOps agent's systemd service and timer (GITOPS_UNIT.service and .timer). */
export const GITOPS_UNIT_NAME = "labgen-gitops";

/** The certificate renewal's service and timer (GITOPS_UNIT.renewService). */
export const CERT_RENEW_UNIT_NAME = "labgen-cert-renew";

/** Mounts a surviving fallback ESP on /boot when the first boot disk is gone (degraded mirror). */
export const BOOT_ESP_UNIT = "labgen-boot-esp";

/**
 * The closed list of systemd units (services and timers) labgen defines on a host: its own
 * foundation (the GitOps agent, certificate renewal, the app-secrets oneshot, the ESP fallback for
 * a degraded boot mirror), never an application.
 */
export const HOST_UNITS: readonly string[] = [GITOPS_UNIT_NAME, CERT_RENEW_UNIT_NAME, SECRETS_UNIT.service, BOOT_ESP_UNIT];
