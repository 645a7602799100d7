// Seeded random HCL IR for property tests of the HCL printer: deterministic (same seed, same
// bodies), so a failure is reproducible from the seed alone.

import { hcl } from "../../generator/printers/hcl/index.ts";
import type { Body, BodyItem, Expr, ObjectKey } from "../../generator/printers/hcl/index.ts";

/** mulberry32: tiny, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fragments chosen to hit every escaping and column-counting path: quotes, backslashes, template
// introducers, control characters, non-ASCII spaces, combining marks (also right after `$`),
// emoji sequences, wide CJK, RTL, Indic conjuncts, code points newer than Unicode 15.0.
const FRAGMENTS = [
  "a", "web", "10.20.0.1/24", " ", '"', "\\", "$", "%", "{", "}", "${", "%{", "$${", "%%{", "\n",
  "\r\n", "\t", "\u0000", "\u001b", "\u007f", "\u0085", "\u00a0", "\u2028", "\ufeff", "\u200d",
  "é", "q\u0307", "$\u0301", "%\u0301", "\\\u0301", "\u0301", "😀", "👨‍👩‍👧", "🇩🇪", "👍🏽",
  "日本", "שלום", "مرحبا", "क्ष", "ക്ഷ", "क", "ष", "\u094d", "ক", "\u09cd", "ি", "ക", "\u0d4d", "\u{11a3a}a", "\u{1fae9}",
  "#", "//", "/*", "<<EOT", "~",
];

const IDENT_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
const IDENT_REST = IDENT_START + "0123456789-";

export class RandomHcl {
  private readonly r: () => number;
  private counter = 0;

  constructor(seed: number) {
    this.r = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.r() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  ident(maxLen = 16): string {
    let s = this.pick([...IDENT_START]);
    const len = this.int(maxLen);
    for (let i = 0; i < len; i++) s += this.pick([...IDENT_REST]);
    return s;
  }

  /** Random text, NFC-normalized (HCL reads strings back as NFC; see escape.ts). */
  text(maxParts = 5): string {
    const n = this.int(maxParts + 1);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(FRAGMENTS);
    return s.normalize("NFC");
  }

  number(): number | bigint {
    return this.pick<number | bigint>([
      0, 1, -1, 42, -17, 0.5, -2.25, 1e21, 5e-7, 65535, Number.MAX_SAFE_INTEGER, 10n ** 30n, -(10n ** 20n),
    ]);
  }

  ref(): Expr {
    return this.pick([
      hcl.ref("var.x"),
      hcl.ref("path.module"),
      hcl.ref("incus_network.lab0.name"),
      hcl.ref("local.hosts[0].ip"),
      hcl.ref("incus_instance.web[*].name"),
      hcl.traversal("local", [{ attr: "m" }, { index: this.text(2) }]),
    ]);
  }

  key(): ObjectKey {
    switch (this.int(6)) {
      case 0:
        return hcl.key(this.ref());
      case 1:
      case 2:
        return this.text(3);
      case 3:
        return `${this.ident(6)}.${this.ident(6)}`;
      default:
        return this.ident(this.pick([3, 8, 20]));
    }
  }

  expr(depth: number): Expr {
    const leafOnly = depth <= 0;
    switch (this.int(leafOnly ? 6 : 11)) {
      case 0:
        return this.text();
      case 1:
        return this.number();
      case 2:
        return this.pick([true, false, null]);
      case 3:
        return this.ref();
      case 4:
        return this.template(depth);
      case 5:
        return hcl.call(this.pick(["file", "lower", "provider::incus::f"]), [this.text(2)]);
      case 6:
      case 7: {
        const n = this.int(this.pick([3, 16]));
        return Array.from({ length: n }, () => this.expr(depth - 1));
      }
      case 8:
      case 9: {
        const n = this.int(6);
        const entries = Array.from({ length: n }, () => [this.key(), this.expr(depth - 1)] as const);
        // Distinct literal keys: the printer rejects duplicates, as Terraform does.
        return hcl.object(entries.filter(([k], i) => typeof k !== "string" || entries.findIndex(([j]) => j === k) === i));
      }
      default:
        return hcl.call(
          this.pick(["jsonencode", "merge", "concat"]),
          Array.from({ length: 1 + this.int(3) }, () => this.expr(depth - 1)),
        );
    }
  }

  /** Always has a text part, so it is never the bare `"${x}"` that fmt would unwrap. */
  template(depth: number): Expr {
    const parts: Expr[] = [this.text(2) + "x"];
    const n = 1 + this.int(3);
    for (let i = 0; i < n; i++) {
      parts.splice(this.int(parts.length + 1), 0, this.interp(depth));
      if (this.int(2) === 0) parts.push(this.text(3));
    }
    // Adjacent text parts are printed as one literal, which must itself be NFC.
    const merged: Expr[] = [];
    for (const p of parts) {
      const last = merged[merged.length - 1];
      if (typeof p === "string" && typeof last === "string") merged[merged.length - 1] = (last + p).normalize("NFC");
      else merged.push(p);
    }
    return hcl.template(merged);
  }

  interp(depth: number): Expr {
    switch (this.int(4)) {
      case 0:
        return this.number();
      case 1:
        return hcl.call("format", ["%s", this.ref()]);
      case 2:
        return depth > 0 ? this.template(depth - 1) : this.ref();
      default:
        return this.ref();
    }
  }

  body(depth: number, maxItems = 8): Body {
    const items: BodyItem[] = [];
    const n = this.int(maxItems + 1);
    for (let i = 0; i < n; i++) {
      switch (this.int(depth > 0 ? 7 : 5)) {
        case 0:
          items.push(hcl.blank());
          break;
        case 1:
          items.push(hcl.comment(this.text(4).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, " ")));
          break;
        case 5:
        case 6: {
          // No `$`/`%` in labels: the printer refuses them because fmt would delete the label.
          const labels = Array.from({ length: this.int(3) }, () =>
            this.int(2) ? this.ident() : this.text(3).replace(/[$%]/g, "").normalize("NFC"),
          );
          items.push(hcl.block(this.ident(10), labels, this.body(depth - 1, 6)));
          break;
        }
        default:
          // Unique names: duplicate arguments are legal to fmt but not to Terraform.
          items.push(hcl.attr(`${this.ident(this.pick([2, 6, 18]))}_${this.counter++}`, this.expr(3)));
      }
    }
    return items;
  }
}
