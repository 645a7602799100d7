// `labgen mcp` with a real client: the MCP SDK's own Client spawns the built CLI over stdio and
// calls every tool, including the refusals, in a scratch git repository holding the reference lab.
// Tripwires for tofu, nixos-rebuild, incus, ssh, systemctl and zfs come first on the server's PATH:
// each records its call and fails, and no tool may call any of them.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../support/cli.ts";
import { ensureBuilt } from "../support/dist.ts";
import { compile } from "../../generator/pipeline.ts";
import { LAB_JSON_FORMAT } from "../../generator/targets/docs/index.ts";
import { ROOT } from "../support/golden.ts";

const BIN = join(ROOT, "bin", "labgen.mjs");
const TRIPWIRES = ["tofu", "terraform", "nixos-rebuild", "incus", "ssh", "systemctl", "zfs", "zpool"];

let dir: string;
let config: string;
let trips: string;
const clients: Client[] = [];

async function connect(...extra: string[]): Promise<Client> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PATH: `${join(dir, "tripwires")}:${process.env.PATH}` };
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "--config", config, ...extra], cwd: dir, env, stderr: "pipe" });
  const client = new Client({ name: "labgen-test", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type ToolResult = { content: { type: string; text: string }[]; isError?: boolean };
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; text: string; json: any }> {
  const r = (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = r.content.map((c) => c.text).join("");
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: r.isError === true, text, json };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "labgen-mcp-"));
  config = join(dir, "lab.config.ts");
  trips = join(dir, "tripwires.log");
  for (const f of ["lab.config.ts", "lab.lock.json"]) copyFileSync(join(ROOT, "test", "cases", "reference", f), join(dir, f));
  mkdirSync(join(dir, "tripwires"));
  for (const t of TRIPWIRES) {
    writeFileSync(join(dir, "tripwires", t), `#!/bin/sh\necho "${t} $*" >> '${trips}'\necho "${t}: not allowed from labgen mcp" >&2\nexit 1\n`);
    chmodSync(join(dir, "tripwires", t), 0o755);
  }
  expect((await cli("generate", "--config", config)).code).toBe(0);
  const git = (...a: string[]) => execFileSync("git", ["-C", dir, ...a], { stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
  git("init", "-q");
  git("add", "lab.config.ts", "lab.lock.json", "out");
  git("commit", "-qm", "the reference lab");
}, 300_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("labgen mcp over stdio", () => {
  let client: Client;
  let before: string;
  let jellyfinBlocked: string[] = [];
  beforeAll(async () => {
    client = await connect();
    before = readFileSync(config, "utf8");
  });

  test("lists its tools, with input schemas from the config's zod schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["add_instance", "apply_edits", "describe_lab", "diff", "explain", "generate", "plan", "validate_edits"]);
    const add = tools.find((t) => t.name === "add_instance")!;
    const inst = (add.inputSchema.properties as any).instance;
    expect(inst.properties.memory.description).toBe('limits.memory, e.g. "2GiB".');
    expect(inst.required).toEqual(expect.arrayContaining(["host", "image", "cpu", "memory", "storage", "nics"]));
    const describeLab = tools.find((t) => t.name === "describe_lab")!;
    // The config's named collections (its records), plus routes.
    expect((describeLab.inputSchema.properties as any).kind.enum).toEqual(expect.arrayContaining(["admins", "hosts", "instances", "networks", "profiles", "routes", "storage"]));
  });

  test("describe_lab: the summary and the model, filtered by kind and name", async () => {
    const c = await compile({ configFile: config, lockFile: join(dir, "lab.lock.json") });
    if (!c.ok) throw new Error("the reference lab is invalid");
    const m = c.model;
    const r = await call(client, "describe_lab", { kind: "instances", name: "forgejo" });
    expect(r.isError).toBe(false);
    expect(r.json.summary).toBe(
      `homelab (lab.home.arpa): 1 host(s), 1 network(s), 2 storage pool(s), ${m.instances.length} instance(s), ${m.ingress!.routes.length} route(s)`,
    );
    expect(r.json.model).toEqual({ instances: [JSON.parse(JSON.stringify(m.instances.find((i) => i.name === "forgejo")))] });
    const all = await call(client, "describe_lab", {});
    expect(all.json.model.instances.map((i: { name: string }) => i.name)).toEqual(m.instances.map((i) => i.name));
    const routes = await call(client, "describe_lab", { kind: "routes" });
    expect(routes.json.model.routes.map((x: { name: string }) => x.name)).toEqual(m.ingress!.routes.map((x) => x.name));
  });

  test("explain forgejo; an unknown name is an error", async () => {
    const r = await call(client, "explain", { name: "forgejo" });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^instance forgejo: /);
    expect(r.text).toMatch(/defined at lab\.config\.ts:\d+ \(instances\.forgejo\)/);
    const u = await call(client, "explain", { name: "nope" });
    expect(u).toMatchObject({ isError: true, text: "nothing named 'nope' in the lab" });
  });

  test("validate_edits: the diff and the plan of a proposed edit, nothing written", async () => {
    const r = await call(client, "validate_edits", { edits: [{ op: "set", path: "instances.grafana.memory", value: "2GiB" }] });
    expect(r.isError).toBe(false);
    expect(r.json.status).toBe("ok");
    expect(r.json.written).toBe(false);
    expect(r.json.diff.split("\n").filter((l: string) => /^[-+][^-+]/.test(l))).toEqual([expect.stringMatching(/^-/), expect.stringMatching(/^\+.*memory: "2GiB"/)]);
    expect(r.json.plan.changes).toEqual([expect.objectContaining({ risk: "change", kind: "instance", name: "grafana", path: "instances.grafana.memory" })]);
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  test("validate_edits: an invalid value is a diagnostic with its config path, from the config's schema", async () => {
    const r = await call(client, "validate_edits", { edits: [{ op: "set", path: "instances.grafana.memory", value: "lots" }] });
    expect(r.isError).toBe(true);
    expect(r.json.status).toBe("invalid");
    expect(r.json.diagnostics[0].message).toMatch(/^instances\.grafana\.memory: /);
    // A value the field schema accepts but the lab does not (a route to an unknown instance):
    // the pipeline's diagnostic, with the line in the edited file.
    const v = await call(client, "validate_edits", { edits: [{ op: "set", path: "ingress.routes.git.instance", value: "gitea" }] });
    expect(v.json.status).toBe("invalid");
    const line = before.split("\n").findIndex((l) => l.includes('git: { instance: "forgejo"')) + 1;
    expect(v.json.diagnostics).toEqual([expect.objectContaining({ path: "ingress.routes.git.instance", line, rule: "ref-ingress" })]);
    // A computed value is refused by name.
    const c = await call(client, "validate_edits", { edits: [{ op: "set", path: "instances.nixbox.memory.size", value: 1 }] });
    expect(c.json).toMatchObject({ status: "refused", message: "instances.nixbox.memory is a single value, it has no 'size'" });
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  test("apply_edits refuses a destructive edit unless each object is named", async () => {
    const edits = [{ op: "remove", path: "instances.jellyfin" }];
    const r = await call(client, "apply_edits", { edits });
    expect(r.isError).toBe(true);
    expect(r.json.status).toBe("blocked");
    expect(r.json.blocked).toEqual(expect.arrayContaining(["instance:jellyfin", "volume:jellyfin-media"]));
    expect(r.json.message).toBe(
      `refused: the plan destroys ${r.json.blocked.join(", ")}. Nothing was written. Only if the user explicitly asked for that data to be destroyed, call again with allowDestroy naming each of them.`,
    );
    expect(r.json.written).toBe(false);
    jellyfinBlocked = r.json.blocked;
    const half = await call(client, "apply_edits", { edits, allowDestroy: ["volume:jellyfin-media"] });
    expect(half.json).toMatchObject({ status: "blocked", written: false });
    expect(half.json.blocked).toEqual(jellyfinBlocked.filter((b) => b !== "volume:jellyfin-media"));
    expect(readFileSync(config, "utf8")).toBe(before);
    expect(existsSync(join(dir, ".labgen", "edits.log"))).toBe(false);
  });

  test("apply_edits writes a valid edit and logs it with its plan", async () => {
    const r = await call(client, "apply_edits", { edits: [{ op: "set", path: "instances.grafana.memory", value: "2GiB" }] });
    expect(r.isError).toBe(false);
    expect(r.json).toMatchObject({ status: "ok", written: true });
    const [minus, plus] = r.json.diff.split("\n").filter((l: string) => /^[-+][^-+]/.test(l));
    expect(readFileSync(config, "utf8")).toBe(before.replace(minus.slice(1), plus.slice(1)));
    const log = readFileSync(join(dir, ".labgen", "edits.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ by: "mcp", edits: [{ op: "set", path: "instances.grafana.memory" }], plan: [{ risk: "change", name: "grafana" }] });
  });

  test("apply_edits with every destroyed object named: written, and the yes recorded in allowDestroy", async () => {
    const r = await call(client, "apply_edits", { edits: [{ op: "remove", path: "instances.jellyfin" }], allowDestroy: jellyfinBlocked });
    expect(r.isError).toBe(false);
    expect(r.json).toMatchObject({ status: "ok", written: true, allowDestroyAdded: jellyfinBlocked });
    expect(readFileSync(config, "utf8")).toContain(`allowDestroy: [${jellyfinBlocked.map((b) => JSON.stringify(b)).join(", ")}],`);
  });

  test("two edits called at once are applied one after the other, neither lost", async () => {
    const [a, b] = await Promise.all([
      call(client, "apply_edits", { edits: [{ op: "set", path: "instances.nixbox.cpu", value: 3 }] }),
      call(client, "apply_edits", { edits: [{ op: "set", path: "instances.nixbox.description", value: "Experiments, now with 3 CPUs" }] }),
    ]);
    expect([a.json.written, b.json.written]).toEqual([true, true]);
    const text = readFileSync(config, "utf8");
    expect(text).toContain('description: "Experiments, now with 3 CPUs",\n      cpu: 3,');
  });

  test("add_instance takes the instance schema, writes only what differs from the defaults", async () => {
    const instance = { host: "nas", image: "images:debian/12", cpu: 1, memory: "1GiB", storage: "fast", nics: [{ network: "lab0" }], serves: [8080] };
    const dry = await call(client, "add_instance", { name: "notes", instance, dryRun: true });
    expect(dry.json).toMatchObject({ status: "ok", written: false });
    expect(dry.json.diff).toContain('+    notes: {\n+      host: "nas",\n+      image: "images:debian/12",\n+      cpu: 1,\n+      memory: "1GiB",\n+      storage: "fast",\n+      nics: [{ network: "lab0" }],\n+      serves: [8080],\n+    },\n');
    const bad = await call(client, "add_instance", { name: "notes", instance: { ...instance, cpu: 0 } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/cpu/);
  });

  test("plan against a git ref: the edits since the commit, destroy-data allowed by the config", async () => {
    const r = await call(client, "plan", { base: "HEAD" });
    expect(r.isError).toBe(false);
    const risks = r.json.changes.map((c: { risk: string; kind: string; name: string; allowed?: boolean }) => `${c.risk} ${c.kind} ${c.name}${c.allowed ? " (allowed)" : ""}`);
    expect(risks).toEqual(expect.arrayContaining(["destroy-data volume jellyfin-media (allowed)", "destroy-data instance jellyfin (allowed)", "change instance grafana"]));
    expect(r.json.blocked).toEqual([]);
    const bad = await call(client, "plan", { base: "no-such-ref" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toBe("cannot plan against no-such-ref: unknown git ref 'no-such-ref' (a commit, branch or tag of this repository)");
  });

  test("diff shows the drift, generate removes it (and deploys nothing)", async () => {
    const d = await call(client, "diff");
    expect(d.text).toContain("--- a/out/lab.json");
    const g = await call(client, "generate");
    expect(g.isError).toBe(false);
    expect(g.json).toMatchObject({ status: "ok", lockUpdated: false });
    expect((await call(client, "diff")).text).toBe("no drift: out/ matches lab.config.ts");
    expect(existsSync(join(dir, "out", "AGENTS.md"))).toBe(true);
  });

  test("resources: lab.json, the JSON Schema, the README, AGENTS.md", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(["labgen://out/AGENTS.md", "labgen://out/README.md", "labgen://out/lab.json", "labgen://out/labgen.schema.json"]);
    const read = async (uri: string) => ((await client.readResource({ uri })).contents[0] as { text: string }).text;
    expect(JSON.parse(await read("labgen://out/lab.json")).format).toBe(LAB_JSON_FORMAT);
    expect(JSON.parse(await read("labgen://out/labgen.schema.json")).$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(await read("labgen://out/README.md")).toMatch(/^# homelab: lab architecture\n/);
    expect(await read("labgen://out/AGENTS.md")).toMatch(/^# AGENTS\.md: working on the homelab lab\n/);
  });

  // AGENTS.md is written by the docs target, apart from the server: each tool, apply_edits op and
  // resource its table tells an agent to use must be one this server offers.
  test("every MCP tool, op and resource AGENTS.md names is one the server has", async () => {
    const agents = ((await client.readResource({ uri: "labgen://out/AGENTS.md" })).contents[0] as { text: string }).text;
    const column = agents
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| task ") && !l.startsWith("| ---"))
      .map((l) => l.split(" | ")[2]);
    expect(column.length).toBeGreaterThan(5);
    const text = column.join(" ");
    const { tools } = await client.listTools();
    const { resources } = await client.listResources();
    const named = [...text.matchAll(/(?<!op |resource )`([a-z_]+)`/g)].map((m) => m[1]);
    const ops = [...text.matchAll(/op `([a-z]+)`/g)].map((m) => m[1]);
    const uris = [...text.matchAll(/resource `([^`]+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((t) => !tools.some((x) => x.name === t))).toEqual([]);
    const apply = tools.find((t) => t.name === "apply_edits")!;
    // The ops of the edits' union, however the SDK spells it in JSON Schema (anyOf or oneOf).
    const known = [...JSON.stringify(apply.inputSchema).matchAll(/"op":\{[^}]*"const":"([a-z]+)"/g)].map((m) => m[1]);
    expect(known).toEqual(expect.arrayContaining(["set", "add", "remove", "rename"]));
    expect(ops.filter((o) => !known.includes(o))).toEqual([]);
    expect(uris.filter((u) => !resources.some((r) => r.uri === u))).toEqual([]);
  });

  test("no tool ran tofu, nixos-rebuild, incus, ssh, systemctl or zfs", () => {
    expect(existsSync(trips) ? readFileSync(trips, "utf8") : "").toBe("");
  });
});

describe("labgen mcp --read-only", () => {
  test("registers no writing tool, and a call to one fails", async () => {
    const client = await connect("--read-only");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["describe_lab", "diff", "explain", "plan", "validate_edits"]);
    const before = readFileSync(config, "utf8");
    const r = await call(client, "apply_edits", { edits: [{ op: "set", path: "instances.grafana.cpu", value: 2 }] });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Tool apply_edits not found/);
    expect(readFileSync(config, "utf8")).toBe(before);
  });
});
