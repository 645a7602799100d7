// Shell printer: typed IR (data assignments vs static program text) → bash script text.
export { ShellPrintError, shQuote } from "./escape.ts";
export { shellProgram } from "./ir.ts";
export type { ShellAssignment, ShellProgram, ShellScriptIR, ShellValue } from "./ir.ts";
export { printShellScript } from "./print.ts";
