/** What the CA script needs from the resolved lab model (the lead maps the Model onto this). */
export interface CaInput {
  /** Internal domain, e.g. "lab.home.arpa": the name constraint and the wildcard `*.<domain>`. */
  domain: string;
  /** Subject O= of the root and intermediate, e.g. "Homelab". */
  organization: string;
  /** Subject CN= of the root, e.g. "Homelab Root CA" (iOS lists roots by CN). */
  rootCommonName: string;
  intermediateCommonName: string;
  /**
   * Absolute directory ON THE HOST for keys and certificates, e.g. "/var/lib/labgen/ca" — never in
   * the repository. The environment variable LABGEN_CA_DIR overrides it at run time.
   */
  dir: string;
  /** e.g. 3650 */
  rootDays: number;
  /** e.g. 1825; at most rootDays */
  intermediateDays: number;
  /** ≤ 397 recommended, ≤ 825 enforced (Apple's limit for every TLS server certificate) */
  leafDays: number;
  /** `renew` re-issues when fewer than this many days remain, e.g. 30; below leafDays */
  renewBeforeDays: number;
}

/** File names the script creates inside the CA directory (the wiring of Traefik/NixOS uses them). */
export const CA_FILES = {
  /** Public trust anchor: what hosts (`security.pki.certificateFiles`) and devices install. */
  rootCert: "root.crt",
  /** Secret; only `init` needs it — can be kept offline afterwards. */
  rootKey: "root.key",
  intermediateCert: "intermediate.crt",
  /** Secret; signs the leaf (`issue`, `renew`). */
  intermediateKey: "intermediate.key",
  /** Wildcard leaf alone (`*.<domain>` + `<domain>`). */
  leafCert: "leaf.crt",
  /** Leaf + intermediate: the server certificate (Traefik `certFile`). */
  fullchain: "fullchain.crt",
  /** Secret; the server key (Traefik `keyFile`). */
  leafKey: "leaf.key",
} as const;

/**
 * How `issue` switches certificates atomically: each issue writes a new directory
 * `issued/<serial>/` (leaf.key, leaf.crt, fullchain.crt), then renames one symlink, `current`,
 * onto it. leaf.key, leaf.crt and fullchain.crt at the top are fixed symlinks into `current/`, so
 * their paths never change, and a reader that resolves `current` once sees a matching set.
 */
export const CA_ISSUE_LAYOUT = { issuedDir: "issued", current: "current" } as const;

/** `issue` backdates notBefore by this much, for clients whose clock runs a little behind. */
export const CA_BACKDATE_SECONDS = 300;
