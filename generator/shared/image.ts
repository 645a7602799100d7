// OCI image references as labgen writes them: <remote>:<repository>[:<tag>][@<digest>].
// The grammar of repository, tag and digest is the OCI distribution spec's
// (opencontainers/distribution-spec spec.md, "Pulling manifests"): a tag is
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}; a repository is lowercase path components separated by '/'.

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
