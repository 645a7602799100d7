// Real-tool helpers for shell output. A missing tool is a test FAILURE with a clear message,
// never a skip: the escaping and CA guarantees are only proven by running the real programs.
import { spawnSync } from "node:child_process";
import type { SpawnSyncReturns } from "node:child_process";

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command without a shell; raw stdout bytes. A missing command throws a clear error. */
export function run(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): RunResult {
  const r: SpawnSyncReturns<Buffer> = spawnSync(command, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    input: opts.input,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(`required tool "${command}" is not installed or not on PATH; install it to run these tests`);
    }
    throw r.error;
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

/** Fails (throws) with a clear message unless `tool` can be run. */
export function requireTool(tool: "bash" | "shellcheck" | "openssl" | "sh"): void {
  const args = tool === "openssl" ? ["version"] : tool === "sh" ? ["-c", "exit 0"] : ["--version"];
  const r = run(tool, args);
  if (r.status !== 0) throw new Error(`required tool "${tool}" does not run (exit ${r.status}): ${r.stderr}`);
}

/** `bash -n file`: parse only. */
export function bashN(file: string): { ok: boolean; output: string } {
  const r = run("bash", ["-n", file]);
  return { ok: r.status === 0, output: r.stderr };
}

/** `shellcheck` with every check enabled and no rc file, one finding per line. */
export function shellcheck(file: string): { ok: boolean; output: string } {
  const r = run("shellcheck", ["--norc", "--shell=bash", "--severity=style", "--format=gcc", file]);
  return { ok: r.status === 0, output: r.stdout.toString("utf8") + r.stderr };
}

/** Runs `bash file args…` with an explicit environment (inherits PATH unless overridden). */
export function runBash(file: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): RunResult {
  return run("bash", [file, ...args], { env: { PATH: process.env.PATH, ...env } });
}

/** Runs any command (openssl …); stdout as text. Throws on non-zero unless `allowFail`. */
export function tool(command: string, args: readonly string[], opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = run(command, args, { env: opts.env });
  const out = { status: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr };
  if (!opts.allowFail && r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${r.status}:\n${out.stderr}${out.stdout}`);
  }
  return out;
}
