// planLab: every risk class, from small labs (test/support/lab-fixtures.ts). Each classification
// encodes what a consumer really does; the upstream file is named next to the case.
import { describe, expect, it } from "vitest";
import { allowDestroyStatus, liveKey, parseConfigPath, planLab, type LabPlan, type PlanChange } from "../../generator/plan/plan.ts";
import { emptyLock, type Lock } from "../../generator/resolve/lock.ts";
import type { Model } from "../../generator/resolve/model.ts";
import { resolve } from "../../generator/resolve/resolve.ts";
import { formatPath } from "../../generator/shared/diagnostics.ts";
import { validate } from "../../generator/validate/validate.ts";
import { baseHost, baseInstance, baseLab, HDD, ingressLab, type Obj, twoPoolLab } from "../support/lab-fixtures.ts";

/** Resolve a lab object; `lock` carries allocations over from the base, as lab.lock.json does. */
function modelOf(lab: Obj, lock: Lock = emptyLock()): { model: Model; lock: Lock } {
  const v = validate(lab);
  if (!v.config) throw new Error(v.diagnostics.filter((d) => d.severity === "error").map((d) => `${formatPath(d.path)}: ${d.message}`).join("\n"));
  const r = resolve(v.config, lock);
  if (!r.resolved) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { model: r.resolved.model, lock: r.resolved.lock };
}

/** The plan from `make()` to `edit(make())`, with the base's lock (as a real edit keeps it). */
function planOf(make: () => Obj, edit: (l: Obj) => void): LabPlan {
  const a = modelOf(make());
  const next = make();
  edit(next);
  return planLab(a.model, modelOf(next, a.lock).model);
}

const brief = (c: PlanChange) => `${c.risk} ${c.kind} ${c.name} @ ${c.path}`;
const briefs = (p: LabPlan) => p.changes.map(brief);
const one = (p: LabPlan): PlanChange => {
  expect(p.changes, briefs(p).join("\n")).toHaveLength(1);
  return p.changes[0];
};

/** twoPoolLab with a volume `data` (on bulk) on web. */
function withVolume(): Obj {
  const l = twoPoolLab();
  l.instances.web.volumes = [{ name: "data", size: "100GiB", path: "/srv/data", storage: "bulk" }];
  return l;
}

function vmLab(): Obj {
  const l = baseLab();
  l.instances.vm = baseInstance({ type: "vm", image: "images:debian/12/cloud", memory: "2GiB", serves: [8123] });
  return l;
}

describe("planLab: nothing and everything", () => {
  it("no change: an empty plan", () => {
    const p = planOf(ingressLab, () => {});
    expect(p.changes).toEqual([]);
    expect(p.blocked).toEqual([]);
  });

  it("a first deploy (no base lab.json): everything is an add, nothing blocked", () => {
    const { model } = modelOf(withVolume());
    const p = planLab(null, model);
    expect(new Set(p.changes.map((c) => c.risk))).toEqual(new Set(["add"]));
    expect(briefs(p)).toEqual([
      "add host nas @ hosts.nas",
      "add instance web @ instances.web",
      "add volume web-data @ instances.web.volumes[0]",
      "add network lab0 @ networks.lab0",
      "add storagePool bulk @ storage.bulk",
      "add storagePool fast @ storage.fast",
    ]);
    expect(p.blocked).toEqual([]);
  });

  it("tolerates a base lab.json from before allowDestroy existed, and compares by value, not key order", () => {
    const a = modelOf(baseLab());
    const old = JSON.parse(JSON.stringify(a.model, (k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    delete old.allowDestroy;
    expect(planLab(old as Model, a.model).changes).toEqual([]);
  });
});

describe("destroy-data: sacred state needs allowDestroy", () => {
  it("removing an instance deletes its root disk and its volume: both destroy-data, both blocked", () => {
    // OpenTofu destroys a resource whose block leaves the configuration, prevent_destroy or not
    // (opentofu/opentofu website/docs/language/meta-arguments/lifecycle.mdx).
    const p = planOf(withVolume, (l) => delete l.instances.web);
    expect(briefs(p)).toEqual(["destroy-data instance web @ instances", "destroy-data volume web-data @ instances"]);
    expect(p.changes[1].summary).toBe("volume web-data (100GiB on bulk) is deleted with its data (instance web is removed)");
    expect(p.changes[0].summary).toBe("instance web is deleted with its root disk (10GiB on fast); its volumes are listed on their own");
    expect(p.blocked).toEqual(p.changes);
    expect(p.changes.map((c) => c.allowed)).toEqual([false, false]);
  });

  it("allowDestroy naming each object allows it; an object it does not name stays blocked", () => {
    const p = planOf(withVolume, (l) => {
      delete l.instances.web;
      l.allowDestroy = ["volume:web-data"];
    });
    expect(p.changes.map((c) => [c.name, c.allowed])).toEqual([
      ["web", false],
      ["web-data", true],
    ]);
    expect(p.blocked.map(brief)).toEqual(["destroy-data instance web @ instances"]);
    const all = planOf(withVolume, (l) => {
      delete l.instances.web;
      l.allowDestroy = ["volume:web-data", "instance:web"];
    });
    expect(all.blocked).toEqual([]);
    expect(all.changes.every((c) => c.allowed === true)).toBe(true);
  });

  it("a volume moved to another storage pool leaves its data behind (pool is RequiresReplace)", () => {
    // lxc/terraform-provider-incus internal/storage/resource_storage_volume.go: pool RequiresReplace.
    const p = planOf(withVolume, (l) => (l.instances.web.volumes[0].storage = "fast"));
    const c = one(p);
    expect(brief(c)).toBe("destroy-data volume web-data @ instances.web.volumes[0].storage");
    expect(c.summary).toMatch(/^volume web-data moves from pool bulk to fast: the provider re-creates it, deleting its data on bulk/);
    expect(p.blocked).toEqual([c]);
  });

  it("renaming a volume (its Incus name is <instance>-<volume>): the old one is deleted, a new empty one created", () => {
    // name is RequiresReplace too, and the OpenTofu address incus_storage_volume.<incusName> changes.
    const p = planOf(withVolume, (l) => (l.instances.web.volumes[0].name = "files"));
    expect(briefs(p)).toEqual(["destroy-data volume web-data @ instances.web.volumes[0]", "add volume web-files @ instances.web.volumes[0]"]);
    expect(p.changes[0].summary).toBe("volume web-data (100GiB on bulk) is deleted with its data; web-files at /srv/data is a new, empty volume");
  });

  it("renaming an instance: its root disk and volumes are deleted and new ones created", () => {
    const p = planOf(withVolume, (l) => {
      l.instances.www = l.instances.web;
      delete l.instances.web;
    });
    expect(briefs(p)).toEqual([
      "destroy-data instance web @ instances",
      "destroy-data volume web-data @ instances",
      "add instance www @ instances.www",
      "add volume www-data @ instances.www.volumes[0]",
    ]);
  });

  it("removing a storage pool, or moving it to another ZFS pool or host, deletes it", () => {
    // lxc/terraform-provider-incus internal/storage/resource_storage_pool.go: remote RequiresReplace;
    // ModifyPlan adds config.source for driver zfs. lxc/incus internal/server/storage/drivers/
    // driver_zfs.go Delete: zfs destroy -r of the source dataset.
    const removed = planOf(twoPoolLab, (l) => delete l.storage.bulk);
    expect(briefs(removed)).toEqual(["destroy-data storagePool bulk @ storage"]);
    expect(removed.changes[0].summary).toBe("storage pool bulk is deleted: Incus destroys its ZFS dataset tank/incus/bulk on nas (zfs destroy -r)");
    const moved = planOf(twoPoolLab, (l) => (l.storage.bulk.zpool = "rpool"));
    expect(briefs(moved)).toContain("destroy-data storagePool bulk @ storage.bulk.zpool");
    expect(moved.changes.find((c) => c.kind === "storagePool")!.summary).toBe(
      "storage pool bulk is re-created (ZFS source tank/incus/bulk → rpool/incus/bulk): Incus deletes the pool on tank/incus/bulk with what is on it",
    );
    const added = planOf(baseLab, (l) => {
      l.hosts.nas.hardware.disks.push({ id: HDD(1), size: "8TB", kind: "hdd" });
      l.hosts.nas.zfs.pools.tank = { vdevs: [{ topology: "stripe", disks: [HDD(1)] }] };
      l.storage.bulk = { host: "nas", zpool: "tank" };
    });
    expect(added.changes.find((c) => c.kind === "storagePool")!.summary).toBe(
      "new Incus storage pool bulk on nas (ZFS tank/incus/bulk); nas is installed already, so create its parent first: zfs create -o mountpoint=none tank/incus",
    );
    const described = planOf(twoPoolLab, (l) => (l.storage.bulk.description = "big disks"));
    expect(briefs(described)).toEqual(["change storagePool bulk @ storage.bulk.description"]);
  });

  it("removing a ZFS dataset from the config is destroy-data, named <host>:<pool>/<dataset>", () => {
    const p = planOf(twoPoolLab, (l) => delete l.hosts.nas.zfs.pools.tank.datasets.media);
    // sanoid's list of datasets (configuration.nix) loses it too.
    expect(briefs(p)).toEqual(["destroy-data dataset nas:tank/media @ hosts.nas.zfs.pools.tank.datasets", "host host nas @ hosts.nas.zfs.autoSnapshot"]);
    const allowed = planOf(twoPoolLab, (l) => {
      delete l.hosts.nas.zfs.pools.tank.datasets.media;
      l.allowDestroy = ["dataset:nas:tank/media"];
    });
    expect(allowed.blocked).toEqual([]);
  });
});

describe("replace: the instance is re-created, its root disk lost, its volumes kept", () => {
  // lxc/terraform-provider-incus internal/instance/resource_instance.go: type, image and remote
  // have RequiresReplace.
  it.each([
    ["image", (l: Obj) => (l.instances.web.image = "images:debian/13"), "instances.web.image", "web is re-created (image images:debian/12 → images:debian/13): its root disk starts afresh from the image, its volumes survive"],
    ["type", (l: Obj) => (l.instances.web.type = "vm"), "instances.web.type", "web is re-created (type container → virtual-machine): its root disk starts afresh from the image, its volumes survive"],
  ])("%s", (_, edit, path, summary) => {
    const p = planOf(withVolume, edit);
    const c = one(p);
    expect([c.risk, c.kind, c.name, c.path, c.summary]).toEqual(["replace", "instance", "web", path, summary]);
    expect(p.blocked).toEqual([]);
  });

  it("host: the instance is re-created on the other host", () => {
    // A valid config also moves its storage (pools belong to one host); the instance itself:
    const a = modelOf(baseLab()).model;
    const next = JSON.parse(JSON.stringify(a)) as Model;
    (next.instances[0] as { host: string }).host = "nas2";
    expect(briefs(planLab(a, next))).toEqual(["replace instance web @ instances.web.host"]);
  });

  it("root disk storage: Incus refuses to move it, so the instance must be re-created", () => {
    // lxc/incus internal/server/instance/drivers/driver_lxc.go, Update: "Cannot update root disk
    // device pool name"; the provider has no RequiresReplace for it.
    const p = planOf(twoPoolLab, (l) => (l.instances.web.storage = "bulk"));
    const c = one(p);
    expect(brief(c)).toBe("replace instance web @ instances.web.storage");
    expect(c.summary).toContain('Incus refuses to move a root disk ("Cannot update root disk device pool name")');
  });
});

describe("restart and change: what Incus applies to a running instance", () => {
  it("container memory and CPUs change live (driver_lxc.go Update: limits.memory, limits.cpu)", () => {
    const p = planOf(baseLab, (l) => {
      l.instances.web.memory = "2GiB";
      l.instances.web.cpu = 2;
    });
    expect(briefs(p)).toEqual(["change instance web @ instances.web.cpu", "change instance web @ instances.web.memory"]);
    expect(p.changes[1].summary).toBe("web: memory 1GiB → 2GiB, applied live");
  });

  it("VM memory: growing may need a restart (driver_qemu.go updateMemoryLimit: 'restart required'), shrinking is live", () => {
    const grow = planOf(vmLab, (l) => (l.instances.vm.memory = "4GiB"));
    expect(brief(one(grow))).toBe("restart instance vm @ instances.vm.memory");
    expect(one(grow).summary).toContain("restart required");
    const shrink = planOf(vmLab, (l) => (l.instances.vm.memory = "1GiB"));
    expect(brief(one(shrink))).toBe("change instance vm @ instances.vm.memory");
  });

  it("a profile key a running container does not apply waits for its restart; one it applies is live", () => {
    // driver_lxc.go Update applies security.nesting (AppArmor reload) live; security.privileged
    // is not in its live list.
    const make = () => {
      const l = baseLab();
      l.profiles = { base: { config: { "security.nesting": "false" } } };
      l.instances.web.profiles = ["base"];
      return l;
    };
    const live = planOf(make, (l) => (l.profiles.base.config["security.nesting"] = "true"));
    expect(brief(one(live))).toBe("change profile base @ profiles.base.config");
    const cold = planOf(make, (l) => (l.profiles.base.config["security.privileged"] = "true"));
    expect(brief(one(cold))).toBe("restart profile base @ profiles.base.config");
    expect(one(cold).summary).toBe("profile base: security.privileged change; takes effect when web restarts (Incus applies it at start only)");
  });

  it("a profile key a running VM refuses: the apply needs the VM stopped (driver_qemu.go: 'cannot be updated when VM is running')", () => {
    const make = () => {
      const l = vmLab();
      l.profiles = { base: { config: {} } };
      l.instances.vm.profiles = ["base"];
      return l;
    };
    const p = planOf(make, (l) => (l.profiles.base.config["security.sev"] = "true"));
    expect(brief(one(p))).toBe("restart profile base @ profiles.base.config");
    expect(one(p).summary).toContain('Incus refuses it while vm runs ("cannot be updated when VM is running")');
  });

  it("adding a profile to an instance is classified by the keys it brings", () => {
    const make = () => {
      const l = baseLab();
      l.profiles = { nesting: { config: { "security.nesting": "true" } }, priv: { config: { "raw.lxc": "lxc.apparmor.profile=unconfined" } } };
      return l;
    };
    expect(brief(one(planOf(make, (l) => (l.instances.web.profiles = ["nesting"]))))).toBe("change instance web @ instances.web.profiles");
    expect(brief(one(planOf(make, (l) => (l.instances.web.profiles = ["priv"]))))).toBe("restart instance web @ instances.web.profiles");
  });

  it("liveKey follows Incus's lists per instance type", () => {
    // driver_lxc.go (containers) and driver_qemu.go liveUpdateKeys/Prefixes (VMs);
    // internal/instance/config.go InstanceConfigKeysContainer keys are skipped on VMs.
    expect(liveKey("container", "limits.memory.swap")).toBe(true);
    expect(liveKey("container", "limits.hugepages.2MB")).toBe(true);
    expect(liveKey("container", "security.privileged")).toBe(false);
    expect(liveKey("container", "raw.lxc")).toBe(false);
    expect(liveKey("virtual-machine", "raw.lxc")).toBe(true);
    expect(liveKey("virtual-machine", "security.nesting")).toBe(false);
    expect(liveKey("virtual-machine", "limits.cpu")).toBe(true);
    expect(liveKey("virtual-machine", "security.secureboot")).toBe(true);
    expect(liveKey("virtual-machine", "raw.qemu")).toBe(false);
    for (const t of ["container", "virtual-machine"] as const) {
      expect(liveKey(t, "snapshots.schedule")).toBe(true);
      expect(liveKey(t, "boot.autostart")).toBe(true);
      expect(liveKey(t, "cloud-init.user-data")).toBe(true);
      // Stored at once, but the running application keeps its environment until it restarts.
      expect(liveKey(t, "environment.TZ")).toBe(false);
    }
  });

  it("devices are hot-plugged: NICs, proxies, volume mounts (nic_bridged.go, proxy.go, disk.go CanHotPlug)", () => {
    const p = planOf(withVolume, (l) => {
      l.instances.web.volumes[0].path = "/srv/files";
      l.instances.web.nics[0].ipv4 = "10.10.0.50";
    });
    expect(briefs(p)).toEqual(["change instance web @ instances.web.nics[0]", "change instance web @ instances.web.volumes[0].path"]);
    expect(p.changes[0].summary).toMatch(/^web: NIC eth0: ipv4 10\.10\.0\.\d+ → 10\.10\.0\.50 \(updated on the running container/);
  });

  it("an exposed port is a proxy device on the instance and a firewall change on the host", () => {
    const p = planOf(baseLab, (l) => (l.instances.web.ports = [{ host: 8080, instance: 80 }]));
    expect(briefs(p)).toEqual(["host host nas @ instances.web.ports", "change instance web @ instances.web.ports"]);
    expect(p.changes[0].summary).toBe("nas: the firewall opens tcp/8080→80 for web (nixos-rebuild switch)");
  });

  it("root disk and volume sizes change in place (disk.go UpdatableFields: size; ZFS quota), except a running VM's shrink", () => {
    const p = planOf(withVolume, (l) => {
      l.instances.web.rootSize = "20GiB";
      l.instances.web.volumes[0].size = "200GiB";
    });
    expect(briefs(p)).toEqual(["change instance web @ instances.web.rootSize", "change volume web-data @ instances.web.volumes[0].size"]);
    // disk.go Update: a disk in use cannot shrink (ErrInUse), so a running VM's waits for its next start.
    expect(brief(one(planOf(vmLab, (l) => (l.instances.vm.rootSize = "20GiB"))))).toBe("change instance vm @ instances.vm.rootSize");
    const shrink = one(planOf(vmLab, (l) => (l.instances.vm.rootSize = "8GiB")));
    expect(brief(shrink)).toBe("restart instance vm @ instances.vm.rootSize");
    expect(shrink.summary).toBe("vm: root disk size 10GiB → 8GiB; Incus cannot shrink the disk of a running VM and applies it at its next start");
  });

  it("cloud-init user data: a new instance-id, so it runs at the next boot (driver_common.go needsNewInstanceID)", () => {
    const p = planOf(baseLab, (l) => (l.instances.web.cloudInit = "#cloud-config\npackages: [curl]\n"));
    expect(brief(one(p))).toBe("change instance web @ instances.web.cloudInit");
    expect(one(p).summary).toContain("new instance-id");
  });

  it("snapshots, autostart, description and served ports change in place", () => {
    const p = planOf(baseLab, (l) => {
      l.instances.web.snapshots = { schedule: "@daily", expiry: "7d" };
      l.instances.web.autostart = false;
      l.instances.web.description = "the web";
      l.instances.web.serves = [80, 8080];
    });
    expect(briefs(p)).toEqual([
      "change instance web @ instances.web.autostart",
      "change instance web @ instances.web.description",
      "change instance web @ instances.web.serves",
      "change instance web @ instances.web.snapshots",
    ]);
  });

  it("a part of the Model this version does not know is listed, not dropped", () => {
    const a = modelOf(baseLab()).model;
    const next = { ...JSON.parse(JSON.stringify(a)), secrets: [{ name: "db" }] } as Model;
    expect(briefs(planLab(a, next))).toEqual(["change lab secrets @ secrets"]);
    expect(planLab(a, next).changes[0].summary).toBe("secrets changes (labgen plan does not classify it: review what it deploys)");
  });

  it("a new dataset of labgen's own in the layout waits for disko (reboot), and is never destroy-data", () => {
    const a = modelOf(baseLab()).model;
    const next = JSON.parse(JSON.stringify(a)) as Model;
    const rpool = next.hosts[0].zpools[0] as unknown as { datasets: object[] };
    rpool.datasets.push({ name: "labgen/undo", mountpoint: "/var/lib/labgen/undo", properties: {}, role: "state", source: "hosts.nas.zfs.pools.rpool" });
    const p = planLab(a, next);
    expect(briefs(p)).toEqual(["reboot dataset nas:rpool/labgen/undo @ hosts.nas.zfs.pools.rpool"]);
    expect(briefs(planLab(next, a))).toEqual(["reboot dataset nas:rpool/labgen/undo @ hosts.nas.zfs.pools.rpool"]);
    expect(planLab(next, a).changes[0].summary).toBe("labgen's dataset rpool/labgen/undo (state) leaves the layout: disko no longer creates it, nothing deletes it");
  });

  it("a field this version does not know is assumed to restart the instance", () => {
    const a = modelOf(baseLab());
    const next = JSON.parse(JSON.stringify(a.model)) as Model & { instances: (Model["instances"][number] & { gpu?: object })[] };
    next.instances[0].gpu = { vendor: "intel" };
    expect(briefs(planLab(a.model, next))).toEqual(["restart instance web @ instances.web.gpu"]);
    expect(planLab(a.model, next).changes[0].summary).toBe("web: gpu changes (labgen plan does not classify it; assume web restarts)");
  });

  it("app settings: environment and oci.* wait for a restart, pushed files too, a health check is Traefik's", () => {
    // Model fields of app presets, read loosely (a lab.json from before them has none).
    type AppInstance = { -readonly [K in keyof Model["instances"][number]]: Model["instances"][number][K] };
    const a = modelOf(baseLab()).model;
    const edit = (f: (i: AppInstance) => void): Model => {
      const m = JSON.parse(JSON.stringify(a)) as Model;
      f(m.instances[0] as AppInstance);
      return m;
    };
    const env = planLab(a, edit((i) => (i.environment = { TZ: "UTC" })));
    expect(briefs(env)).toEqual(["restart instance web @ instances.web.environment"]);
    expect(env.changes[0].summary).toBe("web: environment.TZ change; takes effect when web restarts (Incus applies it at start only)");
    expect(briefs(planLab(a, edit((i) => (i.ociConfig = { "oci.entrypoint": "/bin/app" }))))).toEqual(["restart instance web @ instances.web.oci"]);
    expect(briefs(planLab(a, edit((i) => (i.files = [{ path: "/etc/app.ini", content: "x", mode: "0644", uid: 0, gid: 0, source: "" }]))))).toEqual([
      "restart instance web @ instances.web.files",
    ]);
    expect(briefs(planLab(a, edit((i) => (i.health = { path: "/health", interval: "30s", timeout: "5s" }))))).toEqual(["change instance web @ instances.web.health"]);
    // Derived from the image: no change of its own.
    expect(briefs(planLab(a, edit((i) => (i.imageTag = "v1"))))).toEqual([]);
  });
});

describe("ingress: routes, DNS and Traefik's restart", () => {
  // The generated terraform_data.<traefik>_restart has replace_triggered_by = [incus_instance.<traefik>]
  // and "a plan to update or replace that instance will trigger replacement"
  // (opentofu/opentofu website/docs/language/meta-arguments/lifecycle.mdx).
  it("a new route: the route, its DNS records, and Traefik restarts (its dynamic.yml file block changes)", () => {
    const p = planOf(ingressLab, (l) => {
      l.instances.web.serves = [80, 81];
      l.ingress.routes.api = { instance: "web", port: 81 };
    });
    expect(briefs(p)).toEqual([
      "restart instance traefik @ ingress",
      "change dns lab.home.arpa @ ingress.routes",
      "change instance web @ instances.web.serves",
      "add route api @ ingress.routes.api",
    ]);
  });

  it("the allow-list: an in-place change of dynamic.yml, so Traefik restarts", () => {
    const p = planOf(ingressLab, (l) => (l.ingress.allow = ["192.168.1.0/24"]));
    expect(briefs(p)).toEqual(["restart instance traefik @ ingress", "change route allow @ ingress.allow"]);
  });

  it("no restart when every file of the proxy's contract reloads by itself (no terraform_data restart is generated)", () => {
    const a = modelOf(ingressLab());
    const next = modelOf(
      (() => {
        const l = ingressLab();
        l.ingress.allow = ["192.168.1.0/24"];
        return l;
      })(),
      a.lock,
    ).model;
    const ing = next.ingress as unknown as { files: { onChange: string }[] };
    expect(ing.files.some((f) => f.onChange === "restart")).toBe(true);
    const reloadOnly = { ...next, ingress: { ...next.ingress!, files: ing.files.map((f) => ({ ...f, onChange: "reload" })) } } as unknown as Model;
    expect(briefs(planLab(a.model, reloadOnly))).toEqual(["change route allow @ ingress.allow"]);
  });

  it("any change of the Traefik instance itself restarts it", () => {
    const p = planOf(ingressLab, (l) => (l.instances.traefik.memory = "2GiB"));
    expect(briefs(p)).toEqual(["restart instance traefik @ ingress", "change instance traefik @ instances.traefik.memory"]);
  });
});

describe("host and reboot: NixOS and disko", () => {
  it("SSH, time zone and admins are NixOS changes (nixos-rebuild switch)", () => {
    const p = planOf(baseLab, (l) => {
      l.hosts.nas.ssh = { port: 2222 };
      l.timezone = "Europe/Paris";
      l.admins.bob = { sshKeys: [l.admins.alice.sshKeys[0]] };
    });
    expect(briefs(p)).toEqual(["host admin bob @ admins.bob", "host host nas @ hosts.nas.ssh", "host lab timezone @ timezone"]);
  });

  // lxc/incus internal/server/db/schema/schema.go, ensureUpdatesAreApplied: "schema version '%d' is
  // more recent than expected '%d'" — an older daemon refuses a database a newer one migrated.
  it("Incus feature → lts is a downgrade the plan spells out; lts → feature is a plain host change", () => {
    const feature = () => {
      const l = baseLab();
      l.hosts.nas.incus = { channel: "feature" };
      return l;
    };
    const down = one(planOf(feature, (l) => (l.hosts.nas.incus = { channel: "lts" })));
    expect(brief(down)).toBe("host host nas @ hosts.nas.incus.channel");
    expect(down.summary).toMatch(/^nas: Incus feature → lts is a downgrade: the LTS daemon refuses the database the feature release migrated/);
    const up = one(planOf(baseLab, (l) => (l.hosts.nas.incus = { channel: "feature" })));
    expect(brief(up)).toBe("host host nas @ hosts.nas.incus");
    expect(up.summary).toBe("nas: incus changes; nixos-rebuild switch applies it on nas");
  });

  it("a pool's layout or a new dataset takes effect only at install (disko): reboot", () => {
    const p = planOf(twoPoolLab, (l) => {
      l.hosts.nas.hardware.disks.push({ id: HDD(2), size: "8TB", kind: "hdd" });
      l.hosts.nas.zfs.pools.tank.vdevs = [{ topology: "mirror", disks: [HDD(1), HDD(2)] }];
      l.hosts.nas.zfs.pools.tank.datasets.backup = { mountpoint: "/srv/backup" };
    });
    expect(briefs(p)).toEqual([
      "reboot host nas @ hosts.nas.hardware.disks",
      "reboot dataset nas:tank/backup @ hosts.nas.zfs.pools.tank.datasets.backup",
      "reboot zpool nas:tank @ hosts.nas.zfs.pools.tank.vdevs",
      "host host nas @ hosts.nas.zfs.autoSnapshot",
    ]);
  });

  it("a dataset's mount point is a NixOS change; its ZFS properties wait for disko", () => {
    const p = planOf(twoPoolLab, (l) => {
      l.hosts.nas.zfs.pools.tank.datasets.media = { mountpoint: "/media", recordsize: "1M" };
    });
    expect(briefs(p)).toEqual(["reboot dataset nas:tank/media @ hosts.nas.zfs.pools.tank.datasets.media", "host dataset nas:tank/media @ hosts.nas.zfs.pools.tank.datasets.media.mountpoint"]);
  });

  it("a new host is an add, a removed one is left alone; a description is documentation only", () => {
    const p = planOf(baseLab, (l) => {
      l.hosts.nas.description = "the box";
      l.hosts.nas2 = baseHost(2);
    });
    expect(briefs(p)).toEqual(["change host nas @ hosts.nas.description", "add host nas2 @ hosts.nas2"]);
    expect(p.changes[1].summary).toBe("new host nas2: install it with nixos-anywhere (disko partitions its disks), then it deploys itself");
    const gone = planOf(
      () => ({ ...baseLab(), hosts: { nas: baseHost(1), nas2: baseHost(2) } }),
      (l) => delete l.hosts.nas2,
    );
    expect(briefs(gone)).toEqual(["host host nas2 @ hosts"]);
  });
});

describe("networks and profiles", () => {
  it("bridge settings change in place (driver_bridge.go Update sets it up again); a removed bridge is a change", () => {
    const p = planOf(baseLab, (l) => {
      l.networks.lab0.nat = false;
      l.networks.lab1 = { host: "nas", subnet: "10.20.0.0/24" };
    });
    // The host's firewall trusts every bridge: a new one is a NixOS change too.
    expect(briefs(p)).toEqual(["host host nas @ hosts.nas", "change network lab0 @ networks.lab0.nat", "add network lab1 @ networks.lab1"]);
  });
});

describe("allowDestroy status and config paths", () => {
  it("says which entries allow something, which are leftovers and which name nothing", () => {
    const a = modelOf(withVolume());
    const next = withVolume();
    delete next.instances.web.volumes;
    next.allowDestroy = ["volume:web-data", "storagePool:bulk", "volume:nope"];
    const n = modelOf(next, a.lock).model;
    const p = planLab(a.model, n);
    expect(allowDestroyStatus(p, a.model, n)).toEqual([
      { entry: "volume:web-data", index: 0, status: "used" },
      { entry: "storagePool:bulk", index: 1, status: "unused" },
      { entry: "volume:nope", index: 2, status: "unknown" },
    ]);
  });

  it("parseConfigPath inverts formatPath", () => {
    for (const path of [["instances", "web", "volumes", 0, "storage"], ["hosts", "nas", "zfs", "pools", "tank", "datasets", "a.b"], ["allowDestroy", 3], ["ingress"]])
      expect(parseConfigPath(formatPath(path))).toEqual(path);
  });
});

describe("shared volumes (a volume of one instance mounted by another)", () => {
  // A Model whose volume entries may carry `shared` (the owner creates the volume, the others mount it).
  const withShare = (share: boolean): Model => {
    const m = JSON.parse(JSON.stringify(modelOf(withVolume()).model)) as Model;
    const web = m.instances.find((i) => i.name === "web")!;
    const other = { ...web, name: "reader", volumes: share ? [{ ...web.volumes[0], path: "/data", shared: { owner: "web", subPath: null, readonly: true }, source: "instances.reader.volumes[0]" }] : [], source: "instances.reader" };
    return { ...m, instances: [...m.instances, other] as Model["instances"] };
  };

  it("mounting or unmounting another instance's volume is a device change, never destroy-data", () => {
    expect(briefs(planLab(withShare(false), withShare(true)))).toEqual(["change instance reader @ instances.reader.volumes[0]"]);
    const off = planLab(withShare(true), withShare(false));
    expect(briefs(off)).toEqual(["change instance reader @ instances.reader.volumes"]);
    expect(off.changes[0].summary).toBe("reader: unmounts volume web-data (owned by another instance; its data stays)");
  });

  it("removing the owner still deletes the volume, whoever mounts it", () => {
    const before = withShare(true);
    const after = { ...before, instances: before.instances.filter((i) => i.name !== "web") } as Model;
    expect(briefs(planLab(before, after))).toContain("destroy-data volume web-data @ instances");
  });
});
