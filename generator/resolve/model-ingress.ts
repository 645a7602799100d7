// The Model's ingress (routes and the contract with the proxy's target) and its CA: part of
// model.ts, kept in a file of their own for size. Import them from model.ts.
import type { ConfigPath, HealthModel } from "./model.ts";

export interface RouteModel {
  readonly name: string;
  readonly hostname: string; // git.lab.home.arpa
  readonly url: string; // https://git.lab.home.arpa
  readonly instance: string;
  readonly port: number;
  readonly scheme: "http" | "https";
  /** Backend URL Traefik uses, e.g. http://10.10.0.11:3000 */
  readonly backend: string;
  /** The target instance's health check (probed on this route's port), or null. */
  readonly health: HealthModel | null;
  readonly source: ConfigPath;
}

export interface IngressModel {
  readonly instance: string;
  readonly host: string;
  /** The Traefik instance's address. */
  readonly address: string;
  /**
   * Sources Traefik lets through: ingress.allow as configured, then the guest sources the bridges'
   * DNS sends to Traefik (the ingress host's bridges; another host's LAN address for its NAT bridges).
   */
  readonly allow: readonly string[];
  readonly routes: readonly RouteModel[]; // sorted by name
  readonly source: ConfigPath;
  /** The proxy the ingress instance runs, as outputs name it to people (e.g. "Traefik"). */
  readonly software: string;
  /**
   * The ingress contract: every file the ingress instance needs pushed into it, in push order.
   * The proxy's target writes the generated ones; the OpenTofu target pushes them all and acts
   * on `onChange`, without knowing which proxy it is.
   */
  readonly files: readonly IngressFileModel[];
}

/** One file pushed into the ingress instance. */
export interface IngressFileModel {
  /** What the file is to the proxy: its static config, its watched dynamic config, the TLS chain or key. */
  readonly role: "static" | "dynamic" | "certificate" | "key";
  /** Absolute path inside the instance. */
  readonly path: string;
  /** Where the content comes from: a file labgen generates (path below out/), or a file on the apply host. */
  readonly from: { readonly generated: string } | { readonly host: string };
  readonly mode: "0644" | "0600";
  /** What the proxy needs after the file changed: a restart (read at start only) or nothing (it reloads by itself). */
  readonly onChange: "restart" | "reload";
  readonly source: ConfigPath;
}

export interface CaModel {
  /** Internal domain, e.g. "lab.home.arpa": the name constraint and the wildcard `*.<domain>`. */
  readonly domain: string;
  /** Subject O= of the root and intermediate, e.g. "Homelab". */
  readonly organization: string;
  /** Subject CN= of the root, e.g. "Homelab Root CA" (iOS lists roots by CN). */
  readonly rootCommonName: string;
  readonly intermediateCommonName: string;
  /**
   * Absolute directory ON THE HOST for keys and certificates, e.g. "/var/lib/labgen/ca" — never in
   * the repository. The environment variable LABGEN_CA_DIR overrides it at run time.
   */
  readonly dir: string;
  /** e.g. 3650 */
  readonly rootDays: number;
  /** e.g. 1825; at most rootDays */
  readonly intermediateDays: number;
  /** ≤ 397 recommended, ≤ 825 enforced (Apple's limit for every TLS server certificate) */
  readonly leafDays: number;
  /** `renew` re-issues when fewer than this many days remain, e.g. 30; below leafDays */
  readonly renewBeforeDays: number;
  /** Public files inside `dir`, written by ca.sh. */
  readonly files: {
    readonly rootCert: string; // <dir>/root.crt
    readonly fullchain: string; // <dir>/fullchain.crt (leaf + intermediate)
    readonly leafKey: string; // <dir>/leaf.key
    /** Where the root certificate is pushed in every instance, for the guests to trust. */
    readonly guestRoot: string;
  };
  readonly source: ConfigPath;
}
