// Building blocks of the config schema: names, sizes, addresses, ports, paths.
import { z } from "zod";

/**
 * A string checked by a predicate that says what is wrong (null: fine). `json` is what the JSON
 * Schema can say of the same check, for editors (the predicate itself cannot be exported).
 */
export const checked = (problem: (s: string) => string | null, json: { minLength?: number; maxLength?: number } = { minLength: 1 }) =>
  z
    .string()
    .superRefine((s, ctx) => {
      const p = problem(s);
      if (p !== null) ctx.addIssue({ code: "custom", message: p, input: s });
    })
    .meta(json);

/** Incus names: ≤ 63 chars, [a-z0-9-], no leading digit or hyphen, no trailing hyphen. */
export const INCUS_NAME_RE = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$/;
export const SIZE_RE = /^[1-9][0-9]*(\.[0-9]+)?(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/;
export const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
export const CIDR4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\/([0-9]|[12][0-9]|3[0-2])$/;
// IPv6 CIDRs are only accepted in allow-lists (Tailscale's ULA range); a loose check is enough there
// because Traefik parses them again and the model never computes with them.
export const CIDR6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

export const name = (what: string) =>
  z
    .string()
    .regex(INCUS_NAME_RE, {
      error: `${what} names must be 1-63 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (Incus and DNS naming rules)`,
    });

export const Size = z
  .string()
  .regex(SIZE_RE, { error: 'sizes are a number and a unit, e.g. "512MiB", "32GiB", "4TB"' })
  .describe('A size with a unit: B, KiB, MiB, GiB, TiB (binary) or KB, MB, GB, TB (decimal), e.g. "32GiB".');

export const Ipv4 = z.string().regex(IPV4, { error: "must be an IPv4 address such as 10.10.0.20" });
export const Cidr4 = z.string().regex(CIDR4, { error: "must be an IPv4 CIDR such as 10.10.0.0/24" });
export const Cidr = z
  .string()
  .refine((s) => CIDR4.test(s) || CIDR6.test(s), { error: "must be a CIDR such as 192.168.1.0/24 or fd7a:115c:a1e0::/48" });

export const Port = z.number().int().min(1).max(65535);
// Paths are written into Nix, shell, HCL and YAML: one line, no control characters.
export const AbsPath = z
  .string()
  .regex(/^\/[^\u0000-\u001f\u007f-\u009f]*$/, { error: "must be an absolute path on the host without control characters, e.g. /var/lib/labgen/secrets/x" });
