// Facts derived from the config that validate and resolve both need. Pure functions of the
// config: validate checks with them, resolve builds the Model with them, so the two never disagree.
import type { LabConfig } from "../config/schema.ts";
import { intToIp, parseCidr } from "./ipv4.ts";

/** labgen's own state on every host (a dataset of the boot pool). */
export const STATE_DIR = "/var/lib/labgen";

/** The host that applies OpenTofu: configured, or the first host by name. */
export function tofuHostOf(lab: LabConfig): string {
  return lab.tofu.host ?? Object.keys(lab.hosts).sort()[0];
}

/** A bridge's gateway (the host's address on it): configured, or the subnet's first address. */
export function defaultGateway(net: LabConfig["networks"][string]): string {
  return net.gateway ?? intToIp(parseCidr(net.subnet).base + 1);
}
