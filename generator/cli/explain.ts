// `labgen explain <name>`: what a thing is, in a few lines, and which files it produced.
import type { Model } from "../resolve/model.ts";
import { LAB_JSON, README } from "../targets/docs/index.ts";
import type { OutputFile } from "../targets/types.ts";

function producedBy(files: readonly OutputFile[], source: string): string[] {
  // A file made from "instances.forgejo.volumes[0]" was made from "instances.forgejo" too.
  const hit = (s: string) => s === source || s.startsWith(`${source}.`) || s.startsWith(`${source}[`);
  return files.filter((f) => f.path !== LAB_JSON && f.path !== README && f.sources.some(hit)).map((f) => f.path).sort();
}

const fileList = (files: readonly OutputFile[], source: string): string => producedBy(files, source).join(", ") || "(none besides lab.json and README.md)";

export function explain(model: Model, files: readonly OutputFile[], name: string): string | null {
  const out: string[] = [];
  const host = model.hosts.find((h) => h.name === name);
  if (host)
    out.push(
      `host ${host.name}: ${host.description || "(no description)"}`,
      `  ${host.cpu.cores} cores / ${host.cpu.threads} threads, ${host.memory} RAM (${host.memoryReserve} kept for the host), hostId ${host.hostId}`,
      `  LAN: ${host.lan.mode === "static" ? `${host.lan.address}/${host.lan.prefixLength} on ${host.lan.interface}` : `DHCP on ${host.lan.interface}`}`,
      `  ZFS: ${host.zpools.map((p) => `${p.name}${p.boot ? " (boot)" : ""} = ${p.vdevs.map((v) => `${v.topology}×${v.disks.length}`).join(" + ")}`).join("; ")}`,
      `  runs: ${host.instances.join(", ") || "no instances"}`,
      `  defined at ${host.source}`,
      `  files: ${fileList(files, host.source)}`,
    );
  const inst = model.instances.find((i) => i.name === name);
  if (inst) {
    out.push(
      `instance ${inst.name}: ${inst.description || "(no description)"}`,
      `  ${inst.type} on host ${inst.host}, image ${inst.image}, ${inst.cpu} CPU, ${inst.memory}`,
      `  address ${inst.ipv4}${inst.nics[0].staticIp ? " (static)" : " (allocated in lab.lock.json)"}, MAC ${inst.nics[0].mac}`,
      `  root ${inst.rootDisk.size} on ${inst.rootDisk.storage}${inst.volumes.map((v) => `; volume ${v.incusName} ${v.size} at ${v.path}`).join("")}`,
      `  ports: ${inst.ports.map((p) => `${p.protocol} ${p.hostPort}→${p.instancePort}`).join(", ") || "none exposed"}; URLs: ${inst.urls.join(", ") || "none"}`,
    );
    if (inst.health) out.push(`  health: ${inst.health.path} (Traefik checks it every ${inst.health.interval})`);
    for (const s of inst.secrets) out.push(`  secret ${s.name}: ${s.path} in the instance, ${s.hostPath} on ${inst.host}`);
    out.push(`  defined at ${inst.source}`, `  files: ${fileList(files, inst.source)}`);
  }
  const net = model.networks.find((n) => n.name === name);
  if (net)
    out.push(
      `network ${net.name}: Incus bridge on ${net.host}, ${net.subnet} via ${net.gateway}, NAT ${net.nat ? "on" : "off"}, DNS ${net.dnsDomain}`,
      `  defined at ${net.source}`,
      `  files: ${fileList(files, net.source)}`,
    );
  const pool = model.storagePools.find((s) => s.name === name);
  if (pool)
    out.push(
      `storage pool ${pool.name}: Incus zfs pool on ${pool.host}, dataset ${pool.dataset}`,
      `  defined at ${pool.source}`,
      `  files: ${fileList(files, pool.source)}`,
    );
  const profile = model.profiles.find((p) => p.name === name);
  if (profile)
    out.push(
      `profile ${profile.name}: ${profile.description || "(no description)"}; used on ${profile.hosts.join(", ") || "no host"}`,
      `  defined at ${profile.source}`,
      `  files: ${fileList(files, profile.source)}`,
    );
  const secret = model.secrets.find((s) => s.name === name);
  if (secret) {
    out.push(
      `secret ${secret.name}: ${secret.kind === "generated" ? `generated on the host (${secret.length} ${secret.alphabet})` : `provided in ${secret.providedFile}`}` +
        (secret.host ? `, kept on ${secret.host} at ${secret.kind === "generated" ? secret.hostPath : secret.providedFile}` : ", read by no instance"),
    );
    for (const i of secret.instances) out.push(`  read by ${i} at /secrets/${secret.name}`);
    out.push(`  defined at ${secret.source}`, `  files: ${fileList(files, secret.source)}`);
  }
  const route = model.ingress?.routes.find((r) => r.name === name || r.hostname === name);
  if (route)
    out.push(
      `route ${route.name}: ${route.url} → ${route.instance} (${route.backend}) through ${model.ingress!.software} in ${model.ingress!.instance}`,
      `  defined at ${route.source}`,
      `  files: ${fileList(files, route.source)}`,
    );
  return out.length ? out.join("\n") : null;
}
