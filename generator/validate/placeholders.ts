// Placeholders: the values `labgen init` cannot know (disk ids, the SSH key, the NIC, the git
// repository and its host key) are written as strings containing REPLACE_ME. A config that still
// has one is refused, naming each one with the command that finds the real value: a host
// installed with a made-up disk id or SSH key is a host you can never log in to.
import { formatPath, type Diagnostic, type PathSegment } from "../shared/diagnostics.ts";
import { PRINTABLE_ASCII } from "../shared/text.ts";
import { mayBeSecret, SECRET_HINT } from "./rules/secrets.ts";

/** The marker `labgen init` writes; never part of a real disk id, key, interface or URL. */
export const PLACEHOLDER = "REPLACE_ME";

interface Hint {
  readonly match: (path: readonly PathSegment[]) => boolean;
  readonly what: string;
  readonly how: string | ((value: string) => string);
}

const at = (path: readonly PathSegment[], i: number, ...names: string[]) => names.includes(String(path[i]));

// What each placeholder is and how to find its real value, by where it sits in the config.
const HINTS: readonly Hint[] = [
  {
    match: (p) => p[0] === "admins" && at(p, 2, "sshKeys"),
    what: "your SSH public key (the only way into the host: passwords are off)",
    how: "run `cat ~/.ssh/id_ed25519.pub` on your computer and paste the whole line (no key yet: `ssh-keygen -t ed25519`)",
  },
  {
    match: (p) => p[0] === "hosts" && (at(p, 3, "disks") || (at(p, 2, "zfs") && p.includes("disks"))),
    what: "a disk's stable id",
    how: "run `ls -l /dev/disk/by-id/` on the host (booted from the NixOS installer) and use the /dev/disk/by-id/… name of the disk",
  },
  {
    match: (p) => p[0] === "hosts" && ((at(p, 3, "nics") && at(p, 5, "name")) || (at(p, 2, "lan") && at(p, 3, "interface"))),
    what: "the host's LAN interface name",
    how: "run `ip -br link` on the host (booted from the NixOS installer) and use the name of the wired interface, e.g. enp1s0",
  },
  {
    match: (p) => p[0] === "hosts" && at(p, 2, "gitops") && at(p, 3, "repository"),
    what: "the SSH URL of this repository, which the host pulls",
    how: "run `git remote get-url origin` (it must be an SSH URL such as git@github.com:you/lab.git)",
  },
  {
    match: (p) => p[0] === "hosts" && at(p, 2, "gitops") && at(p, 3, "knownHosts"),
    what: "the git server's SSH host key (pinned: no trust on first use)",
    how: (value) => `run \`ssh-keyscan -t ed25519 ${/^[A-Za-z0-9.-]+$/.test(value.split(" ")[0]) ? value.split(" ")[0] : "github.com"}\` (your git server's name) and paste the line it prints`,
  },
];

const GENERIC = { what: "a value only you know", how: "replace it with the real value" };

/** What is not plain: a character beyond printable ASCII, a placeholder or a secret's hint. */
const NOT_PLAIN = new RegExp(`[^\\x20-\\x7e]|${PLACEHOLDER}|${SECRET_HINT.source}`);

/** What one walk of the raw config finds: every placeholder, and whether any string may be a secret. */
export interface RawScan {
  readonly placeholders: readonly { readonly path: PathSegment[]; readonly value: string }[];
  /** Some string value may be a secret (see mayBeSecret); false rules the secret-value rule out. */
  readonly secretHint: boolean;
  /** Every key and string value is printable ASCII, which every output carries: the text rule has nothing to report. */
  readonly printable: boolean;
}

/**
 * Visits every string value of the raw config, at every place it is used (a shared object at each
 * of its places, so a placeholder used twice is reported with both). One path array, pushed and
 * popped (a config of 10,000 instances has ~500,000 values): a path is copied only for a find.
 * A value nested deeper than any setting is an object inside itself (a config may build any
 * value), which the schema refuses where it stands: the scan stops, finds nothing and rules nothing
 * out (a placeholder inside would be reported at each of its endless paths).
 */
export function scanRaw(raw: unknown): RawScan {
  const placeholders: { path: PathSegment[]; value: string }[] = [];
  let secretHint = false;
  let printable = true;
  const path: PathSegment[] = [];
  const walk = (value: unknown): void => {
    if (path.length > MAX_DEPTH) throw TOO_DEEP;
    if (typeof value === "string") {
      // One scan rules out all three for almost every string.
      if (!NOT_PLAIN.test(value)) return;
      if (value.includes(PLACEHOLDER)) placeholders.push({ path: path.slice(), value });
      if (!secretHint && mayBeSecret(value)) secretHint = true;
      if (printable && !PRINTABLE_ASCII.test(value)) printable = false;
    } else if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    else if (value && typeof value === "object")
      for (const k of Object.keys(value)) {
        if (printable && !PRINTABLE_ASCII.test(k)) printable = false;
        path.push(k);
        walk((value as Record<string, unknown>)[k]);
        path.pop();
      }
  };
  try {
    walk(raw);
  } catch (e) {
    if (e !== TOO_DEEP) throw e;
    return { placeholders: [], secretHint: true, printable: false };
  }
  return { placeholders, secretHint, printable };
}

/** Far below the deepest setting (a dataset's property, a route's middleware option). */
const MAX_DEPTH = 64;
const TOO_DEEP = Symbol("too deep");

/**
 * One error per placeholder value: the same placeholder used twice (a disk id in hardware.disks
 * and in a vdev) is one thing to fill, reported where it first appears and naming the other places.
 */
export function placeholderDiagnostics(raw: unknown, scan: RawScan = scanRaw(raw)): Diagnostic[] {
  const found = scan.placeholders;
  const byValue = new Map<string, PathSegment[][]>();
  for (const f of found) {
    const list = byValue.get(f.value);
    if (list) list.push(f.path);
    else byValue.set(f.value, [f.path]);
  }
  return [...byValue.entries()].map(([value, [first, ...others]]) => {
    const hint = HINTS.find((h) => h.match(first)) ?? GENERIC;
    const how = typeof hint.how === "function" ? hint.how(value) : hint.how;
    const also = others.length ? ` (the same value is at ${others.map(formatPath).join(", ")}: fill it there too)` : "";
    return {
      severity: "error" as const,
      rule: "placeholder",
      path: first,
      message: `still a placeholder: ${hint.what}; to find it, ${how}${also}`,
    };
  });
}

/** Every path holding a placeholder (each occurrence). */
export function placeholderPaths(raw: unknown, scan: RawScan = scanRaw(raw)): PathSegment[][] {
  return scan.placeholders.map((f) => f.path);
}

/** True when `path` is one of `paths` or lies below one. */
export function underAny(paths: readonly (readonly PathSegment[])[], path: readonly PathSegment[]): boolean {
  return paths.some((p) => p.length <= path.length && p.every((s, i) => s === path[i]));
}
