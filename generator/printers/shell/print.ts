import { ShellPrintError, shQuote } from "./escape.ts";
import type { ShellAssignment, ShellScriptIR, ShellValue } from "./ir.ts";

const DEFAULT_SHEBANG = "#!/usr/bin/env bash";
const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;
// Control characters (C0, DEL, C1) would end a comment line or hide text on a terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// Variables the shell or common tools give a meaning to: making one of them readonly would change
// how the script (or openssl, mktemp …) behaves, so a target must pick another name.
const RESERVED = new Set([
  "BASH", "BASHOPTS", "CDPATH", "COLUMNS", "ENV", "EUID", "FUNCNAME", "FUNCNEST", "GLOBIGNORE",
  "GROUPS", "HOME", "HOSTNAME", "HOSTTYPE", "IFS", "LANG", "LANGUAGE", "LINENO", "LINES", "LOGNAME",
  "MACHTYPE", "MAIL", "MAILCHECK", "MAILPATH", "MAPFILE", "OLDPWD", "OPTARG", "OPTERR", "OPTIND",
  "OSTYPE", "PATH", "PIPESTATUS", "POSIXLY_CORRECT", "PPID", "PROMPT_COMMAND", "PS0", "PS1", "PS2",
  "PS3", "PS4", "PWD", "RANDOM", "REPLY", "SECONDS", "SHELL", "SHELLOPTS", "SHLVL", "SRANDOM",
  "TERM", "TIMEFORMAT", "TMOUT", "TMPDIR", "TZ", "UID", "USER",
]);
const RESERVED_PREFIXES = ["BASH_", "COMP_", "EPOCH", "HIST", "LC_", "OPENSSL_", "READLINE_"];

// ShellCheck flags some characters inside single quotes because they are usually typos; in a
// quoted data value they are the literal the config asked for, so the printer silences exactly
// the check a value triggers, on that one assignment only.
const LITERAL_CHECKS: ReadonlyArray<readonly [code: string, trigger: RegExp]> = [
  ["SC1003", /\\/], // "want to escape a single quote?" — a backslash is literal inside '…'
  ["SC1112", /[\u2018\u2019]/], // "unicode quote" — typographic quotes in names are legitimate
  ["SC2016", /[$`]/], // "expressions don't expand in single quotes" — not expanding is the point
];

function checkCommentLine(line: string, what: string): void {
  if (CONTROL.test(line)) {
    throw new ShellPrintError(`${what} must be one line without control characters: ${JSON.stringify(line)}`);
  }
}

function valueText(a: ShellAssignment): string {
  const v: ShellValue = a.value;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) {
      throw new ShellPrintError(`${a.name}: number values must be safe integers, got ${v}`);
    }
    return String(v);
  }
  return v;
}

function checkName(name: string, seen: Set<string>): void {
  if (!VARIABLE_NAME.test(name)) {
    throw new ShellPrintError(`invalid shell variable name ${JSON.stringify(name)} (want [A-Z_][A-Z0-9_]*)`);
  }
  if (RESERVED.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
    throw new ShellPrintError(`shell variable name ${name} is reserved by the shell or its tools`);
  }
  if (seen.has(name)) {
    throw new ShellPrintError(`shell variable ${name} is assigned twice`);
  }
  seen.add(name);
}

/**
 * Prints a script: shebang, `# header` lines, `set -euo pipefail`, one `readonly NAME='value'` per
 * assignment (in IR order), then the program text. Output always ends with exactly one newline.
 */
export function printShellScript(ir: ShellScriptIR): string {
  const shebang = ir.shebang ?? DEFAULT_SHEBANG;
  if (!shebang.startsWith("#!")) throw new ShellPrintError(`shebang must start with #!: ${JSON.stringify(shebang)}`);
  checkCommentLine(shebang, "shebang");

  const out: string[] = [shebang];
  for (const line of ir.header) {
    checkCommentLine(line, "header line");
    out.push(line === "" ? "#" : `# ${line}`);
  }
  out.push("set -euo pipefail");

  if (ir.assignments.length > 0) out.push("");
  const seen = new Set<string>();
  for (const a of ir.assignments) {
    checkName(a.name, seen);
    if (a.comment !== undefined) {
      checkCommentLine(a.comment, `comment of ${a.name}`);
      out.push(`# ${a.comment}`);
    }
    const text = valueText(a);
    const quoted = shQuote(text);
    const silenced = LITERAL_CHECKS.filter(([, trigger]) => trigger.test(text)).map(([code]) => code);
    if (silenced.length > 0) out.push(`# shellcheck disable=${silenced.join(",")}`);
    out.push(`readonly ${a.name}=${quoted}`);
  }

  const body = ir.body.text;
  if (body.includes("\0")) throw new ShellPrintError("program text cannot contain NUL");
  let script = out.join("\n") + "\n";
  if (body.trim() !== "") script += "\n" + body.replace(/\n*$/, "\n");
  return script;
}
