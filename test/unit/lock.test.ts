// lab.lock.json: parsing (every corruption is a clear error, never a silent re-allocation), the
// canonical text, allocation (deterministic, stable, collision-free), and `labgen lock prune`
// end to end.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LabConfig } from "../../generator/config/schema.ts";
import { emptyLock, INCUS_OUI, isWellFormedLock, type Lock, LockError, LockSchema, parseLock, printLock, printLockGeneric } from "../../generator/resolve/lock.ts";
import { resolve } from "../../generator/resolve/resolve.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";
import { validate } from "../../generator/validate/validate.ts";
import { cli, paths } from "../support/cli.ts";
import { baseHost, baseInstance, baseLab, mkTmp, type Obj, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

function config(lab: Obj): LabConfig {
  const v = validate(lab);
  expect(v.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return v.config!;
}

function resolveOk(lab: Obj, lock: Lock = emptyLock()) {
  const r = resolve(config(lab), lock);
  expect(r.diagnostics).toEqual([]);
  return r.resolved!;
}

/** Each problem as "line:column path: message" (the restore advice every message ends with left out). */
function problems(text: string): string[] {
  try {
    parseLock(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LockError);
    return (e as LockError).problems.map(
      (p) => `${p.line}:${p.column} ${formatPath(p.path)}: ${p.message.replace(/; restore lab\.lock\.json from git \(deleting it re-allocates every address and MAC\)$/, "")}`,
    );
  }
  throw new Error("expected a LockError");
}

const nic = (mac: string, ipv4: string | null, network = "lab0") => ({ mac, network, ipv4 });
// Pretty-printed as labgen writes it, so positions are lines and columns a person would find.
const lockText = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

describe("parseLock", () => {
  it("round-trips the canonical text", () => {
    const lock = resolveOk(baseLab()).lock;
    const text = printLock(lock);
    expect(parseLock(text)).toEqual(lock);
    expect(printLock(parseLock(text))).toBe(text);
  });

  it("prints sorted keys, two-space indent and a trailing newline, whatever the insertion order", () => {
    const a: Lock = { version: 1, hosts: { b: { hostId: "0000000b" }, a: { hostId: "0000000a" } }, nics: { "z/eth0": nic("10:66:6a:00:00:02", null), "a/eth0": nic("10:66:6a:00:00:01", "10.10.0.5") } };
    expect(printLock(a)).toBe(
      `{
  "version": 1,
  "hosts": {
    "a": {
      "hostId": "0000000a"
    },
    "b": {
      "hostId": "0000000b"
    }
  },
  "nics": {
    "a/eth0": {
      "ipv4": "10.10.0.5",
      "mac": "10:66:6a:00:00:01",
      "network": "lab0"
    },
    "z/eth0": {
      "ipv4": null,
      "mac": "10:66:6a:00:00:02",
      "network": "lab0"
    }
  }
}
`,
    );
  });

  it("not JSON: says so at its line and column in lab.lock.json, and how to recover", () => {
    expect(problems("{ this is not json")).toEqual(["1:3 (root): not valid JSON: expected a property name in double quotes, found 't'"]);
    // A hand edit that left a trailing comma, on the line where it breaks.
    const text = lockText({ version: 1, hosts: { nas: { hostId: "deadbeef" } }, nics: {} }).replace('"deadbeef"', '"deadbeef",');
    expect(problems(text)).toEqual(["6:5 (root): not valid JSON: expected a property name in double quotes, found '}'"]);
    expect(problems('{"version": 1, "hosts": {}, "nics": {}')).toEqual(["1:39 (root): not valid JSON: expected ',' or '}' after a property value, found the end of the file"]);
    expect(problems('{"version": 1, "hosts": {"a": {"hostId": "12\n34"}}}')[0]).toMatch(/^1:45 \(root\): not valid JSON: a control character/);
    const [p] = (() => {
      try {
        parseLock("{ nope");
      } catch (e) {
        return (e as LockError).problems;
      }
      return [];
    })();
    expect(p.message).toMatch(/; restore lab\.lock\.json from git \(deleting it re-allocates every address and MAC\)$/);
  });

  it("a wrong or missing version", () => {
    expect(problems(lockText({ version: 2, hosts: {}, nics: {} }))).toEqual(["2:3 version: version 2 is not supported: this labgen reads lock format version 1"]);
    expect(problems(lockText({ hosts: {}, nics: {} }))).toEqual(['1:1 (root): no "version": this is not a labgen lock file (expected { "version": 1, "hosts": …, "nics": … })']);
    expect(problems("[]")).toEqual(['1:1 (root): no "version": this is not a labgen lock file (expected { "version": 1, "hosts": …, "nics": … })']);
  });

  it("malformed entries: MAC, address, hostId, NIC key — each at its line", () => {
    expect(problems(lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6A:00:00:01", null) } }))).toEqual([
      '6:7 nics["web/eth0"].mac: mac must look like 10:66:6a:12:34:56 (lowercase)',
    ]);
    expect(problems(lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:00:00:01", "10.10.0.999") } }))).toEqual([
      '8:7 nics["web/eth0"].ipv4: ipv4 must be an IPv4 address such as 10.10.0.128 (or null)',
    ]);
    expect(problems(lockText({ version: 1, hosts: { nas: { hostId: "xyz" } }, nics: {} }))).toEqual(["5:7 hosts.nas.hostId: hostId must be 8 lowercase hex digits"]);
    expect(problems(lockText({ version: 1, hosts: { nas: { hostId: "00000000" } }, nics: {} }))).toEqual(["5:7 hosts.nas.hostId: hostId 00000000 is never allocated by labgen"]);
    expect(problems(lockText({ version: 1, hosts: {}, nics: { web: nic("10:66:6a:00:00:01", null) } }))).toEqual(["5:5 nics.web: NIC keys are <instance>/<nic>"]);
    expect(problems(lockText({ version: 1, hosts: {}, nics: {}, extra: 1 }))).toEqual(['5:3 extra: unknown key "extra"']);
  });

  it("duplicates: an address, a MAC, a hostId given twice (every problem at once, each at its line)", () => {
    const text = lockText({
      version: 1,
      hosts: { nas: { hostId: "deadbeef" }, pve: { hostId: "deadbeef" } },
      nics: {
        "a/eth0": nic("10:66:6a:00:00:01", "10.10.0.5"),
        "b/eth0": nic("10:66:6a:00:00:01", "10.10.0.5"),
        "c/eth0": nic("10:66:6a:00:00:03", "10.10.0.5", "lab1"),
      },
    });
    expect(problems(text)).toEqual([
      '18:7 nics["b/eth0"].mac: MAC 10:66:6a:00:00:01 is also given to a/eth0: two NICs cannot share a MAC',
      '20:7 nics["b/eth0"].ipv4: 10.10.0.5 on lab0 is also given to a/eth0',
      "8:7 hosts.pve.hostId: hostId deadbeef is also given to nas: ZFS tells hosts apart by it",
    ]);
  });

  // parseLock reads a lock that passes isWellFormedLock in place and hands anything else to the
  // schema: the plain check must never accept what the schema refuses.
  it("the plain check accepts a lock labgen wrote and nothing the schema refuses", () => {
    const good = { version: 1, hosts: { nas: { hostId: "deadbeef" } }, nics: { "a/eth0": nic("10:66:6a:00:00:01", "10.10.0.5"), "b/eth0": nic("10:66:6a:00:00:02", null) } };
    expect(isWellFormedLock(good)).toBe(true);
    expect(isWellFormedLock(JSON.parse(printLock(resolveOk(baseLab()).lock)))).toBe(true);
    const variants: unknown[] = [null, [], "x", {}, { ...good, version: 2 }, { ...good, extra: 1 }, { version: 1, hosts: {} }, { ...good, hosts: [] }, { ...good, nics: null }];
    const hostValues: unknown[] = ["deadbee", "DEADBEEF", "00000000", 12345678, null, undefined, "deadbeef0", " deadbeef"];
    for (const hostId of hostValues) variants.push({ ...good, hosts: { nas: { hostId } } });
    variants.push({ ...good, hosts: { nas: { hostId: "deadbeef", x: 1 } } }, { ...good, hosts: { nas: {} } }, { ...good, hosts: { nas: "deadbeef" } });
    variants.push({ ...good, hosts: JSON.parse('{"__proto__": {"hostId": "deadbeef"}}') });
    for (const key of ["a", "a/b/c", "/eth0", "a/", "__proto__", ""]) variants.push({ ...good, nics: { [key]: nic("10:66:6a:00:00:01", null) } });
    const entries: unknown[] = [
      { mac: "10:66:6a:00:00:01", network: "lab0" },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: null, x: 1 },
      { mac: "10:66:6a:00:00:01", network: "", ipv4: null },
      { mac: "10:66:6a:00:00:01", network: 1, ipv4: null },
      { mac: "10:66:6A:00:00:01", network: "lab0", ipv4: null },
      { mac: "10:66:6a:00:00:01:", network: "lab0", ipv4: null },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: "10.10.0.256" },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: "10.10.0.05" },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: 5 },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: undefined },
      { mac: "10:66:6a:00:00:01", network: "lab0", ipv4: "10.10.0.5\n" },
      JSON.parse('{"mac": "10:66:6a:00:00:01", "network": "lab0", "__proto__": null}'),
      [],
      null,
    ];
    for (const e of entries) variants.push({ ...good, nics: { "a/eth0": e } });
    for (const v of variants) {
      const schema = LockSchema.safeParse(v).success;
      expect({ v, plain: isWellFormedLock(v) && !schema }).toEqual({ v, plain: false });
    }
    // And each refused variant still gets the schema's worded problem through parseLock.
    expect(problems(JSON.stringify({ ...good, nics: { "a/eth0": entries[6] } }))[0]).toMatch(/ipv4 must be an IPv4 address/);
  });

  it("prints exactly what JSON.stringify of the sorted lock prints, for any key (numeric host names, escapes)", () => {
    const locks: Lock[] = [
      emptyLock(),
      resolveOk(baseLab()).lock,
      { version: 1, hosts: { "10": { hostId: "0000000a" }, "9": { hostId: "00000009" }, b: { hostId: "0000000b" }, "01": { hostId: "00000001" }, "4294967295": { hostId: "0000000c" } }, nics: {} },
      { version: 1, hosts: {}, nics: { 'q"uote/eth0': nic("10:66:6a:00:00:01", null, 'la\\b"0'), "ünï/\u2028": nic("10:66:6a:00:00:02", "10.0.0.2", "\ud800"), "tab\t/x": nic("10:66:6a:00:00:03", null) } },
    ];
    for (const l of locks) expect(printLock(l)).toBe(printLockGeneric(l));
  });
});

describe("allocation", () => {
  // The lock is a plain JSON object: a host named like an Object.prototype member must not count
  // as already having a hostId.
  it("a host named 'constructor' gets its own hostId", () => {
    const lab = baseLab();
    lab.hosts = { constructor: lab.hosts.nas };
    for (const k of ["networks", "storage"]) for (const v of Object.values(lab[k] as Record<string, Obj>)) if (v.host === "nas") v.host = "constructor";
    for (const i of Object.values(lab.instances as Record<string, Obj>)) if (i.host === "nas") i.host = "constructor";
    const r = resolveOk(lab);
    expect(Object.hasOwn(r.lock.hosts, "constructor")).toBe(true);
    // (Read as an own entry: to the type checker, `.constructor` is Object's.)
    const own = Object.entries(r.lock.hosts).find(([h]) => h === "constructor")![1];
    expect(own.hostId).toMatch(/^[0-9a-f]{8}$/);
    expect(r.model.hosts[0].hostId).toBe(own.hostId);
  });

  it("allocates hostIds, MACs and addresses deterministically (two machines agree without a lock)", () => {
    const a = resolveOk(baseLab());
    const b = resolveOk(baseLab());
    expect(printLock(a.lock)).toBe(printLock(b.lock));
    expect(a.lock.hosts.nas.hostId).toMatch(/^[0-9a-f]{8}$/);
    expect(a.lock.hosts.nas.hostId).not.toBe("00000000");
    expect(a.lock.nics["web/eth0"].mac.startsWith(`${INCUS_OUI}:`)).toBe(true);
    expect(a.lock.nics["web/eth0"]).toMatchObject({ network: "lab0", ipv4: "10.10.0.128" });
    expect(a.allocated).toEqual([`hostId ${a.lock.hosts.nas.hostId} for host nas`, `MAC ${a.lock.nics["web/eth0"].mac} for web/eth0`, "IPv4 10.10.0.128 for web/eth0"]);
    // The model carries the lock's values.
    const web = a.model.instances.find((i) => i.name === "web")!;
    expect(web.ipv4).toBe("10.10.0.128");
    expect(web.nics[0]).toMatchObject({ mac: a.lock.nics["web/eth0"].mac, staticIp: false });
    expect(a.model.hosts[0].hostId).toBe(a.lock.hosts.nas.hostId);
  });

  it("a complete lock allocates nothing and is returned unchanged", () => {
    const first = resolveOk(baseLab());
    const again = resolveOk(baseLab(), parseLock(printLock(first.lock)));
    expect(again.allocated).toEqual([]);
    expect(printLock(again.lock)).toBe(printLock(first.lock));
  });

  it("static addresses are not recorded in the lock (the config holds them), but are never allocated", () => {
    const lab = baseLab();
    lab.instances.web.nics[0].ipv4 = "10.10.0.128";
    lab.instances.api = baseInstance();
    const r = resolveOk(lab);
    expect(r.lock.nics["web/eth0"].ipv4).toBeNull();
    expect(r.lock.nics["api/eth0"].ipv4).toBe("10.10.0.129");
    expect(r.model.instances.find((i) => i.name === "web")!.nics[0]).toMatchObject({ ipv4: "10.10.0.128", staticIp: true });
  });

  it("the upper half of the subnet first, then the lower half; never the network, gateway or broadcast", () => {
    const lab = baseLab();
    lab.networks.lab0 = { host: "nas", subnet: "10.10.0.0/29", gateway: "10.10.0.6" };
    lab.instances = {};
    for (const n of ["a", "b", "c", "d", "e"]) lab.instances[n] = baseInstance();
    const r = resolveOk(lab);
    // /29: .0 network, .6 gateway (set), .7 broadcast; upper half from .4.
    expect(["a", "b", "c", "d", "e"].map((n) => r.lock.nics[`${n}/eth0`].ipv4)).toEqual(["10.10.0.4", "10.10.0.5", "10.10.0.1", "10.10.0.2", "10.10.0.3"]);
  });

  it("a full subnet is an error naming the network and the way out", () => {
    const lab = baseLab();
    lab.networks.lab0 = { host: "nas", subnet: "10.10.0.0/30" };
    lab.instances.api = baseInstance();
    const r = resolve(config(lab), emptyLock());
    expect(r.resolved).toBeNull();
    expect(r.diagnostics.map((d) => ({ rule: d.rule, path: formatPath(d.path), message: d.message }))).toEqual([
      {
        rule: "ip-exhausted",
        path: "instances.web.nics[0].network",
        message: "network 'lab0' (10.10.0.0/30) has no free address left: widen the subnet or run 'labgen lock prune' to release addresses of removed instances",
      },
    ]);
  });

  it("a static address the lock gave to another NIC is an error, not a silent clash", () => {
    const first = resolveOk(baseLab());
    const lab = baseLab();
    lab.instances.api = baseInstance({ nics: [{ network: "lab0", ipv4: first.lock.nics["web/eth0"].ipv4 }] });
    const r = resolve(config(lab), first.lock);
    expect(r.resolved).toBeNull();
    expect(r.diagnostics.map((d) => ({ rule: d.rule, path: formatPath(d.path), message: d.message }))).toEqual([
      {
        rule: "static-ip-lock",
        path: "instances.api.nics[0].ipv4",
        message: "10.10.0.128 is allocated to web/eth0 in lab.lock.json: pick another address (or run 'labgen lock prune' if web/eth0 was removed)",
      },
    ]);
  });

  it("a NIC moved to another network gets a new address there; its MAC stays", () => {
    const first = resolveOk(baseLab());
    const lab = baseLab();
    lab.networks.lab1 = { host: "nas", subnet: "10.20.0.0/24" };
    lab.instances.web.nics[0].network = "lab1";
    const r = resolveOk(lab, first.lock);
    expect(r.lock.nics["web/eth0"]).toEqual({ mac: first.lock.nics["web/eth0"].mac, network: "lab1", ipv4: "10.20.0.128" });
  });

  it("an address its network cannot hold is an error in the lock, never a silent re-allocation", () => {
    const first = resolveOk(baseLab());
    const gateway = structuredClone(first.lock);
    gateway.nics["web/eth0"].ipv4 = "10.10.0.1";
    const broadcast = structuredClone(first.lock);
    broadcast.nics["web/eth0"].ipv4 = "10.10.0.255";
    const network = structuredClone(first.lock);
    network.nics["web/eth0"].ipv4 = "10.10.0.0";
    const renumbered = baseLab();
    renumbered.networks.lab0.subnet = "10.30.0.0/24";
    const cases: [Obj, Lock, string][] = [
      [renumbered, first.lock, "10.10.0.128 is outside network 'lab0' (10.30.0.0/24)"],
      [baseLab(), gateway, "10.10.0.1 is the gateway (the bridge's own address) of 'lab0'"],
      [baseLab(), broadcast, "10.10.0.255 is the broadcast address of 'lab0' (10.10.0.0/24)"],
      [baseLab(), network, "10.10.0.0 is the network address of 'lab0' (10.10.0.0/24)"],
    ];
    for (const [lab, lock, what] of cases) {
      const r = resolve(config(lab), lock);
      expect(r.resolved).toBeNull();
      expect(r.diagnostics.map((d) => ({ rule: d.rule, path: formatPath(d.path), message: d.message }))).toEqual([
        {
          rule: "lock",
          path: 'nics["web/eth0"].ipv4',
          message: `${what}, so no instance can have it: restore lab.lock.json from git, or, if the subnet changed on purpose, set this "ipv4" to null and labgen allocates a new address`,
        },
      ]);
    }
    // The way out the message gives: a null address is allocated again, the MAC stays.
    const cleared = structuredClone(first.lock);
    cleared.nics["web/eth0"].ipv4 = null;
    const r = resolveOk(renumbered, cleared);
    expect(r.lock.nics["web/eth0"]).toEqual({ mac: first.lock.nics["web/eth0"].mac, network: "lab0", ipv4: "10.30.0.128" });
  });

  it("a removed instance keeps its entry, and its address and MAC stay taken", () => {
    const lab = baseLab();
    lab.instances.api = baseInstance();
    const first = resolveOk(lab);
    delete lab.instances.web;
    lab.instances.db = baseInstance();
    const r = resolveOk(lab, first.lock);
    expect(r.lock.nics["web/eth0"]).toEqual(first.lock.nics["web/eth0"]);
    expect(r.lock.nics["api/eth0"]).toEqual(first.lock.nics["api/eth0"]);
    expect(r.lock.nics["db/eth0"].ipv4).not.toBe(first.lock.nics["web/eth0"].ipv4);
    expect(r.lock.nics["db/eth0"].ipv4).toBe("10.10.0.130");
    expect(r.lock.nics["db/eth0"].mac).not.toBe(first.lock.nics["web/eth0"].mac);
  });
});

describe("lab.lock.json through the CLI", () => {
  let dir: string;
  let cfg: string;
  let lock: string;
  let out: string;
  beforeEach(() => {
    dir = mkTmp("labgen-lock-");
    cfg = writeConfig(dir, baseLab());
    lock = join(dir, "lab.lock.json");
    out = join(dir, "out");
  });
  afterEach(() => rmTmp(dir));

  const CORRUPT: [string, string, string][] = [
    ["not JSON", "{ nope", "not valid JSON: expected a property name in double quotes, found 'n'"],
    ["a wrong version", lockText({ version: 7, hosts: {}, nics: {} }), "version 7 is not supported: this labgen reads lock format version 1"],
    ["a bad MAC", lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:zz:00:01", null) } }), 'nics["web/eth0"].mac: mac must look like 10:66:6a:12:34:56 (lowercase)'],
    [
      "a duplicate address",
      lockText({ version: 1, hosts: {}, nics: { "a/eth0": nic("10:66:6a:00:00:01", "10.10.0.5"), "b/eth0": nic("10:66:6a:00:00:02", "10.10.0.5") } }),
      'nics["b/eth0"].ipv4: 10.10.0.5 on lab0 is also given to a/eth0',
    ],
    [
      "an address outside its subnet",
      lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:00:00:01", "10.99.0.5") } }),
      `lab.lock.json:8:7: error: nics["web/eth0"].ipv4: 10.99.0.5 is outside network 'lab0' (10.10.0.0/24), so no instance can have it`,
    ],
    [
      "the gateway as an address",
      lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:00:00:01", "10.10.0.1") } }),
      `nics["web/eth0"].ipv4: 10.10.0.1 is the gateway (the bridge's own address) of 'lab0'`,
    ],
  ];

  it.each(CORRUPT)("a lock with %s: exit 1, the error names lab.lock.json and the problem; nothing written, the lock untouched", async (_what, text, problem) => {
    writeFileSync(lock, text);
    for (const cmd of ["generate", "check", "diff"]) {
      const r = await cli(cmd, ...paths(cfg, out, lock));
      expect(r.code, cmd).toBe(1);
      const line = r.errLines.find((l) => l.includes(": error: "))!;
      expect(line).toMatch(/lab\.lock\.json:\d+:\d+: error: /);
      expect(line).toContain(problem);
      expect(line.endsWith("[lock]")).toBe(true);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(out)).toBe(false);
      expect(readFileSync(lock, "utf8")).toBe(text);
    }
    const prune = await cli("lock", "prune", ...paths(cfg, out, lock));
    expect(prune.code).toBe(1);
    expect(readFileSync(lock, "utf8")).toBe(text);
  });

  it("a broken lock and a broken config are reported in the same round, the config's first", async () => {
    const lab = baseLab();
    lab.instances.web.cpu = "two";
    writeConfig(dir, lab);
    writeFileSync(lock, "{ nope");
    const r = await cli("check", ...paths(cfg, out, lock));
    expect(r.code).toBe(1);
    const errors = r.errLines.filter((l) => l.includes(": error: "));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/lab\.config\.ts:\d+:\d+: error: instances\.web\.cpu: expected number/);
    expect(errors[1]).toMatch(/lab\.lock\.json:1:3: error: not valid JSON/);
  });

  it("allocations survive config edits end to end, and `lock prune` removes exactly the orphans", async () => {
    const two = baseLab();
    two.instances.api = baseInstance();
    two.hosts.nas.description = "first";
    writeConfig(dir, two);
    const first = await cli("generate", ...paths(cfg, out, lock));
    expect(first.code).toBe(0);
    expect(first.outLines.filter((l) => l.startsWith("allocated "))).toHaveLength(5);
    const lock1 = parseLock(readFileSync(lock, "utf8"));

    // Remove web, add db (sorted before everything), reorder: survivors keep everything.
    const next = baseLab();
    delete next.instances.web;
    next.instances = { db: baseInstance(), api: baseInstance() };
    writeConfig(dir, next);
    const second = await cli("generate", ...paths(cfg, out, lock));
    expect(second.code).toBe(0);
    expect(second.outLines.filter((l) => l.startsWith("allocated "))).toEqual([
      `allocated MAC ${parseLock(readFileSync(lock, "utf8")).nics["db/eth0"].mac} for db/eth0`,
      "allocated IPv4 10.10.0.130 for db/eth0",
    ]);
    const lock2 = parseLock(readFileSync(lock, "utf8"));
    expect(lock2.hosts).toEqual(lock1.hosts);
    expect(lock2.nics["api/eth0"]).toEqual(lock1.nics["api/eth0"]);
    expect(lock2.nics["web/eth0"]).toEqual(lock1.nics["web/eth0"]);

    const prune = await cli("lock", "prune", ...paths(cfg, out, lock));
    expect(prune.code).toBe(0);
    expect(prune.stdout).toBe("pruned nic web/eth0");
    const lock3 = parseLock(readFileSync(lock, "utf8"));
    expect(Object.keys(lock3.nics).sort()).toEqual(["api/eth0", "db/eth0"]);
    expect(lock3.nics["api/eth0"]).toEqual(lock2.nics["api/eth0"]);
    expect(lock3.nics["db/eth0"]).toEqual(lock2.nics["db/eth0"]);
    expect(lock3.hosts).toEqual(lock2.hosts);
    // The pruned address is free again.
    next.instances.web2 = baseInstance();
    writeConfig(dir, next);
    expect((await cli("generate", ...paths(cfg, out, lock))).code).toBe(0);
    expect(parseLock(readFileSync(lock, "utf8")).nics["web2/eth0"].ipv4).toBe(lock1.nics["web/eth0"].ipv4);

    const again = await cli("lock", "prune", ...paths(cfg, out, lock));
    expect(again.stdout).toBe("nothing to prune");
  });

  it("`lock prune` drops a removed host's hostId too", async () => {
    const lab = baseLab();
    lab.hosts.old = baseHost(2, { description: "retired" });
    writeConfig(dir, lab);
    expect((await cli("generate", ...paths(cfg, out, lock))).code).toBe(0);
    const before = parseLock(readFileSync(lock, "utf8"));
    expect(Object.keys(before.hosts).sort()).toEqual(["nas", "old"]);
    writeConfig(dir, baseLab());
    expect((await cli("generate", ...paths(cfg, out, lock))).code).toBe(0);
    expect(parseLock(readFileSync(lock, "utf8")).hosts.old).toEqual(before.hosts.old);
    const prune = await cli("lock", "prune", ...paths(cfg, out, lock));
    expect(prune.stdout).toBe("pruned host old");
    expect(parseLock(readFileSync(lock, "utf8"))).toEqual({ ...before, hosts: { nas: before.hosts.nas } });
  });
});
