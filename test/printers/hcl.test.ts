// HCL printer: exact layout, fmt-exactness against the real formatter, escaping round trips through
// the real evaluator, and refusal of IR that cannot be printed faithfully.

import { describe, expect, it } from "vitest";
import { escapeHclString, hcl, HclPrintError, isHclIdentifier, printHcl } from "../../generator/printers/hcl/index.ts";
import type { Body, BodyItem, Expr } from "../../generator/printers/hcl/index.ts";
import { hclFmt, hclFmtCheckFiles, hclTool, hclToJson, terraformEval } from "../support/hcl.ts";
import { RandomHcl } from "../support/hcl-random.ts";
import { validateIncusHcl } from "../support/incus-schema.ts";

const lines = (...ls: string[]) => ls.join("\n") + "\n";

describe("printHcl layout", () => {
  it("aligns = across a run of single-line attributes", () => {
    const out = printHcl([
      hcl.block("resource", ["incus_instance", "web"], [
        hcl.attr("name", "web"),
        hcl.attr("image", "images:debian/12"),
        hcl.attr("ephemeral", false),
      ]),
    ]);
    expect(out).toBe(
      lines(
        'resource "incus_instance" "web" {',
        '  name      = "web"',
        '  image     = "images:debian/12"',
        "  ephemeral = false",
        "}",
      ),
    );
  });

  it("breaks alignment runs at blank lines, comments, blocks and multi-line values", () => {
    const out = printHcl([
      hcl.attr("a", 1),
      hcl.attr("bb", 2),
      hcl.blank(),
      hcl.attr("ccc", 3),
      hcl.comment("note"),
      hcl.attr("d", 4),
      hcl.attr("config", hcl.object({ "limits.cpu": "2", x: "y" })),
      hcl.attr("eeeee", 5),
      hcl.attr("f", 6),
    ], { separateTopLevelBlocks: false });
    expect(out).toBe(
      lines(
        "a  = 1",
        "bb = 2",
        "",
        "ccc = 3",
        "# note",
        "d = 4",
        "config = {",
        '  "limits.cpu" = "2"',
        '  x            = "y"',
        "}",
        "eeeee = 5",
        "f     = 6",
      ),
    );
  });

  it("quotes object keys that are not identifiers (and the keywords for/null/true/false)", () => {
    const out = printHcl([
      hcl.attr("m", hcl.object([
        ["plain", 1],
        ["ipv4.address", 2],
        ["with space", 3],
        ["for", 4],
        ["null", 5],
        ["dash-ok", 6],
        ["9lives", 7],
        [hcl.key(hcl.ref("var.k")), 8],
      ])),
    ]);
    expect(out).toBe(
      lines(
        "m = {",
        "  plain          = 1",
        '  "ipv4.address" = 2',
        '  "with space"   = 3',
        '  "for"          = 4',
        '  "null"         = 5',
        "  dash-ok        = 6",
        '  "9lives"       = 7',
        "  (var.k)        = 8",
        "}",
      ),
    );
  });

  it("prints empty blocks/objects/tuples on one line and separates top-level blocks", () => {
    const out = printHcl([
      hcl.comment("header\nsecond line"),
      hcl.block("terraform", [], []),
      hcl.attr("x", hcl.object({})),
      hcl.attr("y", []),
      hcl.comment("attached to the block below"),
      hcl.block("provider", ["incus"], [hcl.blank(), hcl.blank()]),
      hcl.blank(),
      hcl.blank(),
    ]);
    expect(out).toBe(
      lines(
        "# header",
        "# second line",
        "terraform {}",
        "",
        "x = {}",
        "y = []",
        "",
        "# attached to the block below",
        'provider "incus" {}',
      ),
    );
  });

  it("hugs a single trailing multi-line argument and lists several one per line", () => {
    const out = printHcl([
      hcl.attr("a", hcl.call("jsonencode", [hcl.object({ k: 1 })])),
      hcl.attr("b", hcl.call("merge", [hcl.ref("local.base"), hcl.object({ k: 2 })])),
      hcl.attr("c", hcl.call("merge", [hcl.object({ k: 3 }), hcl.object({ k: 4 })])),
    ]);
    expect(out).toBe(
      lines(
        "a = jsonencode({",
        "  k = 1",
        "})",
        "b = merge(local.base, {",
        "  k = 2",
        "})",
        "c = merge(",
        "  {",
        "    k = 3",
        "  },",
        "  {",
        "    k = 4",
        "  },",
        ")",
      ),
    );
  });

  it("keeps short tuples on one line and breaks long ones or ones holding objects", () => {
    const long = Array.from({ length: 12 }, (_, i) => `item-number-${i}`);
    const out = printHcl([
      hcl.attr("short", ["a", 1, true, null, hcl.ref("var.x")]),
      hcl.attr("long", long),
      hcl.attr("objs", [hcl.object({ port: 80 })]),
    ]);
    expect(out).toBe(
      lines(
        'short = ["a", 1, true, null, var.x]',
        "long = [",
        ...long.map((s) => `  "${s}",`),
        "]",
        "objs = [",
        "  {",
        "    port = 80",
        "  },",
        "]",
      ),
    );
  });

  it("prints references, calls and templates", () => {
    const out = printHcl([
      hcl.attr("r", hcl.traversal("local", [{ attr: "m" }, { index: "a\"b" }, { index: 0 }, { splat: true }, { attr: "c" }])),
      hcl.attr("f", hcl.call("file", [hcl.tpl`${hcl.ref("path.module")}/keys/admin.pub`])),
      hcl.attr("p", hcl.call("provider::incus::parse", [])),
      hcl.attr("t", hcl.tpl`cost: $${hcl.ref("var.price")} and 100%${hcl.num(-1)}`),
    ]);
    expect(out).toBe(
      lines(
        'r = local.m["a\\"b"][0][*].c',
        'f = file("${path.module}/keys/admin.pub")',
        "p = provider::incus::parse()",
        // A `$` right before `${` must not form the escape `$${`; fmt spaces a leading unary minus.
        't = "cost: \\u0024${var.price} and 100%${- 1}"',
      ),
    );
  });

  it("supports lifecycle { prevent_destroy = true } as an ordinary block", () => {
    const out = printHcl([
      hcl.block("resource", ["incus_storage_volume", "data"], [
        hcl.attr("name", "data"),
        hcl.attr("pool", hcl.ref("incus_storage_pool.tank.name")),
        hcl.blank(),
        hcl.preventDestroy(),
      ]),
    ]);
    expect(out).toBe(
      lines(
        'resource "incus_storage_volume" "data" {',
        '  name = "data"',
        "  pool = incus_storage_pool.tank.name",
        "",
        "  lifecycle {",
        "    prevent_destroy = true",
        "  }",
        "}",
      ),
    );
  });

  it("counts key width in grapheme clusters per token, as fmt does", () => {
    const out = printHcl([
      hcl.attr("m", hcl.object([
        ["日本", 1], // 2 clusters: fmt counts clusters, not display width
        ["👨‍👩‍👧", 2], // ZWJ is escaped (\u200d): 3 emoji + 2 × 6 escape characters = 15
        ["क्ष", 3], // 2 clusters under Unicode 15.0 rules (no GB9c conjunct joining)
        ["$\u0301", 4], // `$` is its own scanner token, so the mark is a cluster of its own: 2
        ["abcdefghijkl", 5],
      ])),
    ]);
    // Widest lead: the emoji key, 2 quotes + 15 = 17 columns; `=` goes one column after it.
    const entry = (key: string, cols: number, v: number) => `  ${key}${" ".repeat(17 - cols + 1)}= ${v}`;
    const expected = lines(
      "m = {",
      entry('"日本"', 4, 1),
      entry('"👨\\u200d👩\\u200d👧"', 17, 2),
      entry('"क्ष"', 4, 3),
      entry('"$\u0301"', 4, 4),
      entry("abcdefghijkl", 12, 5),
      "}",
    );
    expect(out).toBe(expected);
    expect(hclFmt(out)).toBe(out);
  });

  it("checks duplicate names per body and per object, not across levels", () => {
    const body: Body = [
      hcl.attr("a", 1),
      hcl.block("b", [], [hcl.attr("a", 2), hcl.attr("m", hcl.object({ a: 3, b: hcl.object({ a: 4 }) }))]),
      hcl.attr("m", hcl.object(Array.from({ length: 20 }, (_, i) => [`k${i}`, i] as [string, Expr]))),
    ];
    const text = printHcl(body);
    expect(text).toContain("  a = 2\n");
    expect(text).toContain("      a = 4\n");
    expect(text).toContain("  k19 = 19\n");
  });

  it("is deterministic and ends with exactly one newline (empty body: empty text)", () => {
    const body: Body = [hcl.attr("a", hcl.object({ b: [1, 2] }))];
    expect(printHcl(body)).toBe(printHcl(body));
    expect(printHcl(body).endsWith("}\n")).toBe(true);
    expect(printHcl([])).toBe("");
    expect(printHcl([hcl.blank()])).toBe("");
  });
});

describe("the printer's char-loop checks state the same rules as their regexes", () => {
  // The regexes are the rules as written in escape.ts; the loops are what runs (faster).
  const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
  const PLAIN = /^[\x20-\x21\x23\x26-\x5b\x5d-\x7e]*$/;
  const samples: string[] = ["", "a", "_", "-", "1", "a-b_c9", "é", "a b"];
  for (let c = 0; c < 0x180; c++) {
    const ch = String.fromCharCode(c);
    samples.push(ch, "a" + ch, ch + "a", "ab" + ch + "cd");
  }
  it("identifiers", () => {
    for (const s of samples) expect([s, isHclIdentifier(s)]).toEqual([s, IDENT.test(s)]);
  });
  it("dotted references (scanned without a regex) parse as the general parser does, and bad ones still throw", () => {
    expect(hcl.ref("incus_network.br-0.name")).toEqual(hcl.traversal("incus_network", [{ attr: "br-0" }, { attr: "name" }]));
    expect(hcl.ref("var")).toEqual(hcl.traversal("var", []));
    expect(hcl.ref("a.b[0].c[*]")).toEqual(hcl.traversal("a", [{ attr: "b" }, { index: 0 }, { attr: "c" }, { splat: true }]));
    for (const bad of ["", ".", "a.", ".a", "a..b", "1a", "a.1b", "a.b c", "a.é", "a-.b.", "a.b-"]) {
      if (/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(bad)) expect(hcl.ref(bad).root).toBe(bad.split(".")[0]);
      else expect(() => hcl.ref(bad), bad).toThrow(TypeError);
    }
  });
  it("strings that need no escaping come back as they are; a quote, backslash, control or ${ / %{ never does", () => {
    for (const s of samples) if (PLAIN.test(s)) expect(escapeHclString(s)).toBe(s);
    for (let c = 0; c < 0x80; c++) {
      const ch = String.fromCharCode(c);
      if (c < 0x20 || c === 0x7f || ch === '"' || ch === "\\") expect([c, escapeHclString("a" + ch + "b")]).not.toEqual([c, "a" + ch + "b"]);
    }
    expect(escapeHclString("a${b")).toBe("a$${b");
    expect(escapeHclString("a%{b")).toBe("a%%{b");
  });
});

describe("printHcl refuses IR it cannot print faithfully", () => {
  // hcl.ref parses its argument eagerly, so it throws TypeError at construction time.
  const cases: [string, () => unknown, RegExp, (new (...a: never[]) => Error)?][] = [
    ["attribute name with a dot", () => printHcl([hcl.attr("ipv4.address", "x")]), /attribute name "ipv4.address" is not an HCL identifier/],
    ["attribute name with a space", () => printHcl([hcl.attr("a b", 1)]), /attribute name "a b" is not an HCL identifier/],
    ["empty attribute name", () => printHcl([hcl.attr("", 1)]), /attribute name "" is not an HCL identifier/],
    ["attribute name starting with a digit", () => printHcl([hcl.attr("1a", 1)]), /not an HCL identifier/],
    ["non-ASCII attribute name", () => printHcl([hcl.attr("größe", 1)]), /not an HCL identifier/],
    ["block type with a quote", () => printHcl([hcl.block('res"ource', [], [])]), /block type "res\\"ource" is not an HCL identifier/],
    ["nested block type", () => printHcl([hcl.block("a", [], [hcl.block("b c", [], [])])]), /block type "b c" is not an HCL identifier .*\(at a\)$/],
    ["reference root", () => printHcl([hcl.attr("a", hcl.traversal("1x", []))]), /reference root/],
    ["keyword as a reference root", () => printHcl([hcl.attr("a", hcl.traversal("null", []))]), /keyword/],
    ["malformed hcl.ref", () => hcl.ref("a..b"), /is not a reference/, TypeError],
    ["injected hcl.ref", () => hcl.ref('a"]; x = ["'), /is not a reference/, TypeError],
    ["function name", () => printHcl([hcl.attr("a", hcl.call("rm -rf", []))]), /function name/],
    ["bare interpolation", () => printHcl([hcl.attr("a", hcl.tpl`${hcl.ref("var.x")}`)]), /unwrapped by terraform fmt/],
    ["legacy variable type", () => printHcl([hcl.block("variable", ["v"], [hcl.attr("type", "string")])]), /rewritten by terraform fmt/],
    ["non-NFC string", () => printHcl([hcl.attr("a", "e\u0301")]), /not in Unicode NFC/],
    ["non-NFC label", () => printHcl([hcl.block("b", ["e\u0301"], [])]), /not in Unicode NFC/],
    ["lone surrogate", () => printHcl([hcl.attr("a", "\ud800")]), /lone UTF-16 surrogate/],
    ["label with $ and text (fmt would delete it)", () => printHcl([hcl.block("b", ["a$b"], [])]), /terraform fmt delete the label/],
    ["label with % and text (fmt would delete it)", () => printHcl([hcl.block("b", ["x", "100%"], [])]), /terraform fmt delete the label/],
    ["NaN", () => printHcl([hcl.attr("a", Number.NaN)]), /no HCL literal/],
    ["multi-line raw", () => printHcl([hcl.attr("a", hcl.raw("1 +\n2"))]), /single-line/],
    ["object inside a template", () => printHcl([hcl.attr("a", hcl.tpl`x${hcl.object({ k: 1 })}`)]), /cannot be interpolated/],
    ["duplicate attribute", () => printHcl([hcl.attr("a", 1), hcl.attr("a", 2)]), /duplicate attribute "a"/],
    ["duplicate object key", () => printHcl([hcl.attr("m", hcl.object([["k", 1], ["k", 2]]))]), /duplicate object key "k" \(at m\)/],
    // Past a few names the printer checks with a Set instead of scanning: both ways must refuse.
    ["duplicate attribute in a long body", () => printHcl([hcl.block("b", [], [...Array.from({ length: 40 }, (_, i) => hcl.attr(`a${i}`, i)), hcl.attr("a7", 0)])]), /duplicate attribute "a7" \(at b\)/],
    ["duplicate object key in a long object", () => printHcl([hcl.attr("m", hcl.object([...Array.from({ length: 40 }, (_, i) => [`k${i}`, "v"] as [string, Expr]), ["k30", "w"]]))]), /duplicate object key "k30" \(at m\)/],
    ["control character in a comment", () => printHcl([hcl.comment("a\u001bb")]), /control character/],
  ];
  for (const [name, fn, message, errorClass = HclPrintError] of cases) {
    it(name, () => {
      expect(fn).toThrow(errorClass);
      expect(fn).toThrow(message);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// The real formatter

describe("fmt facts the printer relies on (real terraform/tofu fmt)", () => {
  it("the tests fail loudly, never skip, when neither tofu nor terraform is installed", () => {
    expect(() => hclTool("/nonexistent-dir")).toThrow(/Neither `tofu` nor `terraform` is on PATH/);
    expect(["tofu", "terraform"]).toContain(hclTool().name);
  });

  it("aligns only consecutive single-line assignments, at the widest lead + 1", () => {
    const input = lines(
      "a = 1",
      "bbb = 2",
      "",
      "cc = 3",
      "# comment",
      "d = 4",
      "x = {",
      "  k = 1",
      "  kkkk = 2",
      "}",
      "eeeeee = 5",
      "blk {",
      "  z = 1",
      "}",
      "f = 6",
    );
    expect(hclFmt(input)).toBe(
      lines(
        "a   = 1",
        "bbb = 2",
        "",
        "cc = 3",
        "# comment",
        "d = 4",
        "x = {",
        "  k    = 1",
        "  kkkk = 2",
        "}",
        "eeeeee = 5",
        "blk {",
        "  z = 1",
        "}",
        "f = 6",
      ),
    );
  });

  it("keeps blank lines and brace layout as written, and indents `}, {` oddly", () => {
    const input = lines("a = 1", "", "", "b {", "", "}", "c = merge({", "a = 1", "}, {", "b = 2", "})");
    expect(hclFmt(input)).toBe(
      lines("a = 1", "", "", "b {", "", "}", "c = merge({", "  a = 1", "  }, {", "  b = 2", "})"),
    );
  });

  it("unwraps a bare interpolation and spaces a unary minus after ${", () => {
    expect(hclFmt(lines('a = "${var.x}"', 'b = "x${-1}"'))).toBe(lines("a = var.x", 'b = "x${- 1}"'));
  });
});

function expectFmtClean(files: Record<string, string>): void {
  const result = hclFmtCheckFiles(files);
  expect(result.output).toBe("");
  expect(result.ok).toBe(true);
}

const CORPUS: Record<string, Body> = {
  "incus.tf": [
    hcl.block("terraform", [], [
      hcl.block("required_providers", [], [
        hcl.attr("incus", hcl.object({ source: "lxc/incus", version: "~> 1.1" })),
      ]),
    ]),
    hcl.block("provider", ["incus"], [
      hcl.attr("generate_client_certificates", true),
      hcl.attr("accept_remote_certificate", true),
      hcl.blank(),
      hcl.block("remote", [], [
        hcl.attr("name", "host1"),
        hcl.attr("address", "unix://"),
        hcl.attr("protocol", "incus"),
      ]),
    ]),
    hcl.comment("Guest bridge.\nNAT on, DNS domain lab.internal."),
    hcl.block("resource", ["incus_network", "lab0"], [
      hcl.attr("name", "lab0"),
      hcl.attr("type", "bridge"),
      hcl.attr("config", hcl.object({
        "ipv4.address": "10.20.0.1/24",
        "ipv4.nat": "true",
        "ipv6.address": "none",
        "dns.domain": "lab.internal",
      })),
    ]),
    hcl.block("resource", ["incus_instance", "traefik"], [
      hcl.attr("name", "traefik"),
      hcl.attr("image", "images:debian/12/cloud"),
      hcl.attr("type", "virtual-machine"),
      hcl.attr("profiles", [hcl.ref("incus_profile.zfs_root.name")]),
      hcl.attr("config", hcl.object({
        "limits.cpu": "2",
        "limits.memory": "4GiB",
        "boot.autostart": "true",
        "snapshots.schedule": "@daily",
        "snapshots.expiry": "14d",
        "cloud-init.user-data": "#cloud-config\npackages:\n  - nginx\n",
      })),
      hcl.blank(),
      hcl.block("device", [], [
        hcl.attr("name", "eth0"),
        hcl.attr("type", "nic"),
        hcl.attr("properties", hcl.object({ network: hcl.ref("incus_network.lab0.name"), "ipv4.address": "10.20.0.10" })),
      ]),
      hcl.blank(),
      hcl.block("device", [], [
        hcl.attr("name", "https"),
        hcl.attr("type", "proxy"),
        hcl.attr("properties", hcl.object({ listen: "tcp:0.0.0.0:443", connect: "tcp:127.0.0.1:443" })),
      ]),
      hcl.blank(),
      hcl.block("wait_for", [], [hcl.attr("type", "agent")]),
      hcl.blank(),
      hcl.block("file", [], [
        hcl.attr("target_path", "/etc/traefik/dynamic.yml"),
        hcl.attr("source_path", hcl.tpl`${hcl.ref("path.module")}/../traefik/dynamic.yml`),
        hcl.attr("mode", "0644"),
        hcl.attr("uid", 0),
        hcl.attr("create_directories", true),
      ]),
      hcl.attr("exec", hcl.object({
        "10-reload": hcl.object({ command: ["systemctl", "reload", "traefik"], trigger: "on_change" }),
      })),
    ]),
    hcl.block("resource", ["incus_storage_volume", "pg_data"], [
      hcl.attr("name", "pg-data"),
      hcl.attr("pool", hcl.ref("incus_storage_pool.tank.name")),
      hcl.attr("content_type", "filesystem"),
      hcl.blank(),
      hcl.preventDestroy(),
    ]),
  ],
  "shapes.tf": [
    hcl.block("locals", [], [
      hcl.attr("x", 1),
      hcl.attr("a_much_longer_name", "two"),
      hcl.attr("nested", hcl.object({
        level1: hcl.object({
          level2: hcl.object({ deep: [1, 2, 3], "quoted.key": hcl.object({}) }),
          sibling: "s",
        }),
        after: null,
      })),
      hcl.attr("long_tuple", Array.from({ length: 30 }, (_, i) => i * 1000)),
      hcl.attr("tuple_of_tuples", [["a", "b"], [], [hcl.object({ k: "v" })]]),
      hcl.attr("calls", hcl.call("concat", [["a"], hcl.call("tolist", [[hcl.object({ z: 1 })]])])),
      hcl.attr("hug_nested", hcl.call("jsonencode", [hcl.call("merge", [hcl.object({ a: 1 })])])),
      hcl.attr("tmpl", hcl.tpl`${hcl.ref("var.a")}${hcl.ref("var.b")}-%{not a directive}-${hcl.call("upper", [hcl.tpl`in${hcl.ref("var.c")}ner`])}`),
      hcl.attr("numbers", [0, -1, 1.5, 1e21, 5e-7, 10n ** 30n]),
      hcl.attr("computed_keys", hcl.object([[hcl.key(hcl.ref("var.k")), 1], [hcl.key(hcl.tpl`k-${hcl.ref("var.n")}`), 2]])),
      hcl.attr("empty_obj_in_tuple", [hcl.object({}), []]),
    ]),
    hcl.block("empty", ["with", "labels"], []),
    hcl.block("outer", [], [
      hcl.block("inner", ["l"], [hcl.block("innermost", [], [hcl.attr("v", true)])]),
      hcl.comment("between"),
      hcl.attr("after_block", 1),
      hcl.attr("and_another", 2),
    ]),
    hcl.block("variable", ["typed"], [hcl.attr("type", hcl.raw("list(string)")), hcl.attr("default", [])]),
  ],
  "unicode.tf": [
    hcl.block("resource", ["x", "ünïcödé label \"q\" \\ \u0001 \u2028 😀 {}"], [
      hcl.attr("m", hcl.object([
        ["é", 1],
        ["日本語キー", 2],
        ["👍🏽", 3],
        ["🇩🇪🇫🇷", 4],
        ["क्षत्रिय", 5],
        ["ക്ഷ", 6],
        ["\u0301start", 7],
        ["$\u0301", 8],
        ["%%\u0301", 9],
        ["\\\u0301", 10],
        ["\u{11a3a}a", 11],
        ["\u{1fae9}new", 12],
        ["tab\there", 13],
        ["plain_ascii_key_long", 14],
      ])),
    ]),
  ],
};

describe("printed HCL is exactly what terraform fmt leaves (real fmt -check)", () => {
  it("corpus: nested blocks, dotted keys, comments, empty blocks, long tuples, lifecycle, templates, unicode", () => {
    const files = Object.fromEntries(Object.entries(CORPUS).map(([name, body]) => [name, printHcl(body)]));
    expectFmtClean(files);
  });

  it("the Incus part of the corpus is also valid for the provider schema", async () => {
    expect(await validateIncusHcl({ "incus.tf": printHcl(CORPUS["incus.tf"]) })).toEqual([]);
  });

  it("property: 300 random bodies, one fmt invocation", () => {
    const files: Record<string, string> = {};
    for (let seed = 1; seed <= 300; seed++) {
      files[`r${seed}.tf`] = printHcl(new RandomHcl(seed).body(3, 10));
    }
    // Guard against a generator that degenerated into trivial files.
    const text = Object.values(files).join("");
    expect(text.length).toBeGreaterThan(100_000);
    for (const needle of ["= {\n", "(", "${", "\\u", "$${", "[\n", " {}\n", "#"]) expect(text).toContain(needle);
    expectFmtClean(files);
  });

  it("every code point as a block label: the escaper matches the one fmt re-encodes labels with", () => {
    // fmt decodes each label and re-encodes it with hclwrite's escaper, so a clean check proves
    // the two escapers agree for every single code point (controls, DEL, C1, format characters,
    // unassigned and post-Unicode-15.0 code points, astral planes).
    const labels: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // not scalar values
      if (cp >= 0x40000 && cp < 0xe0000) continue; // planes 4–13: unassigned in every version
      const s = String.fromCodePoint(cp);
      if (s.normalize("NFC") === s) labels.push(s);
    }
    const body: BodyItem[] = [];
    for (let i = 0; i < labels.length; i += 256) body.push(hcl.block("b", labels.slice(i, i + 256), []));
    expectFmtClean({ "labels.tf": printHcl(body, { separateTopLevelBlocks: false }) });
  });
});

// ------------------------------------------------------------------------------------------------
// Round trips through the real evaluator

const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("");

/** [description, string]: each must come back from terraform console byte for byte. */
export const TRICKY_STRINGS: readonly (readonly [string, string])[] = [
  ["empty", ""],
  ["plain", "plain"],
  ["double quotes", 'say "hi"'],
  ["backslash", "back\\slash"],
  ["trailing backslash", "ends with\\"],
  ["double backslash", "\\\\server\\share"],
  ["interpolation", "${var.x}"],
  ["escaped interpolation", "$${already}"],
  ["triple dollar", "$$${x}"],
  ["directive", "%{if true}x%{endif}"],
  ["escaped directive", "%%{x}"],
  ["lone dollar", "$"],
  ["lone percent", "%"],
  ["double dollar", "$$"],
  ["dollar and percent", "a$b%c"],
  ["dollar before brace with space", "$ {not} % {either}"],
  ["unterminated interpolation", "${"],
  ["closing brace", "}"],
  ["template strip markers", "${~ x ~}"],
  ["newline", "line1\nline2"],
  ["only newline", "\n"],
  ["carriage return", "cr\rhere"],
  ["CRLF", "crlf\r\nline"],
  ["tabs", "\ttab\t"],
  ["trailing newline", "text\n"],
  ["every C0 control", C0],
  ["NUL in the middle", "a\u0000b"],
  ["DEL", "del\u007f"],
  ["C1 controls", "\u0080\u0085\u009f"],
  ["hash comment", "# not a comment"],
  ["slash comment", "// nor this"],
  ["block comment", "/* nor this */"],
  ["heredoc marker", "<<EOT\nheredoc?\nEOT"],
  ["precomposed accents", "héllo wörld"],
  ["astral emoji", "😀"],
  ["ZWJ sequence", "👨‍👩‍👧"],
  ["flags", "🇩🇪🇫🇷"],
  ["skin tone", "👍🏽"],
  ["combining mark without precomposed form", "q\u0307"],
  ["combining mark after $", "$\u0301"],
  ["RTL text", "שלום עולם مرحبا"],
  ["bidi controls", "\u202eevil\u202c \u2066iso\u2069"],
  ["BOM at start", "\ufeffbom"],
  ["non-ASCII spaces and separators", "nb\u00a0sp\u2028ls\u2029ps"],
  ["CJK", "日本語テキスト"],
  ["Indic conjuncts", "क्षत्रिय"],
  ["last code point", "\u{10ffff}"],
  ["replacement character", "\ufffd"],
  ["private use", "\ue000"],
  ["code point newer than Unicode 15.0", "\u{1fae9}"],
  ["single quotes and backticks", "'single' and `backtick`"],
  ["JSON text", '{"a": [1, 2], "b": "c\\n"}'],
  ["shell text", "$(rm -rf /) $HOME ${HOME}"],
  ["literal backslash-u", "\\u0041 is not A"],
  ["whitespace only", "   "],
  ["long", "0123456789abcdef${}%{}".repeat(200)],
];

describe("escaping round trips through terraform console", () => {
  it(`${TRICKY_STRINGS.length} tricky strings as attribute values come back byte for byte`, () => {
    expect(TRICKY_STRINGS.length).toBeGreaterThanOrEqual(40);
    const text = printHcl([
      hcl.block("locals", [], TRICKY_STRINGS.map(([, s], i) => hcl.attr(`s${i}`, s))),
    ]);
    // Never a raw line break inside a string: every value is on its own line.
    for (const line of text.split("\n").slice(1, -2)) expect(line).toMatch(/^  s\d+ += ".*"$/);
    const got = terraformEval({ "main.tf": text }, `[${TRICKY_STRINGS.map((_, i) => `local.s${i}`).join(", ")}]`);
    expect(got).toEqual(TRICKY_STRINGS.map(([, s]) => s));
  });

  it("tricky strings as object keys come back byte for byte", () => {
    const text = printHcl([
      hcl.block("locals", [], [
        hcl.attr("k", hcl.object(TRICKY_STRINGS.map(([, s], i) => [s, i] as const))),
      ]),
    ]);
    const got = terraformEval({ "main.tf": text }, "local.k") as Record<string, number>;
    expect(Object.keys(got).sort()).toEqual(TRICKY_STRINGS.map(([, s]) => s).sort());
    for (const [i, [, s]] of TRICKY_STRINGS.entries()) expect(got[s]).toBe(i);
  });

  it("tricky strings as template text around interpolations come back byte for byte", () => {
    const pieces = TRICKY_STRINGS.map(([, s]) => s);
    const templates: Expr[] = [];
    const expected: string[] = [];
    pieces.forEach((s, i) => {
      const next = pieces[(i + 1) % pieces.length];
      templates.push(hcl.template([s, hcl.ref("local.v"), next, hcl.ref("local.v"), s]));
      expected.push(`${s}V${next}V${s}`);
    });
    const text = printHcl([
      hcl.block("locals", [], [
        hcl.attr("v", "V"),
        ...templates.map((t, i) => hcl.attr(`t${i}`, t)),
      ]),
    ]);
    const got = terraformEval({ "main.tf": text }, `[${templates.map((_, i) => `local.t${i}`).join(", ")}]`);
    expect(got).toEqual(expected);
  });

  it("numbers come back as the same values", () => {
    const numbers = [0, 1, -1, 42, 1.5, -0.25, 1e21, 5e-7, Number.MAX_SAFE_INTEGER];
    const text = printHcl([
      hcl.block("locals", [], [
        hcl.attr("n", numbers),
        hcl.attr("big", 123456789012345678901234567890n),
        hcl.attr("neg_in_template", hcl.tpl`x${-3}`),
      ]),
    ]);
    expect(terraformEval({ "main.tf": text }, "local.n")).toEqual(numbers);
    expect(terraformEval({ "main.tf": text }, "[tostring(local.big), local.neg_in_template]")).toEqual([
      "123456789012345678901234567890",
      "x-3",
    ]);
  });

  it("tricky strings as block labels come back byte for byte through the HCL parser", async () => {
    // Labels where fmt would split the body at a `$`/`%` are refused (see the refusal tests).
    const ok = TRICKY_STRINGS.filter(([, s]) => !/[$%]/.test(s) || ["$", "%", "${", "%{"].includes(s));
    expect(ok.length).toBeGreaterThanOrEqual(40);
    const text = printHcl(ok.map(([, s], i) => hcl.block("b", [`l${i}`, s], [])));
    const json = (await hclToJson(text)) as { b: Record<string, Record<string, unknown>> };
    for (const [i, [, s]] of ok.entries()) expect(Object.keys(json.b[`l${i}`])).toEqual([s]);
    expectFmtClean({ "labels.tf": text });
  });
});
