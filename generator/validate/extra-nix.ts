// hosts/<host>/extra.nix: the user's own NixOS module for a host (a kernel parameter, a udev rule,
// a hardware quirk), imported by the generated configuration.nix when hosts.<host>.extraModule is
// true. It is the user's file, never generated; what it may not do is what the config may not:
// turn the host into an application server. `check` and `generate` parse it with the real Nix
// parser when `nix-instantiate` is installed and refuse services outside the foundation, with the
// config rule's message, located at the file and line.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_SERVICES, HOST_UNITS } from "../shared/foundation.ts";
import type { Diagnostic } from "../shared/diagnostics.ts";
import { nixBindings } from "./nix-attrs.ts";
import { hostAppServiceMessage } from "./schema-errors.ts";

/** Where a host's module lives, relative to the directory of lab.config.ts. */
export const extraModulePath = (host: string): string => `hosts/${host}/extra.nix`;

/**
 * `services.*` an extra.nix may set besides the foundation's own (HOST_SERVICES): hardware
 * plumbing of the machine itself, which no instance can do for it (udev rules for a USB quirk,
 * SMART disk monitoring, firmware updates, a metrics exporter of the host's own state).
 */
export const EXTRA_PLUMBING_SERVICES = ["udev", "smartd", "fwupd", "prometheus.exporters"] as const;

/** Container and VM runtimes on the bare metal: applications by another name. */
const APP_RUNTIMES = ["docker", "podman", "oci-containers", "libvirtd"];

function allowedService(path: readonly string[]): boolean {
  const name = path.slice(1).join(".");
  return [...HOST_SERVICES, ...EXTRA_PLUMBING_SERVICES].some((s) => name === s || name.startsWith(`${s}.`) || s.startsWith(`${name}.`));
}

/** nix-instantiate --parse: null when it parses (or Nix is not installed), else the error located. */
function nixParseError(file: string): { message: string; line?: number; column?: number } | null {
  const r = spawnSync("nix-instantiate", ["--parse", file], { encoding: "utf8" });
  if (r.error) return null; // not installed: the foundation check below still runs
  if (r.status === 0) return null;
  const text = (r.stderr ?? "").replace(/\x1b\[[0-9;]*m/g, "");
  const at = /at (?:«[^»]*»|\S+?):(\d+):(\d+)/.exec(text);
  const what = /error:\s*([^\n]+(?:\n(?!\s*\n)[^\n]+)*)/.exec(text)?.[1].replace(/\s+/g, " ").trim() ?? text.trim();
  return { message: what, line: at ? Number(at[1]) : undefined, column: at ? Number(at[2]) : undefined };
}

/** Reads the raw config (before or without a valid shape), so these errors come in the same round as the config's. */
export function checkExtraModules(configDir: string, raw: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const hosts = (raw as { hosts?: unknown } | null)?.hosts;
  if (!hosts || typeof hosts !== "object" || Array.isArray(hosts)) return out;
  for (const [host, h] of Object.entries(hosts as Record<string, unknown>)) {
    // A host name that cannot be a directory is the schema's to report.
    if (!/^[a-z0-9][a-z0-9-]*$/.test(host)) continue;
    const rel = extraModulePath(host);
    const file = join(configDir, rel);
    const present = existsSync(file);
    if ((h as { extraModule?: unknown } | null)?.extraModule !== true) {
      if (present)
        out.push({ severity: "warning", rule: "extra-module", path: ["hosts", host], message: `${rel} exists but is not imported: set extraModule: true to use it` });
      continue;
    }
    if (!present) {
      out.push({
        severity: "error",
        rule: "extra-module",
        path: ["hosts", host, "extraModule"],
        message: `${rel} does not exist: create it next to lab.config.ts (a NixOS module: \`{ config, lib, pkgs, ... }: { … }\`), or remove extraModule`,
      });
      continue;
    }
    const parse = nixParseError(file);
    if (parse) {
      out.push({ severity: "error", rule: "extra-module-syntax", path: [], file, line: parse.line, column: parse.column, message: `not valid Nix: ${parse.message}` });
      continue;
    }
    const seen = new Set<string>();
    const refuse = (key: string, b: { line: number; column: number }, path: string[], message: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ severity: "error", rule: "host-no-app-services", path, file, line: b.line, column: b.column, message });
    };
    const bindings = nixBindings(readFileSync(file, "utf8"));
    for (const b of bindings) {
      const [top, second, third] = b.path;
      if (top === "services") {
        if (second === undefined) {
          if (!b.hasSet) refuse("services", b, ["services"], "services is an expression here; write the services as a literal set so they can be checked");
        } else if (!allowedService(b.path)) refuse(`services.${second}`, b, ["services", second], hostAppServiceMessage([second]));
      } else if (top === "systemd" && (second === "services" || second === "timers")) {
        if (third === undefined) {
          if (!b.hasSet) refuse(`systemd.${second}`, b, ["systemd", second], `systemd.${second} is an expression here; write the units as a literal set so they can be checked`);
        } else if (!HOST_UNITS.includes(third)) refuse(`systemd.${third}`, b, ["systemd", second, third], hostAppServiceMessage([third]));
      } else if (top === "virtualisation" && second !== undefined && APP_RUNTIMES.includes(second)) {
        refuse(`virtualisation.${second}`, b, ["virtualisation", second], hostAppServiceMessage([second]));
      }
    }
  }
  return out;
}
