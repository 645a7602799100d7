// OpenTofu target: out/tofu/*.tf, one root module for the lxc/incus provider (">= 1.1.1, < 2.0": checked
// against the v1.1.1 schema), split by concern: versions, variables, providers, storage,
// networks, profiles, instances, volumes, outputs. Every resource carries a comment naming
// the config entry that made it, and sets `remote` to the host it lives on.
//
// Provider and Incus limitations, and what the output does about them:
//  - Unchecked keys. The provider passes `config` and device `properties` to Incus as they are,
//    so a wrong key fails only at apply; the schema tests cannot catch one. Each key written here
//    is taken from the Incus reference (instance, device, bridge, ZFS volume and server options).
//  - Profiles. An instance gets exactly its labgen profiles, never Incus's "default" (the
//    provider's choice when `profiles` is null): that one's root disk and eth0 point at a pool
//    and a bridge a labgen lab does not have. Root disk and NICs are devices of the instance.
//  - cloud-init runs at first boot only. Changing `cloud-init.user-data` updates the config key
//    (not live-updated) but nothing re-runs it: re-provision with `tofu apply -replace=…`.
//  - `image` forces replacement: a new tag recreates the instance and its root disk. Application
//    data lives on custom volumes (volumes.tf) that outlive the instance and refuse destruction.
//  - Proxy devices. VMs support NAT mode only; NAT mode needs a static address on the NIC (every
//    NIC here has one, from the config or lab.lock.json) and refuses a wildcard listen address.
//    So proxies listen on the host's static LAN address, and NAT keeps the client's address for
//    the ingress's allow-list. A host whose LAN address comes from DHCP gets forkproxy (non-NAT)
//    proxies on 0.0.0.0 for containers, where the instance sees the proxy, not the client; a VM
//    with exposed ports cannot be expressed there and is refused.
//  - File pushes. The provider pushes `file` blocks only into a running instance, after starting
//    it (a VM also needs `wait_for { type = "agent" }`). The ingress contract (model.ingress.files)
//    says which files the proxy reads at start only: for those, the ingress instance is restarted
//    after the first apply and after any change (`incus restart <name>`); the others reload by themselves.
//  - `source_path` is read on the machine running tofu: the CA chain and leaf key must exist on
//    the apply host (tofu.host), whichever host runs the ingress.
//  - Providers before 1.1.1 create the parent directories of a pushed file with the file's own
//    mode (1.1.1 uses 0755). An ingress that runs as root in its container is unaffected.
//  - OCI images (`docker:…`, `ghcr:…`) need Incus ≥ 6.3 (the feature channel) and get no
//    cloud-init; they are configured through pushed files.
//  - Incus's built-in DNS server answers zone transfers (AXFR) only, never plain queries, and
//    nothing in the lab would transfer a network zone (no DNS server runs on the hosts): so there
//    is none. Route names resolve through each bridge's dnsmasq (`raw.dnsmasq` host records,
//    networks.tf), which guests ask and tailnet clients reach by split DNS.
//  - Remote hosts are trusted out of band (`incus remote add` with a one-time token): a token in
//    the provider block would put a secret in the repository.
import type { Model } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";
import { printTofuFile, type TofuFile } from "./file.ts";
import { planInstancesTf } from "./instances.ts";
import { planNetworksTf } from "./networks.ts";
import { planOutputsTf } from "./outputs.ts";
import { planProfilesTf } from "./profiles.ts";
import { planProvidersTf } from "./providers.ts";
import { planStorageTf } from "./storage.ts";
import { planVariablesTf } from "./variables.ts";
import { planVolumesTf } from "./volumes.ts";
import { planVersionsTf } from "./versions.ts";

/** One planner per file of out/tofu (a new file: a module with its planner, and one line here). */
const FILES: readonly ((model: Model) => TofuFile | null)[] = [
  planVersionsTf,
  planVariablesTf,
  planProvidersTf,
  planStorageTf,
  planNetworksTf,
  planProfilesTf,
  planInstancesTf,
  planVolumesTf,
  planOutputsTf,
];

export function planTofu(model: Model): OutputFile[] {
  const files: OutputFile[] = [];
  for (const plan of FILES) {
    const file = plan(model);
    const out = file && printTofuFile(file);
    if (out) files.push(out);
  }
  return files;
}
