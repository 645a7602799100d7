// Apps: image versions, OCI options, secrets and shared volumes (the plumbing app presets rely on).
import { INCUS_NAME_RE, type LabConfig } from "../../config/schema.ts";
import type { DiagnosticBag, PathSegment } from "../../shared/diagnostics.ts";
import { OCI_DIGEST_RE, OCI_REPOSITORY_RE, OCI_TAG_RE, isOciImage, parseOciImage } from "../../shared/image.ts";
import { STATE_DIR } from "../../shared/lab.ts";
import { SECRETS_LAYOUT } from "../../shared/secrets.ts";
import { NIX_STORE, type Rule, instanceRule } from "./common.ts";

export const APPS_RULES: Rule[] = [
  instanceRule({
    id: "volume-share",
    summary: "a volume has a size or shares another instance's volume on the same host; two writers never claim the same data path",
    pass(lab, d) {
      // Who writes which path of which volume: the owner writes all of it ("/").
      const writers = new Map<string, string>();
      const claim = (volume: string, sub: string, who: string, path: PathSegment[]) => {
        const key = `${volume}:/${sub}`;
        const prev = writers.get(key);
        if (prev)
          d.error("volume-share", path, `${sub ? `'${sub}' of ` : ""}volume ${volume} is already written by ${prev}: two apps claiming the same data path would corrupt it; share it readonly: true, or give each app its own subPath`);
        else writers.set(key, who);
      };
      return {
        each: (n, inst) =>
          inst.volumes.forEach((v, i) => {
            if (!v.share && v.size === undefined) d.error("volume-share", ["instances", n, "volumes", i], "a volume needs a size (or a share of another instance's volume)");
            // The owner writes all of its volume (a name clash between owners is unique-names' to report).
            if (!v.share && !writers.has(`${n}-${v.name}:/`)) writers.set(`${n}-${v.name}:/`, `instances.${n}.volumes[${i}]`);
          }),
        // The shares, once every owner is known.
        end: () => {
          for (const n of Object.keys(lab.instances)) {
            const inst = lab.instances[n];
            inst.volumes.forEach((v, i) => {
              if (!v.share) return;
              const path: PathSegment[] = ["instances", n, "volumes", i, "share"];
              if (v.size !== undefined) d.error("volume-share", ["instances", n, "volumes", i, "size"], `the size of a shared volume is set by its owner ${v.share.instance}: drop size`);
              if (v.storage !== undefined) d.error("volume-share", ["instances", n, "volumes", i, "storage"], `a shared volume lives where its owner ${v.share.instance} put it: drop storage`);
              const owner = lab.instances[v.share.instance];
              const ov = owner?.volumes.find((x) => x.name === v.share!.volume);
              if (!owner) d.error("volume-share", [...path, "instance"], `unknown instance '${v.share.instance}'`);
              else if (!ov || ov.share) d.error("volume-share", [...path, "volume"], `instance '${v.share.instance}' has no volume '${v.share.volume}' of its own (its volumes: ${owner.volumes.filter((x) => !x.share).map((x) => x.name).join(", ") || "none"})`);
              else if (owner.host !== inst.host) d.error("volume-share", [...path, "instance"], `volume ${v.share.instance}-${ov.name} is on host '${owner.host}': an instance on '${inst.host}' cannot mount it`);
              else if (!v.share.readonly) claim(`${v.share.instance}-${ov.name}`, v.share.subPath ?? "", `instances.${n}.volumes[${i}]`, path);
            });
          }
        },
      };
    },
  }),
  instanceRule({
    id: "oci-version",
    summary: "OCI images name a valid repository and pin a version: a valid tag (and optionally a sha256 digest)",
    pass(lab, d) {
      return {
        each(n, inst) {
          if (!isOciImage(inst.image)) return;
          const ref = parseOciImage(inst.image);
          const path = ["instances", n, "image"];
          if (!OCI_REPOSITORY_RE.test(ref.repository))
            d.error("oci-version", path, `'${ref.repository}' is not a valid OCI repository name (lowercase path components such as library/traefik)`);
          if (ref.tag !== null && !OCI_TAG_RE.test(ref.tag))
            d.error("oci-version", path, `'${ref.tag}' is not a valid image tag (1-128 characters of a-z A-Z 0-9 _ . -, not starting with . or -): pin a release such as "v3.7.11"`);
          else if (ref.tag === null && ref.digest === null)
            d.error("oci-version", path, `the image pins no version: add a tag (e.g. "${inst.image}:<version>") so an upgrade is a deliberate change`);
          if (ref.digest !== null && !OCI_DIGEST_RE.test(ref.digest))
            d.error("oci-version", path, `'${ref.digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
        },
      };
    },
  }),
  instanceRule({
    id: "oci-options",
    summary: "oci overrides only on OCI images; files and secrets do not collide with volumes",
    pass(lab, d) {
      return {
        each(n, inst) {
          if (inst.oci && !isOciImage(inst.image))
            d.error("oci-options", ["instances", n, "oci"], "oci.* options apply to OCI application images only: drop oci or use an OCI image");
          const paths = new Set<string>();
          inst.files.forEach((f, i) => {
            if (paths.has(f.path)) d.error("oci-options", ["instances", n, "files", i, "path"], `${f.path} is pushed twice: keep one file per path`);
            paths.add(f.path);
            if (f.path === SECRETS_LAYOUT.mount || f.path.startsWith(`${SECRETS_LAYOUT.mount}/`))
              d.error("oci-options", ["instances", n, "files", i, "path"], `${SECRETS_LAYOUT.mount} is the read-only mount of the instance's secrets: put the file elsewhere`);
          });
          if (inst.secrets.length > 0)
            inst.volumes.forEach((v, i) => {
              if (v.path === SECRETS_LAYOUT.mount) d.error("oci-options", ["instances", n, "volumes", i, "path"], `${SECRETS_LAYOUT.mount} is where the instance's secrets are mounted: mount the volume elsewhere`);
              if (v.name === "secrets") d.error("oci-options", ["instances", n, "volumes", i, "name"], "'secrets' is the device that mounts the instance's secrets: give the volume another name");
            });
        },
      };
    },
  }),
  instanceRule({
    id: "secret-ref",
    summary: "every secret an instance reads (or points an environment variable at) is declared under secrets, and its readers share a host",
    pass(lab, d) {
      const declared = Object.keys(lab.secrets);
      const known = declared.length ? `declared: ${declared.join(", ")}` : "none declared";
      const hostOf = new Map<string, [string, string]>();
      const used = new Set<string>();
      return {
        each(n, inst) {
          // Most instances read no secret and set no variable: nothing is allocated for them.
          if (inst.secrets.length > 0) {
            const seen = new Set<string>();
            inst.secrets.forEach((s, i) => {
              const path = ["instances", n, "secrets", i];
              if (seen.has(s)) d.error("secret-ref", path, `secret '${s}' is listed twice`);
              seen.add(s);
              used.add(s);
              if (!(s in lab.secrets)) {
                d.error("secret-ref", path, `secret '${s}' is not declared: add it under secrets (${known}), e.g. ${s}: { kind: "generated", length: 32 }`);
                return;
              }
              const prev = hostOf.get(s);
              if (prev && prev[0] !== inst.host)
                d.error("secret-ref", path, `secret '${s}' is already read by ${prev[1]} on host '${prev[0]}': a secret lives on one host, so its readers must run there (or declare two secrets)`);
              else if (!prev) hostOf.set(s, [inst.host, `instances.${n}`]);
            });
          }
          for (const k of Object.keys(inst.environment)) {
            const v = inst.environment[k];
            const m = SECRET_MOUNT_FILE.exec(v);
            if (m && !inst.secrets.includes(m[1]))
              d.error("secret-ref", ["instances", n, "environment", k], `${v} is not mounted in this instance: add '${m[1]}' to its secrets${m[1] in lab.secrets ? "" : ` and declare it under secrets (${known})`}`);
          }
        },
        end() {
          for (const s of declared) {
            if (!INCUS_NAME_RE.test(s)) d.error("secret-ref", ["secrets", s], `secret name '${s}' is invalid: use 1-63 characters of a-z, 0-9 and '-', starting with a letter (it becomes a file name)`);
            else if (!used.has(s)) d.warn("secret-ref", ["secrets", s], `secret '${s}' is read by no instance: list it in an instance's secrets or remove it`);
          }
        },
      };
    },
  }),
  {
    id: "secret-file",
    summary: "a provided secret file lives on the host, outside the repository checkout and the Nix store",
    check(lab, d) {
      const checkout = `${STATE_DIR}/checkout`;
      for (const [n, s] of Object.entries(lab.secrets)) {
        if (s.kind !== "file") continue;
        const path = ["secrets", n, "path"];
        if (s.path.startsWith(NIX_STORE)) d.error("secret-file", path, "secrets must not live in the Nix store (world-readable): use a path such as /var/lib/labgen/secrets/…");
        else if (s.path === checkout || s.path.startsWith(`${checkout}/`))
          d.error("secret-file", path, `${s.path} is inside the host's checkout of this repository (${checkout}): a secret never goes into git; put the file elsewhere, e.g. /var/lib/labgen/secrets/${n}`);
        else if (s.path === SECRETS_LAYOUT.store || s.path.startsWith(`${SECRETS_LAYOUT.store}/`) || s.path.startsWith(`${SECRETS_LAYOUT.instances}/`))
          d.error("secret-file", path, `${s.path} is where labgen-secrets keeps the secrets it manages: put the provided file elsewhere, e.g. /var/lib/labgen/secrets/${n}`);
      }
    },
  },
];

/** An environment value naming a file of the instance's secrets mount: its secret's name. */
const SECRET_MOUNT_FILE = new RegExp(`^${SECRETS_LAYOUT.mount}/([^/]+)$`);

/** What the rules may know beyond the config. */
export interface RuleContext {
  /** The directory of lab.config.ts (the repository on this machine), when known. */
  readonly configDir?: string;
}

/** A provided secret inside the repository on this machine would be committed with it. */
export function checkSecretsInRepository(lab: LabConfig, bag: DiagnosticBag, ctx: RuleContext): void {
  if (!ctx.configDir) return;
  const repo = ctx.configDir.replace(/\/+$/, "");
  for (const [n, s] of Object.entries(lab.secrets))
    if (s.kind === "file" && (s.path === repo || s.path.startsWith(`${repo}/`)))
      bag.error("secret-file", ["secrets", n, "path"], `the file is inside this repository (the directory of lab.config.ts), so it would be committed: keep secrets on the host only, e.g. /var/lib/labgen/secrets/${n}`);
}
