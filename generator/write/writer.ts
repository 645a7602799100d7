// write: puts planned files into out/ atomically (temp file + rename), leaves unchanged files
// untouched, removes files labgen wrote before and no longer produces, and refuses to clobber a
// generated file that was edited by hand (unless forced). The manifest records what labgen wrote
// and the sha256 it wrote, which is how hand edits and stale files are told apart.
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
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
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

function readManifest(outDir: string): Manifest {
  const p = join(outDir, MANIFEST);
  if (!existsSync(p)) return { version: 1, files: {} };
  try {
    const m = JSON.parse(readFileSync(p, "utf8"));
    if (m && m.version === 1 && m.files && typeof m.files === "object") return m;
  } catch {
    /* fall through: an unreadable manifest means we know nothing we wrote */
  }
  return { version: 1, files: {} };
}

export function printManifest(m: Manifest): string {
  const files = Object.fromEntries(Object.keys(m.files).sort().map((k) => [k, m.files[k]]));
  return `${JSON.stringify({ version: 1, files }, null, 2)}\n`;
}

function readIfExists(p: string): string | null {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
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
    manifest.files[f.path] = sha256(f.content);
    const abs = join(outDir, f.path);
    const before = readIfExists(abs);
    const x = f.executable === true;
    if (before === null) changes.push({ path: f.path, kind: "create", before, after: f.content, executable: x });
    else if (before === f.content)
      // Same bytes but a lost exec bit (e.g. a checkout without modes) still needs fixing.
      changes.push({ path: f.path, kind: x && !isExecutable(abs) ? "update" : "unchanged", before, after: f.content, executable: x });
    else {
      const recorded = old.files[f.path];
      if (recorded === undefined) conflicts.push({ path: f.path, reason: "exists but was not written by labgen" });
      else if (recorded !== sha256(before)) conflicts.push({ path: f.path, reason: "was edited by hand since labgen wrote it" });
      changes.push({ path: f.path, kind: "update", before, after: f.content, executable: x });
    }
  }
  for (const path of Object.keys(old.files).sort()) {
    if (planned.has(path)) continue;
    const before = readIfExists(join(outDir, path));
    if (before === null) continue;
    if (sha256(before) !== old.files[path]) conflicts.push({ path, reason: "is no longer generated but was edited by hand" });
    changes.push({ path, kind: "delete", before, after: null });
  }
  const manifestChanged = readIfExists(join(outDir, MANIFEST)) !== printManifest(manifest);
  return { changes, conflicts, manifest, manifestChanged };
}

function isExecutable(p: string): boolean {
  try {
    return (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Atomic replace: a reader never sees a half-written file. */
export function writeAtomic(path: string, content: string, executable = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.labgen-tmp-${process.pid}`;
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

/** Applies a plan (callers check conflicts first unless forced). */
export function applyWrite(outDir: string, plan: WritePlan): void {
  for (const c of plan.changes) {
    const abs = join(outDir, c.path);
    if (c.kind === "create" || c.kind === "update") writeAtomic(abs, c.after!, c.executable);
    else if (c.kind === "delete") {
      unlinkSync(abs);
      pruneEmptyDirs(outDir, abs);
    }
  }
  if (plan.manifestChanged) writeAtomic(join(outDir, MANIFEST), printManifest(plan.manifest));
}

export const toPosix = (p: string): string => p.split(sep).join("/");
