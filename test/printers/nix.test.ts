// Nix printer tests. Escaping is proven against the real Nix lexer: every
// tricky value is printed, evaluated by nix-instantiate and compared byte for
// byte; every printed sample is parsed by nix-instantiate --parse.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  NixPrintError,
  attrName,
  isBareIdentifier,
  nix,
  printNix,
  quoteString,
} from "../../generator/printers/nix/index.ts";
import type { NixExpr, NixRaw } from "../../generator/printers/nix/index.ts";
import { nixEvalJson, nixParse, requireNix } from "../support/nix.ts";

// Every text printed in this file is collected here and parsed by the real Nix
// parser in the last test, in one nix-instantiate call.
const printedSamples: string[] = [];
function print(expr: NixExpr, options?: Parameters<typeof printNix>[1]): string {
  const text = printNix(expr, options);
  printedSamples.push(text);
  return text;
}

const C0_CONTROLS = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)); // U+0001 … U+001F

const TRICKY_STRINGS: readonly string[] = [
  "",
  "plain",
  '"',
  'say "hi"',
  "\\",
  "\\\\",
  "trailing backslash\\",
  "\\n is not a newline",
  "${x}",
  "$${x}",
  "$$${x}",
  "\\${x}",
  "\\\\${x}",
  "$",
  "$$",
  "${",
  "a$",
  "$'",
  "'$",
  "${\"nested\"}",
  "'",
  "''",
  "'''",
  "''''",
  "'''''",
  "a'",
  "'a",
  "''${x}",
  "'${x}",
  "'''${x}",
  "''$",
  "''\\n",
  "''\\'",
  "'' ${x} '''",
  "line1\nline2",
  "trailing newline\n",
  "\n",
  "\n\n",
  "\nleading newline",
  "a\n\n\nb",
  "cr\r",
  "\r",
  "crlf\r\nline\r\n",
  "tab\there",
  "\t",
  "trailing tab\t",
  "\t leading tab then space",
  "  leading spaces",
  "trailing spaces  ",
  "dollar before trailing space $ ",
  "$$ ",
  "' ",
  "'$ ",
  " ",
  "   ",
  "  indented\n    more\n  less",
  "a\n   \nb",
  "x\n  ",
  "  \n",
  " a\n\tb",
  "ünïcödé",
  "emoji 😀 astral 𝄞 👩‍👩‍👧",
  "combining e\u0301 a\u030a",
  "RTL שלום עולם مرحبا \u200f\u200e",
  "\uFEFFbom",
  "line sep \u2028 para sep \u2029",
  C0_CONTROLS.join(""),
  "\u007f",
  "C1 \u0080\u009f",
  "# not a comment",
  "/* not a comment */",
  "*/",
  "a;b = c; }",
  "`backtick` and | pipe",
  "#!/bin/sh\nset -eu\necho \"${1:-none}\" '$HOME' ''quoted''\n",
  ...C0_CONTROLS.map((c) => `ctl${c}end`),
];

const TRICKY_KEYS: readonly string[] = [
  "simple",
  "with-dash",
  "with_underscore",
  "prime'",
  "_",
  "A1",
  "",
  " ",
  "a b",
  "a.b",
  "x.y.z",
  "1",
  "0",
  "1a",
  "-x",
  "'x",
  "__proto__",
  "constructor",
  "if",
  "then",
  "else",
  "assert",
  "with",
  "let",
  "in",
  "rec",
  "inherit",
  "or",
  "true",
  "null",
  "import",
  "${x}",
  "$${x}",
  '"',
  "\\",
  "\n",
  "\t",
  "\r",
  "#",
  "/*",
  "=",
  ";",
  "ü",
  "😀",
  "\u0001",
  "\u007f",
];

const KEYWORDS = ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"];

/** Nix orders attribute names by their UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function sameBytes(a: unknown, b: string): boolean {
  return typeof a === "string" && Buffer.from(a, "utf8").equals(Buffer.from(b, "utf8"));
}

/** JSON, with invisible / layout-breaking characters as \u escapes (for test titles and the table). */
function visibleJson(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const sIndex = (i: number) => `s${String(i).padStart(3, "0")}`;

describe("environment", () => {
  it("has the real Nix (install nix-bin: apt-get install -y nix-bin)", () => {
    expect(requireNix()).toMatch(/^nix-instantiate \(Nix\) \d+\.\d+/);
  });
});

describe("string escaping round trip through the real Nix evaluator", () => {
  type Evaluated = {
    doubleQuoted: unknown[];
    indented: Record<string, unknown>;
    indentedInList: unknown[];
    keyNames: unknown[];
    keyValues: Record<string, unknown>;
    keyPath: unknown;
    inherited: Record<string, unknown>;
  };
  // ONE file, ONE evaluation for all strings and keys. Evaluated lazily inside
  // the tests (not in beforeAll) so that without Nix every test FAILS with the
  // install hint instead of being reported as skipped.
  const source = print(
    nix.attrs([
      nix.bind("doubleQuoted", nix.list(TRICKY_STRINGS)),
      nix.bind("indented", nix.attrs(TRICKY_STRINGS.map((s, i) => nix.bind(sIndex(i), nix.indented(s))))),
      nix.bind("indentedInList", nix.list(TRICKY_STRINGS.map((s) => nix.indented(s)))),
      nix.bind(
        "keyNames",
        nix.call("builtins.attrNames", nix.attrs(TRICKY_KEYS.map((k, i) => nix.bind(k, i)))),
      ),
      nix.bind("keyValues", nix.attrs(TRICKY_KEYS.map((k, i) => nix.bind(k, i)))),
      nix.bind("keyPath", nix.attrs([nix.bind(["a b", "or", "c.d", "${x}", "if"], "deep")])),
      nix.bind(
        "inherited",
        nix.let(
          [nix.bind("a b", 1), nix.bind("if", 2), nix.bind("plain", 3)],
          nix.attrs([nix.inherit(["a b", "if", "plain"])]),
        ),
      ),
    ]),
    { header: ["Escaping round trip: every value below must evaluate to its input."] },
  );
  let cached: Evaluated | undefined;
  const evaluate = (): Evaluated => (cached ??= nixEvalJson(source) as Evaluated);

  it("covers at least 40 tricky strings and every C0 control character but NUL", () => {
    expect(TRICKY_STRINGS.length).toBeGreaterThanOrEqual(40);
    const all = TRICKY_STRINGS.join("");
    for (const c of C0_CONTROLS) expect(all).toContain(c);
    expect(all).not.toContain("\0");
  });

  it.each(TRICKY_STRINGS.map((s, i) => [i, visibleJson(s), s] as const))(
    "#%i %s survives as \"…\" and as ''…''",
    (i, _label, input) => {
      expect(evaluate().doubleQuoted[i]).toBe(input);
      expect(sameBytes(evaluate().doubleQuoted[i], input)).toBe(true);
      expect(evaluate().indented[sIndex(i)]).toBe(input);
      expect(sameBytes(evaluate().indented[sIndex(i)], input)).toBe(true);
      expect(evaluate().indentedInList[i]).toBe(input);
    },
  );

  it("evaluates all lists completely (no value lost or merged)", () => {
    expect(evaluate().doubleQuoted).toEqual(TRICKY_STRINGS);
    expect(evaluate().indentedInList).toEqual(TRICKY_STRINGS);
    expect(Object.keys(evaluate().indented)).toHaveLength(TRICKY_STRINGS.length);
  });

  it("round-trips tricky attribute names (builtins.attrNames equals the input set)", () => {
    expect(evaluate().keyNames).toEqual([...TRICKY_KEYS].sort(byteOrder));
    TRICKY_KEYS.forEach((k, i) => {
      expect(Object.prototype.hasOwnProperty.call(evaluate().keyValues, k)).toBe(true);
      expect(evaluate().keyValues[k]).toBe(i);
    });
  });

  it("quotes path components individually and keeps the nesting", () => {
    expect(evaluate().keyPath).toEqual({ "a b": { or: { "c.d": { "${x}": { if: "deep" } } } } });
    expect(source).toContain(`"a b"."or"."c.d"."\\\${x}"."if" = "deep";`);
  });

  it("inherits quoted names and keywords", () => {
    expect(evaluate().inherited).toEqual({ "a b": 1, if: 2, plain: 3 });
    expect(source).toContain(`inherit "a b" "if" plain;`);
  });

  it("writes each control character raw in \"…\" except \\n \\r \\t (Nix has no \\u escape)", () => {
    expect(quoteString("\u0001\u001b\u007f")).toBe('"\u0001\u001b\u007f"');
    expect(quoteString("a\nb\rc\td")).toBe('"a\\nb\\rc\\td"');
    expect(quoteString('x"y\\z')).toBe('"x\\"y\\\\z"');
    expect(quoteString("${a} $${b} $c")).toBe('"\\${a} $\\${b} $c"');
  });

  it("writes the documented indented-string escapes", () => {
    const line = (s: string) => print(nix.attrs([nix.bind("v", nix.indented(s))]));
    expect(line("''")).toBe("{ v = '''''''; }\n");
    expect(line("${x}")).toBe("{ v = ''''${x}''; }\n");
    expect(line("'${x}")).toBe("{ v = ''''\\'''${x}''; }\n");
    expect(line("a'")).toBe("{ v = ''a''\\'''; }\n");
    expect(line("  x")).toBe("{ v = ''''\\  x''; }\n");
    expect(line("x ")).toBe(`{ v = ''x\${" "}''; }\n`);
    expect(line(" ")).toBe(`{ v = ''\${" "}''; }\n`);
    expect(line("\tx\t")).toBe("{ v = ''\tx''\\t''; }\n");
    expect(line("a\rb")).toBe("{ v = ''a''\\rb''; }\n");
  });
});

describe("seeded fuzz round trip", () => {
  // Random strings over the characters that interact in Nix's string lexers,
  // from a fixed seed so failures are reproducible.
  const ALPHABET = ["'", "'", "'", "$", "$", "{", "}", "\\", '"', " ", " ", " ", "\t", "\n", "\n", "\r", "a", "#", "\u0001", "é", "😀"];
  function mulberry32(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const random = mulberry32(0x1ab6e4);
  const FUZZ = Array.from({ length: 3000 }, () => {
    const length = Math.floor(random() * 24);
    return Array.from({ length }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join("");
  });

  it("3000 random strings evaluate to themselves as \"…\" and ''…'' (one evaluation)", () => {
    const text = print(
      nix.attrs({
        dq: nix.list(FUZZ),
        ind: nix.attrs(FUZZ.map((s, i) => nix.bind(sIndex(i), nix.indented(s)))),
        nested: nix.list([nix.attrs({ deeper: nix.list(FUZZ.map((s) => nix.indented(s))) })]),
      }),
    );
    const result = nixEvalJson(text) as { dq: string[]; ind: Record<string, string>; nested: [{ deeper: string[] }] };
    expect(result.dq).toEqual(FUZZ);
    expect(FUZZ.map((_, i) => result.ind[sIndex(i)])).toEqual(FUZZ);
    expect(result.nested[0].deeper).toEqual(FUZZ);
  });
});

describe("attribute names", () => {
  it("are bare exactly when they match the identifier grammar and are not keywords", () => {
    for (const k of ["a", "x-y", "_", "a'b", "A1", "__curPos", "true", "null", "import", "systemd-boot"]) {
      expect(isBareIdentifier(k)).toBe(true);
      expect(attrName(k)).toBe(k);
    }
    for (const k of ["", "1a", "-x", "'x", "a.b", "a b", "ü", "${x}"]) {
      expect(isBareIdentifier(k)).toBe(false);
      expect(attrName(k)).toBe(quoteString(k));
    }
  });

  it("quotes every keyword, including `or`", () => {
    for (const k of KEYWORDS) expect(attrName(k)).toBe(`"${k}"`);
  });

  it("treats a string key as ONE name and an array as a dotted path", () => {
    expect(print(nix.attrs([nix.bind("a.b", 1)]))).toBe('{ "a.b" = 1; }\n');
    expect(print(nix.attrs([nix.bind(["a", "b"], 1)]))).toBe("{ a.b = 1; }\n");
  });
});

describe("values without a faithful spelling are rejected", () => {
  it("rejects NUL everywhere with a clear error", () => {
    const cases: (() => unknown)[] = [
      () => printNix("a\0b"),
      () => printNix(nix.indented("a\0b")),
      () => printNix(nix.attrs([nix.bind("k\0", 1)])),
      () => printNix(nix.attrs([nix.bind(["ok", "\0"], 1)])),
      () => printNix(nix.attrs([nix.inherit(["a\0"])])),
      () => printNix(nix.attrs([nix.bind("k", 1, { comment: "x\0" })])),
      () => printNix(1, { header: ["\0"] }),
      () => nix.expr("a\0"),
      () => quoteString("\0"),
    ];
    for (const run of cases) expect(run).toThrow(/NUL/);
    expect(() => printNix("\0")).toThrow(NixPrintError);
  });

  it("rejects lone surrogates (not encodable as UTF-8)", () => {
    expect(() => printNix("\uD800")).toThrow(/surrogate/);
    expect(() => printNix(nix.indented("x\uDC00"))).toThrow(/surrogate/);
    expect(printNix("\uD83D\uDE00")).toBe('"😀"\n');
  });

  it("rejects non-integer JS numbers, out-of-range ints and floats Nix cannot lex", () => {
    expect(() => printNix(1.5)).toThrow(/nix\.float/);
    expect(() => printNix(Number.NaN)).toThrow(NixPrintError);
    expect(() => nix.int(2n ** 63n)).toThrow(/range/);
    expect(() => nix.int(-(2n ** 63n))).toThrow(/range/);
    expect(() => nix.int(2 ** 53)).toThrow(/safe integer/);
    expect(() => nix.float(Number.POSITIVE_INFINITY)).toThrow(/NaN\/Infinity/);
    expect(() => nix.float(1e-310)).toThrow(/subnormal/);
    expect(() => printNix({ kind: "float", value: Number.NaN })).toThrow(NixPrintError);
  });

  it("validates path literals against the Nix path grammar", () => {
    for (const bad of ["disko.nix", "", "./", "./a/", "./a b", "./a//b", "~", "~user/x", "/", "./a$b", "<nixpkgs>", "a/b"]) {
      expect(() => nix.path(bad), bad).toThrow(/invalid Nix path literal/);
    }
    expect(() => printNix({ kind: "path", value: "no-slash" })).toThrow(/invalid Nix path literal/);
  });

  it("validates raw expressions minimally", () => {
    expect(() => nix.expr("")).toThrow(/empty/);
    expect(() => nix.expr("   ")).toThrow(/empty/);
    expect(() => nix.expr(" pkgs.incus")).toThrow(/whitespace/);
    expect(() => nix.expr("a\nb")).toThrow(/multiline: true/);
    expect(() => nix.expr("a\r\nb", { multiline: true })).toThrow(/carriage return/);
    expect(() => nix.expr("a \nb", { multiline: true })).toThrow(/trailing whitespace/);
    const sneaky: NixRaw = { kind: "raw", code: "a\nb" };
    expect(() => printNix(sneaky)).toThrow(/multiline: true/);
  });

  it("validates identifiers in lambdas and patterns", () => {
    expect(() => nix.lambda("if", 1)).toThrow(/identifier/);
    expect(() => nix.pattern(["a b"])).toThrow(/identifier/);
    expect(() => nix.pattern(["a"], { bind: "or" })).toThrow(/identifier/);
    expect(() => printNix(nix.lambda(nix.pattern(["a", "a"]), 1))).toThrow(/duplicate formal/);
  });

  it("refuses JS object keys that JS would reorder", () => {
    expect(() => nix.attrs({ b: 1, "10": 2 })).toThrow(/array index/);
    expect(print(nix.attrs([nix.bind("b", 1), nix.bind("10", 2)]))).toBe('{\n  b = 1;\n  "10" = 2;\n}\n');
  });

  it("refuses attribute sets Nix would reject as already defined", () => {
    expect(() => printNix(nix.attrs([nix.bind("a", 1), nix.bind("a", 2)]))).toThrow(/already defined/);
    expect(() => printNix(nix.attrs([nix.bind("a", 1), nix.bind(["a", "b"], 2)]))).toThrow(/already defined/);
    expect(() => printNix(nix.attrs([nix.bind(["a", "b"], 2), nix.bind("a", 1)]))).toThrow(/already defined/);
    expect(() => printNix(nix.attrs([nix.inherit(["x"]), nix.bind(["x", "y"], 2)]))).toThrow(/already defined/);
    expect(() =>
      printNix(nix.attrs([nix.bind("a", nix.attrs({ x: 1 })), nix.bind(["a", "x", "z"], 2)])),
    ).toThrow(/already defined/);
    expect(() => printNix(nix.let([nix.bind("a", 1), nix.bind("a", 1)], 1))).toThrow(/already defined/);
    expect(() => printNix(nix.attrs([nix.bind(["p", "q"], nix.attrs([nix.inherit(["x"]), nix.bind(["x", "y"], 1)]))]))).toThrow(
      /attribute p\.q\.x is already defined \(while adding p\.q\.x\.y\)/,
    );
    // The same two levels deep: the message names the whole path from the outermost set.
    expect(() =>
      printNix(nix.attrs([nix.bind("p", nix.attrs([nix.bind("q", nix.attrs([nix.inherit(["x"]), nix.bind(["x", "y"], 1)]))]))])),
    ).toThrow(/attribute p\.q\.x is already defined \(while adding p\.q\.x\.y\)/);
  });

  it("refuses a deep merge of two set literals (Nix merges one level only)", () => {
    expect(() =>
      printNix(nix.attrs([nix.bind(["a", "z", "w"], 3), nix.bind("a", nix.attrs([nix.bind(["z", "v"], 4)]))])),
    ).toThrow(/attribute a\.z is already defined/);
    expect(() =>
      printNix(nix.attrs([nix.bind("a", nix.attrs({ z: nix.attrs({ w: 1 }) })), nix.bind("a", nix.attrs({ z: 2 }))])),
    ).toThrow(/already defined/);
  });

  it("accepts what Nix merges: paths into sets and set literals bound to an existing set", () => {
    const merged = print(
      nix.attrs([
        nix.bind("a", nix.attrs({ x: 1 })),
        nix.bind(["a", "y"], 2),
        nix.bind(["a", "z", "w"], 3),
        nix.bind("a", nix.attrs({ q: 4 })),
        nix.bind(["b", "c"], nix.attrs({ d: 5 })),
        nix.bind(["b", "c", "e"], 6),
        // An inherit two levels down next to an attribute of the same name as its parent.
        nix.bind(["p", "q"], nix.let({ x: 7 }, nix.attrs([nix.inherit(["x"]), nix.bind("q", 8)]))),
        nix.bind(["r", "s"], nix.attrs([nix.inherit(["t"], { from: nix.attrs({ t: 9 }) }), nix.bind("s", 10)])),
      ]),
    );
    expect(nixEvalJson(merged)).toEqual({
      a: { x: 1, y: 2, z: { w: 3 }, q: 4 },
      b: { c: { d: 5, e: 6 } },
      p: { q: { x: 7, q: 8 } },
      r: { s: { t: 9, s: 10 } },
    });
  });
});

describe("numbers", () => {
  const floats = [
    0, -0, 0.5, 1, -1.5, 1e21, 1.5e-7, 0.1, 1 / 3, Math.PI, 123456789.123456789,
    1.7976931348623157e308, 2.2250738585072014e-308, -2.5e-300,
  ];

  it("prints floats in the Nix float grammar", () => {
    expect(print(nix.list([nix.float(1), nix.float(1e21), nix.float(1.5e-7), nix.float(0.5), nix.float(-0)]))).toBe(
      "[\n  1.0\n  1.0e+21\n  1.5e-7\n  0.5\n  0.0\n]\n",
    );
  });

  it("prints floats that Nix reads back as the same double", () => {
    // builtins.fromJSON is an independent parser of JS's own decimal form;
    // nix --json output itself rounds floats, so equality is checked inside Nix.
    const text = print(
      nix.let(
        {
          printed: nix.list(floats.map((f) => nix.float(f))),
          reference: nix.list(floats.map((f) => nix.call("builtins.fromJSON", JSON.stringify(f)))),
        },
        nix.attrs({
          equal: nix.expr(
            "builtins.genList (i: builtins.elemAt printed i == builtins.elemAt reference i) (builtins.length printed)",
          ),
          types: nix.call("map", nix.expr("builtins.typeOf"), nix.expr("printed")),
        }),
      ),
    );
    const result = nixEvalJson(text) as { equal: boolean[]; types: string[] };
    expect(result.equal).toEqual(floats.map(() => true));
    expect(result.types).toEqual(floats.map(() => "float"));
  });

  it("prints 64-bit integers exactly and parenthesises negatives where needed", () => {
    const ints = [0n, 1n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n - 1n)];
    const text = print(nix.call("map", nix.expr("builtins.toString"), nix.list(ints.map((i) => nix.int(i)))));
    expect(text).toContain("(-1)");
    expect(nixEvalJson(text)).toEqual(ints.map(String));
    expect(print(nix.attrs({ x: -5 }))).toBe("{ x = -5; }\n");
    expect(print(nix.call("f", -5, nix.float(-0.5)))).toBe("f (-5) (-0.5)\n");
  });
});

describe("layout", () => {
  it("prints a configuration.nix-like module exactly in nixfmt style", () => {
    const configuration = nix.lambda(
      nix.pattern(["config", "lib", "pkgs"], { ellipsis: true }),
      nix.attrs([
        nix.bind("imports", nix.list([nix.path("./disko.nix")])),
        nix.bind(["networking", "hostName"], "atlas", {
          blankLineBefore: true,
          comment: "Identity (hostId comes from lab.lock.json)",
        }),
        nix.bind(["networking", "hostId"], "8425e349"),
        nix.bind(["boot", "loader", "systemd-boot", "enable"], true, {
          blankLineBefore: true,
          comment: "Boot: systemd-boot on EFI",
        }),
        nix.bind(["boot", "loader", "efi", "canTouchEfiVariables"], true),
        nix.bind(["boot", "supportedFilesystems"], nix.list(["zfs"])),
        nix.bind(["boot", "zfs", "forceImportRoot"], false),
        nix.bind(["boot", "zfs", "extraPools"], nix.list(["tank", "fast"])),
        nix.bind(["boot", "kernelPackages"], nix.expr("config.boot.zfs.package.latestCompatibleLinuxPackages")),
        nix.bind(
          ["services", "zfs"],
          nix.attrs({
            autoScrub: nix.attrs({ enable: true, interval: "monthly" }),
            trim: nix.attrs({ enable: true }),
          }),
          { blankLineBefore: true },
        ),
        nix.bind(["networking", "nftables", "enable"], true, { blankLineBefore: true }),
        nix.bind(
          ["networking", "firewall"],
          nix.attrs([
            nix.bind("enable", true),
            nix.bind("allowedTCPPorts", nix.list([22])),
            nix.bind("trustedInterfaces", nix.list(["incusbr0", "tailscale0"]), {
              comment: "Guests need DHCP/DNS from Incus.\nTailscale is trusted end to end.",
            }),
          ]),
        ),
        nix.bind(
          ["services", "openssh"],
          nix.attrs({
            enable: true,
            settings: nix.attrs({ PasswordAuthentication: false, PermitRootLogin: "no" }),
          }),
          { blankLineBefore: true },
        ),
        nix.bind(
          ["users", "users", "admin"],
          nix.attrs({
            isNormalUser: true,
            extraGroups: nix.list(["wheel", "incus-admin"]),
            openssh: nix.attrs([
              nix.bind(["authorizedKeys", "keys"], nix.list(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample admin@lab"])),
            ]),
          }),
        ),
        nix.bind(["virtualisation", "incus"], nix.attrs({ enable: true, package: nix.expr("pkgs.incus") }), {
          blankLineBefore: true,
          comment: "Incus objects come from OpenTofu, not from the preseed.",
        }),
        nix.bind(
          ["services", "tailscale"],
          nix.attrs({
            enable: true,
            authKeyFile: "/run/secrets/tailscale-auth-key",
            extraUpFlags: nix.list(["--advertise-routes=10.10.0.0/24,10.20.0.0/24"]),
          }),
        ),
        nix.bind(["security", "pki", "certificateFiles"], nix.list([nix.path("./ca/root.crt")])),
        nix.bind(["nix", "settings", "experimental-features"], nix.list(["nix-command", "flakes"])),
        nix.bind(
          ["environment", "systemPackages"],
          nix.list([nix.expr("pkgs.zfs"), nix.call("lib.hiPrio", nix.expr("pkgs.incus"))]),
        ),
        nix.bind(["boot", "kernel", "sysctl", "net.ipv4.ip_forward"], nix.call("lib.mkDefault", 1)),
        nix.bind(
          ["systemd", "services", "labgen-agent", "script"],
          nix.indented('set -euo pipefail\nexec labgen-agent --repo "${REPO}" --interval 5m\n'),
        ),
        nix.bind(["system", "stateVersion"], "25.05", { blankLineBefore: true }),
      ]),
    );

    const expected = `# Generated by labgen from lab.config.ts. Do not edit.
{
  config,
  lib,
  pkgs,
  ...
}:
{
  imports = [ ./disko.nix ];

  # Identity (hostId comes from lab.lock.json)
  networking.hostName = "atlas";
  networking.hostId = "8425e349";

  # Boot: systemd-boot on EFI
  boot.loader.systemd-boot.enable = true;
  boot.loader.efi.canTouchEfiVariables = true;
  boot.supportedFilesystems = [ "zfs" ];
  boot.zfs.forceImportRoot = false;
  boot.zfs.extraPools = [
    "tank"
    "fast"
  ];
  boot.kernelPackages = config.boot.zfs.package.latestCompatibleLinuxPackages;

  services.zfs = {
    autoScrub = {
      enable = true;
      interval = "monthly";
    };
    trim = {
      enable = true;
    };
  };

  networking.nftables.enable = true;
  networking.firewall = {
    enable = true;
    allowedTCPPorts = [ 22 ];
    # Guests need DHCP/DNS from Incus.
    # Tailscale is trusted end to end.
    trustedInterfaces = [
      "incusbr0"
      "tailscale0"
    ];
  };

  services.openssh = {
    enable = true;
    settings = {
      PasswordAuthentication = false;
      PermitRootLogin = "no";
    };
  };
  users.users.admin = {
    isNormalUser = true;
    extraGroups = [
      "wheel"
      "incus-admin"
    ];
    openssh = {
      authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample admin@lab" ];
    };
  };

  # Incus objects come from OpenTofu, not from the preseed.
  virtualisation.incus = {
    enable = true;
    package = pkgs.incus;
  };
  services.tailscale = {
    enable = true;
    authKeyFile = "/run/secrets/tailscale-auth-key";
    extraUpFlags = [ "--advertise-routes=10.10.0.0/24,10.20.0.0/24" ];
  };
  security.pki.certificateFiles = [ ./ca/root.crt ];
  nix.settings.experimental-features = [
    "nix-command"
    "flakes"
  ];
  environment.systemPackages = [
    pkgs.zfs
    (lib.hiPrio pkgs.incus)
  ];
  boot.kernel.sysctl."net.ipv4.ip_forward" = lib.mkDefault 1;
  systemd.services.labgen-agent.script = ''
    set -euo pipefail
    exec labgen-agent --repo "''\${REPO}" --interval 5m
  '';

  system.stateVersion = "25.05";
}
`;
    expect(print(configuration, { header: ["Generated by labgen from lab.config.ts. Do not edit."] })).toBe(expected);
  });

  it("prints a disko-like pure data file that evaluates to the intended value", () => {
    const disk = (id: string) =>
      nix.attrs({
        type: "disk",
        device: `/dev/disk/by-id/${id}`,
        content: nix.attrs({
          type: "gpt",
          partitions: nix.attrs({
            ESP: nix.attrs({ size: "512M", type: "EF00" }),
            zfs: nix.attrs({ size: "100%", content: nix.attrs({ type: "zfs", pool: "tank" }) }),
          }),
        }),
      });
    const disko = nix.attrs([
      nix.bind(
        ["disko", "devices", "disk"],
        nix.attrs([nix.bind("nvme0", disk("nvme-Samsung_SSD_980_1TB_S64ANS0T1")), nix.bind("nvme1", disk("nvme-WD_1TB_2"))]),
      ),
      nix.bind(
        ["disko", "devices", "zpool", "tank"],
        nix.attrs({
          type: "zpool",
          mode: "mirror",
          options: nix.attrs({ ashift: "12", autotrim: "on" }),
          rootFsOptions: nix.attrs({ compression: "zstd", acltype: "posixacl", xattr: "sa", atime: "off" }),
        }),
        { blankLineBefore: true },
      ),
    ]);
    const text = print(disko);
    expect(text).toContain(
      `{
  disko.devices.disk = {
    nvme0 = {
      type = "disk";
      device = "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T1";
      content = {
        type = "gpt";
        partitions = {
          ESP = {
            size = "512M";
            type = "EF00";
          };
`,
    );
    const value = nixEvalJson(text) as { disko: { devices: { disk: Record<string, unknown>; zpool: { tank: { mode: string } } } } };
    expect(Object.keys(value.disko.devices.disk)).toEqual(["nvme0", "nvme1"]);
    expect(value.disko.devices.zpool.tank.mode).toBe("mirror");
  });

  it("keeps empties, singletons and single-entry sets compact and expands the rest", () => {
    expect(print(nix.list([]))).toBe("[ ]\n");
    expect(print(nix.attrs({}))).toBe("{ }\n");
    expect(print(nix.list([1]))).toBe("[ 1 ]\n");
    expect(print(nix.list([1, 2]))).toBe("[\n  1\n  2\n]\n");
    expect(print(nix.attrs([nix.bind(["a", "b"], 1)]))).toBe("{ a.b = 1; }\n");
    expect(print(nix.attrs({ a: nix.attrs({ b: 1 }) }))).toBe("{\n  a = {\n    b = 1;\n  };\n}\n");
    expect(print(nix.attrs({ a: nix.list([]), b: nix.attrs({}) }))).toBe("{\n  a = [ ];\n  b = { };\n}\n");
    expect(print(nix.list([nix.attrs({ a: 1 }), nix.attrs({ a: 1, b: 2 }), nix.list([nix.list([])])]))).toBe(
      `[
  { a = 1; }
  {
    a = 1;
    b = 2;
  }
  [ [ ] ]
]
`,
    );
  });

  it("expands a one-item list that does not fit in the width", () => {
    const long = "x".repeat(95);
    expect(print(nix.attrs({ k: nix.list([long]) }))).toBe(`{\n  k = [\n    "${long}"\n  ];\n}\n`);
    expect(print(nix.list(["abcdefgh"]), { width: 10 })).toBe('[\n  "abcdefgh"\n]\n');
    // Strings stay on the binding line even when longer than the width.
    const huge = "y".repeat(150);
    expect(print(nix.attrs({ k: huge, j: 1 }))).toBe(`{\n  k = "${huge}";\n  j = 1;\n}\n`);
  });

  it("prints function application with parentheses, absorption and line breaking", () => {
    expect(print(nix.call("lib.mkDefault", 5))).toBe("lib.mkDefault 5\n");
    expect(print(nix.call("f", "s", nix.path("./p"), nix.expr("pkgs.hello"), nix.call("g", 1), nix.list([])))).toBe(
      'f "s" ./p pkgs.hello (g 1) [ ]\n',
    );
    expect(print(nix.apply(nix.call("f", 1), 2))).toBe("f 1 2\n");
    expect(print(nix.apply(nix.lambda("x", nix.expr("x")), 1))).toBe("(x: x) 1\n");
    expect(print(nix.attrs({ x: nix.call("lib.mkIf", nix.expr("config.a.enable"), nix.attrs({ b: 1, c: 2 })) }))).toBe(
      `{
  x = lib.mkIf config.a.enable {
    b = 1;
    c = 2;
  };
}
`,
    );
    expect(print(nix.attrs({ x: nix.call("lib.mkMerge", nix.list([nix.attrs({ a: 1 }), nix.attrs({ b: 2 })])) }))).toBe(
      `{
  x = lib.mkMerge [
    { a = 1; }
    { b = 2; }
  ];
}
`,
    );
    const arg = "a".repeat(60);
    // The last argument is absorbed when the rest fits on the binding line …
    expect(print(nix.attrs({ someLongAttributeName: nix.call("builtins.concatStringsSep", " ", nix.list([arg])) }))).toBe(
      `{\n  someLongAttributeName = builtins.concatStringsSep " " [\n    "${arg}"\n  ];\n}\n`,
    );
    // … a call that fits after a line break moves there …
    const arg70 = "b".repeat(70);
    expect(print(nix.attrs({ someLongAttributeName: nix.call("f", arg70, nix.expr("x")) }))).toBe(
      `{\n  someLongAttributeName =\n    f "${arg70}" x;\n}\n`,
    );
    // … and otherwise every argument gets its own line.
    expect(print(nix.attrs({ x: nix.call("f", arg, arg) }))).toBe(`{\n  x =\n    f\n      "${arg}"\n      "${arg}";\n}\n`);
    expect(print(nix.list([nix.call("lib.mkIf", true, nix.attrs({ a: 1, b: 2 }))]))).toBe(
      "[\n  (lib.mkIf true {\n    a = 1;\n    b = 2;\n  })\n]\n",
    );
  });

  it("prints raw expressions verbatim and re-indents multi-line ones", () => {
    expect(print(nix.list([nix.expr("pkgs.incus"), nix.expr("lib.mkDefault 5"), nix.expr("true")]))).toBe(
      "[\n  pkgs.incus\n  (lib.mkDefault 5)\n  true\n]\n",
    );
    const multi = nix.expr("lib.mkIf true {\n  a = 1;\n}", { multiline: true });
    expect(print(nix.attrs({ outer: nix.attrs({ x: multi }) }))).toBe(
      "{\n  outer = {\n    x = lib.mkIf true {\n      a = 1;\n    };\n  };\n}\n",
    );
  });

  it("prints lambdas, patterns and let like nixfmt", () => {
    expect(print(nix.lambda("x", nix.expr("x")))).toBe("x: x\n");
    expect(print(nix.lambda(nix.pattern(["pkgs"]), nix.expr("pkgs.hello")))).toBe("{ pkgs }: pkgs.hello\n");
    expect(print(nix.lambda(nix.pattern(["lib"], { ellipsis: true }), nix.attrs({ a: 1 })))).toBe(
      "{ lib, ... }:\n{\n  a = 1;\n}\n",
    );
    expect(print(nix.lambda(nix.pattern([], { ellipsis: true }), 1))).toBe("{ ... }: 1\n");
    expect(
      print(
        nix.lambda(
          nix.pattern(["pkgs", { name: "port", default: 8080 }, { name: "hosts", default: nix.list(["a", "b"]) }], {
            ellipsis: true,
            bind: "args",
          }),
          nix.expr("args"),
        ),
      ),
    ).toBe(`args@{
  pkgs,
  port ? 8080,
  hosts ? [
    "a"
    "b"
  ],
  ...
}:
args
`);
    expect(print(nix.attrs({ f: nix.lambda("x", nix.attrs({ y: nix.expr("x") })) }))).toBe(
      "{\n  f = x: {\n    y = x;\n  };\n}\n",
    );
    expect(print(nix.attrs({ v: nix.let([nix.bind("a", 1), nix.bind("b", 2, { blankLineBefore: true })], nix.expr("a + b")) }))).toBe(
      `{
  v =
    let
      a = 1;

      b = 2;
    in
    a + b;
}
`,
    );
    const module = print(
      nix.let(
        { ports: nix.list([22, 443]) },
        nix.lambda(
          nix.pattern(["config", "lib", "pkgs"], { ellipsis: true }),
          nix.attrs([nix.bind(["networking", "firewall", "allowedTCPPorts"], nix.expr("ports"))]),
        ),
      ),
    );
    expect(module).toBe(`let
  ports = [
    22
    443
  ];
in
{
  config,
  lib,
  pkgs,
  ...
}:
{
  networking.firewall.allowedTCPPorts = ports;
}
`);
  });

  it("prints inherit on one line for up to three names, else one per line", () => {
    expect(print(nix.lambda(nix.pattern(["a", "b"]), nix.attrs([nix.inherit(["a", "b"])])))).toBe(
      "{ a, b }: { inherit a b; }\n",
    );
    expect(
      print(nix.lambda(nix.pattern(["pkgs"]), nix.attrs([nix.inherit(["hello", "git", "zfs", "incus"], { from: nix.expr("pkgs") })]))),
    ).toBe(`{ pkgs }:
{
  inherit (pkgs)
    hello
    git
    zfs
    incus
    ;
}
`);
    const tools = nix.attrs([nix.inherit(["git"], { from: nix.expr("pkgs") })]);
    expect(print(nix.lambda(nix.pattern(["pkgs"]), nix.attrs({ tools })))).toBe(
      "{ pkgs }:\n{\n  tools = { inherit (pkgs) git; };\n}\n",
    );
  });

  it("prints comments, blank lines and header lines without trailing whitespace", () => {
    const text = print(
      nix.attrs([
        nix.bind("a", 1, { blankLineBefore: true, comment: "first (blank line ignored)" }),
        nix.bind("b", 2, { blankLineBefore: true, comment: "two\n\nparagraphs  \r\nCRLF too" }),
        nix.bind("c", 3),
      ]),
      { header: ["line one", "", "line three"] },
    );
    expect(text).toBe(`# line one
#
# line three
{
  # first (blank line ignored)
  a = 1;

  # two
  #
  # paragraphs
  # CRLF too
  b = 2;
  c = 3;
}
`);
  });

  it("lays out indented strings so Nix strips exactly the printer's indentation", () => {
    expect(print(nix.attrs({ a: nix.attrs({ s: nix.indented("  x\n    y\nz") }) }))).toBe(
      "{\n  a = {\n    s = ''\n      ''\\  x\n          y\n      z'';\n  };\n}\n",
    );
    expect(print(nix.list([nix.indented("a\n\nb\n"), nix.indented("")]))).toBe("[\n  ''\n    a\n\n    b\n  ''\n  ''''\n]\n");
  });
});

describe("canonical output", () => {
  it("is deterministic, ends with exactly one newline and has no trailing whitespace", () => {
    expect(printedSamples.length).toBeGreaterThan(20);
    for (const text of printedSamples) {
      expect(text.endsWith("\n")).toBe(true);
      expect(text.endsWith("\n\n")).toBe(false);
      for (const line of text.split("\n")) {
        expect(line, JSON.stringify(line)).not.toMatch(/[ \t]$/);
      }
    }
    const expr = nix.attrs({ a: nix.list([1, 2]), b: "x" });
    expect(printNix(expr)).toBe(printNix(expr));
  });

  it("every printed sample passes nix-instantiate --parse", () => {
    // One parse for all samples: each is a complete expression, so it can be a
    // parenthesised list item. Free variables used by samples are bound first.
    const batch = `let\n  f = null;\n  g = null;\n  x = null;\n  lib = null;\n  pkgs = null;\n  config = null;\nin\n[\n${printedSamples
      .map((s) => `(\n${s})`)
      .join("\n")}\n]\n`;
    expect(() => nixParse(batch)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// Round-trip table (test/printers/nix-roundtrip-table.md)
// ---------------------------------------------------------------------------

describe("round-trip table", () => {
  const tablePath = fileURLToPath(new URL("./nix-roundtrip-table.md", import.meta.url));

  /** Printed Nix as it appears in the file: newlines as ⏎, control/invisible characters as ⟨U+XXXX⟩. */
  function display(s: string): string {
    return s.replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) =>
      c === "\n" ? "⏎" : `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`,
    );
  }
  function cell(s: string): string {
    const text = s.replace(/\|/g, "\\|");
    return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
  }

  it("matches the committed table (regenerate with UPDATE_NIX_TABLE=1)", () => {
    const rows = TRICKY_STRINGS.map((input) => {
      const dq = printNix(input).slice(0, -1);
      const ind = printNix(nix.indented(input)).slice(0, -1);
      return { input, dq, ind };
    });
    // Evaluate both spellings of every row in one Nix call.
    const evaluated = nixEvalJson(
      `[\n${rows.map((r) => `(\n${r.dq}\n)\n(\n${r.ind}\n)`).join("\n")}\n]\n`,
    ) as string[];
    const lines = [
      "# Nix string escaping round trip",
      "",
      "Generated by `test/printers/nix.test.ts` (`UPDATE_NIX_TABLE=1 npx vitest run test/printers/nix.test.ts`).",
      "Each input is printed by the Nix printer as a double-quoted string and as an indented string,",
      `evaluated by \`${requireNix()}\` (\`--eval --strict --json\`), and compared byte for byte.`,
      "Inputs and evaluated values are JSON (invisible characters as `\\u` escapes). Printed Nix is shown",
      "verbatim as it appears in the file, with `⏎` for a line break and `⟨U+XXXX⟩` for a control or invisible character.",
      "",
      '| # | input (JSON) | printed `"…"` | printed `\'\'…\'\'` | evaluated `"…"` / `\'\'…\'\'` (JSON) | equal |',
      "|---|---|---|---|---|---|",
      ...rows.map((r, i) => {
        const a = evaluated[2 * i];
        const b = evaluated[2 * i + 1];
        const equal = sameBytes(a, r.input) && sameBytes(b, r.input);
        const shown = a === b ? visibleJson(a) : `${visibleJson(a)} / ${visibleJson(b)}`;
        const cells = [String(i), cell(visibleJson(r.input)), cell(display(r.dq)), cell(display(r.ind)), cell(shown)];
        return `| ${cells.join(" | ")} | ${equal ? "yes" : "**NO**"} |`;
      }),
      "",
    ];
    const table = lines.join("\n");
    expect(table).not.toContain("**NO**");
    if (process.env.UPDATE_NIX_TABLE === "1") writeFileSync(tablePath, table, "utf8");
    expect(readFileSync(tablePath, "utf8")).toBe(table);
  });
});
