// `labgen init`: a commented starter lab.config.ts (one host, one bridge, one container) that asks
// nothing. What only the user knows is written as a REPLACE_ME placeholder, which `check` and
// `generate` refuse by name (../validate/placeholders.ts) until it is filled in.
import { PLACEHOLDER } from "../validate/placeholders.ts";

export interface StarterOptions {
  readonly name?: string;
  readonly domain?: string;
  readonly host?: string;
  /** /dev/disk/by-id/… paths; one → stripe, two → mirror, three or more → raidz1. */
  readonly disks?: readonly string[];
  readonly nic?: string;
  readonly sshKey?: string;
  readonly repository?: string;
}

const q = (s: string): string => JSON.stringify(s);
const key = (s: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : q(s));

/** The git server of an SSH URL ("git@github.com:me/lab.git" → "github.com"), for ssh-keyscan. */
function gitServer(url: string): string {
  const m = /^ssh:\/\/(?:[^@/]+@)?([^:/]+)/.exec(url) ?? /^[^@]+@([^:]+):/.exec(url);
  return m ? m[1] : "github.com";
}

export function starterConfig(o: StarterOptions = {}): string {
  const host = o.host ?? "server";
  const disks = o.disks?.length ? o.disks : [`/dev/disk/by-id/${PLACEHOLDER}-disk-1`];
  const nic = o.nic ?? `${PLACEHOLDER}-nic`;
  const sshKey = o.sshKey?.trim() ?? `ssh-ed25519 ${PLACEHOLDER} you@laptop`;
  const repository = o.repository ?? `git@github.com:${PLACEHOLDER}/homelab.git`;
  const server = gitServer(repository);
  const topology = disks.length === 1 ? "stripe" : disks.length === 2 ? "mirror" : "raidz1";
  const kind = (id: string) => (/\/nvme-/.test(id) ? "nvme" : "ssd");
  const diskLines = disks.map((d) => `          { id: ${q(d)}, size: "1TB", kind: ${q(kind(d))} },`);
  return `// Your lab, in one typed file. Written by \`labgen init\`; it is yours to edit.
//
// Every value containing ${PLACEHOLDER} is a fact only you know: \`labgen check\` lists each one
// still to fill, with its line and the command that finds the real value. Then run
// \`labgen generate\` and commit lab.config.ts, lab.lock.json and out/.
// Hover a field in your editor for its documentation; other editors and agents can read the
// JSON Schema in out/labgen.schema.json (or \`labgen schema\`).
import { defineLab } from "labgen";

export default defineLab({
  name: ${q(o.name ?? "homelab")},
  // Internal DNS domain (RFC 8375's home.arpa is meant for this); routes live one label below it.
  domain: ${q(o.domain ?? "lab.home.arpa")},
  timezone: "UTC",

  admins: {
    // \`cat ~/.ssh/id_ed25519.pub\` (no key yet: \`ssh-keygen -t ed25519\`). Passwords are off.
    admin: { sshKeys: [${q(sshKey)}] },
  },

  hosts: {
    ${key(host)}: {
      description: "The bare-metal host: NixOS, ZFS and Incus, nothing else.",
      hardware: {
        cpu: { cores: 4, threads: 8 }, // \`lscpu\` on the host: cores and CPU(s)
        memory: "16GiB", // \`free -h\` on the host
        // Disks by stable id: \`ls -l /dev/disk/by-id/\` on the host (booted from the NixOS installer).
        disks: [
${diskLines.join("\n")}
        ],
        nics: [{ name: ${q(nic)} }], // \`ip -br link\` on the host
      },
      lan: { mode: "dhcp", interface: ${q(nic)} },
      zfs: {
        pools: {
          // The boot pool holds /, /nix and /var (and an EFI partition on each disk).
          rpool: { boot: true, vdevs: [{ topology: ${q(topology)}, disks: [${disks.map(q).join(", ")}] }] },
        },
      },
      // Pull-based deploys: the host fetches this repository, rebuilds itself and applies OpenTofu.
      gitops: {
        repository: ${q(repository)}, // \`git remote get-url origin\` (an SSH URL)
        deployKeyFile: "/var/lib/labgen/secrets/deploy-key", // a path on the host, placed at install time
        knownHosts: [${q(`${server} ssh-ed25519 ${PLACEHOLDER}`)}], // \`ssh-keyscan -t ed25519 ${server}\`
      },
      stateVersion: "26.05", // the NixOS release you install first; never change it afterwards
    },
  },

  // Incus objects (OpenTofu creates them): a bridge, a storage pool on the boot pool, a container.
  networks: { lab0: { host: ${q(host)}, subnet: "10.10.0.0/24", description: "Guests." } },
  storage: { default: { host: ${q(host)}, zpool: "rpool" } },
  instances: {
    hello: {
      host: ${q(host)},
      image: "images:debian/12",
      description: "A first container: replace it with your own.",
      cpu: 1,
      memory: "1GiB",
      storage: "default",
      nics: [{ network: "lab0" }], // its address is allocated once and kept in lab.lock.json
    },
  },
});
`;
}
