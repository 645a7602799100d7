// A fake host for running the generated GitOps scripts for real: a temp dir with a local bare git
// repository holding a real lab (lab.config.ts, lab.lock.json and the out/ the real labgen
// generates from them), a state directory, a NixOS system profile made of symlinks, and
// stand-ins for the commands a test machine cannot run for real: zfs, incus, tofu, nixos-rebuild,
// switch-to-configuration, nix-env, nix (whose `run <checkout>#default` runs the real labgen),
// systemctl and systemd-run. They share one model of the host (test/support/gitops-world.cjs) and
// refuse what the real tools refuse. git, flock, ssh-keygen, jq, timeout, bash and coreutils are
// the real ones.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { run } from "./shell.ts";
import type { RunResult } from "./shell.ts";

/** Throws a clear "not installed" error (a test failure, never a skip) unless `command` runs. */
export function requireCommand(command: string, args: readonly string[] = ["--version"]): void {
  const r = run(command, args);
  if (r.status !== 0) throw new Error(`required tool "${command}" does not run (exit ${r.status}): ${r.stderr}`);
}

const WORLD_MODULE = resolve(import.meta.dirname, "gitops-world.cjs");
const LABGEN_BIN = resolve(import.meta.dirname, "../../bin/labgen.mjs");
const STANDINS = ["zfs", "incus", "tofu", "nixos-rebuild", "nix-env", "nix", "systemctl", "systemd-run", "init-generation"];

/** One host's ZFS and Incus, as the stand-ins model them (see gitops-world.cjs). */
export interface HostWorld {
  zfs: { datasets: string[]; snapshots: { ds: string; name: string; txg: number }[]; txg: number };
  incus: {
    pools: Record<string, { source: string }>;
    instances: Record<string, { type: string; pool: string; volumes: { pool: string; name: string }[] }>;
    volumes: Record<string, object>;
    /** Snapshot records of the database, "instance/<name>" or "volume/<pool>/<volume>" → names, oldest first. */
    records: Record<string, string[]>;
    /** The database's schema version. */
    schema: number;
    daemon: { running: boolean; version: string | null };
    /** The dataset holding the database (/var/lib/incus); null on a remote host. */
    dbDataset: string | null;
    /** Set when something stopped every instance (incus-startup's `incusd shutdown`). */
    instancesShutDown?: boolean;
    removeSnapshots: boolean;
    files?: Record<string, { content: string; mode?: string }>;
    restarts?: string[];
  };
  restored: string[];
}

/** The model the stand-ins share (see gitops-world.cjs): this host, plus the other lab hosts it reaches as Incus remotes. */
export interface World extends HostWorld {
  /** This host's name (the provider's default_remote). */
  localHost: string;
  remotes: Record<string, HostWorld>;
  tofu: { state: Record<string, { type: string; name: string; attrs: Record<string, unknown> }>; serial: number };
  generations: Record<string, { commit: string | null; breaksNetwork: boolean; incus: { pname: string; version: string; storePath: string } }>;
  active: number;
  origin: string;
}

const emptyIncus = (dbDataset: string | null): HostWorld["incus"] => ({
  pools: {},
  instances: {},
  volumes: {},
  records: {},
  schema: 0,
  daemon: { running: false, version: null },
  dbDataset,
  removeSnapshots: false,
});

export interface FakeHost {
  readonly dir: string;
  readonly stateDir: string;
  readonly lockFile: string;
  readonly profile: string;
  /** The lab repository the agent fetches (a local bare repository). */
  readonly origin: string;
  /** The working copy the tests edit and push from. */
  readonly work: string;
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Command lines recorded by the stand-ins since the last clearCommands(). */
  commands(): string[];
  clearCommands(): void;
  /** What the stand-ins refused, "<command>: <message>". */
  refusals(): string[];
  world(): World;
  editWorld(f: (w: World) => void): void;
  /** ZFS snapshots ("ds@name") on datasets Incus owns that Incus did not make. */
  foreignSnapshotsOnIncus(): string[];
  setFailing(what: string, failing: boolean): void;
  /** Edits lab.config.ts (string replacement), runs the real `labgen generate`, commits, pushes; returns the sha. */
  change(message: string, edit?: (config: string) => string, opts?: { signingKey?: string; files?: Record<string, string | null>; noGenerate?: boolean }): string;
  /** Force-pushes an older commit to the branch (a rewind). */
  forcePush(sha: string): void;
  /** Makes the CA's chain and key exist (what `ca.sh init && ca.sh issue` leaves). */
  makeCa(): void;
  readonly passphrase: string;
  cleanup(): void;
}

function git(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = run("git", args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", ...env },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout.toString("utf8").trim();
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : []);

/**
 * A fresh fake host whose repository holds the lab of `configFile` + `lockFile`. `datasets`: what
 * disko made (the ZFS datasets that exist before anything runs).
 */
export function makeFakeHost(opts: {
  datasets: readonly string[];
  configFile: string;
  lockFile: string;
  /** This host's name (default "nas"). */
  host?: string;
  /** Other lab hosts this one reaches as Incus remotes: host → the datasets disko made there (their Incus: the stand-in's 7.3.0, schema 51). */
  remotes?: Record<string, readonly string[]>;
  /** Files next to lab.config.ts in the repository (e.g. hosts/<host>/extra.nix). */
  files?: Record<string, string>;
}): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), "labgen-gitops-"));
  const bin = join(dir, "bin");
  const stateDir = join(dir, "state");
  const profiles = join(dir, "profiles");
  const profile = join(profiles, "system");
  const origin = join(dir, "origin.git");
  const work = join(dir, "work");
  const passphrase = "correct horse battery staple";
  for (const d of [bin, stateDir, profiles, join(stateDir, "secrets")]) mkdirSync(d, { recursive: true });
  // Absolute interpreter: the Nix build sandbox has no /usr/bin/env.
  for (const name of STANDINS) {
    writeFileSync(join(bin, name), `#!${process.execPath}\nrequire(${JSON.stringify(WORLD_MODULE)})(${JSON.stringify(name)});\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const world: World = {
    zfs: { datasets: [...opts.datasets], snapshots: [], txg: 0 },
    // The dataset disko mounts at /var/lib/incus (Incus's database).
    incus: emptyIncus(opts.datasets.find((d) => /^[^/]+\/incusd$/.test(d)) ?? null),
    localHost: opts.host ?? "nas",
    remotes: Object.fromEntries(
      Object.entries(opts.remotes ?? {}).map(([name, datasets]) => [
        name,
        {
          zfs: { datasets: [...datasets], snapshots: [], txg: 0 },
          incus: { ...emptyIncus(null), schema: 51, daemon: { running: true, version: "7.3.0" } },
          restored: [],
        },
      ]),
    ),
    tofu: { state: {}, serial: 0 },
    generations: {},
    active: 0,
    origin,
    restored: [],
  };
  writeFileSync(join(dir, "world.json"), JSON.stringify(world));
  writeFileSync(join(stateDir, "secrets", "tofu-state-passphrase"), passphrase + "\n", { mode: 0o600 });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME,
    FAKE_DIR: dir,
    FAKE_LABGEN: LABGEN_BIN,
    LABGEN_STATE_DIR: stateDir,
    LABGEN_LOCK_FILE: join(dir, "gitops.lock"),
    LABGEN_SYSTEM_PROFILE: profile,
    ...extra,
  });
  const init = run(join(bin, "init-generation"), [], { env: env() });
  if (init.status !== 0) throw new Error(`init-generation failed: ${init.stderr}`);

  git(["-c", "init.defaultBranch=main", "init", "--quiet", "--bare", origin], dir);
  git(["-c", "init.defaultBranch=main", "init", "--quiet", work], dir);
  copyFileSync(opts.configFile, join(work, "lab.config.ts"));
  copyFileSync(opts.lockFile, join(work, "lab.lock.json"));
  for (const [f, content] of Object.entries(opts.files ?? {})) {
    mkdirSync(join(work, f, ".."), { recursive: true });
    writeFileSync(join(work, f), content);
  }
  writeFileSync(join(work, "flake.nix"), "{ outputs = _: { }; }\n");

  const labgen = (args: readonly string[]): void => {
    const r = run(process.execPath, [LABGEN_BIN, ...args], { cwd: work });
    if (r.status !== 0) throw new Error(`labgen ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.stdout.toString()}`);
  };
  const ident = ["-c", "user.name=Lab Admin", "-c", "user.email=admin@lab.home.arpa"];
  const readWorld = (): World => JSON.parse(readFileSync(join(dir, "world.json"), "utf8")) as World;
  return {
    dir,
    stateDir,
    lockFile: join(dir, "gitops.lock"),
    profile,
    origin,
    work,
    passphrase,
    env,
    commands: () => lines(join(dir, "commands.log")),
    clearCommands: () => rmSync(join(dir, "commands.log"), { force: true }),
    refusals: () => lines(join(dir, "refusals.log")),
    world: readWorld,
    editWorld: (f) => {
      const w = readWorld();
      f(w);
      writeFileSync(join(dir, "world.json"), JSON.stringify(w));
    },
    foreignSnapshotsOnIncus: () => {
      const w = readWorld();
      const sources = Object.values(w.incus.pools).map((p) => p.source);
      const parents = opts.datasets.filter((d) => /\/incus$/.test(d));
      return w.zfs.snapshots
        .filter((s) => [...sources, ...parents].some((src) => s.ds === src || s.ds.startsWith(`${src}/`)) && !s.name.startsWith("snapshot-"))
        .map((s) => `${s.ds}@${s.name}`);
    },
    setFailing: (what, failing) => {
      const file = join(dir, `fail-${what}`);
      if (failing) writeFileSync(file, "");
      else rmSync(file, { force: true });
    },
    change: (message, edit, o = {}) => {
      if (edit !== undefined) writeFileSync(join(work, "lab.config.ts"), edit(readFileSync(join(work, "lab.config.ts"), "utf8")));
      if (o.noGenerate !== true) labgen(["generate"]);
      for (const [f, content] of Object.entries(o.files ?? {})) {
        if (content === null) rmSync(join(work, f), { force: true });
        else writeFileSync(join(work, f), content);
      }
      git(["add", "-A"], work);
      const sign = o.signingKey === undefined ? [] : ["-c", "gpg.format=ssh", "-c", `user.signingkey=${o.signingKey}`];
      git([...ident, ...sign, "commit", "--quiet", "--allow-empty", ...(o.signingKey === undefined ? [] : ["-S"]), "-m", message], work);
      git(["push", "--quiet", "--force", origin, "HEAD:refs/heads/main"], work);
      return git(["rev-parse", "HEAD"], work);
    },
    forcePush: (sha) => {
      git(["push", "--quiet", "--force", origin, `${sha}:refs/heads/main`], work);
      git(["reset", "--quiet", "--hard", sha], work);
    },
    makeCa: () => {
      mkdirSync(join(stateDir, "ca"), { recursive: true });
      writeFileSync(join(stateDir, "ca", "fullchain.crt"), "-----BEGIN CERTIFICATE-----\n(test)\n");
      writeFileSync(join(stateDir, "ca", "leaf.key"), "-----BEGIN PRIVATE KEY-----\n(test)\n", { mode: 0o600 });
      // ca.sh init makes the root, which every instance gets pushed (tofu reads it at apply).
      writeFileSync(join(stateDir, "ca", "root.crt"), "-----BEGIN CERTIFICATE-----\n(test root)\n");
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a generated script with the fake host's environment. */
export function runScript(host: FakeHost, script: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}): RunResult & { out: string } {
  const r = run("bash", [script, ...args], { env: host.env(extraEnv) });
  return { ...r, out: r.stdout.toString("utf8") };
}

/** An SSH key pair made by the real ssh-keygen (for signed commits); returns the private key path. */
export function makeSigningKey(dir: string, name: string): { key: string; publicKey: string } {
  const key = join(dir, name);
  const r = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { key, publicKey: readFileSync(`${key}.pub`, "utf8").trim() };
}
