// `labgen init`: a starter that asks nothing, whose placeholders `check` and `generate` refuse one
// by one (with the line and the command that finds the value), and that generates once filled.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { starterConfig } from "../../generator/cli/init.ts";
import { cli, shown } from "../support/cli.ts";
import { fillPlaceholders } from "../support/init-fill.ts";
import { ALICE_KEY, mkTmp, NVME1, NVME2, rmTmp } from "../support/lab-fixtures.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-init-");
});
afterAll(() => rmTmp(tmp));

let n = 0;
function dir(): string {
  const d = join(tmp, `case-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("labgen init", () => {
  it("writes the starter without asking, then check and generate name every placeholder with its line and how to find it", async () => {
    const d = dir();
    const cfg = join(d, "lab.config.ts");
    const r = await cli("init", "--config", cfg);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${shown(cfg)}: fill the placeholders \`labgen check\` names, then run 'labgen generate'`);
    const text = readFileSync(cfg, "utf8");
    expect(text).toBe(starterConfig());
    expect(text).toContain('import { defineLab } from "labgen";');

    for (const cmd of ["check", "generate"]) {
      const res = await cli(cmd, "--config", cfg);
      expect(res.code, cmd).toBe(1);
      const f = shown(cfg);
      const at = (lineNeedle: string, keyNeedle: string) => {
        const line = lineOf(text, lineNeedle);
        return `${f}:${line}:${text.split("\n")[line - 1].indexOf(keyNeedle) + 1}`;
      };
      // One error per placeholder value; a value used twice (disk, NIC) is one error.
      expect(res.errLines.at(-1)).toBe("5 error(s), 0 warning(s); nothing was written.");
      expect(res.errLines.slice(0, -1).sort()).toEqual([
        `${at("sshKeys", '"ssh-ed25519 REPLACE_ME')}: error: admins.admin.sshKeys[0]: still a placeholder: your SSH public key (the only way into the host: passwords are off); to find it, run \`cat ~/.ssh/id_ed25519.pub\` on your computer and paste the whole line (no key yet: \`ssh-keygen -t ed25519\`) [placeholder]`,
        `${at("REPLACE_ME-disk-1", "id:")}: error: hosts.server.hardware.disks[0].id: still a placeholder: a disk's stable id; to find it, run \`ls -l /dev/disk/by-id/\` on the host (booted from the NixOS installer) and use the /dev/disk/by-id/… name of the disk (the same value is at hosts.server.zfs.pools.rpool.vdevs[0].disks[0]: fill it there too) [placeholder]`,
        `${at("nics: [{ name:", "name:")}: error: hosts.server.hardware.nics[0].name: still a placeholder: the host's LAN interface name; to find it, run \`ip -br link\` on the host (booted from the NixOS installer) and use the name of the wired interface, e.g. enp1s0 (the same value is at hosts.server.lan.interface: fill it there too) [placeholder]`,
        `${at("repository:", "repository:")}: error: hosts.server.gitops.repository: still a placeholder: the SSH URL of this repository, which the host pulls; to find it, run \`git remote get-url origin\` (it must be an SSH URL such as git@github.com:you/lab.git) [placeholder]`,
        `${at("knownHosts:", '"github.com ssh-ed25519')}: error: hosts.server.gitops.knownHosts[0]: still a placeholder: the git server's SSH host key (pinned: no trust on first use); to find it, run \`ssh-keyscan -t ed25519 github.com\` (your git server's name) and paste the line it prints [placeholder]`,
      ].sort());
      expect(existsSync(join(d, "out"))).toBe(false);
      expect(existsSync(join(d, "lab.lock.json"))).toBe(false);
    }

    writeFileSync(cfg, fillPlaceholders(text));
    expect(readFileSync(cfg, "utf8")).not.toMatch(/"[^"\n]*REPLACE_ME/);
    const gen = await cli("generate", "--config", cfg);
    expect(gen.errLines).toEqual([]);
    expect(gen.code).toBe(0);
    expect(gen.outLines.at(-1)).toMatch(/^.*out: \d+ created, 0 updated, 0 unchanged, 0 removed; .*lab\.lock\.json updated$/);
    expect(readFileSync(join(d, "out/hosts/server/disko.nix"), "utf8")).toContain(NVME1);
  });

  it("flags fill in name, domain, host, disks (two: a mirror), NIC, key and repository; only what is left stays a placeholder", async () => {
    const d = dir();
    const cfg = join(d, "lab.config.ts");
    const r = await cli("init", "--config", cfg, "--name", "den", "--domain", "den.home.arpa", "--host", "box-1", "--disk", NVME1, "--disk", NVME2, "--nic", "eno1", "--ssh-key", ALICE_KEY, "--repository", "git@git.example.org:me/den.git");
    expect(r.code).toBe(0);
    const text = readFileSync(cfg, "utf8");
    expect(text).toContain('name: "den"');
    expect(text).toContain('"box-1": {');
    expect(text).toContain(`topology: "mirror", disks: [${JSON.stringify(NVME1)}, ${JSON.stringify(NVME2)}]`);
    const res = await cli("check", "--config", cfg);
    expect(res.code).toBe(1);
    expect(res.errLines.filter((l) => l.includes(": error: "))).toEqual([
      expect.stringContaining('hosts.box-1.gitops.knownHosts[0]: still a placeholder: the git server\'s SSH host key'),
    ]);
    expect(res.errLines[0]).toContain("`ssh-keyscan -t ed25519 git.example.org`");
    writeFileSync(cfg, text.replace("git.example.org ssh-ed25519 REPLACE_ME", "git.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"));
    const gen = await cli("generate", "--config", cfg);
    expect(gen.errLines).toEqual([]);
    expect(gen.code).toBe(0);
  });

  it("never overwrites a config; --force replaces it and starts a new lock", async () => {
    const d = dir();
    const cfg = join(d, "lab.config.ts");
    const lock = join(d, "lab.lock.json");
    writeFileSync(cfg, "// mine\n");
    writeFileSync(lock, "{}\n");
    const again = await cli("init", "--config", cfg);
    expect(again.code).toBe(1);
    expect(again.errLines).toEqual([`labgen: ${shown(cfg)} already exists; init never overwrites it (--force replaces it and starts a new lock)`]);
    expect(readFileSync(cfg, "utf8")).toBe("// mine\n");
    const forced = await cli("init", "--force", "--config", cfg);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(`wrote ${shown(cfg)} and removed ${shown(lock)}: fill the placeholders \`labgen check\` names, then run 'labgen generate'`);
    expect(readFileSync(cfg, "utf8")).toBe(starterConfig());
    expect(existsSync(lock)).toBe(false);
  });

  it("init takes no positional arguments", async () => {
    const r = await cli("init", "mylab");
    expect(r.code).toBe(2);
    expect(r.errLines[0]).toBe("labgen: init takes no arguments (name, domain, host and disks are options)");
  });
});
