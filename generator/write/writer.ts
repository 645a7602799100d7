// write: puts planned files into out/ atomically (temp file + rename), leaves unchanged files
// untouched, removes files labgen wrote before and no longer produces, and refuses to clobber a
// generated file that was edited by hand (unless forced). The manifest records what labgen wrote
// and the sha256 it wrote, which is how hand edits and stale files are told apart.
//
// A run can be killed at any point. Before it touches a file it records, in the manifest, the
// bytes each path may hold afterwards too ("pending"), so a file left half-way between the old
// and the new lab is still known as labgen's; the next run finishes the job, and removes the
// temporaries (`*.labgen-tmp-<pid>`) a killed run left behind.
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export const MANIFEST = ".labgen-manifest.json";

export interface PlannedFile {
  /** Relative to the output directory, with forward slashes. */
  readonly path: string;
  readonly content: string;
  readonly executable?: boolean;
}

export interface Manifest {
  readonly version: 1;
  readonly files: Record<string, string>;
  /** Written only while a run is under way: other hashes a path may hold (the bytes being written). */
  readonly pending?: Record<string, string[]>;
}

export type ChangeKind = "create" | "update" | "delete" | "unchanged";

export interface Change {
  readonly path: string;
  readonly kind: ChangeKind;
  /** Current bytes on disk (null when absent). */
  readonly before: string | null;
  /** Planned bytes (null for a delete). */
  readonly after: string | null;
  readonly executable?: boolean;
}

export interface Conflict {
  readonly path: string;
  readonly reason: string;
}

export interface WritePlan {
  readonly changes: Change[];
  readonly conflicts: Conflict[];
  readonly manifest: Manifest;
  readonly manifestChanged: boolean;
  /** The manifest on disk before this run (what the run-in-progress record starts from). */
  readonly previous: Manifest;
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

function readManifest(outDir: string): Manifest {
  const p = join(outDir, MANIFEST);
  if (!existsSync(p)) return { version: 1, files: {} };
  try {
    const m = JSON.parse(readFileSync(p, "utf8"));
    if (m && m.version === 1 && m.files && typeof m.files === "object")
      return { version: 1, files: m.files, ...(m.pending && typeof m.pending === "object" ? { pending: m.pending } : {}) };
  } catch {
    /* fall through: an unreadable manifest means we know nothing we wrote */
  }
  return { version: 1, files: {} };
}

export function printManifest(m: Manifest): string {
  const sorted = <T>(r: Record<string, T>) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  const pending = m.pending && Object.keys(m.pending).length ? { pending: sorted(m.pending) } : {};
  return `${JSON.stringify({ version: 1, files: sorted(m.files), ...pending }, null, 2)}\n`;
}

/** Whether `content` at `path` is bytes labgen wrote (or was writing when a run was killed). */
function writtenByLabgen(m: Manifest, path: string, content: string): boolean {
  const h = sha256(content);
  return m.files[path] === h || (m.pending?.[path] ?? []).includes(h);
}

function readIfExists(p: string): string | null {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
}

// The up-to-date check streams each planned file against the disk through two fixed buffers:
// a slice of the string is encoded once, compared with the same bytes read from the file and fed
// to the hash the manifest needs anyway. Nothing the size of out/ is read into strings (30 MB at
// 10,000 instances, which stayed on the heap until a full GC), and a file whose size differs is
// not read at all.
// UTF-16 code units per step (at most 3 bytes each in UTF-8). Two 192 KB buffers: at 768 KB
// their allocation sometimes set off an early full GC inside the check (a 1,000-instance lab's
// check took 5 or 10-20 ms by chance).
export const COMPARE_STEP = 1 << 16;
let encoded: Buffer | undefined;
let onDisk: Buffer | undefined;

interface Compared {
  /** sha256 of the planned content. */
  readonly hash: string;
  /** null: no such file (or unreadable, which writing will report). */
  readonly same: boolean | null;
  readonly executable: boolean;
}

function compareWithDisk(abs: string, content: string): Compared {
  let fd: number;
  try {
    fd = openSync(abs, "r");
  } catch {
    return { hash: sha256(content), same: null, executable: false };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { hash: sha256(content), same: null, executable: false };
    const executable = (st.mode & 0o111) !== 0;
    if (st.size !== Buffer.byteLength(content)) return { hash: sha256(content), same: false, executable };
    encoded ??= Buffer.allocUnsafe(3 * COMPARE_STEP);
    onDisk ??= Buffer.allocUnsafe(3 * COMPARE_STEP);
    const h = createHash("sha256");
    let same = true;
    let at = 0;
    let pos = 0;
    while (at < content.length) {
      let end = Math.min(at + COMPARE_STEP, content.length);
      // Never split a surrogate pair: each half alone would encode as U+FFFD.
      const last = content.charCodeAt(end - 1);
      if (end < content.length && last >= 0xd800 && last <= 0xdbff) end--;
      const n = encoded.write(content.slice(at, end));
      h.update(encoded.subarray(0, n));
      if (same) {
        let got = 0;
        while (got < n) {
          const r = readSync(fd, onDisk, got, n - got, pos + got);
          if (r === 0) break;
          got += r;
        }
        same = got === n && encoded.compare(onDisk, 0, n, 0, n) === 0;
      }
      pos += n;
      at = end;
    }
    return { hash: h.digest("hex"), same, executable };
  } catch {
    return { hash: sha256(content), same: null, executable: false };
  } finally {
    closeSync(fd);
  }
}

/** Compares the plan with the disk; writes nothing. */
export function planWrite(outDir: string, files: readonly PlannedFile[]): WritePlan {
  const old = readManifest(outDir);
  const changes: Change[] = [];
  const conflicts: Conflict[] = [];
  const planned = new Set<string>();
  const manifest: Manifest = { version: 1, files: {} };

  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    planned.add(f.path);
    const abs = join(outDir, f.path);
    const disk = compareWithDisk(abs, f.content);
    manifest.files[f.path] = disk.hash;
    const x = f.executable === true;
    const before = disk.same === false ? readIfExists(abs) : null;
    if (disk.same === null || (disk.same === false && before === null))
      changes.push({ path: f.path, kind: "create", before: null, after: f.content, executable: x });
    else if (disk.same)
      // Same bytes but a lost exec bit (e.g. a checkout without modes) still needs fixing.
      changes.push({ path: f.path, kind: x && !disk.executable ? "update" : "unchanged", before: f.content, after: f.content, executable: x });
    else {
      const known = f.path in old.files || f.path in (old.pending ?? {});
      if (!known) conflicts.push({ path: f.path, reason: "exists but was not written by labgen" });
      else if (!writtenByLabgen(old, f.path, before!)) conflicts.push({ path: f.path, reason: "was edited by hand since labgen wrote it" });
      changes.push({ path: f.path, kind: "update", before, after: f.content, executable: x });
    }
  }
  for (const path of [...new Set([...Object.keys(old.files), ...Object.keys(old.pending ?? {})])].sort()) {
    if (planned.has(path)) continue;
    const before = readIfExists(join(outDir, path));
    if (before === null) continue;
    if (!writtenByLabgen(old, path, before)) conflicts.push({ path, reason: "is no longer generated but was edited by hand" });
    changes.push({ path, kind: "delete", before, after: null });
  }
  const manifestChanged = readIfExists(join(outDir, MANIFEST)) !== printManifest(manifest);
  return { changes, conflicts, manifest, manifestChanged, previous: old };
}

const TMP = ".labgen-tmp-";

/** Atomic replace: a reader never sees a half-written file. */
export function writeAtomic(path: string, content: string, executable = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}${TMP}${process.pid}`;
  writeFileSync(tmp, content, { mode: executable ? 0o755 : 0o644 });
  chmodSync(tmp, executable ? 0o755 : 0o644); // the umask may have narrowed it
  renameSync(tmp, path);
}

function pruneEmptyDirs(outDir: string, from: string): void {
  let dir = dirname(from);
  while (dir !== outDir && relative(outDir, dir) && !relative(outDir, dir).startsWith("..")) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // ours are never left over from this run
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporaries of killed runs: `*.labgen-tmp-<pid>` below `dir` (recursively) and next
 * to each of `files`. A temporary of a process still running (a concurrent generate) is left alone.
 * Returns what it removed, relative to `dir` where possible.
 */
export function removeStrayTemporaries(dir: string, files: readonly string[] = []): string[] {
  const removed: string[] = [];
  const consider = (abs: string, name: string) => {
    const m = /\.labgen-tmp-(\d+)$/.exec(name);
    if (!m || alive(Number(m[1]))) return;
    unlinkSync(abs);
    removed.push(abs);
  };
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else consider(abs, e.name);
    }
  };
  walk(dir);
  for (const f of files) {
    let names: string[];
    try {
      names = readdirSync(dirname(f));
    } catch {
      continue;
    }
    const base = `${f.slice(dirname(f).length + 1)}${TMP}`;
    for (const n of names) if (n.startsWith(base)) consider(join(dirname(f), n), n);
  }
  return removed.map((p) => toPosix(relative(dir, p).startsWith("..") ? p : relative(dir, p)));
}

/** Applies a plan (callers check conflicts first unless forced). */
export function applyWrite(outDir: string, plan: WritePlan): void {
  const touches = plan.changes.some((c) => c.kind !== "unchanged");
  if (touches) {
    // Before the first file changes: the new bytes of every path are labgen's too, so a run killed
    // from here on leaves nothing the next run takes for a hand edit.
    const pending: Record<string, string[]> = {};
    for (const [p, hs] of Object.entries(plan.previous.pending ?? {})) pending[p] = [...hs];
    for (const c of plan.changes)
      // The manifest's hash of a planned file is the hash of its new bytes (planWrite computed it).
      if (c.after !== null && c.kind !== "unchanged") pending[c.path] = [...new Set([...(pending[c.path] ?? []), plan.manifest.files[c.path]])].sort();
    writeAtomic(join(outDir, MANIFEST), printManifest({ version: 1, files: plan.previous.files, pending }));
  }
  for (const c of plan.changes) {
    const abs = join(outDir, c.path);
    if (c.kind === "create" || c.kind === "update") writeAtomic(abs, c.after!, c.executable);
    else if (c.kind === "delete") {
      unlinkSync(abs);
      pruneEmptyDirs(outDir, abs);
    }
  }
  if (plan.manifestChanged || touches) writeAtomic(join(outDir, MANIFEST), printManifest(plan.manifest));
}

export const toPosix = (p: string): string => p.split(sep).join("/");
