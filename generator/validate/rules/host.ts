// Hosts and the lab as a whole: hardware, the OpenTofu apply host, the CA, admins.
import { tofuHostOf } from "../../shared/lab.ts";
import { type Rule, instancesByHost, NIX_STORE } from "./common.ts";

export const HOST_RULES: Rule[] = [
  {
    id: "hardware",
    summary: "CPU threads ≥ cores; NIC names unique",
    check(lab, d) {
      for (const [h, host] of Object.entries(lab.hosts)) {
        if (host.hardware.cpu.threads < host.hardware.cpu.cores) d.error("hardware", ["hosts", h, "hardware", "cpu", "threads"], `threads (${host.hardware.cpu.threads}) cannot be fewer than cores (${host.hardware.cpu.cores})`);
        const seen = new Set<string>();
        host.hardware.nics.forEach((n, i) => {
          if (seen.has(n.name)) d.error("hardware", ["hosts", h, "hardware", "nics", i, "name"], `NIC '${n.name}' is declared twice`);
          seen.add(n.name);
        });
      }
    },
  },
  {
    id: "tofu-host",
    summary: "the OpenTofu apply host exists, and reaches every other host's Incus over the tailnet",
    check(lab, d) {
      const applier = tofuHostOf(lab);
      if (lab.tofu.host !== undefined && !(lab.tofu.host in lab.hosts)) {
        d.error("tofu-host", ["tofu", "host"], `unknown host '${lab.tofu.host}': OpenTofu must run on one of ${Object.keys(lab.hosts).join(", ")}`);
        return;
      }
      for (const [h, host] of Object.entries(lab.hosts)) {
        if (h === applier || !instancesByHost(lab).has(h)) continue;
        if (!host.tailscale?.exposeIncusApi)
          d.error("tofu-host", ["hosts", h, "tailscale"], `host '${applier}' applies OpenTofu and must reach the Incus API of '${h}': enable tailscale with exposeIncusApi: true on '${h}' (the API is never exposed on the LAN)`);
      }
      for (const [path, value] of [[["tofu", "passphraseFile"], lab.tofu.passphraseFile], [["tofu", "stateDir"], lab.tofu.stateDir]] as const)
        if (value.startsWith(NIX_STORE)) d.error("secret-paths", [...path], "OpenTofu state and its passphrase must not live in the Nix store (world-readable)");
    },
  },
  {
    id: "ca-validity",
    summary: "CA validities nest (leaf < intermediate ≤ root) and leaves stay within client limits",
    check(lab, d) {
      const ca = lab.ca;
      if (ca.intermediateDays > ca.rootDays) d.error("ca-validity", ["ca", "intermediateDays"], `the intermediate (${ca.intermediateDays} d) cannot outlive the root (${ca.rootDays} d)`);
      if (ca.leafDays >= ca.intermediateDays) d.error("ca-validity", ["ca", "leafDays"], `the leaf (${ca.leafDays} d) must expire before the intermediate (${ca.intermediateDays} d)`);
      if (ca.leafDays > 397) d.warn("ca-validity", ["ca", "leafDays"], `${ca.leafDays} days exceeds the 397 days Apple and Chromium recommend; 825 is Apple's hard limit`);
      if (ca.renewBeforeDays >= ca.leafDays) d.error("ca-validity", ["ca", "renewBeforeDays"], `renewBeforeDays (${ca.renewBeforeDays}) must be smaller than leafDays (${ca.leafDays}), or every renew re-issues`);
    },
  },
  {
    id: "admins",
    summary: "at least one admin with an SSH key (password login is off)",
    check(lab, d) {
      if (Object.keys(lab.admins).length === 0) d.error("admins", ["admins"], "declare at least one admin with an SSH key: passwords are disabled, so nobody could log in");
      for (const [a] of Object.entries(lab.admins))
        if (["root", "nixos", "incus", "tailscale", "sshd", "nobody"].includes(a)) d.error("admins", ["admins", a], `'${a}' is a system account name: pick a personal user name`);
    },
  },
  {
    id: "hosts",
    summary: "at least one host",
    check(lab, d) {
      if (Object.keys(lab.hosts).length === 0) d.error("hosts", ["hosts"], "declare at least one host");
    },
  },
];
