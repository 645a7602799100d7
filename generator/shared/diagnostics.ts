// A diagnostic is one finding about the config: where (config path, and once located, the
// line:column in lab.config.ts), what, and which rule found it.

export type PathSegment = string | number;

export interface Diagnostic {
  readonly severity: "error" | "warning";
  /** Rule id, e.g. "network-overlap" or "schema". */
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** The file the finding is about when it is not lab.config.ts (e.g. the lock file). */
  file?: string;
  /** Filled in by the locator; 1-based. */
  line?: number;
  column?: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** "hosts.nas.hardware.disks[2].id"; keys that are not identifiers are bracketed and quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENT.test(seg) || /^[a-z][a-z0-9-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || "(root)";
}

/**
 * The order a reader wants: by file (the config before the lock), then by position in it, as a
 * compiler lists them; unlocated findings after the located ones, by path. Ties (several findings
 * on one line) by column, severity, path and message, so the output never depends on rule order.
 */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
  return ds.sort(
    (a, b) =>
      cmp(a.file ?? "", b.file ?? "") ||
      cmp(a.line ?? Number.MAX_SAFE_INTEGER, b.line ?? Number.MAX_SAFE_INTEGER) ||
      cmp(a.column ?? 0, b.column ?? 0) ||
      cmp(a.severity === "error" ? 0 : 1, b.severity === "error" ? 0 : 1) ||
      cmp(formatPath(a.path), formatPath(b.path)) ||
      cmp(a.message, b.message),
  );
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  error(rule: string, path: readonly PathSegment[], message: string): void {
    this.items.push({ severity: "error", rule, path, message });
  }
  warn(rule: string, path: readonly PathSegment[], message: string): void {
    this.items.push({ severity: "warning", rule, path, message });
  }
  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === "error");
  }
  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === "warning");
  }
}

/** Thrown for user mistakes: the CLI prints the diagnostics, never a stack trace. */
export class LabError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly file: string | null = null,
  ) {
    super(`${diagnostics.filter((d) => d.severity === "error").length} error(s) in the lab configuration`);
  }
}
