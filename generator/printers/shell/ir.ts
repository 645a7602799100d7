// Shell script IR. Data and code are separate types: data values are ShellAssignment values
// (always printed through shQuote), program text is a ShellProgram, which can only be made from a
// template literal WITHOUT interpolations — so no data can be spliced into code by accident.

/** A data value: strings are quoted verbatim; numbers must be safe integers (printed quoted). */
export type ShellValue = string | number;

/** `readonly NAME='value'` — the only way a data value enters a script. */
export interface ShellAssignment {
  readonly name: string;
  readonly value: ShellValue;
  /** Optional comment line printed above the assignment (no control characters). */
  readonly comment?: string;
}

declare const programBrand: unique symbol;

/** Static program text owned by a target. It refers to data only through assigned variables. */
export interface ShellProgram {
  readonly [programBrand]: true;
  readonly text: string;
}

export interface ShellScriptIR {
  /** Defaults to `#!/usr/bin/env bash`. */
  readonly shebang?: string;
  /** Comment lines after the shebang, printed as `# line` (no control characters). */
  readonly header: readonly string[];
  readonly assignments: readonly ShellAssignment[];
  readonly body: ShellProgram;
}

/**
 * Tag for program text: shellProgram`…`. The text is taken raw (backslashes kept, as bash needs
 * them) and interpolation is a type error (`never`). Because `${` would start a JS interpolation,
 * bash parameter expansions are written `$\{NAME:-}` in the source; the tag turns every `$\{` into
 * `${` (so the program text itself can never contain a literal `$\{`). One leading newline is
 * dropped so the text can start on the line after the backtick.
 */
export function shellProgram(strings: TemplateStringsArray, ...values: never[]): ShellProgram {
  if (values.length > 0 || strings.raw.length !== 1) {
    throw new TypeError("shellProgram text cannot interpolate values; pass data as assignments");
  }
  const text = strings.raw[0].replace(/^\n/, "").replaceAll("$\\{", "${");
  return { text } as ShellProgram;
}
