// The Model's app parts: image remotes, app secrets, pushed files and health checks. Part of the
// Model (resolve/model.ts re-exports every type here; targets import them from there).

/** A config path (see model.ts). */
type ConfigPath = string;

export interface SecretModel {
  readonly name: string;
  readonly kind: "generated" | "file";
  /** generated: characters and alphabet. */
  readonly length: number | null;
  readonly alphabet: "alphanumeric" | "hex" | null;
  /** file: the host file the user provides. */
  readonly providedFile: string | null;
  /** The host that keeps it (the host of the instances that read it), or null when no instance uses it. */
  readonly host: string | null;
  /** <store>/<name> on the host. */
  readonly hostPath: string;
  /** Instances that read it (sorted). */
  readonly instances: readonly string[];
  readonly source: ConfigPath;
}

/** "local": an image imported on the instance's host (no remote is declared for it). */
export type ImageRemote = "images" | "docker" | "ghcr" | "quay" | "lscr" | "codeberg" | "local";

export interface InstanceSecretModel {
  readonly name: string;
  /** Path inside the instance, e.g. /secrets/forgejo-db-password. */
  readonly path: string;
  /** Path on the host of the instance's copy. */
  readonly hostPath: string;
}

export interface InstanceFileModel {
  readonly path: string;
  readonly content: string;
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly source: ConfigPath;
}

export interface HealthModel {
  readonly path: string;
  readonly interval: string;
  readonly timeout: string;
}

