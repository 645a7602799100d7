// lab.lock.json: parsing (every corruption is a clear error, never a silent re-allocation), the
// canonical text, allocation (deterministic, stable, collision-free), and `labgen lock prune`
// end to end.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LabConfig } from "../../generator/config/schema.ts";
import { emptyLock, INCUS_OUI, type Lock, LockError, parseLock, printLock } from "../../generator/resolve/lock.ts";
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

function problems(text: string): string[] {
  try {
    parseLock(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LockError);
    return (e as LockError).problems;
  }
  throw new Error("expected a LockError");
}

const nic = (mac: string, ipv4: string | null, network = "lab0") => ({ mac, network, ipv4 });
const lockText = (o: unknown) => JSON.stringify(o);

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

  it("not JSON: says so, and how to recover", () => {
    const [p] = problems("{ this is not json");
    expect(p).toMatch(/^not valid JSON \(.+\)\. Restore it from git; deleting it re-allocates every address and MAC\.$/);
  });

  it("a wrong or missing version", () => {
    expect(problems(lockText({ version: 2, hosts: {}, nics: {} }))).toEqual(["version 2 is not supported: this labgen reads lock format version 1"]);
    expect(problems(lockText({ hosts: {}, nics: {} }))).toEqual(['no "version": this is not a labgen lock file (expected { "version": 1, "hosts": …, "nics": … })']);
    expect(problems("[]")).toEqual(['no "version": this is not a labgen lock file (expected { "version": 1, "hosts": …, "nics": … })']);
  });

  it("malformed entries: MAC, address, hostId, NIC key", () => {
    expect(problems(lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6A:00:00:01", null) } }))).toEqual([
      "nics.web/eth0.mac: mac must look like 10:66:6a:12:34:56 (lowercase)",
    ]);
    expect(problems(lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:00:00:01", "10.10.0.999") } }))).toEqual([
      "nics.web/eth0.ipv4: ipv4 must be an IPv4 address such as 10.10.0.128 (or null)",
    ]);
    expect(problems(lockText({ version: 1, hosts: { nas: { hostId: "xyz" } }, nics: {} }))).toEqual(["hosts.nas.hostId: hostId must be 8 lowercase hex digits"]);
    expect(problems(lockText({ version: 1, hosts: {}, nics: { web: nic("10:66:6a:00:00:01", null) } }))).toEqual(["nics.web: NIC keys are <instance>/<nic>"]);
  });

  it("duplicates: an address, a MAC, a hostId given twice (every problem at once)", () => {
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
      "nics.b/eth0: MAC 10:66:6a:00:00:01 is also given to a/eth0",
      "nics.b/eth0: 10.10.0.5 on lab0 is also given to a/eth0",
      "hosts.pve: hostId deadbeef is also given to nas",
    ]);
  });
});

describe("allocation", () => {
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

  it("a renumbered subnet re-allocates addresses that fell outside it, and keeps MACs", () => {
    const first = resolveOk(baseLab());
    const lab = baseLab();
    lab.networks.lab0.subnet = "10.30.0.0/24";
    const r = resolveOk(lab, first.lock);
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
    ["not JSON", "{ nope", "not valid JSON ("],
    ["a wrong version", lockText({ version: 7, hosts: {}, nics: {} }), "version 7 is not supported: this labgen reads lock format version 1"],
    ["a bad MAC", lockText({ version: 1, hosts: {}, nics: { "web/eth0": nic("10:66:6a:zz:00:01", null) } }), "nics.web/eth0.mac: mac must look like 10:66:6a:12:34:56 (lowercase)"],
    [
      "a duplicate address",
      lockText({ version: 1, hosts: {}, nics: { "a/eth0": nic("10:66:6a:00:00:01", "10.10.0.5"), "b/eth0": nic("10:66:6a:00:00:02", "10.10.0.5") } }),
      "nics.b/eth0: 10.10.0.5 on lab0 is also given to a/eth0",
    ],
  ];

  it.each(CORRUPT)("a lock with %s: exit 1, the error names lab.lock.json and the problem; nothing written, the lock untouched", async (_what, text, problem) => {
    writeFileSync(lock, text);
    for (const cmd of ["generate", "check", "diff"]) {
      const r = await cli(cmd, ...paths(cfg, out, lock));
      expect(r.code, cmd).toBe(1);
      const line = r.errLines.find((l) => l.includes(": error: "))!;
      expect(line).toMatch(/lab\.lock\.json: error: /);
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
