// `labgen explain <name>`: what a thing is, where the config defines it (file:line), and every
// output file it contributes to, as text or JSON. An unknown name gets the closest known names.
import type { Model } from "../resolve/model.ts";
import type { OutputFile } from "../targets/types.ts";
import type { PathSegment } from "../shared/diagnostics.ts";
import { editDistance } from "../shared/text.ts";
// The config-path notation of diagnostics, parsed as `labgen set` parses it (a small module with no dependencies).
import { parsePath } from "../edit/path.ts";

/** Where the config is, and how to turn a config path into a line in it. */
export interface SourceWhere {
  readonly file: string;
  readonly locate: (path: readonly PathSegment[]) => { line: number; column: number } | null;
}

function producedBy(files: readonly OutputFile[], source: string): string[] {
  // A file made from "instances.forgejo.volumes[0]" was made from "instances.forgejo" too.
  const hit = (s: string) => s === source || s.startsWith(`${source}.`) || s.startsWith(`${source}[`);
  return files.filter((f) => f.sources.some(hit)).map((f) => f.path);
}

export interface Explained {
  readonly kind: "host" | "instance" | "network" | "storagePool" | "profile" | "secret" | "route";
  readonly name: string;
  readonly summary: string;
  /** Further facts, one line each. */
  readonly details: readonly string[];
  /** The config path that defines it, and where that is in the file. */
  readonly path: string;
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  /** Every output file it contributes to (relative to out/), sorted. */
  readonly files: readonly string[];
  /** The resolved thing, as out/lab.json has it (for scripts and agents). */
  readonly model: unknown;
}

function find(model: Model, files: readonly OutputFile[], name: string, where: SourceWhere): Explained[] {
  const out: Explained[] = [];
  const entry = (kind: Explained["kind"], thing: { name: string; source: string }, summary: string, details: string[], extraSources: string[] = []): Explained => {
    const source = thing.source;
    const at = where.locate(parsePath(source));
    const made = new Set([source, ...extraSources].flatMap((s) => producedBy(files, s)));
    return { kind, name: thing.name, summary, details, path: source, file: where.file, line: at?.line ?? null, column: at?.column ?? null, files: [...made].sort(), model: thing };
  };
  const host = model.hosts.find((h) => h.name === name);
  if (host)
    out.push(
      entry("host", host, `host ${host.name}: ${host.description || "(no description)"}`, [
        `${host.cpu.cores} cores / ${host.cpu.threads} threads, ${host.memory} RAM (${host.memoryReserve} kept for the host), hostId ${host.hostId}`,
        `LAN: ${host.lan.mode === "static" ? `${host.lan.address}/${host.lan.prefixLength} on ${host.lan.interface}` : `DHCP on ${host.lan.interface}`}`,
        `ZFS: ${host.zpools.map((p) => `${p.name}${p.boot ? " (boot)" : ""} = ${p.vdevs.map((v) => `${v.topology}×${v.disks.length}`).join(" + ")}`).join("; ")}`,
        `runs: ${host.instances.join(", ") || "no instances"}`,
      ]),
    );
  const inst = model.instances.find((i) => i.name === name);
  if (inst) {
    // The ingress instance also runs what the `ingress` section configures (Traefik's files).
    const isIngress = model.ingress?.instance === inst.name;
    out.push(
      entry(
        "instance",
        inst,
        `instance ${inst.name}: ${inst.description || "(no description)"}`,
        [
          `${inst.type} on host ${inst.host}, image ${inst.image}, ${inst.cpu} CPU, ${inst.memory}`,
          `address ${inst.ipv4}${inst.nics[0].staticIp ? " (static)" : " (allocated in lab.lock.json)"}, MAC ${inst.nics[0].mac}`,
          `root ${inst.rootDisk.size} on ${inst.rootDisk.storage}${inst.volumes.map((v) => `; volume ${v.incusName} ${v.size} at ${v.path}`).join("")}`,
          `ports: ${inst.ports.map((p) => `${p.protocol} ${p.hostPort}→${p.instancePort}`).join(", ") || "none exposed"}; URLs: ${inst.urls.join(", ") || "none"}`,
          ...(inst.health ? [`health: ${inst.health.path} (Traefik checks it every ${inst.health.interval})`] : []),
          ...inst.secrets.map((s) => `secret ${s.name}: ${s.path} in the instance, ${s.hostPath} on ${inst.host}`),
          ...(isIngress ? [`the lab's ingress: ${model.ingress!.software} with the routes of \`ingress\``] : []),
        ],
        isIngress ? ["ingress"] : [],
      ),
    );
  }
  const net = model.networks.find((n) => n.name === name);
  if (net)
    out.push(entry("network", net, `network ${net.name}: Incus bridge on ${net.host}, ${net.subnet} via ${net.gateway}, NAT ${net.nat ? "on" : "off"}, DNS ${net.dnsDomain}`, []));
  const pool = model.storagePools.find((s) => s.name === name);
  if (pool) out.push(entry("storagePool", pool, `storage pool ${pool.name}: Incus zfs pool on ${pool.host}, dataset ${pool.dataset}`, []));
  const profile = model.profiles.find((p) => p.name === name);
  if (profile)
    out.push(entry("profile", profile, `profile ${profile.name}: ${profile.description || "(no description)"}; used on ${profile.hosts.join(", ") || "no host"}`, []));
  const secret = model.secrets.find((s) => s.name === name);
  if (secret)
    out.push(
      entry(
        "secret",
        secret,
        `secret ${secret.name}: ${secret.kind === "generated" ? `generated on the host (${secret.length} ${secret.alphabet})` : `provided in ${secret.providedFile}`}` +
          (secret.host ? `, kept on ${secret.host} at ${secret.kind === "generated" ? secret.hostPath : secret.providedFile}` : ", read by no instance"),
        secret.instances.map((i) => `read by ${i} at /secrets/${secret.name}`),
      ),
    );
  const route = model.ingress?.routes.find((r) => r.name === name || r.hostname === name);
  if (route)
    out.push(entry("route", route, `route ${route.name}: ${route.url} → ${route.instance} (${route.backend}) through ${model.ingress!.software} in ${model.ingress!.instance}`, []));
  return out;
}

export function explain(model: Model, files: readonly OutputFile[], name: string, where: SourceWhere): string | null {
  const found = find(model, files, name, where);
  if (!found.length) return null;
  return found
    .flatMap((e) => [
      e.summary,
      ...e.details.map((d) => `  ${d}`),
      `  defined at ${e.file}${e.line !== null ? `:${e.line}` : ""} (${e.path})`,
      `  files: ${e.files.join(", ") || "(none)"}`,
    ])
    .join("\n");
}

/** The JSON form: one object, or a list when the name means several things (a host and an instance). */
export function explainJson(model: Model, files: readonly OutputFile[], name: string, where: SourceWhere): Explained | Explained[] | null {
  const found = find(model, files, name, where);
  return found.length === 0 ? null : found.length === 1 ? found[0] : found;
}

/** Known names close to `name` (edit distance ≤ 2, or one contains the other), closest first. */
export function suggestNames(model: Model, name: string): string[] {
  const all = new Set([
    ...model.hosts.map((h) => h.name),
    ...model.instances.map((i) => i.name),
    ...model.networks.map((n) => n.name),
    ...model.storagePools.map((s) => s.name),
    ...model.profiles.map((p) => p.name),
    ...model.secrets.map((s) => s.name),
    ...(model.ingress?.routes.flatMap((r) => [r.name, r.hostname]) ?? []),
  ]);
  const wanted = name.toLowerCase();
  return [...all]
    .map((n) => ({ n, d: editDistance(wanted, n) }))
    .filter(({ n, d }) => d <= Math.min(2, Math.max(1, Math.floor(name.length / 3))) || (wanted.length >= 3 && n.toLowerCase().includes(wanted)))
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, 3)
    .map(({ n }) => n);
}
