// lab.json and README.md of a large lab: lab.json keeps every fact with one resource per line;
// the README summarises past README_DETAIL_LIMIT instances instead of listing each one.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the bench's synthetic labs are plain JavaScript
import { syntheticLab } from "../../bench/synthetic.mjs";
import { findCommand, optionsOf } from "../../generator/cli/help.ts";
import { compile, type CompileOk } from "../../generator/pipeline.ts";
import { LAB_JSON_FORMAT, README_DETAIL_LIMIT } from "../../generator/targets/docs/docs.ts";
import { mkTmp, rmTmp, writeConfig } from "../support/lab-fixtures.ts";

let dir: string;
let r: CompileOk;
const file = (p: string) => r.files.find((f) => f.path === p)!.content;

beforeAll(async () => {
  dir = mkTmp("labgen-docs-");
  writeConfig(dir, syntheticLab(README_DETAIL_LIMIT + 50, "dhcp"));
  const c = await compile({ configFile: join(dir, "lab.config.ts"), lockFile: join(dir, "lab.lock.json") });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  r = c;
});
afterAll(() => rmTmp(dir));

describe("a lab past the README's detail limit", () => {
  it("lab.json parses to the whole model, one resource per line", () => {
    const text = file("lab.json");
    const lab = JSON.parse(text);
    expect(lab.format).toBe(LAB_JSON_FORMAT);
    expect(lab.model.instances).toHaveLength(README_DETAIL_LIMIT + 50);
    expect(lab).not.toHaveProperty("provenance");
    // Each instance is one line of its own that parses alone.
    const lines = text.split("\n");
    for (const i of lab.model.instances) {
      const line = lines.find((l) => l.startsWith(`      {"name":${JSON.stringify(i.name)},`));
      expect(line, i.name).toBeDefined();
      expect(JSON.parse(line!.replace(/,$/, ""))).toEqual(i);
    }
    expect(lab.outputs.map((o: { path: string }) => o.path)).toEqual(r.files.map((f) => f.path));
  });

  it("README.md summarises per host and per snapshot policy, and points at lab.json", () => {
    const md = file("README.md");
    expect(md).toContain(`${README_DETAIL_LIMIT + 50} instances: more than a document can usefully list one by one`);
    expect(md).toContain("| host | instances | containers | VMs | vCPU | RAM | volumes | exposed ports |");
    expect(md).toContain("| host0 | 100 | 100 | 0 | 100 | 100GiB | 25 | 2 |");
    expect(md).toContain("| host2 | 50 | 50 | 0 | 50 | 50GiB | 13 | 0 |");
    expect(md).toContain("| `@daily` | 7d | 125 |");
    expect(md).not.toContain("| app17 |");
    expect(md).toMatch(/```mermaid\nflowchart LR\n/);
    expect(md).toContain('net_br1["bridge br1: 100 instance(s)"]');
  });

  it("AGENTS.md counts instances and volumes instead of naming each one (lab.json names them)", () => {
    const agents = file("AGENTS.md");
    expect(agents).toContain(`${README_DETAIL_LIMIT + 50} Incus instance(s) (every one in \`out/lab.json\`)`);
    expect(agents).toContain("63 custom volume(s) (`volume:<instance>-<volume>`)");
    expect(agents).not.toContain("app17");
  });

  // AGENTS.md is written apart from the CLI: every command and option it tells an agent to run must
  // be one `labgen` has (its help table, which the CLI parses its arguments by).
  it("every `labgen …` command and option AGENTS.md names is one the CLI has", () => {
    const runs = [...file("AGENTS.md").matchAll(/`labgen ([^`]+)`/g)].map((m) => m[1]);
    expect(runs.length).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const run of runs) {
      // "set/add/rm/mv" names four commands at once.
      const [first, ...rest] = run.split(" ");
      for (const name of first.split("/")) {
        const c = findCommand([name, ...rest]);
        if (!c) missing.push(`labgen ${name}`);
        else for (const flag of run.match(/--[a-z-]+/g) ?? []) if (!optionsOf(c).some((o) => o.flag === flag)) missing.push(`labgen ${c.name} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
