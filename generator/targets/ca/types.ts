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
