// Helpers that run the real Nix parser/evaluator (nix-instantiate) on
// generated text. Missing Nix is a hard failure, never a skip: the escaping
// and layout guarantees are only proven against the real lexer.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NIX_MISSING_MESSAGE =
  "nix-instantiate is not on PATH; these tests need the real Nix parser — " +
  "install nix-bin: apt-get install -y nix-bin";

let checked: string | undefined;

/** Throws a clear error when nix-instantiate is unavailable; returns its version line otherwise. */
export function requireNix(): string {
  if (checked !== undefined) return checked;
  try {
    checked = execFileSync("nix-instantiate", ["--version"], { encoding: "utf8" }).trim();
    return checked;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? NIX_MISSING_MESSAGE : `${NIX_MISSING_MESSAGE}\n(${String(err)})`);
  }
}

/** Run nix-instantiate on `source` written to a temp file (so the text is read exactly as a .nix file is). */
function runOnFile(args: readonly string[], source: string): string {
  requireNix();
  const dir = mkdtempSync(join(tmpdir(), "labgen-nix-"));
  const file = join(dir, "expr.nix");
  try {
    writeFileSync(file, source, "utf8");
    return execFileSync("nix-instantiate", [...args, file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      // No channels or store access are needed; keep the host's NIX_PATH out.
      env: { ...process.env, NIX_PATH: "" },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`nix-instantiate ${args.join(" ")} failed:\n${e.stderr ?? e.message}\n--- source ---\n${source}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parse `source` with the real Nix parser (also catches undefined variables); throws on error. */
export function nixParse(source: string): void {
  runOnFile(["--parse"], source);
}

/** Evaluate `source` strictly and return the parsed JSON value. */
export function nixEvalJson(source: string): unknown {
  return JSON.parse(runOnFile(["--eval", "--strict", "--json"], source));
}
