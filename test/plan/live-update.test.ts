// liveKey against the lists extracted from lxc/incus (v7.0.1, the LTS, and main):
// test/fixtures/upstream/incus-live-update/PROVENANCE.md says how. A key is live for labgen plan
// only when both versions apply it to a running instance.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { liveKey } from "../../generator/plan/plan.ts";

interface Version {
  commit: string;
  vm: { liveUpdateKeys: string[]; liveUpdateKeyPrefixes: string[] };
  container: { liveKeys: string[]; livePrefixes: string[] };
  containerOnlyKeys: { keys: string[] };
}
const doc = JSON.parse(readFileSync(new URL("../fixtures/upstream/incus-live-update/live-update.json", import.meta.url), "utf8")) as {
  versions: Record<"v7.0.1" | "main", Version>;
};
const versions = Object.values(doc.versions);
const all = <T>(f: (v: Version) => T[]): T[] => [...new Set(versions.flatMap(f))].sort();
const inAll = <T>(f: (v: Version) => T[]): T[] => all(f).filter((x) => versions.every((v) => f(v).includes(x)));
const inSome = <T>(f: (v: Version) => T[]): T[] => all(f).filter((x) => !versions.every((v) => f(v).includes(x)));

describe("liveKey follows Incus's Update of a running instance", () => {
  it("the fixture holds both versions", () => {
    expect(Object.keys(doc.versions)).toEqual(["v7.0.1", "main"]);
    expect(doc.versions["v7.0.1"].commit).toBe("13f3992766142d5087fff2e362cd2e1a75294fe8");
  });

  it("containers: the keys (*lxc).Update applies while running are live, others wait for a start", () => {
    for (const k of inAll((v) => v.container.liveKeys)) expect(liveKey("container", k), k).toBe(true);
    for (const p of inAll((v) => v.container.livePrefixes)) expect(liveKey("container", `${p}anything`), p).toBe(true);
    // Container-only keys that Update does not apply live: stored, effective at the next start.
    const live = new Set(all((v) => v.container.liveKeys));
    const prefixes = all((v) => v.container.livePrefixes);
    const cold = all((v) => v.containerOnlyKeys.keys).filter((k) => !live.has(k) && !prefixes.some((p) => k.startsWith(p)) && !k.startsWith("volatile."));
    expect(cold.length).toBeGreaterThan(30);
    for (const k of cold) expect(liveKey("container", k), k).toBe(false);
  });

  it("VMs: liveUpdateKeys and prefixes are live, container-only keys are skipped, anything else is refused", () => {
    for (const k of inAll((v) => v.vm.liveUpdateKeys)) expect(liveKey("virtual-machine", k), k).toBe(true);
    for (const p of inAll((v) => v.vm.liveUpdateKeyPrefixes).filter((p) => p !== "environment.")) expect(liveKey("virtual-machine", `${p}x`), p).toBe(true);
    for (const k of inAll((v) => v.containerOnlyKeys.keys)) expect(liveKey("virtual-machine", k), k).toBe(true);
    // Handled outside the lists in the same function.
    expect(liveKey("virtual-machine", "limits.cpu")).toBe(true);
    expect(liveKey("virtual-machine", "limits.memory.oom_priority")).toBe(true);
    // Refused while running in at least one version: restart.
    const differ = [...inSome((v) => v.vm.liveUpdateKeys), ...inSome((v) => v.containerOnlyKeys.keys)];
    expect(differ.sort()).toEqual(["security.nesting", "security.protection.start"]);
    for (const k of differ) expect(liveKey("virtual-machine", k), k).toBe(false);
    for (const k of ["raw.qemu", "security.sev", "limits.memory.hugepages", "migration.stateful"]) expect(liveKey("virtual-machine", k), k).toBe(false);
  });

  it("environment.* is stored live but the running application keeps its old environment: restart, on both types", () => {
    expect(versions.every((v) => v.vm.liveUpdateKeyPrefixes.includes("environment."))).toBe(true);
    expect(liveKey("virtual-machine", "environment.TZ")).toBe(false);
    expect(liveKey("container", "environment.TZ")).toBe(false);
  });
});
