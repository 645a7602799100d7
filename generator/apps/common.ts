// What every preset shares: the types of what they take and return, and small helpers.
import type { InstanceInput, SecretInput } from "../config/schema.ts";
import { SECRETS_LAYOUT } from "../shared/secrets.ts";

/** What a preset returns: instances by name, and the secrets they read by name. */
export interface App {
  readonly instances: Record<string, InstanceInput>;
  readonly secrets: Record<string, SecretInput>;
}

/** Options every preset takes. */
export interface AppOptions {
  /** Instance name (default: the app's name); secrets are named after it. */
  readonly name?: string;
  /** Host that runs it. */
  readonly host: string;
  /** Network (bridge) it joins; the ingress must share it. */
  readonly network: string;
  /** Storage pool of the root disk. */
  readonly storage: string;
  /** Storage pool of the data volumes (default: `storage`). */
  readonly dataStorage?: string;
  /** Quota of the main data volume. */
  readonly dataSize?: string;
  /** Image tag (default: VERSIONS). */
  readonly version?: string;
  readonly cpu?: number;
  readonly memory?: string;
  /** Static address on the network (default: allocated in lab.lock.json). */
  readonly ipv4?: string;
  readonly profiles?: readonly string[];
  readonly description?: string;
  /** Extra environment variables (they win over the preset's). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly snapshots?: { readonly schedule: string; readonly expiry: string };
}

/** Options of apps served through the ingress. */
export interface WebAppOptions extends AppOptions {
  /** The public URL of its route, e.g. "https://git.lab.home.arpa". */
  readonly url: string;
}

/** Merges apps (and any extra instances or secrets); a name used twice is an error. */
export function apps(...list: App[]): App {
  const instances: Record<string, InstanceInput> = {};
  const secrets: Record<string, SecretInput> = {};
  for (const app of list) {
    for (const [k, v] of Object.entries(app.instances)) {
      if (k in instances) throw new Error(`apps(): two apps define the instance '${k}': give one a different name`);
      instances[k] = v;
    }
    for (const [k, v] of Object.entries(app.secrets)) {
      if (k in secrets) throw new Error(`apps(): two apps define the secret '${k}': give one a different name`);
      secrets[k] = v;
    }
  }
  return { instances, secrets };
}

/** Where an instance finds a secret it lists (labgen mounts them read-only there). */
export const secretFile = (name: string): string => `${SECRETS_LAYOUT.mount}/${name}`;

export const generated = (length = 32): SecretInput => ({ kind: "generated", length, alphabet: "alphanumeric" });

export function base(o: AppOptions, image: string, defaults: { cpu: number; memory: string; description: string }) {
  return {
    host: o.host,
    image,
    description: o.description ?? defaults.description,
    cpu: o.cpu ?? defaults.cpu,
    memory: o.memory ?? defaults.memory,
    storage: o.storage,
    profiles: [...(o.profiles ?? [])],
    nics: [{ network: o.network, ...(o.ipv4 ? { ipv4: o.ipv4 } : {}) }],
    ...(o.snapshots ? { snapshots: { ...o.snapshots } } : {}),
    environment: {} as Record<string, string>,
  };
}

/** The instance with the user's environment on top of the preset's. */
export function finish(o: AppOptions, i: ReturnType<typeof base> & Record<string, unknown>): InstanceInput {
  return { ...i, environment: { ...i.environment, ...(o.environment ?? {}) } } as InstanceInput;
}

export function hostOf(url: string): string {
  return new URL(url).host;
}

