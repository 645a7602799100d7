// The repository is a template the user owns (README "Yours vs the tool"). Proven here:
//  - one list of the user's files, the same in nix/user-files.nix, .gitattributes and
//    scripts/pull-labgen;
//  - a copy of the tool with a new lab made by `labgen init --force` (placeholders refused by
//    name, then filled) passes the suite's root check and the flake's tests, whose evaluation no
//    longer knows the reference lab;
//  - pulling a newer labgen (scripts/pull-labgen, real git) changes the tool and never the lab.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./support/cli.ts";
import { mkTmp, REPO_ROOT, rmTmp } from "./support/lab-fixtures.ts";
import { fillPlaceholders } from "./support/init-fill.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-template-");
});
afterAll(() => rmTmp(tmp));

const USER_FILES = ["lab.config.ts", "lab.lock.json", "out", "hosts", "ca"];
const isUserFile = (path: string) => USER_FILES.includes(path.split("/")[0]);

describe("the boundary between the user's lab and the tool", () => {
  it("is one list: nix/user-files.nix, .gitattributes (merge=ours) and scripts/pull-labgen agree", () => {
    const nixList = JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", join(REPO_ROOT, "nix/user-files.nix")], { encoding: "utf8" }));
    expect(nixList).toEqual(USER_FILES);
    const attributes = readFileSync(join(REPO_ROOT, ".gitattributes"), "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => l.split(/\s+/));
    expect(attributes.map(([, attr]) => attr)).toEqual(USER_FILES.map(() => "merge=ours"));
    expect(attributes.map(([pattern]) => pattern.replace(/^\//, "").replace(/\/\*\*$/, ""))).toEqual(USER_FILES);
    expect(readFileSync(join(REPO_ROOT, "scripts/pull-labgen"), "utf8")).toContain(`yours=(${USER_FILES.join(" ")})`);
  });

  it("the flake's template and package sources leave the user's files out (nix/sources.nix)", () => {
    const stub = `{
      cleanSource = p: p;
      cleanSourceWith = args: args;
      splitString = sep: s: builtins.filter builtins.isString (builtins.split sep s);
      removePrefix = prefix: s: let n = builtins.stringLength prefix; in if builtins.substring 0 n s == prefix then builtins.substring n (-1) s else s;
    }`;
    const sources = `import ${JSON.stringify(join(REPO_ROOT, "nix/sources.nix"))} { lib = ${stub}; root = /lab; }`;
    const paths = ["lab.config.ts", "lab.lock.json", "out/lab.json", "hosts/nas/extra.nix", "ca/root.crt", "generator/cli/main.ts", "test/flake.test.ts", "nix/hosts.nix", "flake.nix", "package.json", "README.md"];
    const kept = (tree: string) =>
      JSON.parse(
        execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", `let s = ${sources}; in map (p: s.${tree}.filter (/lab + "/\${p}") "regular") (builtins.fromJSON ${JSON.stringify(JSON.stringify(paths))})`], { encoding: "utf8" }),
      ) as boolean[];
    expect(Object.fromEntries(paths.map((p, i) => [p, kept("template")[i]]))).toEqual(Object.fromEntries(paths.map((p) => [p, !isUserFile(p)])));
    const pkg = kept("package");
    for (const [i, p] of paths.entries()) if (isUserFile(p)) expect(pkg[i], p).toBe(false);
  });
});

/** The tool's files: git's tracked files, or without a checkout (the Nix sandbox) the tree's. */
function toolFiles(): string[] {
  const git = spawnSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" });
  const walk = (prefix: string): string[] =>
    readdirSync(join(REPO_ROOT, prefix), { withFileTypes: true }).flatMap((e) => {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) return ["node_modules", ".git", "dist"].includes(e.name) ? [] : walk(path);
      return e.isFile() ? [path] : [];
    });
  const files = git.status === 0 && !git.error ? git.stdout.split("\0").filter(Boolean) : walk("");
  return files.filter((f) => !isUserFile(f));
}

/** The tool's files (and the generated config types), copied to `dir`; node_modules linked. */
function copyTool(dir: string): void {
  for (const f of [...toolFiles(), "generator/config/lab-input.generated.ts"]) {
    if (!existsSync(join(REPO_ROOT, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dir, f));
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
}

describe("a new lab in a copy of the template: init --force, placeholders, generate, then the suite's checks", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp, "copy");
    mkdirSync(dir);
    copyTool(dir);
  });

  it("init --force writes the starter; generate names each placeholder; filled in, it generates", async () => {
    const cfg = join(dir, "lab.config.ts");
    expect((await cli("init", "--force", "--config", cfg)).code).toBe(0);
    const refused = await cli("generate", "--config", cfg);
    expect(refused.code).toBe(1);
    expect(refused.errLines.filter((l) => l.includes("[placeholder]"))).toHaveLength(5);
    expect(existsSync(join(dir, "out"))).toBe(false);
    writeFileSync(cfg, fillPlaceholders(readFileSync(cfg, "utf8")));
    const r = await cli("generate", "--config", cfg);
    expect(r.errLines).toEqual([]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, "out/hosts"))).toEqual(["server"]);
  });

  it("the new lab type-checks against the generated declarations", () => {
    const read = ts.readConfigFile(join(dir, "tsconfig.json"), (p) => ts.sys.readFile(p));
    const options = { ...ts.parseJsonConfigFileContent(read.config, ts.sys, dir).options, noEmit: true };
    const file = join(dir, "lab.config.ts");
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options)).filter((d) => d.file?.fileName === file);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "))).toEqual([]);
  });

  it("the suite's root check and the flake's tests pass in the copy, with the new lab at the root", () => {
    // The same vitest, run in the copy: root.test.ts compares the new out/ with its generation;
    // flake.test.ts parses every .nix file (the new out/ included) and evaluates the flake.
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/golden/root.test.ts", "test/flake.test.ts"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    expect(`${r.stdout}\n${r.stderr}`.match(/Test Files .*/)?.[0]).toMatch(/Test Files\s+2 passed \(2\)/);
    expect(r.status).toBe(0);
  }, 300_000);
});

describe("scripts/pull-labgen: a newer labgen merged without touching the lab", () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
  const write = (root: string, files: Record<string, string>) => {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), text);
    }
  };
  const tree = (root: string) => git(root, "ls-files").trim().split("\n").sort();

  it("takes the tool's changes and keeps every file of the lab as it was", () => {
    const upstream = join(tmp, "upstream");
    const user = join(tmp, "user");
    mkdirSync(upstream);
    git(upstream, "init", "-q");
    write(upstream, {
      "generator/cli/main.ts": "v1\n",
      "lab.config.ts": "example lab v1\n",
      "lab.lock.json": "{}\n",
      "out/hosts/nas/configuration.nix": "example nas v1\n",
      "out/lab.json": "example v1\n",
      "README.md": "readme v1\n",
    });
    cpSync(join(REPO_ROOT, "scripts/pull-labgen"), join(upstream, "scripts/pull-labgen"));
    cpSync(join(REPO_ROOT, ".gitattributes"), join(upstream, ".gitattributes"));
    git(upstream, "add", "-A");
    git(upstream, "commit", "-qm", "labgen v1");

    git(tmp, "clone", "-q", upstream, user);
    // The user's lab: a new config and lock, out/ regenerated (nas gone, server added), a host module.
    git(user, "rm", "-q", "out/hosts/nas/configuration.nix");
    write(user, {
      "lab.config.ts": "my lab\n",
      "lab.lock.json": '{ "mine": true }\n',
      "out/lab.json": "my lab.json\n",
      "out/hosts/server/configuration.nix": "my server\n",
      "hosts/server/extra.nix": "{ }\n",
    });
    git(user, "add", "-A");
    git(user, "commit", "-qm", "my lab");
    const mine = Object.fromEntries(tree(user).filter(isUserFile).map((f) => [f, readFileSync(join(user, f), "utf8")]));

    // labgen v2: the tool changes, and so does its example lab (edited, added and deleted files).
    write(upstream, {
      "generator/cli/main.ts": "v2\n",
      "generator/new.ts": "new in v2\n",
      "lab.config.ts": "example lab v2\n",
      "out/hosts/nas/configuration.nix": "example nas v2\n",
      "out/lab.json": "example v2\n",
      "out/traefik/traefik.yml": "example traefik v2\n",
      "hosts/nas/extra.nix": "{ example = true; }\n",
    });
    git(upstream, "rm", "-q", "lab.lock.json");
    git(upstream, "add", "-A");
    git(upstream, "commit", "-qm", "labgen v2");

    git(user, "fetch", "-q", "origin");
    const r = spawnSync(join(user, "scripts/pull-labgen"), ["origin/main"], { cwd: user, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("merged origin/main; your lab is unchanged");

    // A merge commit with both parents; a clean tree.
    expect(git(user, "rev-list", "--parents", "-n", "1", "HEAD").trim().split(" ")).toHaveLength(3);
    expect(git(user, "status", "--porcelain")).toBe("");
    // The tool is v2.
    expect(readFileSync(join(user, "generator/cli/main.ts"), "utf8")).toBe("v2\n");
    expect(readFileSync(join(user, "generator/new.ts"), "utf8")).toBe("new in v2\n");
    // The lab is exactly the user's: same files, same contents, nothing of the example's added.
    const after = tree(user).filter(isUserFile);
    expect(after).toEqual(Object.keys(mine).sort());
    for (const [f, text] of Object.entries(mine)) expect(readFileSync(join(user, f), "utf8"), f).toBe(text);
    expect(existsSync(join(user, "out/traefik/traefik.yml"))).toBe(false);
    expect(existsSync(join(user, "hosts/nas"))).toBe(false);
  });

  it("says so when there is nothing to merge, and refuses to start with uncommitted changes", () => {
    const user = join(tmp, "user");
    const again = spawnSync(join(user, "scripts/pull-labgen"), ["origin/main"], { cwd: user, encoding: "utf8" });
    expect(again.status).toBe(0);
    expect(again.stdout.trim()).toBe("pull-labgen: nothing to merge from origin/main (already up to date)");
    writeFileSync(join(user, "lab.config.ts"), "edited\n");
    const dirty = spawnSync(join(user, "scripts/pull-labgen"), ["origin/main"], { cwd: user, encoding: "utf8" });
    expect(dirty.status).toBe(1);
    expect(dirty.stderr.trim()).toBe("pull-labgen: commit or stash your changes first");
    const usage = spawnSync(join(user, "scripts/pull-labgen"), [], { cwd: user, encoding: "utf8" });
    expect(usage.status).toBe(2);
  });

  it("the scripts pass shellcheck", () => {
    for (const f of ["scripts/pull-labgen", "scripts/setup", ".ci/run"]) {
      const r = spawnSync("shellcheck", [join(REPO_ROOT, f)], { encoding: "utf8" });
      expect(r.stdout + r.stderr, f).toBe("");
      expect(r.status, f).toBe(0);
    }
  });
});

describe("set-up in one command", () => {
  it(".ci/run runs exactly the README's set-up command and its test command", () => {
    const commands = readFileSync(join(REPO_ROOT, ".ci/run"), "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd "));
    expect(commands).toEqual(["./scripts/setup", "npm test"]);
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toContain("\n./scripts/setup");
    expect(readme).toContain("\nnpm test\n");
  });
});
