// Secrets: the config holds paths to secrets, never a secret itself.
import type { PathSegment } from "../../shared/diagnostics.ts";
import { type Rule, NIX_STORE } from "./common.ts";

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
  if (!SECRET_HINT.test(value)) return null;
  for (const [re, what] of SECRET_PATTERNS) if (re.test(value)) return what;
  return null;
}

// Every pattern above contains one of these literal texts: one scan rules out almost every string
// in a config (each one is checked), and only a hit runs the patterns themselves.
export const SECRET_HINT = /tskey-|-----BEGIN |gh[pousr]_|glpat-|AKIA|b3BlbnNzaC1rZXktdjE/;

/** False when `value` cannot be a secret (secretKind is then null); true means it may be one. */
export const mayBeSecret = (value: string): boolean => SECRET_HINT.test(value);

/** What to say about a secret found at `path` (never the secret itself). */
export function secretMessage(kind: string, path: readonly PathSegment[]): string {
  // Fields that hold public keys: the usual mistake is pasting the private half.
  if (path.some((seg) => seg === "sshKeys" || seg === "allowedSigners" || seg === "knownHosts"))
    return `this value looks like ${kind}: this setting takes a public key line (the .pub file, e.g. "ssh-ed25519 AAAA… you@laptop"); never put a private key in lab.config.ts`;
  return `this value looks like ${kind}: never put secrets in lab.config.ts; store the secret in a file on the host and give its path`;
}

/** Visits every string; `path` is one stack shared by the walk, so a visitor copies what it keeps. */
function walkStrings(v: unknown, path: PathSegment[], visit: (s: string, p: readonly PathSegment[]) => void): void {
  if (typeof v === "string") visit(v, path);
  else if (Array.isArray(v))
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walkStrings(v[i], path, visit);
      path.pop();
    }
  else if (v && typeof v === "object")
    for (const k of Object.keys(v)) {
      path.push(k);
      walkStrings((v as Record<string, unknown>)[k], path, visit);
      path.pop();
    }
}

export const SECRETS_RULES: Rule[] = [
  {
    id: "secret-paths",
    summary: "secrets are absolute paths on the host outside the Nix store",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
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
        if (kind) d.error("secret-value", [...path], secretMessage(kind, path));
      });
    },
  },
];
