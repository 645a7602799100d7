// Which instance config keys Incus applies to a running instance, and what a restart means for
// containers and VMs.
import type { InstanceModel, Model } from "../resolve/model.ts";
import { byName } from "./common.ts";

// ---------------------------------------------------------------------------------------------
// Which instance config keys Incus applies to a running instance. Read in lxc/incus at v7.0.1
// (the LTS, labgen's default channel) and on main; a key counts as live only when it is live in
// both (test/fixtures/upstream/incus-live-update has the extracted lists).

// lxc/incus internal/server/instance/drivers/driver_lxc.go, Update: the keys it applies to a
// running container (AppArmor, /dev/incus, kernel modules, cgroup limits). Other keys are stored
// and take effect at the next start.
const CONTAINER_LIVE_KEYS = new Set([
  "raw.apparmor",
  "security.nesting",
  "security.guestapi",
  "linux.kernel_modules",
  "limits.disk.priority",
  "limits.memory",
  "limits.memory.oom_priority",
  "limits.cpu",
  "limits.cpu.nodes",
  "limits.cpu.priority",
  "limits.cpu.allowance",
  "limits.processes",
]);
const CONTAINER_LIVE_PREFIXES = ["limits.memory.", "limits.hugepages."];

// lxc/incus internal/server/instance/drivers/driver_qemu.go, Update: "Only certain keys can be
// changed on a running VM" (liveUpdateKeys, liveUpdateKeyPrefixes, limits.cpu with CPU hotplug);
// any other key fails the update with "Key %q cannot be updated when VM is running".
const VM_LIVE_KEYS = new Set([
  "cluster.evacuate",
  "limits.memory",
  "limits.cpu",
  "limits.memory.oom_priority",
  "security.agent.metrics",
  "security.csm",
  "security.protection.delete",
  "security.guestapi",
  "security.secureboot",
]);
// The same Update skips container-only keys on a VM (internalInstance.InstanceConfigKeysContainer,
// lxc/incus internal/instance/config.go): a profile shared by containers and VMs may carry them.
// (v7.0.1 also lists security.nesting there; main applies it to VMs, so it is left out here.)
const CONTAINER_ONLY_KEYS = new Set(
  (
    "limits.cpu.allowance limits.cpu.priority limits.memory.enforce limits.memory.swap limits.memory.swap.priority limits.processes " +
    "linux.kernel_modules migration.incremental.memory migration.incremental.memory.iterations migration.incremental.memory.goal " +
    "nvidia.runtime nvidia.driver.capabilities nvidia.require.cuda nvidia.require.driver oci.entrypoint oci.cwd oci.gid oci.uid " +
    "oci.dns.nameservers oci.dns.domain oci.dns.search raw.lxc raw.seccomp security.bpffs.delegate_cmds security.bpffs.delegate_maps " +
    "security.bpffs.delegate_progs security.bpffs.delegate_attachs security.bpffs.path security.guestapi.images security.idmap.base " +
    "security.idmap.isolated security.idmap.size security.privileged security.protection.shift security.syscalls.allow " +
    "security.syscalls.blacklist_default security.syscalls.blacklist_compat security.syscalls.blacklist security.syscalls.deny_default " +
    "security.syscalls.deny_compat security.syscalls.deny security.syscalls.intercept.bpf security.syscalls.intercept.bpf.devices " +
    "security.syscalls.intercept.mknod security.syscalls.intercept.mount security.syscalls.intercept.mount.allowed " +
    "security.syscalls.intercept.mount.fuse security.syscalls.intercept.mount.shift security.syscalls.intercept.sched_setscheduler " +
    "security.syscalls.intercept.setxattr security.syscalls.intercept.sysinfo security.syscalls.whitelist volatile.container.oci " +
    "volatile.last_state.idmap volatile.idmap.base volatile.idmap.current volatile.idmap.next"
  ).split(" "),
);
// Keys that only the scheduler, the image, cloud-init or labgen read: nothing to apply to a
// running instance of either type (the VM list above has them as liveUpdateKeyPrefixes).
const STORED_PREFIXES = ["boot.", "cloud-init.", "image.", "snapshots.", "user.", "volatile."];

/**
 * True when a change of `key` reaches the running instance (or needs nothing applied); false when
 * it waits for the next start (containers) or Incus refuses it while the VM runs.
 */
export function liveKey(type: InstanceModel["type"], key: string): boolean {
  // environment.* is stored at once (a VM even accepts it live), but the processes already
  // running keep the environment they started with: the application sees it at its next start.
  if (key.startsWith("environment.")) return false;
  if (STORED_PREFIXES.some((p) => key.startsWith(p))) return true;
  if (type === "container") return CONTAINER_LIVE_KEYS.has(key) || CONTAINER_LIVE_PREFIXES.some((p) => key.startsWith(p));
  return VM_LIVE_KEYS.has(key) || CONTAINER_ONLY_KEYS.has(key);
}
export function restartNote(insts: readonly InstanceModel[]): string {
  const vms = insts.filter((i) => i.type === "virtual-machine").map((i) => i.name);
  const cts = insts.filter((i) => i.type === "container").map((i) => i.name);
  const parts: string[] = [];
  if (cts.length) parts.push(`takes effect when ${cts.join(", ")} restart${cts.length === 1 ? "s" : ""} (Incus applies it at start only)`);
  if (vms.length) parts.push(`Incus refuses it while ${vms.join(", ")} run${vms.length === 1 ? "s" : ""} ("cannot be updated when VM is running"): stop ${vms.length === 1 ? "it" : "them"} for the apply`);
  return parts.join("; ");
}

/** The instance config labgen writes (instances.tf), merged over its profiles' configs in order. */
export function expandedConfig(model: Model, i: InstanceModel): Record<string, string> {
  const profs = byName(model.profiles);
  const out: Record<string, string> = {};
  for (const name of i.profiles) Object.assign(out, profs.get(name)?.config ?? {});
  out["boot.autostart"] = String(i.autostart);
  out["limits.cpu"] = String(i.cpu);
  out["limits.memory"] = i.memory;
  if (i.snapshots) {
    out["snapshots.expiry"] = i.snapshots.expiry;
    out["snapshots.schedule"] = i.snapshots.schedule;
  }
  if (i.cloudInit !== null) out["cloud-init.user-data"] = i.cloudInit;
  return out;
}
