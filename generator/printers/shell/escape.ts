// The one escaper for shell output. Every data value that ends up in a generated script goes
// through shQuote; program text never contains data (see ShellProgram in ir.ts).

/** Thrown for values no shell word can carry (NUL, ill-formed UTF-16) and for malformed IR. */
export class ShellPrintError extends Error {
  override name = "ShellPrintError";
}

// A lone surrogate cannot be encoded as UTF-8: Node would silently write U+FFFD, so the script
// would carry a different value than the config asked for.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * POSIX single-quoting: `'…'` with every `'` written as `'\''`. Inside single quotes nothing is
 * special (no `$`, backtick, `\`, glob or history expansion in a non-interactive shell), so the
 * shell reads back exactly these bytes. Always quotes, even "safe" words, so that the output does
 * not depend on a guess about which characters are safe.
 *
 * NUL is rejected: a shell word cannot contain it (bash drops it, argv ends at it).
 */
export function shQuote(value: string): string {
  if (value.includes("\0")) {
    throw new ShellPrintError("a shell value cannot contain a NUL character");
  }
  if (LONE_SURROGATE.test(value)) {
    throw new ShellPrintError("a shell value must be well-formed Unicode (lone surrogate found)");
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
