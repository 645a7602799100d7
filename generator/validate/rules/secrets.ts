// Secrets: the config holds paths to secrets, never a secret itself.
import type { PathSegment } from "../../shared/diagnostics.ts";
import { type Rule, entries, NIX_STORE } from "./common.ts";

/** Values that are secrets themselves rather than paths to them. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/tskey-[A-Za-z0-9-]+/, "a Tailscale auth key (tskey-…)"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/-----BEGIN [A-Z ]+-----/, "PEM material"],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/, "a GitHub token"],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key"],
  [/b3BlbnNzaC1rZXktdjE/, "an OpenSSH private key (base64)"],
];

/** What kind of secret a value looks like (null: it does not look like one). The schema errors use it too, so a secret pasted where a path belongs is never echoed back. */
export function secretKind(value: string): string | null {
  for (const [re, what] of SECRET_PATTERNS) if (re.test(value)) return what;
  return null;
}

/** What to say about a secret found at `path` (never the secret itself). */
export function secretMessage(kind: string, path: readonly PathSegment[]): string {
  // Fields that hold public keys: the usual mistake is pasting the private half.
  if (path.some((seg) => seg === "sshKeys" || seg === "allowedSigners" || seg === "knownHosts"))
    return `this value looks like ${kind}: this setting takes a public key line (the .pub file, e.g. "ssh-ed25519 AAAA… you@laptop"); never put a private key in lab.config.ts`;
  return `this value looks like ${kind}: never put secrets in lab.config.ts; store the secret in a file on the host and give its path`;
}

function walkStrings(v: unknown, path: PathSegment[], visit: (s: string, p: PathSegment[]) => void): void {
  if (typeof v === "string") visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, [...path, i], visit));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walkStrings(x, [...path, k], visit);
}

export const SECRETS_RULES: Rule[] = [
  {
    id: "secret-paths",
    summary: "secrets are absolute paths on the host outside the Nix store",
    check(lab, d) {
      for (const [h, host] of entries(lab.hosts)) {
        const paths: [PathSegment[], string | undefined][] = [
          [["hosts", h, "tailscale", "authKeyFile"], host.tailscale?.authKeyFile],
          [["hosts", h, "gitops", "deployKeyFile"], host.gitops?.deployKeyFile],
        ];
        for (const [path, value] of paths)
          if (value?.startsWith(NIX_STORE)) d.error("secret-paths", path, "secrets must not live in the Nix store (world-readable): use a path such as /var/lib/labgen/secrets/…");
      }
      if (lab.ca.dir.startsWith(NIX_STORE)) d.error("secret-paths", ["ca", "dir"], "the CA keys must not live in the Nix store (world-readable): use e.g. /var/lib/labgen/ca");
    },
  },
  {
    id: "secret-value",
    summary: "no value in the config is itself a secret (auth keys, private keys, tokens)",
    check(lab, d) {
      walkStrings(lab, [], (s, path) => {
        const kind = secretKind(s);
        if (kind) d.error("secret-value", path, secretMessage(kind, path));
      });
    },
  },
];
