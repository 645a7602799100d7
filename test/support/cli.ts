// Runs the labgen CLI in-process (the same `run` bin/labgen.mjs calls) and captures its output.
import { relative } from "node:path";
import { run } from "../../generator/cli/main.ts";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr as lines, in the order they were printed. */
  readonly outLines: string[];
  readonly errLines: string[];
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const code = await run(argv, { out: (s) => outLines.push(...s.split("\n")), err: (s) => errLines.push(...s.split("\n")) });
  return { code, stdout: outLines.join("\n"), stderr: errLines.join("\n"), outLines, errLines };
}

/** `--config c --out o --lock l` for a lab in a temp dir. */
export function paths(config: string, out: string, lock: string): string[] {
  return ["--config", config, "--out", out, "--lock", lock];
}

/** How the CLI shows a path: relative to the working directory when inside it, else absolute. */
export function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}
