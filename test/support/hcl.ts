// Test helpers that run generated HCL through real HashiCorp/OpenTofu tooling: `tofu`/`terraform`
// (fmt, console) and @cdktf/hcl2json (the HCL parser compiled to wasm).
//
// A missing tool is a test FAILURE with a clear message, never a skip: tests that silently pass
// without the reference tool would prove nothing.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parse } from "@cdktf/hcl2json";

export interface HclTool {
  readonly name: "tofu" | "terraform";
  readonly path: string;
}

let cachedTool: HclTool | undefined;

/** The first `tofu`, else the first `terraform`, in a PATH-style directory list. */
export function findHclTool(pathList: string): HclTool | undefined {
  const dirs = pathList.split(delimiter).filter(Boolean);
  for (const name of ["tofu", "terraform"] as const) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (existsSync(path)) return { name, path };
    }
  }
  return undefined;
}

/** `tofu` if it is on PATH, else `terraform`; throws (failing the test) if neither is. */
export function hclTool(pathList = process.env.PATH ?? ""): HclTool {
  if (cachedTool !== undefined && pathList === process.env.PATH) return cachedTool;
  const tool = findHclTool(pathList);
  if (tool === undefined) {
    throw new Error(
      "Neither `tofu` nor `terraform` is on PATH. The HCL tests check output with the real " +
        "formatter and evaluator and cannot run without one: install OpenTofu or Terraform " +
        "(e.g. `nix shell nixpkgs#opentofu`).",
    );
  }
  if (pathList === process.env.PATH) cachedTool = tool;
  return tool;
}

// A clean, offline environment: no user CLI config (and so no credentials or plugin cache),
// no update checks, no colour codes in the output we parse.
function toolEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: "/dev/null",
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    NO_COLOR: "1",
  };
}

function run(args: readonly string[], options: { cwd?: string; input?: string } = {}) {
  const tool = hclTool();
  const result = spawnSync(tool.path, args, {
    cwd: options.cwd,
    input: options.input,
    env: toolEnv(),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (result.error) throw new Error(`${tool.name} ${args.join(" ")}: ${result.error.message}`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temp dir holding `files`; the caller removes it with `removeDir`. */
export function writeTempDir(files: Readonly<Record<string, string>>, prefix = "labgen-hcl-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface FmtCheckResult {
  /** True when fmt would change nothing (exit 0). */
  readonly ok: boolean;
  /** fmt's unified diff (what it would change) plus any diagnostics. */
  readonly output: string;
}

/** `<tool> fmt -check -diff -no-color <dir>`: one invocation for every .tf file in the dir. */
export function hclFmtCheck(dir: string): FmtCheckResult {
  const r = run(["fmt", "-check", "-diff", "-no-color", dir]);
  return { ok: r.status === 0, output: (r.stdout + r.stderr).trim() };
}

/** Files → temp dir → fmt -check. */
export function hclFmtCheckFiles(files: Readonly<Record<string, string>>): FmtCheckResult {
  const dir = writeTempDir(files);
  try {
    return hclFmtCheck(dir);
  } finally {
    removeDir(dir);
  }
}

/** `<tool> fmt -` on one text: what the formatter makes of it. Throws on a syntax error. */
export function hclFmt(text: string): string {
  const r = run(["fmt", "-no-color", "-"], { input: text });
  if (r.status !== 0) throw new Error(`fmt failed:\n${r.stderr}`);
  return r.stdout;
}

/** Parse HCL text with the real HCL parser (hcl2json); throws on a syntax error. */
export async function hclToJson(text: string, filename = "main.tf"): Promise<Record<string, unknown>> {
  return (await parse(filename, text)) as Record<string, unknown>;
}

/**
 * Evaluate `expression` with `<tool> console` in a directory holding `files` (e.g. a `locals`
 * block), returning its value as JSON. The value goes through base64encode(jsonencode(…)) so the
 * console's own HCL quoting of its output never has to be decoded here.
 */
export function terraformEval(files: Readonly<Record<string, string>>, expression: string): unknown {
  const dir = writeTempDir(files);
  try {
    const r = run(["console"], { cwd: dir, input: `base64encode(jsonencode(${expression}))\n` });
    const out = r.stdout.trim();
    const m = /^"([A-Za-z0-9+/=]*)"$/.exec(out);
    if (r.status !== 0 || m === null) {
      throw new Error(`${hclTool().name} console failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    return JSON.parse(Buffer.from(m[1], "base64").toString("utf8"));
  } finally {
    removeDir(dir);
  }
}
