// File names ca.sh creates inside the CA directory. One source: resolve derives the paths the
// Model carries (model.ca.files) from it, and the CA target's tests check the script creates them.
/** File names the script creates inside the CA directory (the Model derives the paths other targets use). */
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
