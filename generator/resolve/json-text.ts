// A strict JSON scanner (RFC 8259) for lab.lock.json: where the text stops being JSON, and where
// each value's key sits, so a lock problem is reported at its line:column like a config problem.
// JSON.parse still does the parsing; this only says where.
import type { PathSegment } from "../shared/diagnostics.ts";

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface JsonScan {
  /** The first syntax error, or null when the text is JSON. */
  readonly error: (Position & { readonly message: string }) | null;
  /** Position of each value's key (array items: of the item), by JSON.stringify(path). */
  readonly at: Map<string, Position>;
}

export function scanJson(text: string): JsonScan {
  const at = new Map<string, Position>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (): Position => ({ line, column: i - lineStart + 1 });
  class Stop extends Error {
    constructor(readonly where: Position, message: string) {
      super(message);
    }
  }
  const fail = (message: string): never => {
    throw new Stop(pos(), message);
  };
  const ws = () => {
    for (;;) {
      const c = text[i];
      if (c === "\n") {
        i++;
        line++;
        lineStart = i;
      } else if (c === " " || c === "\t" || c === "\r") i++;
      else return;
    }
  };
  const show = (c: string | undefined) => (c === undefined ? "the end of the file" : `'${c}'`);
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("unterminated string");
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape in a string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape \\${e ?? ""} in a string`);
      } else if (c < " ") fail("a control character (e.g. a line break) inside a string");
      else i++;
    }
  };
  const value = (path: PathSegment[]): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${show(text[i])}`);
        const keyAt = pos();
        const start = i;
        string();
        const key = JSON.parse(text.slice(start, i)) as string;
        at.set(JSON.stringify([...path, key]), keyAt);
        ws();
        if (text[i] !== ":") fail(`expected ':' after the property name, found ${show(text[i])}`);
        i++;
        value([...path, key]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected ',' or '}' after a property value, found ${show(text[i])}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        ws();
        at.set(JSON.stringify([...path, n]), pos());
        value([...path, n]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected ',' or ']' after an array item, found ${show(text[i])}`);
      }
    }
    if (c === '"') return string();
    const m = /^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail(`expected a value, found ${show(c)}`);
    i += m![0].length;
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) fail("a byte order mark before the JSON");
    value([]);
    ws();
    if (i < text.length) fail(`unexpected ${show(text[i])} after the end of the JSON value`);
    at.set("[]", { line: 1, column: 1 });
    return { error: null, at };
  } catch (e) {
    if (e instanceof Stop) return { error: { ...e.where, message: e.message }, at };
    throw e;
  }
}

/** The position of `path` in the scanned text: the nearest enclosing key that exists. */
export function positionOf(scan: JsonScan, path: readonly PathSegment[]): Position | null {
  for (let n = path.length; n > 0; n--) {
    const p = scan.at.get(JSON.stringify(path.slice(0, n)));
    if (p) return p;
  }
  return scan.at.get("[]") ?? null;
}
