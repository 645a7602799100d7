// labgen-secrets.sh run for real (bash, coreutils) in a scratch root: it generates the missing
// secrets, gives each instance its copies with tight modes, keeps values across runs, rotates one
// and restarts its readers through a stand-in `incus`, and refuses a missing provided file. Then
// every generated file of the lab (out/, lab.lock.json, lab.config.ts) is searched for the values
// of this run: none may hold one. (A `tofu plan -json` cannot be made here: the lxc/incus provider
// binary is not available offline; the HCL it would plan is in out/tofu, searched below.)
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Model } from "../../generator/resolve/model.ts";
import { planSecretsScript } from "../../generator/targets/secrets/index.ts";
import { SECRETS_UNIT } from "../../generator/shared/secrets.ts";
import { printShellScript } from "../../generator/printers/shell/index.ts";
import { compileCase, goldenCases } from "../support/golden.ts";
import { mkTmp, rmTmp } from "../support/lab-fixtures.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-secrets-");
});
afterAll(() => rmTmp(tmp));

const uid = process.getuid!();
const gid = process.getgid!();

/** The reference lab's model with every secret owner set to this process (chown needs root otherwise). */
async function referenceModel(): Promise<{ model: Model; files: { path: string; content: string }[]; config: string; lock: string }> {
  const c = goldenCases().find((x) => x.name === "reference")!;
  const r = await compileCase(c);
  const model = structuredClone(r.model) as unknown as { instances: { secretOwner: { uid: number; gid: number } }[] };
  model.instances.forEach((i) => (i.secretOwner = { uid, gid }));
  return { model: model as unknown as Model, files: r.files, config: readFileSync(c.configFile, "utf8"), lock: r.lockText };
}

/**
 * A stand-in for `incus` that accepts only what `labgen-secrets rotate` may run, `incus restart
 * <instance>` for an instance that exists (the real client refuses other names with "Instance not
 * found"), and records it.
 */
function fakeIncus(dir: string, instances: readonly string[]): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const known = instances.join(" ");
  writeFileSync(
    join(bin, "incus"),
    `#!/usr/bin/env bash
set -eu
[[ $# -eq 2 && $1 == restart ]] || { echo "Error: unknown command or flags: $*" >&2; exit 1; }
for k in ${known}; do
  if [[ $2 == "$k" ]]; then echo "$2" >>"${join(dir, "restarted")}"; exit 0; fi
done
echo "Error: Failed checking instance exists \\"local:$2\\": Instance not found" >&2
exit 1
`,
  );
  chmodSync(join(bin, "incus"), 0o755);
  return bin;
}

function run(script: string, root: string, bin: string, ...args: string[]) {
  return spawnSync("bash", [script, ...args], {
    env: { ...process.env, LABGEN_SECRETS_ROOT: root, PATH: `${bin}:${process.env.PATH}` },
    encoding: "utf8",
  });
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8).padStart(4, "0");

describe("labgen-secrets on the reference lab's host", () => {
  it("generates, distributes, keeps, rotates; and no value reaches any generated file", async () => {
    const { model, files, config, lock } = await referenceModel();
    const dir = join(tmp, "run");
    const root = join(dir, "root");
    mkdirSync(root, { recursive: true });
    const script = join(dir, SECRETS_UNIT.script);
    writeFileSync(script, printShellScript(planSecretsScript(model, "nas")));
    const bin = fakeIncus(dir, model.instances.map((i) => i.name));

    // 1. First boot: every generated secret appears, 0600, the declared length and alphabet.
    const first = run(script, root, bin);
    expect(first.stderr).toContain("generated grafana-admin-password (32 characters)");
    expect(first.status).toBe(0);
    const values = new Map<string, string>();
    for (const s of model.secrets) {
      const p = join(root, s.hostPath);
      expect(mode(p), s.name).toBe("0600");
      const v = readFileSync(p, "utf8");
      expect(v).toMatch(new RegExp(`^[A-Za-z0-9]{${s.length}}$`));
      values.set(s.name, v);
    }
    expect(new Set(values.values()).size).toBe(values.size);

    // 2. Each instance gets exactly the secrets it reads: directory 0500, files 0400, same value.
    for (const i of model.instances) {
      const idir = join(root, "/var/lib/labgen/secrets/instances", i.name);
      if (i.secrets.length === 0) {
        expect(() => statSync(idir), i.name).toThrow();
        continue;
      }
      expect(mode(idir)).toBe("0500");
      expect(readdirSync(idir).sort()).toEqual(i.secrets.map((s) => s.name));
      for (const s of i.secrets) {
        expect(mode(join(root, s.hostPath))).toBe("0400");
        expect(readFileSync(join(root, s.hostPath), "utf8")).toBe(values.get(s.name));
      }
    }

    // 3. Every boot after: values stay.
    expect(run(script, root, bin).status).toBe(0);
    for (const s of model.secrets) expect(readFileSync(join(root, s.hostPath), "utf8")).toBe(values.get(s.name));

    // 4. rotate: a new value for that secret only, in every reader's copy, and those readers restarted.
    const rot = run(script, root, bin, "rotate", "nextcloud-db-password");
    expect(rot.status, rot.stderr).toBe(0);
    const fresh = readFileSync(join(root, "/var/lib/labgen/secrets/apps/nextcloud-db-password"), "utf8");
    expect(fresh).not.toBe(values.get("nextcloud-db-password"));
    expect(readFileSync(join(root, "/var/lib/labgen/secrets/instances/nextcloud-db/nextcloud-db-password"), "utf8")).toBe(fresh);
    expect(readFileSync(join(root, "/var/lib/labgen/secrets/apps/grafana-admin-password"), "utf8")).toBe(values.get("grafana-admin-password"));
    expect(readFileSync(join(dir, "restarted"), "utf8").split("\n").filter(Boolean).sort()).toEqual(["nextcloud", "nextcloud-db"]);
    values.set("nextcloud-db-password:old", values.get("nextcloud-db-password")!);
    values.set("nextcloud-db-password", fresh);
    expect(run(script, root, bin, "rotate", "nope").status).toBe(1);
    expect(run(script, root, bin, "rotate").status).toBe(2);

    // 5. list shows names and paths, never a value.
    const list = run(script, root, bin, "list");
    expect(list.stdout).toContain("grafana-admin-password\tgenerated\t");
    for (const v of values.values()) expect(list.stdout + list.stderr).not.toContain(v);

    // 6. Nothing generated holds a value: every output file, the lock, the config, the script.
    const haystacks = [...files.map((f) => [f.path, f.content] as const), ["lab.lock.json", lock] as const, ["lab.config.ts", config] as const, ["script", readFileSync(script, "utf8")] as const];
    for (const [name, v] of values) for (const [path, text] of haystacks) expect(text.includes(v), `${name} in ${path}`).toBe(false);
  });

  it("a provided secret that is missing on the host fails the service, naming the file", async () => {
    const { model } = await referenceModel();
    const m = structuredClone(model) as any;
    m.secrets[0] = { ...m.secrets[0], kind: "file", length: null, alphabet: null, providedFile: "/var/lib/labgen/secrets/provided" };
    const dir = join(tmp, "missing");
    const root = join(dir, "root");
    mkdirSync(root, { recursive: true });
    const script = join(dir, "s.sh");
    writeFileSync(script, printShellScript(planSecretsScript(m as Model, "nas")));
    const r = run(script, root, fakeIncus(dir, []));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`secret ${m.secrets[0].name}: the provided file /var/lib/labgen/secrets/provided is missing`);
    // The other secrets were still handled.
    expect(readdirSync(join(root, "/var/lib/labgen/secrets/apps")).length).toBe(model.secrets.length - 1);
  });
});
