// Facts derived from the config that validate and resolve both need. Pure functions of the
// config: validate checks with them, resolve builds the Model with them, so the two never disagree.
import type { LabConfig } from "../config/schema.ts";
import { intToIp, parseCidr } from "./ipv4.ts";

/** labgen's own state on every host (a dataset of the boot pool). */
export const STATE_DIR = "/var/lib/labgen";
/** Secrets on the host (deploy key, auth keys, passphrases): a dataset of its own below STATE_DIR. */
export const SECRETS_DIR = `${STATE_DIR}/secrets`;
/** Incus's own directory (its database, certificates, image cache) on NixOS. */
export const INCUS_DAEMON_DIR = "/var/lib/incus";

/**
 * root's password hash for the console, and only the console (SSH stays keys-only). NixOS reads a
 * hashedPasswordFile "on each system activation" (nixpkgs nixos/modules/config/users-groups.nix),
 * and at boot that runs before systemd mounts anything but the paths needed for boot (nixpkgs
 * nixos/lib/utils.nix, pathsNeededForBoot: "/", "/nix", "/var", …): so the file lives on /var,
 * not on the state dataset STATE_DIR. Without the file root stays locked.
 */
export const CONSOLE_PASSWORD_FILE = "/var/lib/labgen-console/root.hash";

/**
 * Where every instance finds the lab's root certificate: the local trust directory of Debian,
 * Ubuntu and Alpine, which `update-ca-certificates` adds to the system store.
 */
export const GUEST_CA_ROOT_PATH = "/usr/local/share/ca-certificates/labgen-root.crt";

/** The host that applies OpenTofu: configured, or the first host by name. */
export function tofuHostOf(lab: LabConfig): string {
  return lab.tofu.host ?? Object.keys(lab.hosts).sort()[0];
}

/** A bridge's gateway (the host's address on it): configured, or the subnet's first address. */
export function defaultGateway(net: LabConfig["networks"][string]): string {
  return net.gateway ?? intToIp(parseCidr(net.subnet).base + 1);
}

/** The datasets labgen itself creates in a pool: one source for resolve (which creates them) and validate (which keeps user datasets off them). */
export const DATASETS = {
  /** The boot pool's system datasets and their mountpoints. */
  system: [
    ["root", "/"],
    ["nix", "/nix"],
    ["var", "/var"],
    ["home", "/home"],
  ],
  /** On the boot pool, mounted at STATE_DIR: labgen's records (never rolled back). */
  state: "labgen",
  /** On the boot pool, mounted at SECRETS_DIR: no automatic snapshot, never rolled back. */
  secrets: "labgen/secrets",
  /** On the OpenTofu host's boot pool, mounted at ca.dir: no automatic snapshot, never rolled back. */
  ca: "labgen/ca",
  /** On the OpenTofu host's boot pool, mounted at tofu.stateDir: snapshotted before each deploy. */
  tofuState: "labgen/tofu",
  /** On the boot pool, mounted at INCUS_DAEMON_DIR (Incus's database): snapshotted before each deploy. */
  incusDaemon: "incusd",
  /** Parent of an Incus storage pool (not mounted; Incus owns it). */
  incus: "incus",
  /** Holds the pool's free-space reservation. */
  reserve: "reserved",
} as const;

/** Every dataset name labgen manages, in the order the error message lists them. */
export const MANAGED_DATASETS: readonly string[] = [...DATASETS.system.map(([name]) => name), DATASETS.state, DATASETS.incus, DATASETS.incusDaemon, DATASETS.reserve];
