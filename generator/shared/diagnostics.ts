// A diagnostic is one finding about the config: where (config path, and once located, the
// line:column in lab.config.ts), what, and which rule found it.

export type PathSegment = string | number;

export interface Diagnostic {
  readonly severity: "error" | "warning";
  /** Rule id, e.g. "network-overlap" or "schema". */
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
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

/** Stable order: by path, then rule, then message — so output never depends on rule order. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => {
    const pa = formatPath(a.path);
    const pb = formatPath(b.path);
    if (a.severity !== b.severity) return a.severity === "error" ? -1 : 1;
    return pa < pb ? -1 : pa > pb ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
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
