// Which option paths a hand-written NixOS module sets, with their lines: just enough of Nix's
// syntax (strings, comments, attribute sets, bindings, `let`, lambda patterns) to follow the
// nesting of `a.b = { c.d = …; }` and `a = lib.mkIf x { … }`. It is not a parser: the real parser
// (`nix-instantiate --parse`) decides whether the file is valid Nix; this only reads where things
// are, for the foundation rule on hosts/<host>/extra.nix.

export interface NixBindingAt {
  /** The option path, e.g. ["services", "nginx", "enable"] (`config.` and inline `imports` modules unwrapped). */
  readonly path: readonly string[];
  readonly line: number;
  readonly column: number;
  /** The value is (or contains, through function calls) an attribute set. */
  readonly hasSet: boolean;
}

interface Tok {
  readonly t: string;
  readonly kind: "id" | "str" | "punct" | "other";
  readonly line: number;
  readonly column: number;
}

/** Tokens of Nix source; the inside of strings and interpolations is skipped. */
function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const adv = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (src[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };
  const push = (t: string, kind: Tok["kind"], l: number, c: number) => toks.push({ t, kind, line: l, column: c });
  // Skips a `${ … }` body (i at the `{`), counting braces and skipping nested strings.
  const skipInterpolation = () => {
    let depth = 0;
    while (i < src.length) {
      const ch = src[i];
      if (ch === "{") depth++;
      else if (ch === "}") {
        depth--;
        if (depth === 0) {
          adv(1);
          return;
        }
      } else if (ch === '"') {
        skipString();
        continue;
      } else if (ch === "'" && src[i + 1] === "'") {
        skipIndented();
        continue;
      }
      adv(1);
    }
  };
  const skipString = () => {
    adv(1);
    while (i < src.length && src[i] !== '"') {
      if (src[i] === "\\") adv(2);
      else if (src[i] === "$" && src[i + 1] === "{") {
        adv(1);
        skipInterpolation();
      } else adv(1);
    }
    adv(1);
  };
  const skipIndented = () => {
    adv(2);
    while (i < src.length) {
      if (src.startsWith("''", i)) {
        // ''$ ''' ''\x are escapes inside an indented string.
        if (src[i + 2] === "$" || src[i + 2] === "'") adv(3);
        else if (src[i + 2] === "\\") adv(4);
        else {
          adv(2);
          return;
        }
      } else if (src[i] === "$" && src[i + 1] === "{") {
        adv(1);
        skipInterpolation();
      } else adv(1);
    }
  };
  while (i < src.length) {
    const ch = src[i];
    const l = line;
    const c = i - lineStart + 1;
    if (/\s/.test(ch)) adv(1);
    else if (ch === "#") while (i < src.length && src[i] !== "\n") adv(1);
    else if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      adv((end < 0 ? src.length : end + 2) - i);
    } else if (ch === '"') {
      const start = i;
      skipString();
      const text = src.slice(start, i);
      // A plain "name" (no interpolation) can be an attribute name.
      push(/^"[^"\\$]*"$/.test(text) ? text.slice(1, -1) : text, "str", l, c);
    } else if (ch === "'" && src[i + 1] === "'") {
      skipIndented();
      push("''", "other", l, c);
    } else if (ch === "$" && src[i + 1] === "{") {
      adv(1);
      skipInterpolation();
      push("${}", "other", l, c);
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_'-]*/.exec(src.slice(i, i + 256))!;
      adv(m[0].length);
      push(m[0], "id", l, c);
    } else if ((ch === "." || ch === "~") && /^(\.\.?|~)\//.test(src.slice(i, i + 3))) {
      const m = /^[A-Za-z0-9._+\-/~]+/.exec(src.slice(i, i + 4096))!;
      adv(m[0].length);
      push(m[0], "other", l, c);
    } else if (ch === "<" && /^<[A-Za-z0-9._+\-/]+>/.test(src.slice(i, i + 256))) {
      const m = /^<[A-Za-z0-9._+\-/]+>/.exec(src.slice(i, i + 256))!;
      adv(m[0].length);
      push(m[0], "other", l, c);
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9.eE+-]+/.exec(src.slice(i, i + 64))!;
      adv(m[0].length);
      push(m[0], "other", l, c);
    } else {
      const two = src.slice(i, i + 3) === "..." ? "..." : src.slice(i, i + 2);
      const op = ["...", "==", "!=", "<=", ">=", "&&", "||", "->", "//", "++"].includes(two) ? two : ch;
      adv(op.length);
      push(op, "punct", l, c);
    }
  }
  return toks;
}

/** Every binding of the module with its full option path, in file order. */
export function nixBindings(src: string): NixBindingAt[] {
  const toks = tokenize(src);
  const out: NixBindingAt[] = [];
  let i = 0;
  const at = (k: number) => toks[k]?.t;

  // `{` at k opens a lambda pattern (`{ config, ... }:` or `{ … } @ args:`) rather than a set.
  const isPattern = (k: number): boolean => {
    let depth = 0;
    for (let j = k; j < toks.length; j++) {
      if (toks[j].t === "{") depth++;
      else if (toks[j].t === "}" && --depth === 0) return at(j + 1) === ":" || at(j + 1) === "@";
      // A binding inside means a set (`{ a = 1; }`); a default in a pattern (`{ a ? 1 }`) has no `;` at depth 1.
      else if (depth === 1 && (toks[j].t === ";" || toks[j].t === "=")) return false;
    }
    return false;
  };
  const skipBalanced = () => {
    let depth = 0;
    do {
      if (["{", "[", "("].includes(toks[i].t)) depth++;
      else if (["}", "]", ")"].includes(toks[i].t)) depth--;
      i++;
    } while (i < toks.length && depth > 0);
  };
  const norm = (path: string[]): string[] => (path[0] === "config" ? path.slice(1) : path);

  // An expression, up to a `;` or a closing bracket at depth 0. Returns whether it held a set.
  const expr = (prefix: string[] | null): boolean => {
    let hasSet = false;
    while (i < toks.length) {
      const t = toks[i];
      if (t.t === ";" || t.t === "}" || t.t === "]" || t.t === ")" || (t.t === "in" && t.kind === "id")) return hasSet;
      if (t.t === "{") {
        if (isPattern(i)) skipBalanced();
        else {
          i++;
          // A set inside `imports = [ … ]` is a module of its own: its paths start at the root.
          bindings(prefix && prefix[0] === "imports" ? [] : prefix);
          i++; // }
          hasSet = true;
        }
      } else if (t.t === "[" || t.t === "(") {
        const close = t.t === "[" ? "]" : ")";
        i++;
        while (i < toks.length && at(i) !== close) {
          if (expr(prefix)) hasSet = true;
          if (at(i) === ";" || at(i) === "}") i++; // malformed: keep going
        }
        i++;
      } else if (t.t === "let" && t.kind === "id") {
        i++;
        // let-bound names are local variables, not options.
        bindings(null, "in");
        i++; // in
      } else if (t.t === "rec" && t.kind === "id") i++;
      else i++;
    }
    return hasSet;
  };

  // Bindings of a set (or of `let`), until `}` (or `in`).
  const bindings = (prefix: string[] | null, end = "}") => {
    while (i < toks.length && at(i) !== end) {
      if (at(i) === "inherit") {
        while (i < toks.length && at(i) !== ";") i++;
        i++;
        continue;
      }
      const start = toks[i];
      const names: string[] = [];
      while (i < toks.length && at(i) !== "=" && at(i) !== end && at(i) !== ";") {
        if (toks[i].kind === "id" || toks[i].kind === "str") names.push(toks[i].t);
        else if (toks[i].t !== ".") names.push("${}");
        i++;
      }
      if (at(i) !== "=") {
        if (at(i) === ";") i++;
        continue;
      }
      i++; // =
      const path = prefix === null ? null : norm([...prefix, ...names]);
      const index = out.length;
      if (path) out.push({ path, line: start.line, column: start.column, hasSet: false });
      const hasSet = expr(path);
      if (path) out[index] = { ...out[index], hasSet };
      if (at(i) === ";") i++;
    }
  };

  while (i < toks.length) {
    expr([]);
    i++;
  }
  return out;
}
