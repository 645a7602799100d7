// OCI image references as labgen writes them: <remote>:<repository>[:<tag>][@<digest>].
// The grammar of repository, tag and digest is the OCI distribution spec's
// (opencontainers/distribution-spec spec.md, "Pulling manifests"): a tag is
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}; a repository is lowercase path components separated by '/'.

/**
 * The pseudo-remote of an image imported on the instance's own host. "local" is what the Incus CLI
 * calls the local daemon (lxc/incus shared/cliconfig/default.go, DefaultRemotes); labgen declares
 * no remote for it: OpenTofu gets the bare alias, which the provider looks up on the instance's
 * own server (lxc/terraform-provider-incus internal/instance/resource_instance.go,
 * createInstanceFromImage: no "remote:" prefix → imageServer = the instance's server, then
 * GetImageAlias). Host names are never "local" (validate/rules/naming.ts).
 */
export const LOCAL_IMAGE_REMOTE = "local";

/** The OCI registries labgen declares as image remotes (protocol oci). */
export const OCI_IMAGE_REMOTES: ReadonlySet<string> = new Set(["docker", "ghcr", "quay", "lscr", "codeberg"]);

/** The remote part of an image reference ("images", "docker", …, "local"). */
export function imageRemoteOf(image: string): string {
  return image.slice(0, image.indexOf(":"));
}

/** Whether an image is an OCI application image (an OCI registry remote). */
export function isOciImage(image: string): boolean {
  return OCI_IMAGE_REMOTES.has(imageRemoteOf(image));
}

/** What the provider's `image` attribute gets: a local image by its bare alias, the others as written. */
export function providerImage(image: string): string {
  return imageRemoteOf(image) === LOCAL_IMAGE_REMOTE ? image.slice(LOCAL_IMAGE_REMOTE.length + 1) : image;
}

export interface OciImageRef {
  readonly remote: string;
  readonly repository: string;
  readonly tag: string | null;
  readonly digest: string | null;
}

export const OCI_TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
export const OCI_REPOSITORY_RE = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
export const OCI_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** Splits an image reference; validity of each part is checked by the oci-image rule. */
export function parseOciImage(image: string): OciImageRef {
  const colon = image.indexOf(":");
  const remote = image.slice(0, colon);
  let rest = image.slice(colon + 1);
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf("/");
  const tagColon = rest.indexOf(":", lastSlash + 1);
  const repository = tagColon >= 0 ? rest.slice(0, tagColon) : rest;
  const tag = tagColon >= 0 ? rest.slice(tagColon + 1) : null;
  return { remote, repository, tag, digest };
}
