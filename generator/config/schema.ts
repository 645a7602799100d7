// The zod schema of lab.config.ts. It is the single source of user documentation: every field
// carries .describe(), and `labgen schema` / out/labgen.schema.json are generated from it.
// Shape checks live here; cross-field rules live in ../validate/rules/ (one file per area).
import { z } from "zod";
import { MAX_SUBJECT_CHARS, subjectProblem } from "../shared/text.ts";
import { LOCAL_IMAGE_REMOTE } from "../shared/image.ts";
import { name, Size, Ipv4, Cidr4, Cidr, Port, AbsPath, checked } from "./schema-base.ts";
import { Tailscale, Incus, Host } from "./schema-host.ts";

export { INCUS_NAME_RE, Size, Ipv4, Cidr4, Cidr } from "./schema-base.ts";
export { Topology } from "./schema-host.ts";

// ---------------------------------------------------------------------------------------------
// Incus objects (created by OpenTofu)

const Network = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) whose Incus creates this bridge."),
    subnet: Cidr4.describe('The bridge subnet, e.g. "10.10.0.0/24".'),
    gateway: Ipv4.optional().describe("The bridge's own address (default: the first address of the subnet)."),
    nat: z.boolean().default(true).describe("Masquerade guest traffic leaving the host."),
    dnsDomain: z
      .string()
      .optional()
      .describe('DNS domain Incus serves for instances on this bridge (default: "<network>.<domain>").'),
    description: z.string().default("").describe("What this network is for."),
  })
  .describe("An Incus managed bridge.");

const StoragePool = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) that owns the pool."),
    zpool: z.string().describe("ZFS pool (key of hosts.<host>.zfs.pools) that backs it; labgen adds an unmounted <zpool>/incus dataset."),
    description: z.string().default("").describe("What lives on this pool."),
  })
  .describe("An Incus storage pool (driver zfs) on a ZFS dataset created by disko.");

const Profile = z
  .strictObject({
    description: z.string().default("").describe("What the profile is for."),
    config: z
      .record(z.string(), z.string())
      .default({})
      .describe('Incus instance options applied by the profile, e.g. { "security.nesting": "true" }.'),
  })
  .describe("An Incus profile.");

const Volume = z
  .strictObject({
    name: name("Volume").describe("Volume name, unique within the instance (Incus name: <instance>-<name>)."),
    size: Size.optional().describe("Quota of the volume (required, except on a shared volume: the owner sets it)."),
    path: AbsPath.describe("Mount path inside the instance."),
    storage: z.string().optional().describe("Storage pool (key of storage); default: the instance's storage."),
    share: z
      .strictObject({
        instance: z.string().describe("The instance that owns the volume."),
        volume: z.string().describe("The owner's volume name."),
        subPath: z
          .string()
          .regex(/^[^/\0]+(\/[^/\0]+)*$/, { error: 'must be a relative path inside the volume such as "music"' })
          .refine((p) => !p.split("/").includes(".."), { error: "must not leave the volume (no '..')" })
          .optional()
          .describe("Mount only this directory of the volume."),
        readonly: z.boolean().default(true).describe("Mount it read-only (the default). Two writers of the same path are refused."),
      })
      .optional()
      .describe("Mount another instance's volume (e.g. a media library) instead of creating one."),
  })
  .describe("A custom storage volume for application data: it outlives the instance (prevent_destroy).");

const InstanceNic = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9]{0,14}$/, { error: "NIC names are short interface names such as eth0" }).default("eth0").describe("Interface name inside the instance."),
    network: z.string().describe("Network (key of networks) to attach to."),
    ipv4: Ipv4.optional().describe("Static IPv4; when omitted labgen allocates one and records it in lab.lock.json."),
  })
  .describe("A NIC on an Incus bridge.");

const ExposedPort = z
  .strictObject({
    host: Port.describe("Port on the host's addresses."),
    instance: Port.describe("Port inside the instance."),
    protocol: z.enum(["tcp", "udp"]).default("tcp").describe("Transport protocol."),
  })
  .describe("A port forwarded from the host to the instance (Incus proxy device).");

const Snapshots = z
  .strictObject({
    schedule: z
      .string()
      .regex(/^(@(hourly|daily|weekly|monthly|yearly|annually|midnight)|(\S+\s+){4}\S+)$/, {
        error: 'must be a cron expression ("0 3 * * *") or an alias such as "@daily"',
      })
      .describe('Incus snapshots.schedule: cron or "@daily".'),
    expiry: z
      .string()
      .regex(/^[1-9][0-9]*(M|H|d|w|m|y)$/, { error: 'must be an Incus expiry such as "14d", "8w" or "6m"' })
      .describe('Incus snapshots.expiry: how long a snapshot is kept, e.g. "14d".'),
  })
  .describe("Automatic Incus snapshots of the instance (root disk and volumes).");

/** Image remotes labgen declares in the OpenTofu provider: images (simplestreams) and OCI registries. */
export const IMAGE_REMOTE_NAMES = ["images", "docker", "ghcr", "quay", "lscr", "codeberg"] as const;

/**
 * An instance's image: <remote>:<image> from a declared image server, or local:<alias> for an image
 * imported on the instance's host. A local alias is a name Incus accepts for an alias
 * (lxc/incus shared/validate/validate.go, IsAPIName with slashes allowed: at most 64 characters,
 * no white space, none of $ ? & + " ' ` *, a letter or digit at both ends), narrowed to
 * A-Z a-z 0-9 . _ / @ - and without ':', because the provider splits `image` at its first ':'
 * into remote and image (lxc/terraform-provider-incus internal/instance/resource_instance.go,
 * createInstanceFromImage).
 */
const IMAGE_RE = new RegExp(
  `^(?:(?:${IMAGE_REMOTE_NAMES.join("|")}):[A-Za-z0-9][A-Za-z0-9._/:@+-]*|${LOCAL_IMAGE_REMOTE}:[A-Za-z0-9](?:[A-Za-z0-9._/@-]{0,62}[A-Za-z0-9])?)$`,
);

/** What is wrong with an instance's image reference (null: fine); a local alias gets Incus's own reason. */
function imageProblem(image: string): string | null {
  const prefix = `${LOCAL_IMAGE_REMOTE}:`;
  if (image.startsWith(prefix)) {
    const alias = image.slice(prefix.length);
    if (alias === "") return `${prefix}<alias> needs the alias the image was imported with (incus image import <metadata> <rootfs> --alias <alias>)`;
    if (alias.includes(":"))
      return `a local image is named by its alias alone, without ':' (OpenTofu's Incus provider would take the part before a ':' for a remote)`;
    if (alias.length > 64) return `an image alias has at most 64 characters (Incus), this one has ${alias.length}`;
    if (!/^[A-Za-z0-9._/@-]+$/.test(alias)) return "an image alias uses only A-Z a-z 0-9 . _ / @ - (Incus refuses white space and $ ? & + \" ' ` *)";
    if (!IMAGE_RE.test(image)) return "an image alias starts and ends with a letter or digit (Incus)";
    return null;
  }
  if (IMAGE_RE.test(image)) return null;
  return `must be <remote>:<image> with remote images (system containers/VMs) or an OCI registry (${IMAGE_REMOTE_NAMES.filter((r) => r !== "images").join(", ")}), e.g. "images:debian/12" or "docker:library/traefik:v3.7.11", or ${prefix}<alias> for an image imported on the host`;
}

const EnvName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const InstanceFile = z
  .strictObject({
    path: AbsPath.describe("Absolute path inside the instance."),
    content: z.string().describe("The file's text (configuration, never a secret: secrets come from `secrets`)."),
    mode: z
      .string()
      .regex(/^0[0-7]{3}$/, { error: 'must be an octal file mode such as "0644"' })
      .default("0644")
      .describe('File mode, e.g. "0644".'),
    uid: z.number().int().min(0).default(0).describe("Owner uid inside the instance."),
    gid: z.number().int().min(0).default(0).describe("Owner gid inside the instance."),
  })
  .describe("A configuration file OpenTofu pushes into the running instance (the instance restarts when it changes).");

const Health = z
  .strictObject({
    path: z
      .string()
      .regex(/^\/[^\s]*$/, { error: 'must be an HTTP path such as "/health"' })
      .describe("HTTP path that answers 2xx/3xx when the app is healthy."),
    interval: z
      .string()
      .regex(/^[1-9][0-9]*(s|m)$/, { error: 'must be a duration such as "30s" or "1m"' })
      .default("30s")
      .describe("How often Traefik checks it."),
    timeout: z
      .string()
      .regex(/^[1-9][0-9]*(s|m)$/, { error: 'must be a duration such as "5s"' })
      .default("5s")
      .describe("How long a check may take before it counts as failed."),
  })
  .describe("The app's health check: Traefik probes it on the routes that serve the app and takes a failing backend out of rotation.");

const Oci = z
  .strictObject({
    entrypoint: z.string().min(1).optional().describe("oci.entrypoint: override the image's entry point (shell-quoted words)."),
    cwd: AbsPath.optional().describe("oci.cwd: override the working directory."),
    uid: z.number().int().min(0).optional().describe("oci.uid: run the process as this uid."),
    gid: z.number().int().min(0).optional().describe("oci.gid: run the process as this gid."),
  })
  .describe("OCI application container overrides (Incus oci.* options; only for OCI images).");

const Instance = z
  .strictObject({
    host: z.string().describe("Host (key of hosts) that runs the instance."),
    type: z.enum(["container", "vm"]).default("container").describe("LXC container or KVM virtual machine."),
    image: z
      .string()
      .superRefine((s, ctx) => {
        const p = imageProblem(s);
        if (p !== null) ctx.addIssue({ code: "custom", message: p, input: s });
      })
      .meta({ pattern: IMAGE_RE.source })
      .describe(
        'Incus image as <remote>:<image>: "images:debian/12", "images:nixos/26.05" (images.linuxcontainers.org) or an OCI application image "<registry>:<repository>:<tag>[@sha256:<digest>]" with registry docker (docker.io), ghcr (ghcr.io), quay (quay.io), lscr (lscr.io) or codeberg (codeberg.org), e.g. "docker:library/traefik:v3.7.11" (needs Incus ≥ 6.3; incus-lts 7.0 and the feature channel both have it). Or "local:<alias>": an image already imported on the instance\'s host (`incus image import <metadata> <rootfs> --alias <alias>`), which OpenTofu uses without any download (air-gapped hosts, tests, your own builds).',
      ),
    description: z.string().default("").describe("What the instance does."),
    cpu: z.number().int().min(1).describe("limits.cpu: number of CPUs."),
    memory: Size.describe('limits.memory, e.g. "2GiB".'),
    rootSize: Size.default("10GiB").describe("Size of the root disk."),
    storage: z.string().describe("Storage pool (key of storage) for the root disk."),
    profiles: z.array(z.string()).default([]).describe("Profiles (keys of profiles) applied in order."),
    nics: z.array(InstanceNic).min(1).describe("Network interfaces; the first one carries the instance's address."),
    serves: z
      .array(Port)
      .default([])
      .describe("Ports the application listens on inside the instance; routes and exposed ports must use one of them."),
    ports: z.array(ExposedPort).default([]).describe("Ports exposed on the host."),
    volumes: z.array(Volume).default([]).describe("Data volumes that outlive the instance."),
    snapshots: Snapshots.optional(),
    autostart: z.boolean().default(true).describe("Start with the host (boot.autostart)."),
    cloudInit: z.string().optional().describe("cloud-init user data (#cloud-config …); needs a /cloud image variant."),
    environment: z
      .record(z.string().regex(EnvName, { error: "environment variable names are letters, digits and '_', not starting with a digit" }), z.string())
      .default({})
      .describe("Environment variables of the app (Incus environment.*). Never a secret value: reference a file under /secrets with the app's *_FILE variable instead."),
    secrets: z
      .array(z.string())
      .default([])
      .describe("Secrets (keys of the top-level secrets) this instance reads: each is the file /secrets/<name>, mounted read-only from the host."),
    secretOwner: z
      .strictObject({
        uid: z.number().int().min(0).describe("uid inside the instance."),
        gid: z.number().int().min(0).describe("gid inside the instance."),
      })
      .default({ uid: 0, gid: 0 })
      .describe("Who inside the instance owns the secret files (mode 0400): the user the app runs as."),
    files: z.array(InstanceFile).default([]).describe("Configuration files pushed into the instance by OpenTofu."),
    health: Health.optional(),
    oci: Oci.optional(),
  })
  .describe("An Incus container or VM: where every application runs.");

const Secret = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("generated").describe("Generated on the host at first boot by labgen-secrets (never anywhere else)."),
      length: z.number().int().min(16).max(256).default(32).describe("Number of characters."),
      alphabet: z
        .enum(["alphanumeric", "hex"])
        .default("alphanumeric")
        .describe("Characters to draw from: alphanumeric (A-Z a-z 0-9) or hex (0-9 a-f)."),
    }),
    z.strictObject({
      kind: z.literal("file").describe("Provided by you: a file you put on the host."),
      path: AbsPath.describe("Path ON THE HOST of the file holding the secret (never in this repository, never in the Nix store)."),
    }),
  ])
  .describe("A secret by name: its value exists only on the host, under /var/lib/labgen/secrets.");

const Route = z
  .strictObject({
    instance: z.string().describe("Instance (key of instances) that serves the route."),
    port: Port.describe("Port on the instance (one of its `serves`)."),
    hostname: z
      .string()
      .optional()
      .describe("Full hostname; default <route>.<domain>. Must be exactly one label under the domain (the wildcard certificate covers one label)."),
    scheme: z.enum(["http", "https"]).default("http").describe("Protocol Traefik speaks to the backend."),
  })
  .describe("An HTTPS route through Traefik.");

const Ingress = z
  .strictObject({
    instance: z.string().describe("The Traefik instance (key of instances)."),
    allow: z
      .array(Cidr)
      .min(1)
      .describe("Source CIDRs allowed through Traefik (LAN and tailnet); everything else gets 403."),
    routes: z.record(z.string(), Route).describe("Routes by name; the name is the hostname's first label."),
  })
  .describe("Ingress: one Traefik instance, HTTPS only, certificates from the lab CA.");

const Tofu = z
  .strictObject({
    host: z
      .string()
      .optional()
      .describe("Host that runs `tofu apply` (its GitOps agent applies; it reaches its own Incus over the unix socket). Default: the first host by name."),
    stateDir: AbsPath.default("/var/lib/labgen/tofu").describe("Directory ON THE HOST for the OpenTofu state (on the snapshotted labgen state dataset)."),
    passphraseFile: AbsPath.default("/var/lib/labgen/secrets/tofu-state-passphrase").describe(
      "File ON THE HOST with the passphrase for OpenTofu state encryption (never in this repository).",
    ),
  })
  .describe("OpenTofu: where the Incus layer is applied from and where its (encrypted) state lives.");

const Ca = z
  .strictObject({
    organization: checked(subjectProblem, { minLength: 1, maxLength: MAX_SUBJECT_CHARS }).default("Homelab").describe("O= of the CA subjects."),
    rootName: checked(subjectProblem, { minLength: 1, maxLength: MAX_SUBJECT_CHARS }).default("Homelab Root CA").describe("CN of the root CA."),
    intermediateName: checked(subjectProblem, { minLength: 1, maxLength: MAX_SUBJECT_CHARS }).default("Homelab Intermediate CA").describe("CN of the intermediate CA."),
    dir: AbsPath.default("/var/lib/labgen/ca").describe(
      "Directory ON THE HOST where ca.sh keeps keys and certificates (mode 0700; never in this repository).",
    ),
    rootDays: z.number().int().min(1).max(7300).default(3650).describe("Root validity in days."),
    intermediateDays: z.number().int().min(1).max(3650).default(1825).describe("Intermediate validity in days."),
    leafDays: z.number().int().min(1).max(825).default(397).describe("Leaf validity in days (≤ 397 recommended, Apple's hard limit is 825)."),
    renewBeforeDays: z.number().int().min(1).default(30).describe("`ca.sh renew` re-issues when fewer days remain."),
  })
  .describe("The lab's private CA (root + intermediate, name-constrained to the domain).");

const Admin = z
  .strictObject({
    sshKeys: z
      .array(z.string().regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/, { error: "must be an OpenSSH public key line such as \"ssh-ed25519 AAAA… you@laptop\"" }))
      .min(1)
      .describe("Public SSH keys (the only way in: passwords are off)."),
    // NixOS types users.users.<name>.description as passwdEntry: "string, not containing newlines
    // or colons" (NixOS/nixpkgs nixos/modules/config/users-groups.nix, lib/types.nix).
    description: z
      .string()
      .regex(/^[^:\n]*$/, { error: "becomes the account's GECOS field, which may hold neither ':' nor a line break: rephrase it (e.g. \"Lab owner - Alice\")" })
      .default("")
      .describe("Who this is (the account's full-name field: no ':' and one line)."),
  })
  .describe("An administrator: a user on every host, in wheel and incus-admin.");

export const LabSchema = z
  .strictObject({
    name: name("Lab").describe("Name of the lab."),
    domain: z
      .string()
      .describe('Internal DNS domain; the RFC 8375 name "lab.home.arpa" is a good choice. Routes live one label below it.'),
    timezone: z.string().min(1).default("UTC").describe('IANA time zone, e.g. "Europe/Paris".'),
    tailnet: z
      .array(Cidr)
      .default(["100.64.0.0/10", "fd7a:115c:a1e0::/48"])
      .describe("Tailscale address ranges (CGNAT and ULA); allowed through ingress and never used by bridges."),
    admins: z.record(z.string(), Admin).describe("Administrators by user name."),
    hosts: z.record(z.string(), Host).describe("Bare-metal hosts by name."),
    networks: z.record(z.string(), Network).default({}).describe("Incus bridges by name."),
    storage: z.record(z.string(), StoragePool).default({}).describe("Incus storage pools by name."),
    profiles: z.record(z.string(), Profile).default({}).describe("Incus profiles by name."),
    instances: z.record(z.string(), Instance).default({}).describe("Incus instances by name."),
    secrets: z
      .record(z.string(), Secret)
      .default({})
      .describe("Secrets by name (a-z, 0-9, '-'), generated on the host or provided as host files; instances list the ones they read."),
    ingress: Ingress.optional(),
    tofu: Tofu.default({ stateDir: "/var/lib/labgen/tofu", passphraseFile: "/var/lib/labgen/secrets/tofu-state-passphrase" }),
    allowDestroy: z
      .array(
        z.string().regex(/^(instance|volume|storagePool|dataset):\S+$/, {
          error:
            'must be "<kind>:<name>" as `labgen plan` prints it: "volume:<instance>-<volume>", "instance:<name>" (its root disk), "storagePool:<name>" or "dataset:<host>:<pool>/<dataset>"',
        }),
      )
      .default([])
      .describe(
        'Sacred state that the next deploy may destroy, one entry per object, exactly as `labgen plan` names it: "volume:jellyfin-media" (an Incus custom volume, <instance>-<volume>), "instance:jellyfin" (an instance\'s root disk), "storagePool:tank" or "dataset:nas:tank/media". Without an entry, `labgen plan` exits 3 and the GitOps agent refuses the deploy. Every entry is a warning in `labgen check`: remove it after the deploy.',
      ),
    ca: Ca.default({
      organization: "Homelab",
      rootName: "Homelab Root CA",
      intermediateName: "Homelab Intermediate CA",
      dir: "/var/lib/labgen/ca",
      rootDays: 3650,
      intermediateDays: 1825,
      leafDays: 397,
      renewBeforeDays: 30,
    }),
  })
  .describe("A labgen lab: everything the lab runs on, in one file.");

/** What the user writes (defaults optional). */
export type LabInput = z.input<typeof LabSchema>;
/** What the schema yields (defaults applied). */
export type LabConfig = z.output<typeof LabSchema>;
export type HostConfig = LabConfig["hosts"][string];
export type InstanceConfig = LabConfig["instances"][string];
/** An instance as written in lab.config.ts (what app presets return). */
export type InstanceInput = LabInput["instances"] extends Record<string, infer I> | undefined ? I : never;
/** A secret declaration as written in lab.config.ts. */
export type SecretInput = LabInput["secrets"] extends Record<string, infer S> | undefined ? S : never;
