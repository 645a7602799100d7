import { X509Certificate } from "node:crypto";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CA_FILES, CaInputError, caScriptIr, printCaScript, subjectValue } from "../../generator/targets/ca/index.ts";
import { CA_BACKDATE_SECONDS, CA_ISSUE_LAYOUT } from "../../generator/targets/ca/types.ts";
import type { CaInput } from "../../generator/targets/ca/index.ts";
import { bashN, requireTool, runBash, shellcheck, tool } from "../support/shell.ts";
import type { RunResult } from "../support/shell.ts";
import { connectTls, handshake, startTlsServer } from "../support/tls.ts";
import type { HandshakeResult } from "../support/tls.ts";

const DOMAIN = "lab.home.arpa";
const ROUTES = ["git", "media", "grafana", "ha", "nix", "traefik"];
const INPUT: CaInput = {
  domain: DOMAIN,
  organization: "Homelab",
  rootCommonName: "Homelab Root CA",
  intermediateCommonName: "Homelab Intermediate CA",
  dir: "/var/lib/labgen/ca",
  rootDays: 3650,
  intermediateDays: 1825,
  leafDays: 397,
  renewBeforeDays: 30,
};
const DAY_MS = 86_400_000;
// Permitted: the domain; excluded: every IPv4 and IPv6 address (RFC 5280 4.2.1.10: a constraint
// binds only its own name form, so without the exclusions IP SANs would be unconstrained).
const NAME_CONSTRAINTS =
  /X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:lab\.home\.arpa\n\s+Excluded:\n\s+IP:0\.0\.0\.0\/0\.0\.0\.0\n\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0\n/;

let base: string;
let script: string;

function writeScript(name: string, text: string): string {
  const file = join(base, name);
  writeFileSync(file, text, { mode: 0o755 });
  return file;
}

/** Runs the generated ca.sh with LABGEN_CA_DIR=dir (or without it when dir is null). */
function ca(dir: string | null, args: string[], opts: { file?: string; path?: string } = {}): RunResult & { out: string } {
  const env: NodeJS.ProcessEnv = dir === null ? {} : { LABGEN_CA_DIR: dir };
  if (opts.path !== undefined) env.PATH = opts.path;
  const r = runBash(opts.file ?? script, args, env);
  return { ...r, out: r.stdout.toString("utf8") };
}

function mustRun(dir: string, args: string[]): string {
  const r = ca(dir, args);
  if (r.status !== 0) throw new Error(`ca.sh ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.out}`);
  return r.out;
}

function freshCa(name: string, withLeaf = true): string {
  const dir = join(base, name);
  mustRun(dir, ["init"]);
  if (withLeaf) mustRun(dir, ["issue"]);
  return dir;
}

/** Bytes (or link target), mtime and mode of every entry, recursively, to prove "nothing changed". */
function snapshot(dir: string, prefix = ""): Record<string, { bytes: string; mtimeMs: number; mode: number }> {
  const snap: Record<string, { bytes: string; mtimeMs: number; mode: number }> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) Object.assign(snap, snapshot(path, `${prefix}${name}/`));
    else {
      const bytes = st.isSymbolicLink() ? `-> ${readlinkSync(path)}` : readFileSync(path).toString("base64");
      snap[`${prefix}${name}`] = { bytes, mtimeMs: st.mtimeMs, mode: st.mode & 0o777 };
    }
  }
  return snap;
}

/** The top of a CA directory after `issue`: the CA files plus the issue layout's `current` and `issued`. */
const ISSUED_TOP = [...Object.values(CA_FILES), CA_ISSUE_LAYOUT.current, CA_ISSUE_LAYOUT.issuedDir].sort();

const mode = (file: string): number => statSync(file).mode & 0o777;
const x509Text = (file: string): string => tool("openssl", ["x509", "-in", file, "-noout", "-text"]).stdout;
const cert = (file: string): X509Certificate => new X509Certificate(readFileSync(file));
const validityDays = (c: X509Certificate): number => (Date.parse(c.validTo) - Date.parse(c.validFrom)) / DAY_MS;

/** Computed on first use inside a test, so a missing tool fails that test instead of a hook. */
function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

// No tool checks in hooks: a failing hook would report the tests as skipped, and a missing tool
// must FAIL them (every helper that runs a tool throws "required tool … is not installed").
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "labgen-ca-"));
  script = writeScript("ca.sh", printCaScript(INPUT));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

it("bash, shellcheck and openssl are installed", () => {
  requireTool("bash");
  requireTool("shellcheck");
  requireTool("openssl");
});

describe("caScriptIr / printCaScript", () => {
  it("passes bash -n and shellcheck with no exclusions", () => {
    expect(printCaScript(INPUT)).not.toContain("shellcheck disable");
    const n = bashN(script);
    expect(n.output).toBe("");
    expect(n.ok).toBe(true);
    const sc = shellcheck(script);
    expect(sc.output).toBe("");
    expect(sc.ok).toBe(true);
  });

  it("is deterministic: no timestamps, no host paths but the configured dir", () => {
    const text = printCaScript(INPUT);
    expect(printCaScript({ ...INPUT })).toBe(text);
    expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).toMatch(/^umask 077$/m);
    expect(text).not.toMatch(/\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d/);
    const hostPaths = new Set(text.match(/(?<![\w$}.])\/(?:usr|etc|var|tmp|home|root|opt|nix|run|srv|mnt)\b[^\s'"]*/g));
    expect([...hostPaths].sort()).toEqual(["/usr/bin/env", "/var/lib/labgen/ca"]);
  });

  it("data reaches the script only as quoted readonly assignments", () => {
    const ir = caScriptIr(INPUT);
    expect(ir.assignments.map((a) => a.name)).toEqual([
      "CA_DOMAIN", "CA_DEFAULT_DIR", "ROOT_SUBJECT", "INTERMEDIATE_SUBJECT",
      "ROOT_DAYS", "INTERMEDIATE_DAYS", "LEAF_DAYS", "RENEW_BEFORE_DAYS",
    ]);
    // Changing any input changes only assignment lines; the program text is the same.
    const other = printCaScript({ ...INPUT, domain: "example.internal", organization: "Other", dir: "/srv/ca", leafDays: 200, renewBeforeDays: 20 });
    const a = printCaScript(INPUT).split("\n");
    const b = other.split("\n");
    expect(b).toHaveLength(a.length);
    const changed = a.flatMap((line, i) => (line === b[i] ? [] : [line]));
    expect(changed.every((line) => line.startsWith("readonly "))).toBe(true);
    expect(changed).toHaveLength(6);
    expect(other).not.toContain("lab.home.arpa");
  });

  it("escapes subject values for openssl -subj", () => {
    expect(subjectValue("a/b+c\\d=e")).toBe("a\\/b\\+c\\\\d=e");
    expect(caScriptIr({ ...INPUT, organization: "A/B" }).assignments[2].value).toBe("/O=A\\/B/CN=Homelab Root CA");
  });

  it.each<[string, Partial<CaInput>, RegExp]>([
    ["domain with a space", { domain: "lab home.arpa" }, /domain: .* is not a DNS name/],
    ["domain with a leading dot", { domain: ".lab.home.arpa" }, /not a DNS name/],
    ["domain with a trailing dot", { domain: "lab.home.arpa." }, /not a DNS name/],
    ["domain with an empty label", { domain: "lab..arpa" }, /not a DNS name/],
    ["domain with config syntax", { domain: "lab.home.arpa,DNS:evil.org" }, /not a DNS name/],
    ["domain label starting with '-'", { domain: "-lab.home.arpa" }, /not a DNS name/],
    ["domain too long for the CN", { domain: `${"a".repeat(60)}.arpa` }, /at most 62 characters/],
    ["empty organization", { organization: " " }, /organization: must not be empty/],
    ["organization with a newline", { organization: "Home\nlab" }, /control characters/],
    ["padded common name", { rootCommonName: " Root" }, /whitespace/],
    ["common name over 64 characters", { intermediateCommonName: "x".repeat(65) }, /at most 64 characters/],
    ["relative dir", { dir: "ca" }, /absolute path/],
    ["leaf over 825 days", { leafDays: 826 }, /leafDays: a whole number from 1 to 825/],
    ["fractional days", { rootDays: 3650.5 }, /rootDays: a whole number/],
    ["intermediate outliving the root", { intermediateDays: 4000 }, /must not exceed rootDays/],
    ["leaf outliving the intermediate", { intermediateDays: 300, leafDays: 397 }, /must not exceed intermediateDays/],
    ["renew window covering the whole leaf", { renewBeforeDays: 397 }, /must be below leafDays/],
  ])("rejects %s", (_what, patch, message) => {
    expect(() => caScriptIr({ ...INPUT, ...patch })).toThrow(CaInputError);
    expect(() => caScriptIr({ ...INPUT, ...patch })).toThrow(message);
  });

  it("reports every problem at once", () => {
    try {
      caScriptIr({ ...INPUT, domain: "bad domain", leafDays: 0, dir: "rel" });
      expect.unreachable();
    } catch (e) {
      expect((e as CaInputError).problems).toHaveLength(3);
    }
  });
});

describe("ca.sh command line", () => {
  it.each<[string[], RegExp]>([
    [[], /missing command/],
    [["bogus"], /unknown command: bogus/],
    [["init", "extra"], /init takes no arguments/],
    [["renew", "--days"], /--days needs a number/],
    [["renew", "--days", "ten"], /whole number of days/],
    [["renew", "--days", "010"], /whole number of days/],
    [["renew", "--force"], /unknown argument: --force/],
  ])("%j → usage, exit 2", (args, message) => {
    const r = ca(join(base, "never-created"), args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("usage: ca.sh <command>");
    expect(existsSync(join(base, "never-created"))).toBe(false);
  });

  it("help prints usage and the paths, exit 0", () => {
    const r = ca(join(base, "x"), ["help"]);
    expect(r.status).toBe(0);
    expect(r.out).toContain("usage: ca.sh <command>");
    expect(r.out).toMatch(/^public {2}root\.crt {9}root certificate: install it on hosts and devices/m);
  });

  it("issue before init fails clearly", () => {
    const r = ca(join(base, "empty"), ["issue"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/intermediate\.key is missing \(run 'ca\.sh init'/);
  });

  it("refuses, at run time, a domain a hand edit made unsafe", () => {
    const edited = writeScript("edited.sh", printCaScript(INPUT).replace("readonly CA_DOMAIN='lab.home.arpa'", "readonly CA_DOMAIN='lab.home.arpa,DNS:evil.org'"));
    const dir = join(base, "edited");
    const r = ca(dir, ["init"], { file: edited });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CA_DOMAIN must be a DNS name/);
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses, at run time, a leaf validity over 825 days", () => {
    const edited = writeScript("edited-days.sh", printCaScript(INPUT).replace("readonly LEAF_DAYS='397'", "readonly LEAF_DAYS='900'"));
    const r = ca(join(base, "edited-days"), ["issue"], { file: edited });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/LEAF_DAYS must be between 1 and 825/);
  });
});

describe("ca.sh init + issue (real openssl)", () => {
  const mainCa = once(() => freshCa("main"));
  let dir: string;
  beforeEach(() => {
    dir = mainCa();
  });

  it("creates exactly the documented files, no temp files left", () => {
    expect(readdirSync(dir).sort()).toEqual(ISSUED_TOP);
  });

  it("keys 0600, certificates 0644, directory 0700", () => {
    expect(mode(dir)).toBe(0o700);
    for (const key of [CA_FILES.rootKey, CA_FILES.intermediateKey, CA_FILES.leafKey]) expect(mode(join(dir, key)), key).toBe(0o600);
    for (const crt of [CA_FILES.rootCert, CA_FILES.intermediateCert, CA_FILES.leafCert, CA_FILES.fullchain]) expect(mode(join(dir, crt)), crt).toBe(0o644);
  });

  it("openssl verify: leaf and full chain against root + intermediate", () => {
    for (const file of [CA_FILES.leafCert, CA_FILES.fullchain]) {
      const r = tool("openssl", ["verify", "-CAfile", join(dir, "root.crt"), "-untrusted", join(dir, "intermediate.crt"), join(dir, file)]);
      expect(r.stdout).toMatch(/: OK\n$/);
    }
    const full = readFileSync(join(dir, "fullchain.crt"), "utf8");
    expect(full).toBe(readFileSync(join(dir, "leaf.crt"), "utf8") + readFileSync(join(dir, "intermediate.crt"), "utf8"));
  });

  it("root: P-384, SHA-384, CA pathlen 1, critical name constraint without leading dot", () => {
    const t = x509Text(join(dir, "root.crt"));
    expect(t).toMatch(/NIST CURVE: P-384/);
    expect(t).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
    expect(t).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:1\n/);
    expect(t).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(t).toMatch(NAME_CONSTRAINTS);
    expect(t).not.toMatch(/DNS:\.lab/);
    expect(t).toMatch(/Subject: O = Homelab, CN = Homelab Root CA\n/);
    expect(Math.round(validityDays(cert(join(dir, "root.crt"))))).toBe(3650);
  });

  it("intermediate: P-384, pathlen 0, same name constraint, signed by the root", () => {
    const t = x509Text(join(dir, "intermediate.crt"));
    expect(t).toMatch(/NIST CURVE: P-384/);
    expect(t).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
    expect(t).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
    expect(t).toMatch(NAME_CONSTRAINTS);
    expect(t).toMatch(/X509v3 Authority Key Identifier:/);
    expect(t).toMatch(/Issuer: O = Homelab, CN = Homelab Root CA\n/);
    expect(t).toMatch(/Subject: O = Homelab, CN = Homelab Intermediate CA\n/);
    expect(Math.round(validityDays(cert(join(dir, "intermediate.crt"))))).toBe(1825);
  });

  it("leaf: P-256, CA:FALSE, digitalSignature, serverAuth, SKI/AKI, wildcard + apex, ≤ 397 days", () => {
    const t = x509Text(join(dir, "leaf.crt"));
    expect(t).toMatch(/NIST CURVE: P-256/);
    expect(t).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(t).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(t).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(t).toMatch(/X509v3 Subject Key Identifier:/);
    expect(t).toMatch(/X509v3 Authority Key Identifier:/);
    expect(t).toMatch(/Issuer: O = Homelab, CN = Homelab Intermediate CA\n/);
    const c = cert(join(dir, "leaf.crt"));
    expect(c.subjectAltName).toBe("DNS:*.lab.home.arpa, DNS:lab.home.arpa");
    expect(c.ca).toBe(false);
    expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(validityDays(c)).toBeLessThanOrEqual(397);
    expect(Math.round(validityDays(c))).toBe(397);
  });

  it("random 128-bit serials, all different", () => {
    const serials = ["root.crt", "intermediate.crt", "leaf.crt"].map((f) => cert(join(dir, f)).serialNumber);
    for (const s of serials) expect(s).toMatch(/^[0-9A-F]{1,32}$/);
    expect(new Set(serials).size).toBe(3);
  });

  it("verify passes", () => {
    const out = mustRun(dir, ["verify"]);
    expect(out).toContain("ok: leaf.crt chains to root.crt and is valid for lab.home.arpa");
    expect(out).toContain("ok: leaf.crt chains to root.crt and is valid for verify-wildcard.lab.home.arpa");
    expect(out).toContain("verify: all checks passed");
  });

  it("paths names the public trust anchor and the Traefik files", () => {
    const out = mustRun(dir, ["paths"]);
    expect(out).toContain(`CA directory: ${dir}\n`);
    expect(out).toContain("(configured: /var/lib/labgen/ca; LABGEN_CA_DIR overrides it)");
    expect(out).toMatch(/^public {2}root\.crt .*trust anchor/m);
    expect(out).toMatch(/^secret {2}root\.key /m);
    expect(out).toMatch(/^public {2}fullchain\.crt .*Traefik certFile/m);
    expect(out).toMatch(/^secret {2}leaf\.key .*Traefik keyFile/m);
  });
});

describe("ca.sh never overwrites a CA", () => {
  it("init twice: the second refuses, exit 1, every file's bytes, mode and mtime unchanged", () => {
    const dir = freshCa("twice");
    const before = snapshot(dir);
    const dirMtime = statSync(dir).mtimeMs;
    const r = ca(dir, ["init"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to overwrite the existing CA: .*root\.key exists \(nothing was changed\)/);
    expect(snapshot(dir)).toEqual(before);
    expect(statSync(dir).mtimeMs).toBe(dirMtime);
  });

  it("any one CA file present is enough to refuse", () => {
    const dir = join(base, "partial");
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "intermediate.crt"), "not a certificate\n");
    const before = snapshot(dir);
    const r = ca(dir, ["init"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/intermediate\.crt exists/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("ca.sh renew", () => {
  it("with plenty of validity left: no change", () => {
    const dir = freshCa("renew-noop");
    const before = snapshot(dir);
    const out = mustRun(dir, ["renew"]);
    expect(out).toMatch(/still valid for more than 30 days \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\); not renewed/);
    expect(snapshot(dir)).toEqual(before);
  });

  it.each([["--days", "400"], ["--days=400"]])("renew %s re-issues: new serial, new key, valid chain", (...args) => {
    const dir = freshCa(`renew-${args.join("")}`);
    const oldSerial = cert(join(dir, "leaf.crt")).serialNumber;
    const oldKey = readFileSync(join(dir, "leaf.key"), "utf8");
    const rootBefore = readFileSync(join(dir, "root.crt"), "utf8");
    const out = mustRun(dir, ["renew", ...args]);
    expect(out).toMatch(/expires within 400 days; re-issuing/);
    expect(cert(join(dir, "leaf.crt")).serialNumber).not.toBe(oldSerial);
    expect(readFileSync(join(dir, "leaf.key"), "utf8")).not.toBe(oldKey);
    expect(readFileSync(join(dir, "root.crt"), "utf8")).toBe(rootBefore);
    expect(mode(join(dir, "leaf.key"))).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(ISSUED_TOP);
    expect(mustRun(dir, ["verify"])).toContain("verify: all checks passed");
  });

  it("issues when there is no certificate yet", () => {
    const dir = freshCa("renew-missing", false);
    expect(mustRun(dir, ["renew"])).toMatch(/issued \*\.lab\.home\.arpa and lab\.home\.arpa/);
    expect(existsSync(join(dir, "fullchain.crt"))).toBe(true);
  });
});

describe("root key kept offline", () => {
  it("issue, renew and verify work without root.key; init still refuses", () => {
    const dir = freshCa("offline");
    const offline = join(base, "offline-root.key");
    cpSync(join(dir, "root.key"), offline);
    rmSync(join(dir, "root.key"));
    mustRun(dir, ["issue"]);
    expect(mustRun(dir, ["renew", "--days", "400"])).toMatch(/re-issuing/);
    expect(mustRun(dir, ["verify"])).toContain("verify: all checks passed");
    const r = ca(dir, ["init"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/root\.crt exists/);
    expect(existsSync(join(dir, "root.key"))).toBe(false);
  });
});

describe("ca.sh issue is atomic", () => {
  it("a failing openssl leaves the current certificate and key untouched, and no temp files", () => {
    const dir = freshCa("atomic");
    const before = snapshot(dir);
    // A shim that fails exactly when the leaf is signed, after the new key and CSR were written.
    const realOpenssl = tool("bash", ["-c", "command -v openssl"]).stdout.trim();
    const shimDir = join(base, "shim");
    mkdirSync(shimDir);
    writeFileSync(
      join(shimDir, "openssl"),
      `#!/usr/bin/env bash\nfor a in "$@"; do [[ $a == leaf_ext ]] && { echo 'simulated failure' >&2; exit 1; }; done\nexec '${realOpenssl}' "$@"\n`,
    );
    chmodSync(join(shimDir, "openssl"), 0o755);
    const r = ca(dir, ["issue"], { path: `${shimDir}:${process.env.PATH}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("simulated failure");
    expect(r.stderr).toMatch(/openssl ca failed/);
    expect(snapshot(dir)).toEqual(before);
  });
});

// RFC 5280 4.2.1.10: name constraints apply per name form, so `permitted;DNS:<domain>` alone
// leaves iPAddress SANs unconstrained; the CA also excludes 0.0.0.0/0 and ::/0. A leaked
// intermediate's IP certificate must fail verification: openssl verify reports "excluded subtree
// violation" for it.
describe("name constraints: no certificate for an IP address", () => {
  const mainCa = once(() => freshCa("ip-constraint"));

  function ipLeaf(dir: string, name: string, san: string): string {
    const key = join(base, `${name}.key`);
    const csr = join(base, `${name}.csr`);
    const crt = join(base, `${name}.crt`);
    const ext = join(base, `${name}.cnf`);
    writeFileSync(ext, `[ leaf ]\nbasicConstraints = critical, CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = ${san}\n`);
    tool("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    tool("openssl", ["req", "-new", "-key", key, "-subj", `/CN=${name}`, "-out", csr]);
    tool("openssl", ["x509", "-req", "-in", csr, "-CA", join(dir, "intermediate.crt"), "-CAkey", join(dir, "intermediate.key"),
      "-set_serial", "0x1234", "-days", "30", "-extfile", ext, "-extensions", "leaf", "-out", crt]);
    return crt;
  }

  function verify(dir: string, crt: string): { status: number | null; stdout: string; stderr: string } {
    return tool("openssl", ["verify", "-CAfile", join(dir, "root.crt"), "-untrusted", join(dir, "intermediate.crt"), crt], { allowFail: true });
  }

  it.each([
    ["ipv4", "IP:192.168.1.1"],
    ["ipv6", "IP:fd7a:115c:a1e0::1"],
    ["ip-with-in-domain-dns", "DNS:git.lab.home.arpa, IP:10.10.0.10"],
  ])("a %s leaf signed by the intermediate is rejected by openssl verify", (name, san) => {
    const dir = mainCa();
    const r = verify(dir, ipLeaf(dir, name, san));
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/excluded subtree violation/);
  });

  it("a DNS-only leaf inside the domain still verifies (control)", () => {
    const dir = mainCa();
    const r = verify(dir, ipLeaf(dir, "dns-only", "DNS:git.lab.home.arpa"));
    expect(r.status).toBe(0);
  });
});

describe("ca.sh issue: one atomic switch, backdated", () => {
  const serialDir = (dir: string): string => cert(join(dir, "leaf.crt")).serialNumber.toLowerCase().replace(/^0+/, "");
  const target = (dir: string): string => readlinkSync(join(dir, CA_ISSUE_LAYOUT.current));

  it("leaf.key, leaf.crt and fullchain.crt are fixed symlinks into current/, which names issued/<serial>", () => {
    const dir = freshCa("switch");
    for (const f of [CA_FILES.leafKey, CA_FILES.leafCert, CA_FILES.fullchain]) {
      expect(lstatSync(join(dir, f)).isSymbolicLink(), f).toBe(true);
      expect(readlinkSync(join(dir, f))).toBe(`${CA_ISSUE_LAYOUT.current}/${f}`);
    }
    expect(target(dir).replace(/^issued\/0*/, "")).toBe(serialDir(dir));
    expect(readdirSync(join(dir, target(dir))).sort()).toEqual([CA_FILES.fullchain, CA_FILES.leafCert, CA_FILES.leafKey]);
    expect(mode(join(dir, target(dir), CA_FILES.leafKey))).toBe(0o600);
  });

  it("a re-issue changes only where current points; the previous set is kept, older ones removed", () => {
    const dir = freshCa("switch-again");
    const first = target(dir);
    mustRun(dir, ["issue"]);
    const second = target(dir);
    expect(second).not.toBe(first);
    expect(readdirSync(join(dir, "issued")).map((d) => `issued/${d}`).sort()).toEqual([first, second].sort());
    mustRun(dir, ["issue"]);
    const third = target(dir);
    expect(readdirSync(join(dir, "issued")).map((d) => `issued/${d}`).sort()).toEqual([second, third].sort());
    // The set behind current always matches: the key belongs to the certificate.
    expect(mustRun(dir, ["verify"])).toContain("ok: the keys belong to their certificates");
    expect(readdirSync(dir).sort()).toEqual(ISSUED_TOP);
  });

  it("a CA directory from an older ca.sh (regular files) is switched to the symlinks on the next issue", () => {
    const dir = freshCa("migrate");
    for (const f of [CA_FILES.leafKey, CA_FILES.leafCert, CA_FILES.fullchain]) {
      const data = readFileSync(join(dir, f));
      rmSync(join(dir, f));
      writeFileSync(join(dir, f), data);
    }
    rmSync(join(dir, "current"));
    rmSync(join(dir, "issued"), { recursive: true });
    mustRun(dir, ["issue"]);
    for (const f of [CA_FILES.leafKey, CA_FILES.leafCert, CA_FILES.fullchain]) expect(lstatSync(join(dir, f)).isSymbolicLink(), f).toBe(true);
    expect(mustRun(dir, ["verify"])).toContain("verify: all checks passed");
  });

  it(`notBefore lies ${CA_BACKDATE_SECONDS} s in the past and the validity is still exactly leafDays`, () => {
    const before = Date.now();
    const dir = freshCa("backdate");
    const after = Date.now();
    const c = cert(join(dir, "leaf.crt"));
    const notBefore = Date.parse(c.validFrom);
    // Certificate times have one-second resolution.
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - CA_BACKDATE_SECONDS * 1000 - 1000);
    expect(notBefore).toBeLessThanOrEqual(after - CA_BACKDATE_SECONDS * 1000 + 1000);
    expect(validityDays(c)).toBe(INPUT.leafDays);
  });
});

describe("ca.sh verify catches a broken CA directory", () => {
  it("fullchain without the intermediate", () => {
    const dir = freshCa("broken-chain");
    cpSync(join(dir, "leaf.crt"), join(dir, "fullchain.crt"));
    const r = ca(dir, ["verify"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/fullchain\.crt is not leaf\.crt followed by intermediate\.crt/);
  });

  it("a leaf key that does not belong to the certificate", () => {
    const dir = freshCa("broken-key");
    tool("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "leaf.key")]);
    const r = ca(dir, ["verify"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/leaf\.key does not belong to leaf\.crt/);
  });
});

describe("data values survive the script: tricky names and directory", () => {
  const tricky: CaInput = {
    ...INPUT,
    organization: `Lab "O'Brien" $HOME \`id\` \\ /+=,;<># Ünï ‘q’`,
    rootCommonName: "Root/CA+1 $(id) \\",
    intermediateCommonName: "Int 'CA' *?[x]",
  };

  it("init and issue in a configured dir full of shell syntax, without LABGEN_CA_DIR", () => {
    const file = writeScript("tricky.sh", printCaScript({ ...tricky, dir: join(base, "dir with 'quote' $HOME `x` ünï") }));
    expect(shellcheck(file).ok).toBe(true);
    const dir = join(base, "dir with 'quote' $HOME `x` ünï");
    for (const cmd of ["init", "issue", "verify"]) {
      const r = ca(null, [cmd], { file });
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
    }
    expect(readdirSync(dir).sort()).toEqual(ISSUED_TOP);
    expect(ca(null, ["paths"], { file }).out).toContain(`CA directory: ${dir}\n`);

    // Subjects read back exactly (one attribute per line, no escaping).
    const subject = (f: string): string[] =>
      tool("openssl", ["x509", "-in", join(dir, f), "-noout", "-subject", "-nameopt", "sep_multiline,utf8,sname,-esc_msb"])
        .stdout.split("\n").slice(1).filter((l) => l !== "").map((l) => l.trim());
    expect(subject("root.crt")).toEqual([`O=${tricky.organization}`, `CN=${tricky.rootCommonName}`]);
    expect(subject("intermediate.crt")).toEqual([`O=${tricky.organization}`, `CN=${tricky.intermediateCommonName}`]);
  });
});

describe("TLS handshakes: Node client trusting only root.crt", () => {
  let dir: string;
  const table: Array<{ case: string; servername: string; result: HandshakeResult }> = [];
  const files = {} as Record<"root" | "intermediate" | "leaf" | "fullchain" | "leafKey", string>;

  // A server certificate the CA should never have signed: issued by the TEST with openssl.
  function misissue(name: string, san: string, issuer: "intermediate" | "root"): { cert: string; key: string } {
    const cnf = join(dir, "..", `${name}.cnf`);
    writeFileSync(
      cnf,
      [
        "[ req ]", "distinguished_name = dn", "prompt = no", "[ dn ]", "CN = placeholder",
        "[ ext ]", "basicConstraints = critical, CA:FALSE", "keyUsage = critical, digitalSignature",
        "extendedKeyUsage = serverAuth", "authorityKeyIdentifier = keyid:always", `subjectAltName = DNS:${san}`, "",
      ].join("\n"),
    );
    const out = join(dir, "..", name);
    tool("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${out}.key`]);
    tool("openssl", ["req", "-new", "-config", cnf, "-key", `${out}.key`, "-subj", `/CN=${san}`, "-out", `${out}.csr`]);
    tool("openssl", [
      "x509", "-req", "-in", `${out}.csr`, "-CA", join(dir, `${issuer}.crt`), "-CAkey", join(dir, `${issuer}.key`),
      "-set_serial", "0x0badc0de", "-days", "30", "-sha384", "-extfile", cnf, "-extensions", "ext", "-out", `${out}.crt`,
    ]);
    const leaf = readFileSync(`${out}.crt`, "utf8");
    return { cert: issuer === "intermediate" ? leaf + files.intermediate : leaf, key: readFileSync(`${out}.key`, "utf8") };
  }

  const tlsCa = once(() => freshCa(join("tls", "ca")));
  beforeEach(() => {
    dir = tlsCa();
    files.root = readFileSync(join(dir, "root.crt"), "utf8");
    files.intermediate = readFileSync(join(dir, "intermediate.crt"), "utf8");
    files.leaf = readFileSync(join(dir, "leaf.crt"), "utf8");
    files.fullchain = readFileSync(join(dir, "fullchain.crt"), "utf8");
    files.leafKey = readFileSync(join(dir, "leaf.key"), "utf8");
  });

  afterAll(() => {
    if (table.length === 0) return;
    // The handshake table of the report.
    const rows = table.map((r) => `| ${r.case} | \`${r.servername}\` | ${r.result.authorized ? "verified" : "rejected"} | ${r.result.authorized ? r.result.protocol : `${r.result.code}: ${r.result.error}`} |`);
    console.log(["| case | SNI / hostname | result | detail |", "| --- | --- | --- | --- |", ...rows].join("\n"));
  });

  it("every route hostname and the apex verify against the served full chain", async () => {
    const server = await startTlsServer({ cert: files.fullchain, key: files.leafKey });
    try {
      for (const host of [...ROUTES.map((r) => `${r}.${DOMAIN}`), DOMAIN]) {
        const result = await connectTls({ port: server.port, ca: files.root, servername: host });
        table.push({ case: host === DOMAIN ? "apex, fullchain" : "route, fullchain", servername: host, result });
        expect(result, host).toMatchObject({ authorized: true });
        expect(result.error, host).toBeUndefined();
      }
    } finally {
      await server.close();
    }
  });

  it("names the wildcard does not cover are rejected (hostname mismatch)", async () => {
    const server = await startTlsServer({ cert: files.fullchain, key: files.leafKey });
    try {
      for (const host of [`a.b.${DOMAIN}`, "evil.example.org"]) {
        const result = await connectTls({ port: server.port, ca: files.root, servername: host });
        table.push({ case: "not covered by the SANs", servername: host, result });
        expect(result.authorized, host).toBe(false);
        expect(result.code, host).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
        expect(result.error).toContain("DNS:*.lab.home.arpa, DNS:lab.home.arpa");
      }
    } finally {
      await server.close();
    }
  });

  it.each<[string, string, "intermediate" | "root"]>([
    ["mis-issued by the intermediate", "evil.example.org", "intermediate"],
    ["mis-issued by the root", "evil.example.org", "root"],
    ["look-alike outside the domain, by the intermediate", "evillab.home.arpa", "intermediate"],
  ])("%s for %s → permitted subtree violation", async (what, san, issuer) => {
    const bad = misissue(`bad-${issuer}-${san}`, san, issuer);
    // openssl agrees (error 47) before Node is asked
    const v = tool("openssl", ["verify", "-CAfile", join(dir, "root.crt"), "-untrusted", join(dir, "intermediate.crt"), join(dir, "..", `bad-${issuer}-${san}.crt`)], { allowFail: true });
    expect(v.status).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/error 47 at 0 depth lookup: permitted subtree violation/);
    const result = await handshake({ ...bad, ca: files.root, servername: san });
    table.push({ case: what, servername: san, result });
    expect(result.authorized).toBe(false);
    expect(result.error).toBe("permitted subtree violation");
  });

  it("a server that sends only the leaf (no intermediate) is rejected", async () => {
    const host = `grafana.${DOMAIN}`;
    const result = await handshake({ cert: files.leaf, key: files.leafKey, ca: files.root, servername: host });
    table.push({ case: "server sends leaf only", servername: host, result });
    expect(result).toMatchObject({ authorized: false, code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", error: "unable to verify the first certificate" });
  });

  it.each<[string, string, string]>([
    ["same subject as ours", "/O=Homelab/CN=Homelab Root CA", "CERT_SIGNATURE_FAILURE"],
    ["another subject", "/O=Elsewhere/CN=Other Root CA", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"],
  ])("a client trusting a different root (%s) rejects the chain", async (what, subj, code) => {
    const other = join(dir, "..", `other-root-${code}`);
    writeFileSync(`${other}.cnf`, "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = placeholder\n");
    tool("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", `${other}.key`]);
    tool("openssl", ["req", "-x509", "-new", "-config", `${other}.cnf`, "-key", `${other}.key`, "-subj", subj, "-days", "30", "-sha384", "-out", `${other}.crt`]);
    const host = `git.${DOMAIN}`;
    const result = await handshake({ cert: files.fullchain, key: files.leafKey, ca: readFileSync(`${other}.crt`, "utf8"), servername: host });
    table.push({ case: `client trusts another root, ${what}`, servername: host, result });
    expect(result.authorized).toBe(false);
    expect(result.code).toBe(code);
  });
});
