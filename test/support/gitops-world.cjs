// The fake host's world, shared by the stand-ins for zfs, incus, tofu, nixos-rebuild,
// switch-to-configuration, nix-env, nix, systemctl and systemd-run (test/support/gitops.ts writes
// one small executable per command, `#!<absolute node>` then `require(this file)(<command>)`).
//
// State lives in $FAKE_DIR/world.json. Each stand-in REFUSES what the real tool refuses, with the
// upstream file that refuses it named next to the rule, so a deploy path that would fail or lose
// data on a real host fails here too. Every command line is appended to $FAKE_DIR/commands.log
// (queries such as `zfs list`, `incus list` are answered, not logged).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const DIR = process.env.FAKE_DIR;
const WORLD = path.join(DIR, "world.json");

function load() {
  return JSON.parse(fs.readFileSync(WORLD, "utf8"));
}
function save(w) {
  fs.writeFileSync(WORLD + ".tmp", JSON.stringify(w, null, 1));
  fs.renameSync(WORLD + ".tmp", WORLD);
}
function record(argv) {
  fs.appendFileSync(path.join(DIR, "commands.log"), argv.join(" ") + "\n");
}
class Refused extends Error {}
function refuse(msg) {
  throw new Refused(msg);
}

// ---------------------------------------------------------------- ZFS
const under = (ds, parent) => ds === parent || ds.startsWith(parent + "/");
// Every function below takes a host view `w`: the local host is the world itself, another lab host
// reached as an Incus remote is w.remotes[<host>] (the same shape: zfs, incus, restored).
const hasDataset = (w, ds) => w.zfs.datasets.includes(ds);
function zfsCreate(w, ds) {
  if (hasDataset(w, ds)) refuse(`cannot create '${ds}': dataset already exists`);
  const parent = ds.slice(0, ds.lastIndexOf("/"));
  if (!ds.includes("/") || !hasDataset(w, parent)) refuse(`cannot create '${ds}': parent does not exist`);
  w.zfs.datasets.push(ds);
}
function zfsSnapshot(w, full) {
  const [ds, name] = full.split("@");
  if (!hasDataset(w, ds)) refuse(`cannot open '${ds}': dataset does not exist`);
  if (w.zfs.snapshots.some((s) => s.ds === ds && s.name === name)) refuse(`cannot create snapshot '${full}': dataset already exists`);
  const snap = { ds, name, txg: ++w.zfs.txg };
  // The dataset mounted at /var/lib/incus holds Incus's database: its snapshot holds the database.
  if (ds === w.incus.dbDataset) snap.db = JSON.parse(JSON.stringify(incusDb(w)));
  w.zfs.snapshots.push(snap);
}
// openzfs cmd/zfs/zfs_main.c, zfs_do_rollback + rollback_check: without -r, any snapshot (or
// bookmark) younger than the target makes it refuse; -r destroys them first.
function zfsRollback(w, args) {
  const recursive = args[0] === "-r";
  if (recursive) args = args.slice(1);
  if (args.length !== 1 || !args[0].includes("@")) refuse("rollback: the stand-in wants [-r] <dataset>@<snapshot>");
  const [ds, name] = args[0].split("@");
  if (!hasDataset(w, ds)) refuse(`cannot open '${ds}': dataset does not exist`);
  const target = w.zfs.snapshots.find((s) => s.ds === ds && s.name === name);
  if (!target) refuse(`cannot open '${args[0]}': dataset does not exist`);
  const younger = snapsOf(w, ds).filter((s) => s.txg > target.txg);
  if (younger.length > 0 && !recursive) {
    refuse(`cannot rollback to '${args[0]}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${younger.map((s) => `${s.ds}@${s.name}`).join("\n")}`);
  }
  w.zfs.snapshots = w.zfs.snapshots.filter((s) => !younger.includes(s));
  if (target.db) {
    // A database rewound under a running daemon is overwritten by it: refuse to model that at all.
    if (w.incus.daemon.running) refuse(`the stand-in refuses to roll back ${ds} under a running incusd (it keeps its database open and rewrites it)`);
    Object.assign(w.incus, JSON.parse(JSON.stringify(target.db)));
  }
}
// `zfs destroy -r <dataset>`: the dataset, its children and all their snapshots.
function zfsDestroyRecursive(w, ds) {
  w.zfs.datasets = w.zfs.datasets.filter((d) => !under(d, ds));
  w.zfs.snapshots = w.zfs.snapshots.filter((s) => !under(s.ds, ds));
}
const snapsOf = (w, ds) => w.zfs.snapshots.filter((s) => s.ds === ds).sort((a, b) => a.txg - b.txg);

function zfs(argv) {
  const [cmd, ...rest] = argv;
  const w = load();
  if (cmd === "list") {
    // zfs list -H -o name -t snapshot [-s createtxg] (-d 1 | -r) <dataset>...: snapshots in the
    // order they were taken (createtxg).
    const args = [...rest];
    const want = ["-H", "-o", "name", "-t", "snapshot"];
    for (const x of want) if (args.shift() !== x) refuse(`list: the stand-in knows only "zfs list -H -o name -t snapshot [-s createtxg] -d 1|-r <dataset>..."`);
    if (args[0] === "-s" && args.splice(0, 2)[1] !== "createtxg") refuse("list: the stand-in sorts only by createtxg");
    const depth = args.shift();
    if (depth === "-d" && args.shift() !== "1") refuse("list: only -d 1");
    else if (depth !== "-d" && depth !== "-r") refuse("list: -d 1 or -r");
    for (const ds of args) if (!hasDataset(w, ds)) refuse(`cannot open '${ds}': dataset does not exist`);
    const out = [];
    for (const s of [...w.zfs.snapshots].sort((a, b) => a.txg - b.txg)) {
      if (args.some((ds) => (depth === "-r" ? under(s.ds, ds) : s.ds === ds))) out.push(`${s.ds}@${s.name}`);
    }
    process.stdout.write(out.map((l) => l + "\n").join(""));
    return 0;
  }
  record(["zfs", ...argv]);
  if (cmd === "snapshot") {
    let args = rest;
    let recursive = false;
    if (args[0] === "-r") {
      recursive = true;
      args = args.slice(1);
    }
    // One atomic snapshot (zfs_snapshot_nvl): all of it or nothing, and all in one pool (openzfs
    // module/zfs/zfs_ioctl.c, zfs_ioc_snapshot: a snapshot outside the pool is EXDEV, which
    // lib/libzfs/libzfs_dataset.c, zfs_snapshot_nvl, reports as below).
    const pools = new Set(args.map((a) => a.split(/[/@]/)[0]));
    if (pools.size > 1) refuse("cannot create snapshots : multiple snapshots of same fs not allowed");
    const full = [];
    for (const a of args) {
      const [ds, name] = a.split("@");
      if (!hasDataset(w, ds)) refuse(`cannot open '${ds}': dataset does not exist`);
      for (const d of w.zfs.datasets) if (d === ds || (recursive && under(d, ds))) full.push(`${d}@${name}`);
    }
    for (const f of full) zfsSnapshot(w, f);
    save(w);
    return 0;
  }
  if (cmd === "rollback") {
    zfsRollback(w, rest);
    save(w);
    return 0;
  }
  if (cmd === "destroy") {
    if (rest.length !== 1 || !rest[0].includes("@")) refuse("destroy: the stand-in destroys one snapshot");
    const [ds, name] = rest[0].split("@");
    if (!w.zfs.snapshots.some((s) => s.ds === ds && s.name === name)) refuse(`could not find any snapshots to destroy; check snapshot names.`);
    w.zfs.snapshots = w.zfs.snapshots.filter((s) => !(s.ds === ds && s.name === name));
    save(w);
    return 0;
  }
  refuse(`unknown subcommand ${cmd}`);
}

// ---------------------------------------------------------------- Incus
// Dataset layout of the ZFS driver (lxc/incus internal/server/storage/drivers/driver_zfs_utils.go,
// dataset()): <source>/containers/<name>, <source>/virtual-machines/<name>(.block),
// <source>/custom/<project>_<name>; Incus snapshots are ZFS snapshots "@snapshot-<name>".
const POOL_CHILDREN = ["buckets", "containers", "custom", "deleted", "images", "virtual-machines"];

// The database (lxc/incus internal/server/db): pools, instances, volumes, their snapshot records
// and the schema version. It lives on the dataset mounted at /var/lib/incus, so a ZFS snapshot of
// that dataset holds it and `zfs rollback` rewinds it; the storage datasets are not part of it.
const DB_KEYS = ["pools", "instances", "volumes", "records", "schema"];
function incusDb(w) {
  return Object.fromEntries(DB_KEYS.map((k) => [k, w.incus[k]]));
}
// Schema versions of the stand-in's Incus releases. The real number is len(updates) of the
// release (lxc/incus internal/server/db/cluster/update.go, `var SchemaVersion = len(updates)`).
const INCUS_SCHEMA = { "7.0.1": 48, "7.3.0": 51 };
// The packages nixpkgs offers (nixos/modules/virtualisation/incus.nix: package, default incus-lts).
const INCUS_PACKAGES = { "incus-lts": "7.0.1", incus: "7.3.0" };
// incusd starting on its database. lxc/incus internal/server/db/schema/schema.go,
// ensureUpdatesAreApplied: a database whose schema is newer than the updates the binary knows is
// refused ("schema version '%d' is more recent than expected '%d'"), which the daemon reports as
// "Failed to initialize global database: failed to ensure schema: …" (cmd/incusd/daemon.go,
// internal/server/db/db.go) and does not start; an older schema is migrated forward (Ensure).
function startDaemon(w, version) {
  const known = INCUS_SCHEMA[version];
  if (known === undefined) refuse(`the stand-in knows no Incus ${version}`);
  if (w.incus.schema > known) {
    w.incus.daemon = { running: false, version };
    refuse(`incusd ${version}: Failed to initialize global database: failed to ensure schema: schema version '${w.incus.schema}' is more recent than expected '${known}'`);
  }
  w.incus.schema = known;
  w.incus.daemon = { running: true, version };
}
// shared/cliconfig/remote.go: what every client (the incus CLI, the provider) gets from a stopped daemon.
function needDaemon(w) {
  if (!w.incus.daemon.running) refuse("Error: The incus daemon doesn't appear to be started (socket path: /var/lib/incus/unix.socket)");
}

function poolSource(w, pool) {
  const p = w.incus.pools[pool];
  if (!p) refuse(`Error: Storage pool not found`);
  return p.source;
}
function instanceDatasets(w, name) {
  const i = w.incus.instances[name];
  if (!i) refuse(`Error: Failed checking instance exists "local:${name}": Instance not found`);
  const src = poolSource(w, i.pool);
  return i.type === "virtual-machine" ? [`${src}/virtual-machines/${name}.block`, `${src}/virtual-machines/${name}`] : [`${src}/containers/${name}`];
}
function volumeDataset(w, pool, vol) {
  if (!w.incus.volumes[`${pool}/${vol}`]) refuse(`Error: Storage pool volume not found`);
  return `${poolSource(w, pool)}/custom/default_${vol}`;
}
// Snapshot records: what `incus snapshot list` shows comes from the database, not from ZFS.
const recordsOf = (w, key) => w.incus.records[key] ?? [];
// lxc/incus internal/server/storage/drivers/driver_zfs_volumes.go, CanRestoreVolume: a later
// non-Incus ZFS snapshot ("@…" without "snapshot-") blocks the restore; later Incus snapshots
// block it unless zfs.remove_snapshots is set. It reads ZFS, so a "@snapshot-…" the database no
// longer knows blocks it too.
function canRestore(w, ds, snap) {
  const entries = snapsOf(w, ds);
  const idx = entries.findIndex((s) => s.name === `snapshot-${snap}`);
  if (idx < 0) refuse(`Error: Snapshot "${snap}" not found`);
  const later = entries.slice(idx + 1);
  if (later.some((s) => !s.name.startsWith("snapshot-"))) refuse(`Error: Snapshot "${snap}" cannot be restored due to subsequent internal snapshot(s) (from a copy)`);
  if (later.length > 0 && !w.incus.removeSnapshots) refuse(`Error: Snapshot "${snap}" cannot be restored due to subsequent snapshot(s). Set zfs.remove_snapshots to override`);
}
function restore(w, key, datasets, snap) {
  if (!recordsOf(w, key).includes(snap)) refuse(`Error: Snapshot "${snap}" not found`);
  for (const ds of datasets) canRestore(w, ds, snap);
  for (const ds of datasets) {
    const entries = snapsOf(w, ds);
    const idx = entries.findIndex((s) => s.name === `snapshot-${snap}`);
    const later = new Set(entries.slice(idx + 1));
    w.zfs.snapshots = w.zfs.snapshots.filter((s) => !later.has(s));
    w.restored.push(`${ds}@snapshot-${snap}`);
  }
  const names = recordsOf(w, key);
  w.incus.records[key] = names.slice(0, names.indexOf(snap) + 1);
}
function snapshotCreate(w, key, datasets, snap) {
  if (snap.includes("/")) refuse("Error: Invalid snapshot name");
  if (recordsOf(w, key).includes(snap)) refuse(`Error: Snapshot "${snap}" already exists`);
  for (const ds of datasets) zfsSnapshot(w, `${ds}@snapshot-${snap}`);
  w.incus.records[key] = [...recordsOf(w, key), snap];
}
// driver_zfs_volumes.go, DeleteVolumeSnapshot: `zfs destroy -r <dataset>@snapshot-<name>`; when
// that dataset is missing the delete fails (no clones to fall back to), and the record stays.
function deleteSnapshotData(w, datasets, snap) {
  for (const ds of datasets) {
    if (!w.zfs.snapshots.some((s) => s.ds === ds && s.name === `snapshot-${snap}`)) {
      refuse(`Error: Failed to run: zfs destroy -r ${ds}@snapshot-${snap}: could not find any snapshots to destroy; check snapshot names.`);
    }
  }
  w.zfs.snapshots = w.zfs.snapshots.filter((s) => !(datasets.includes(s.ds) && s.name === `snapshot-${snap}`));
}
function snapshotDelete(w, key, datasets, snap) {
  if (!recordsOf(w, key).includes(snap)) refuse(`Error: Snapshot "${snap}" not found`);
  deleteSnapshotData(w, datasets, snap);
  w.incus.records[key] = recordsOf(w, key).filter((n) => n !== snap);
}

// driver_zfs.go, Create(): a missing source dataset is created; an existing one must have no
// child and no snapshot ("Provided ZFS pool (or dataset) isn't empty").
function poolCreate(w, name, source) {
  if (w.incus.pools[name]) refuse(`Error: Storage pool "${name}" already exists`);
  if (hasDataset(w, source)) {
    const busy = w.zfs.datasets.some((d) => d !== source && under(d, source)) || w.zfs.snapshots.some((s) => under(s.ds, source));
    if (busy) refuse(`Error: Provided ZFS pool (or dataset) isn't empty, run "sudo zfs list -r ${source}" to see existing entries`);
  } else {
    zfsCreate(w, source);
  }
  for (const c of POOL_CHILDREN) zfsCreate(w, `${source}/${c}`);
  w.incus.pools[name] = { source };
}
function poolDelete(w, name) {
  const src = poolSource(w, name);
  const used = Object.values(w.incus.instances).some((i) => i.pool === name) || Object.keys(w.incus.volumes).some((k) => k.startsWith(name + "/"));
  if (used) refuse(`Error: The storage pool is currently in use`);
  zfsDestroyRecursive(w, src);
  delete w.incus.pools[name];
}
function volumeCreate(w, pool, vol) {
  if (w.incus.volumes[`${pool}/${vol}`]) refuse(`Error: Volume by that name already exists`);
  zfsCreate(w, `${poolSource(w, pool)}/custom/default_${vol}`);
  w.incus.volumes[`${pool}/${vol}`] = {};
}
// driver_zfs_volumes.go, deleteVolume: `zfs destroy -r`, so the volume's snapshots go with it;
// the snapshots are deleted one by one first (backend.go, DeleteCustomVolume / DeleteInstance), so
// a snapshot record whose ZFS snapshot is missing blocks the delete.
function volumeDelete(w, pool, vol) {
  const ds = volumeDataset(w, pool, vol);
  const user = Object.entries(w.incus.instances).find(([, i]) => i.volumes.some((v) => v.pool === pool && v.name === vol));
  if (user) refuse(`Error: Storage volume "${vol}" is still in use by instance "${user[0]}"`);
  for (const snap of recordsOf(w, `volume/${pool}/${vol}`)) deleteSnapshotData(w, [ds], snap);
  zfsDestroyRecursive(w, ds);
  delete w.incus.volumes[`${pool}/${vol}`];
  delete w.incus.records[`volume/${pool}/${vol}`];
}
function instanceCreate(w, name, spec) {
  if (w.incus.instances[name]) refuse(`Error: Instance "${name}" already exists`);
  for (const v of spec.volumes) if (!w.incus.volumes[`${v.pool}/${v.name}`]) refuse(`Error: Storage volume "${v.name}" not found`);
  w.incus.instances[name] = { type: spec.type, pool: spec.pool, volumes: spec.volumes };
  for (const ds of instanceDatasets(w, name)) zfsCreate(w, ds);
}
function instanceDelete(w, name) {
  const datasets = instanceDatasets(w, name);
  for (const snap of recordsOf(w, `instance/${name}`)) deleteSnapshotData(w, datasets, snap);
  for (const ds of datasets) zfsDestroyRecursive(w, ds);
  delete w.incus.instances[name];
  delete w.incus.records[`instance/${name}`];
}

// `[<remote>:]<name>` (lxc/incus cmd/incus: u.Instance.Remote(), u.Pool.Remote()): the host view
// and the bare name. Remotes are the lab's other hosts, as `incus remote add <host>` named them;
// shared/cliconfig/remote.go refuses an unknown one.
function viewOf(w, arg) {
  const colon = arg.indexOf(":");
  if (colon < 0) return [w, arg];
  const remote = arg.slice(0, colon);
  if (remote === "local") return [w, arg.slice(colon + 1)];
  const view = w.remotes?.[remote];
  if (!view) refuse(`Error: The remote "${remote}" doesn't exist`);
  return [view, arg.slice(colon + 1)];
}

function incus(argv) {
  const world = load();
  const flags = {};
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (["--format", "--columns", "--uid", "--gid", "--mode"].includes(a)) flags[a] = argv[++i];
    else if (a === "--no-expiry") flags[a] = true;
    else if (a.startsWith("-")) refuse(`Error: unknown flag: ${a}`);
    else args.push(a);
  }
  const csv = (cols, rows) => {
    if (flags["--format"] !== "csv,noheader" || flags["--columns"] !== cols) refuse(`the stand-in answers only --format csv,noheader --columns ${cols}`);
    process.stdout.write(rows.map((r) => r + "\n").join(""));
    return 0;
  };
  // The argument that names the object (and its remote) of each command.
  const key = args.slice(0, 4).join(" ");
  const at = args[0] === "list" ? 1 : key.startsWith("storage volume snapshot") ? 4 : key.startsWith("storage volume") ? 3 : args[0] === "storage" ? 2 : args[0] === "snapshot" ? 2 : args[0] === "file" ? 3 : 1;
  const [w, object] = args[at] === undefined ? [world, undefined] : viewOf(world, args[at]);
  needDaemon(w);
  if (args[0] === "list" && args.length <= 2) {
    if (object !== undefined && object !== "") refuse("the stand-in lists whole remotes only");
    return csv("n", Object.keys(w.incus.instances).sort());
  }
  if (args[0] === "storage" && args[1] === "list") return csv("n", Object.keys(w.incus.pools).sort());
  if (key.startsWith("storage volume list")) {
    const pool = object;
    poolSource(w, pool);
    // Snapshots are listed too, as "<type> (snapshot)" rows named "<volume>/<snapshot>" (lxc/incus
    // cmd/incus/storage_volume.go, typeColumnData).
    const withSnapshots = (type, name, key) => [`${type},${name}`, ...recordsOf(w, key).map((s) => `${type} (snapshot),${name}/${s}`)];
    const rows = [
      ...Object.entries(w.incus.instances).filter(([, i]) => i.pool === pool).flatMap(([n, i]) => withSnapshots(i.type, n, `instance/${n}`)),
      ...Object.keys(w.incus.volumes).filter((k) => k.startsWith(pool + "/")).flatMap((k) => withSnapshots("custom", k.slice(pool.length + 1), `volume/${k}`)),
    ].sort();
    return csv("tn", rows);
  }
  if (args[0] === "snapshot" && args[1] === "list") {
    instanceDatasets(w, object);
    return csv("n", recordsOf(w, `instance/${object}`));
  }
  if (key.startsWith("storage volume snapshot list")) {
    volumeDataset(w, object, args[5]);
    return csv("n", recordsOf(w, `volume/${object}/${args[5]}`));
  }
  record(["incus", ...argv]);
  if (args[0] === "snapshot" && ["create", "delete", "restore"].includes(args[1]) && args.length === 4) {
    const ds = instanceDatasets(w, object);
    const k = `instance/${object}`;
    if (args[1] === "create") snapshotCreate(w, k, ds, args[3]);
    else if (args[1] === "delete") snapshotDelete(w, k, ds, args[3]);
    else restore(w, k, ds, args[3]);
  } else if (key.startsWith("storage volume snapshot") && ["create", "delete", "restore"].includes(args[3]) && args.length === 7) {
    const ds = [volumeDataset(w, object, args[5])];
    const k = `volume/${object}/${args[5]}`;
    if (args[3] === "create") snapshotCreate(w, k, ds, args[6]);
    else if (args[3] === "delete") snapshotDelete(w, k, ds, args[6]);
    else restore(w, k, ds, args[6]);
  } else if (args[0] === "restart" && args.length === 2) {
    instanceDatasets(w, object);
    w.incus.restarts = [...(w.incus.restarts ?? []), object];
  } else if (args[0] === "file" && args[1] === "push" && args.length === 4) {
    // cmd/incus/file.go, push: <source> <instance>/<path>.
    const slash = object.indexOf("/");
    const inst = object.slice(0, slash);
    instanceDatasets(w, inst);
    if (!fs.existsSync(args[2])) refuse(`Error: open ${args[2]}: no such file or directory`);
    w.incus.files = { ...(w.incus.files ?? {}), [`${inst}${object.slice(slash)}`]: { content: fs.readFileSync(args[2], "utf8"), mode: flags["--mode"] } };
  } else {
    refuse(`the stand-in does not know: incus ${argv.join(" ")}`);
  }
  save(world);
  return 0;
}

// ---------------------------------------------------------------- OpenTofu
// Reads the resource blocks of <dir>/*.tf: type, name, the attributes that matter to Incus, and
// a fingerprint of the block (a changed block is an update).
function parseConfig(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort()) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    const re = /^resource "([^"]+)" "([^"]+)" \{$/gm;
    let m;
    while ((m = re.exec(text)) !== null) {
      let depth = 0;
      let i = m.index + m[0].length - 1;
      let inString = false;
      for (; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{") depth++;
        else if (c === "}" && --depth === 0) break;
      }
      const body = text.slice(m.index, i + 1);
      const attr = (re2) => (re2.exec(body) ?? [])[1];
      const r = { type: m[1], name: m[2], body, attrs: {} };
      r.attrs.name = attr(/^  name\s+= "([^"]+)"/m);
      // The Incus remote (lab host) of the resource: none or the provider's default_remote is this host.
      r.attrs.remote = attr(/^  remote\s+= "([^"]+)"/m) ?? null;
      r.preventDestroy = /prevent_destroy = true/.test(body);
      if (r.type === "incus_storage_pool") r.attrs.source = attr(/source = "([^"]+)"/);
      if (r.type === "incus_storage_volume") r.attrs.poolRef = attr(/pool\s+= incus_storage_pool\.([^.]+)\.name/);
      if (r.type === "incus_instance") {
        r.attrs.type = attr(/^  type\s+= "([^"]+)"/m) ?? "container";
        const root = /name = "root"[\s\S]*?pool = incus_storage_pool\.([^.]+)\.name/.exec(body);
        r.attrs.poolRef = root ? root[1] : null;
        r.attrs.volumeRefs = [...body.matchAll(/source = incus_storage_volume\.([^.]+)\.name/g)].map((x) => x[1]);
        r.attrs.sourcePaths = [...body.matchAll(/source_path\s+= "([^"]+)"/g)].map((x) => x[1]);
      }
      out[`${r.type}.${r.name}`] = r;
    }
  }
  return out;
}

function tofuPlan(w, dir) {
  const config = parseConfig(dir);
  const changes = [];
  const state = w.tofu.state;
  for (const [addr, r] of Object.entries(config)) {
    const s = state[addr];
    if (!s) changes.push({ addr, r, actions: ["create"] });
    else if (s.body !== r.body) {
      const replace = r.type === "incus_instance" && (s.attrs.poolRef !== r.attrs.poolRef || s.attrs.type !== r.attrs.type);
      // Terraform/OpenTofu lifecycle: prevent_destroy refuses a plan that destroys the resource,
      // but only while its block is in the configuration.
      if (replace && r.preventDestroy) refuse(`Error: Instance cannot be destroyed: resource ${addr} has lifecycle.prevent_destroy set`);
      changes.push({ addr, r, actions: replace ? ["delete", "create"] : ["update"] });
    }
  }
  for (const [addr, s] of Object.entries(state)) if (!config[addr]) changes.push({ addr, r: s, actions: ["delete"] });
  return changes;
}

const DELETE_ORDER = ["terraform_data", "incus_instance", "incus_storage_volume", "incus_profile", "incus_network_zone_record", "incus_network_zone", "incus_network", "incus_storage_pool"];
const rank = (t) => (DELETE_ORDER.includes(t) ? DELETE_ORDER.indexOf(t) : 0);

function hostPath(p) {
  const def = "/var/lib/labgen";
  return p === def || p.startsWith(def + "/") ? path.join(process.env.LABGEN_STATE_DIR, p.slice(def.length)) : p;
}

// The host view a resource lives on (see viewOf): the provider's default_remote is this host.
function remoteView(w, remote) {
  if (remote === null || remote === undefined || remote === w.localHost) return w;
  const view = w.remotes?.[remote];
  if (!view) refuse(`Error: The remote "${remote}" doesn't exist`);
  return view;
}

function tofuApply(w, changes, config) {
  const poolName = (ref) => (ref && (config[`incus_storage_pool.${ref}`] ?? w.tofu.state[`incus_storage_pool.${ref}`])?.attrs.name) || ref;
  const volSpec = (ref) => {
    const v = config[`incus_storage_volume.${ref}`] ?? w.tofu.state[`incus_storage_volume.${ref}`];
    return { pool: poolName(v.attrs.poolRef), name: v.attrs.name };
  };
  const deletes = changes.filter((c) => c.actions.includes("delete")).sort((a, b) => rank(a.r.type) - rank(b.r.type));
  const creates = changes.filter((c) => c.actions.includes("create")).sort((a, b) => rank(b.r.type) - rank(a.r.type));
  const updates = changes.filter((c) => c.actions[0] === "update");
  for (const c of deletes) {
    const s = w.tofu.state[c.addr];
    const h = remoteView(w, s.attrs.remote);
    needDaemon(h);
    if (s.type === "incus_instance") instanceDelete(h, s.attrs.name);
    if (s.type === "incus_storage_volume") volumeDelete(h, poolName(s.attrs.poolRef), s.attrs.name);
    if (s.type === "incus_storage_pool") poolDelete(h, s.attrs.name);
    delete w.tofu.state[c.addr];
    w.tofu.serial++;
    save(w);
  }
  for (const c of [...creates, ...updates]) {
    const r = c.r;
    const h = remoteView(w, r.attrs.remote);
    needDaemon(h);
    if (r.type === "incus_storage_pool" && c.actions[0] === "create") poolCreate(h, r.attrs.name, r.attrs.source);
    if (r.type === "incus_storage_volume" && c.actions.includes("create")) volumeCreate(h, poolName(r.attrs.poolRef), r.attrs.name);
    if (r.type === "incus_instance") {
      // lxc/terraform-provider-incus: a file block's source_path is read when the file is pushed.
      for (const p of r.attrs.sourcePaths) if (!fs.existsSync(hostPath(p))) refuse(`Error: open ${p}: no such file or directory`);
      if (c.actions.includes("create")) instanceCreate(h, r.attrs.name, { type: r.attrs.type, pool: poolName(r.attrs.poolRef), volumes: r.attrs.volumeRefs.map(volSpec) });
    }
    w.tofu.state[c.addr] = { type: r.type, name: r.name, attrs: r.attrs, body: r.body };
    w.tofu.serial++;
    save(w);
  }
}

function tofu(argv) {
  let dir = process.cwd();
  let args = argv;
  if (args[0]?.startsWith("-chdir=")) {
    dir = args[0].slice("-chdir=".length);
    args = args.slice(1);
  }
  record(["tofu", ...args]);
  fs.appendFileSync(path.join(DIR, "tofu-passphrase.log"), (process.env.TF_VAR_state_passphrase ?? "<unset>") + "\n");
  const [cmd, ...rest] = args;
  if (fs.existsSync(path.join(DIR, `fail-tofu-${cmd}`))) refuse(`tofu (stand-in): ${cmd} failed`);
  // out/tofu declares var.state_passphrase with no default and enforces state encryption.
  if (!process.env.TF_VAR_state_passphrase) refuse("Error: No value for required variable state_passphrase");
  const w = load();
  // The provider reaches this host's Incus through the unix socket (providers.tf, unix://).
  if (cmd === "plan" || cmd === "apply") needDaemon(w);
  if (cmd === "init") {
    if (rest.join(" ") !== "-input=false") refuse("init: the stand-in wants exactly -input=false");
    return 0;
  }
  if (cmd === "plan") {
    const out = rest.find((a) => a.startsWith("-out="));
    if (!rest.includes("-input=false") || !out) refuse("plan: the stand-in wants -input=false -out=<file>");
    const changes = tofuPlan(w, dir).map((c) => ({ addr: c.addr, actions: c.actions }));
    fs.writeFileSync(out.slice(5), JSON.stringify({ dir, serial: w.tofu.serial, changes }));
    return 0;
  }
  if (cmd === "show") {
    if (rest[0] !== "-json" || rest.length !== 2) refuse("show: the stand-in wants -json <planfile>");
    const plan = JSON.parse(fs.readFileSync(rest[1], "utf8"));
    const config = parseConfig(plan.dir);
    const resource_changes = plan.changes.map((c) => {
      const before = w.tofu.state[c.addr];
      const after = config[c.addr];
      const [type, name] = c.addr.split(".");
      return { address: c.addr, type, name, change: { actions: c.actions, before: before ? { name: before.attrs.name } : null, after: after ? { name: after.attrs.name } : null } };
    });
    process.stdout.write(JSON.stringify({ format_version: "1.2", resource_changes }) + "\n");
    return 0;
  }
  if (cmd === "apply") {
    const file = rest.find((a) => !a.startsWith("-"));
    if (!rest.includes("-input=false")) refuse("apply: the stand-in wants -input=false");
    let changes;
    let config;
    if (file !== undefined) {
      const plan = JSON.parse(fs.readFileSync(file, "utf8"));
      // A saved plan applies only to the state it was made from.
      if (plan.serial !== w.tofu.serial) refuse("Error: Saved plan is stale");
      config = parseConfig(plan.dir);
      changes = plan.changes.map((c) => ({ ...c, r: config[c.addr] ?? w.tofu.state[c.addr] }));
    } else {
      if (!rest.includes("-auto-approve")) refuse("apply without a plan file needs -auto-approve here");
      config = parseConfig(dir);
      changes = tofuPlan(w, dir);
    }
    tofuApply(w, changes, config);
    save(w);
    return 0;
  }
  if (cmd === "state" && rest[0] === "rm" && rest.length === 2) {
    if (!w.tofu.state[rest[1]]) refuse(`Error: Invalid target address: no resource ${rest[1]} in the state`);
    delete w.tofu.state[rest[1]];
    w.tofu.serial++;
    save(w);
    return 0;
  }
  refuse(`the stand-in does not know: tofu ${args.join(" ")}`);
}

// ---------------------------------------------------------------- NixOS, systemd, nix
const PROFILE = () => process.env.LABGEN_SYSTEM_PROFILE;
// The network works while the active generation does not break it; a broken network makes the
// lab repository (a local bare repository) unreachable.
// Activation (switch-to-configuration switch) restarts a running unit whose file changed: incus.service
// changes with the Incus package, so the daemon of the new generation starts on the database (and
// may refuse it, see startDaemon); a stopped incus.service is left stopped. Real activation
// reports a unit that failed to start and exits non-zero.
function activate(w, gen) {
  const g = w.generations[gen];
  const before = w.generations[w.active];
  const origin = w.origin;
  if (g.breaksNetwork && fs.existsSync(origin)) fs.renameSync(origin, origin + ".unreachable");
  if (!g.breaksNetwork && fs.existsSync(origin + ".unreachable")) fs.renameSync(origin + ".unreachable", origin);
  w.active = gen;
  if (w.incus.daemon.running && before && before.incus.storePath !== g.incus.storePath) {
    try {
      startDaemon(w, g.incus.version);
    } catch (e) {
      save(w);
      throw e;
    }
  }
}
// A fake Nix store path of an Incus package: "/nix/store/<32 base32 chars>-<pname>-<version>".
function incusStorePath(pname, version) {
  const alphabet = "0123456789abcdfghijklmnpqrsvwxyz";
  const digest = require("node:crypto").createHash("sha256").update(`${pname}-${version}`).digest();
  const hash = Array.from(digest.subarray(0, 32), (b) => alphabet[b % 32]).join("");
  return `/nix/store/${hash}-${pname}-${version}`;
}
// A generation: bin/switch-to-configuration and etc/systemd/system/incus.service, whose ExecStart
// names the Incus package as nixpkgs nixos/modules/virtualisation/incus.nix writes it
// (`ExecStart = "${cfg.package}/bin/incusd --group incus-admin"`; the toplevel's etc/ is the etc
// tree, nixos/modules/system/activation/top-level.nix).
function makeGeneration(w, gen, info) {
  const pname = info.incusPackage ?? "incus-lts";
  const version = INCUS_PACKAGES[pname];
  const incusInfo = { pname, version, storePath: incusStorePath(pname, version) };
  w.generations[gen] = { commit: info.commit, breaksNetwork: info.breaksNetwork, incus: incusInfo };
  const top = path.join(DIR, "generations", String(gen));
  fs.mkdirSync(path.join(top, "bin"), { recursive: true });
  fs.writeFileSync(path.join(top, "bin", "switch-to-configuration"), `#!${process.execPath}\nrequire(${JSON.stringify(__filename)})("switch-to-configuration", ${gen});\n`, { mode: 0o755 });
  fs.mkdirSync(path.join(top, "etc", "systemd", "system"), { recursive: true });
  fs.writeFileSync(
    path.join(top, "etc", "systemd", "system", "incus.service"),
    `[Unit]\nDescription=Incus Container and Virtual Machine Management Daemon\n\n[Service]\nExecStart=${incusInfo.storePath}/bin/incusd --group incus-admin\nExecStartPost=${incusInfo.storePath}/bin/incusd waitready --timeout=600\nKillMode=process\n`,
  );
  fs.rmSync(`${PROFILE()}-${gen}-link`, { force: true });
  fs.symlinkSync(top, `${PROFILE()}-${gen}-link`);
}
const profileGeneration = () => Number(/-(\d+)-link$/.exec(fs.readlinkSync(PROFILE()))[1]);

function nixosRebuild(argv) {
  record(["nixos-rebuild", ...argv]);
  if (argv.length !== 3 || argv[0] !== "switch" || argv[1] !== "--flake" || !argv[2].includes("#")) refuse("nixos-rebuild (stand-in): want switch --flake <flake>#<host>");
  if (fs.existsSync(path.join(DIR, "fail-nixos-rebuild"))) refuse("nixos-rebuild (stand-in): build failed");
  const flake = argv[2].split("#")[0];
  const w = load();
  const commit = spawnSync("git", ["-C", flake, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const gen = Math.max(...Object.keys(w.generations).map(Number)) + 1;
  // The Incus package the commit's configuration.nix asks for (labgen: incus.channel).
  const host = argv[2].split("#")[1];
  const nixFile = path.join(flake, "out", "hosts", host, "configuration.nix");
  const pkg = fs.existsSync(nixFile) ? /package = pkgs\.(incus(?:-lts)?);/.exec(fs.readFileSync(nixFile, "utf8")) : null;
  makeGeneration(w, gen, { commit, breaksNetwork: fs.existsSync(path.join(flake, "BREAK_NETWORK")), incusPackage: pkg ? pkg[1] : "incus-lts" });
  fs.rmSync(PROFILE());
  fs.symlinkSync(path.basename(PROFILE()) + `-${gen}-link`, PROFILE());
  activate(w, gen);
  save(w);
  return 0;
}

function switchToConfiguration(gen, argv) {
  record(["switch-to-configuration", ...argv, `[generation ${gen}]`]);
  if (argv.join(" ") !== "switch") refuse("switch-to-configuration (stand-in): want switch");
  const w = load();
  activate(w, gen);
  save(w);
  return 0;
}

function nixEnv(argv) {
  record(["nix-env", ...argv]);
  if (argv.length !== 4 || argv[0] !== "-p" || argv[2] !== "--switch-generation") refuse("nix-env (stand-in): want -p <profile> --switch-generation <n>");
  if (!fs.existsSync(`${argv[1]}-${argv[3]}-link`)) refuse(`error: generation ${argv[3]} does not exist`);
  fs.rmSync(argv[1]);
  fs.symlinkSync(`${path.basename(argv[1])}-${argv[3]}-link`, argv[1]);
  return 0;
}

// `nix run <checkout>#default -- <args>` runs the commit's labgen: here the real labgen CLI.
function nix(argv) {
  const sep = argv.indexOf("--");
  const head = argv.slice(0, sep);
  if (sep < 0 || head.join(" ") !== `--extra-experimental-features nix-command flakes run ${head[3]}` || !head[3]?.endsWith("#default")) {
    refuse("nix (stand-in): want --extra-experimental-features 'nix-command flakes' run <flake>#default -- <args>");
  }
  const args = argv.slice(sep + 1);
  record(["labgen", ...args]);
  // FAKE_PLAN_MISSES_DELETES: a labgen plan that overlooks a deletion (a bug), so that the tofu
  // gate behind it is exercised on its own.
  if (args[0] === "plan" && process.env.FAKE_PLAN_MISSES_DELETES === "1") {
    process.stdout.write('{"changes":[],"blocked":[]}\n');
    return 0;
  }
  const r = spawnSync(process.execPath, [process.env.FAKE_LABGEN, ...args], { cwd: process.cwd(), stdio: ["inherit", "pipe", "inherit"] });
  process.stdout.write(r.stdout);
  return r.status ?? 1;
}

// The units of nixpkgs nixos/modules/virtualisation/incus.nix (incus.service, incus.socket,
// incus-startup.service, incus-user.service, incus-user.socket) and labgen's own.
const UNITS = new Set(["incus.service", "incus.socket", "incus-startup.service", "incus-user.service", "incus-user.socket", "labgen-gitops.service", "labgen-gitops.timer"]);
function systemctl(argv) {
  record(["systemctl", ...argv]);
  if (fs.existsSync(path.join(DIR, "fail-systemctl"))) refuse("systemctl (stand-in): failed");
  if (!["start", "stop", "restart"].includes(argv[0])) refuse(`Unknown command verb ${argv[0]}.`);
  for (const u of argv.slice(1)) if (!UNITS.has(u)) refuse(`Failed to ${argv[0]} ${u}: Unit ${u} not found.`);
  const w = load();
  const units = argv.slice(1);
  // incus.service and incus-startup.service Require= incus.socket, so stopping the socket stops
  // incus-startup.service, whose ExecStop runs `incusd shutdown`: every instance stops (incus.nix).
  if (argv[0] === "stop" && (units.includes("incus.socket") || units.includes("incus-startup.service"))) w.incus.instancesShutDown = true;
  if (units.includes("incus.service")) {
    // KillMode=process: stopping the daemon leaves the instances running (softDaemonRestart).
    if (argv[0] !== "start") w.incus.daemon = { ...w.incus.daemon, running: false };
    if (argv[0] !== "stop" && !w.incus.daemon.running) {
      try {
        startDaemon(w, w.generations[w.active].incus.version);
      } catch (e) {
        save(w);
        throw e;
      }
    }
  }
  save(w);
  return 0;
}

// systemd-run: the command runs in a fresh environment (the manager's, plus --setenv).
function systemdRun(argv) {
  const sep = argv.indexOf("--");
  if (sep < 0) refuse("systemd-run (stand-in): want options -- command");
  const env = { PATH: process.env.PATH, FAKE_DIR: DIR, FAKE_LABGEN: process.env.FAKE_LABGEN, HOME: process.env.HOME };
  let wait = false;
  for (const o of argv.slice(0, sep)) {
    if (o.startsWith("--setenv=")) {
      const kv = o.slice(9);
      env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
    } else if (o === "--wait") wait = true;
    else if (!/^--(unit=[A-Za-z0-9@_.-]+|collect|quiet|service-type=exec)$/.test(o)) refuse(`systemd-run: unrecognized option '${o}'`);
  }
  record(["systemd-run", ...argv.slice(0, sep).filter((o) => !o.startsWith("--setenv=")), "--", path.basename(argv[sep + 1]), "…"]);
  if (!wait) refuse("the stand-in only runs --wait units");
  const r = spawnSync(argv[sep + 1], argv.slice(sep + 2), { env, stdio: "inherit" });
  return r.status ?? 1;
}

// Generation 1: the installed system, active.
function initGeneration() {
  const w = load();
  makeGeneration(w, 1, { commit: null, breaksNetwork: false, incusPackage: process.env.FAKE_INCUS_PACKAGE || "incus-lts" });
  fs.symlinkSync(path.basename(PROFILE()) + "-1-link", PROFILE());
  w.active = 1;
  w.incus.schema = 0;
  w.incus.daemon = { running: false, version: null };
  startDaemon(w, w.generations[1].incus.version);
  save(w);
  return 0;
}

module.exports = function main(command, gen) {
  const argv = process.argv.slice(2);
  try {
    const table = { "init-generation": initGeneration, zfs, incus, tofu, "nixos-rebuild": nixosRebuild, "nix-env": nixEnv, nix, systemctl, "systemd-run": systemdRun };
    const code = command === "switch-to-configuration" ? switchToConfiguration(gen, argv) : table[command](argv);
    process.exitCode = code;
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    process.stderr.write(`${command} (stand-in): ${e.message}\n`);
    fs.appendFileSync(path.join(DIR, "refusals.log"), `${command}: ${e.message}\n`);
    process.exitCode = 1;
  }
};
module.exports.parseConfig = parseConfig;
module.exports.makeGeneration = makeGeneration;
