// The Incus provider schema validator (test tooling): a valid lab passes, and each kind of mistake
// is caught with its exact message.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { constraintAdmits, literalString, loadIncusSchema, validateIncusHcl } from "../support/incus-schema.ts";
import { scanHclStructure } from "../support/hcl-syntax.ts";
import type { SyntaxItem } from "../support/hcl-syntax.ts";
import { hclToJson } from "../support/hcl.ts";
import { RandomHcl } from "../support/hcl-random.ts";
import { printHcl } from "../../generator/printers/hcl/index.ts";

const TERRAFORM = `terraform {
  required_providers {
    incus = {
      source  = "lxc/incus"
      version = "~> 1.1"
    }
  }
}
`;

/** Validate `main.tf` next to a correct versions.tf, so each test sees only its own mistake. */
function check(mainTf: string): Promise<string[]> {
  return validateIncusHcl({ "versions.tf": TERRAFORM, "main.tf": mainTf });
}

// A lab written with the README's idioms (proxy device, bridged NIC, ZFS pool, profile root disk,
// file blocks, VM with the agent, a guarded data volume, DNS zone + record, provider remotes).
const VALID_LAB = `provider "incus" {
  generate_client_certificates = true
  accept_remote_certificate    = true
  default_remote               = "host1"

  remote {
    name     = "host1"
    address  = "unix://"
    protocol = "incus"
  }
}

resource "incus_storage_pool" "tank" {
  name   = "tank"
  driver = "zfs"
  config = {
    source = "tank/incus"
  }
}

resource "incus_network" "lan" {
  name = "lan0"
  type = "bridge"
  config = {
    "ipv4.address" = "10.20.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "lab.internal"
  }
}

resource "incus_profile" "zfs_root" {
  name = "zfs-root"

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.tank.name
      size = "20GiB"
    }
  }
}

resource "incus_instance" "web" {
  name     = "web"
  image    = "images:debian/12"
  profiles = [incus_profile.zfs_root.name]
  config = {
    "limits.cpu"         = "2"
    "limits.memory"      = "2GiB"
    "boot.autostart"     = "true"
    "snapshots.schedule" = "@daily"
    "snapshots.expiry"   = "14d"
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      network        = incus_network.lan.name
      "ipv4.address" = "10.20.0.10"
    }
  }

  device {
    name = "http"
    type = "proxy"
    properties = {
      listen  = "tcp:0.0.0.0:8080"
      connect = "tcp:127.0.0.1:80"
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/var/lib/app"
      pool   = incus_storage_pool.tank.name
      source = incus_storage_volume.app_data.name
    }
  }

  file {
    target_path        = "/etc/app/app.conf"
    content            = "listen = 0.0.0.0:80\\n"
    mode               = "0644"
    uid                = 0
    gid                = 0
    create_directories = true
  }

  file {
    target_path = "/root/.ssh/authorized_keys"
    source_path = "\${path.module}/keys/admin.pub"
    mode        = "0600"
  }

  exec = {
    "10-enable" = {
      command = ["systemctl", "enable", "--now", "app"]
      trigger = "once"
    }
  }
}

resource "incus_instance" "vm" {
  name  = "vm1"
  type  = "virtual-machine"
  image = "images:debian/12/cloud"
  config = {
    "limits.cpu"           = "2"
    "limits.memory"        = "4GiB"
    "cloud-init.user-data" = <<-EOT
      #cloud-config
      packages:
        - nginx
    EOT
  }

  wait_for {
    type = "agent"
  }

  file {
    target_path = "/etc/motd"
    content     = "managed by labgen\\n"
  }
}

resource "incus_storage_volume" "app_data" {
  name         = "app-data"
  pool         = incus_storage_pool.tank.name
  content_type = "filesystem"

  lifecycle {
    prevent_destroy = true
  }
}

resource "incus_network_zone" "lab" {
  name = "lab.internal"
  config = {
    "dns.nameservers" = "ns1.lab.internal"
  }
}

resource "incus_network_zone_record" "web" {
  name = "web"
  zone = incus_network_zone.lab.name

  entry {
    type  = "A"
    value = "10.20.0.10"
    ttl   = 300
  }
}

resource "incus_network_forward" "https" {
  network        = incus_network.lan.name
  listen_address = "192.168.1.10"
  ports = [
    {
      protocol       = "tcp"
      listen_port    = "443"
      target_port    = "443"
      target_address = "10.20.0.10"
    },
  ]
}
`;

describe("validateIncusHcl: valid configurations", () => {
  it("a lab written with the README idioms has no problems", async () => {
    expect(await check(VALID_LAB)).toEqual([]);
  });

  it("every HCL snippet in the provider README validates (taken together)", async () => {
    const readme = readFileSync(new URL("../fixtures/upstream/incus-provider/README.md", import.meta.url), "utf8");
    const snippets = [...readme.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(snippets.length).toBeGreaterThanOrEqual(7);
    const files = Object.fromEntries(snippets.map((s, i) => [`idiom${i}.tf`, s]));
    expect(await validateIncusHcl(files)).toEqual([]);
  });

  it("accepts meta-arguments, dynamic blocks and non-literal values without guessing", async () => {
    const tf = `resource "incus_instance" "many" {
  count      = 3
  depends_on = [incus_network.lan]
  provider   = incus.other
  name       = "web-\${count.index}"
  type       = var.instance_type
  config     = var.config

  dynamic "device" {
    for_each = var.nics
    content {
      name       = device.key
      type       = "nic"
      properties = device.value
    }
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [config]
  }

  provisioner "local-exec" {
    command = "true"
  }
}
`;
    expect(await check(tf)).toEqual([]);
  });

  it("the schema fixture is the one the README describes", () => {
    const schema = loadIncusSchema();
    expect(schema.provider_source).toBe("lxc/incus");
    expect(schema.provider_version).toBe("1.1.1");
    expect(Object.keys(schema.resources)).toHaveLength(21);
  });
});

describe("validateIncusHcl: one test per kind of mistake", () => {
  it("unknown argument", async () => {
    expect(await check(`resource "incus_instance" "web" {\n  name   = "web"\n  memory = "2GiB"\n}\n`)).toEqual([
      'main.tf:3: incus_instance.web: unsupported argument "memory"',
    ]);
  });

  it("unknown block (limits are config keys, not a block)", async () => {
    expect(await check(`resource "incus_instance" "web" {\n  name = "web"\n  limits {\n    cpu = 2\n  }\n}\n`)).toEqual([
      'main.tf:3: incus_instance.web: unsupported block type "limits"',
    ]);
  });

  it("missing required top-level argument", async () => {
    expect(await check(`resource "incus_storage_pool" "tank" {\n  name = "tank"\n}\n`)).toEqual([
      'main.tf:1: incus_storage_pool.tank: missing required argument "driver"',
    ]);
  });

  it("required argument set to null", async () => {
    expect(await check(`resource "incus_storage_pool" "tank" {\n  name   = "tank"\n  driver = null\n}\n`)).toEqual([
      'main.tf:1: incus_storage_pool.tank: required argument "driver" is null',
    ]);
  });

  it("missing required argument in a nested block (device without type)", async () => {
    const tf = `resource "incus_instance" "web" {
  name = "web"

  device {
    name       = "eth0"
    properties = { network = "lan0" }
  }
}
`;
    expect(await check(tf)).toEqual(['main.tf:4: incus_instance.web: device[0]: missing required argument "type"']);
  });

  it("missing required attribute in a nested object and in a set of objects", async () => {
    const tf = `resource "incus_instance" "copy" {
  name            = "copy"
  source_instance = { name = "web" }
}

resource "incus_network_forward" "f" {
  network        = "lan0"
  listen_address = "192.168.1.10"
  ports = [
    { listen_port = "443", target_address = "10.20.0.10" },
  ]
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.copy: source_instance: missing required attribute "project"',
      'main.tf:9: incus_network_forward.f: ports: [0]: missing required attribute "target_port"',
    ]);
  });

  it("value outside allowed_values (type = \"vm\")", async () => {
    expect(await check(`resource "incus_instance" "web" {\n  name = "web"\n  type = "vm"\n}\n`)).toEqual([
      'main.tf:3: incus_instance.web: type: "vm" is not one of "container", "virtual-machine"',
    ]);
  });

  it("value outside allowed_values in a nested block (zone record type)", async () => {
    const tf = `resource "incus_network_zone_record" "r" {\n  name = "r"\n  zone = "lab"\n\n  entry {\n    type  = "MX"\n    value = "x"\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:6: incus_network_zone_record.r: entry[0].type: "MX" is not one of "A", "AAAA", "CNAME", "TXT"',
    ]);
  });

  it("attribute written as a block: exec { }", async () => {
    const tf = `resource "incus_instance" "web" {\n  name = "web"\n\n  exec {\n    command = ["true"]\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:4: incus_instance.web: "exec" is an attribute: write exec = ..., not exec { ... }',
    ]);
  });

  it("attribute written as a block: source_instance { }", async () => {
    const tf = `resource "incus_instance" "copy" {\n  name = "copy"\n\n  source_instance {\n    project = "default"\n    name    = "web"\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:4: incus_instance.copy: "source_instance" is an attribute: write source_instance = ..., not source_instance { ... }',
    ]);
  });

  it("attribute written as a block: network forward ports { } (hcl2json alone cannot tell)", async () => {
    const tf = `resource "incus_network_forward" "f" {
  network        = "lan0"
  listen_address = "192.168.1.10"

  ports {
    listen_port    = "443"
    target_port    = "443"
    target_address = "10.20.0.10"
  }
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:5: incus_network_forward.f: "ports" is an attribute: write ports = ..., not ports { ... }',
    ]);
  });

  it("block written as an attribute: device = [ ... ]", async () => {
    const tf = `resource "incus_instance" "web" {
  name = "web"
  device = [
    { name = "eth0", type = "nic", properties = { network = "lan0" } },
  ]
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.web: "device" is a block: write device { ... }, not device = ...',
    ]);
  });

  it("computed-only attribute set (ipv4_address)", async () => {
    expect(await check(`resource "incus_instance" "web" {\n  name         = "web"\n  ipv4_address = "10.0.0.2"\n}\n`)).toEqual([
      "main.tf:3: incus_instance.web: ipv4_address: computed by the provider; it cannot be set",
    ]);
  });

  it("computed-only attribute set in a nested block (file.append)", async () => {
    const tf = `resource "incus_instance" "web" {\n  name = "web"\n\n  file {\n    target_path = "/x"\n    content     = "x"\n    append      = true\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      "main.tf:7: incus_instance.web: file[0].append: computed by the provider; it cannot be set",
    ]);
  });

  it("config key starting with volatile.", async () => {
    const tf = `resource "incus_instance" "web" {\n  name = "web"\n  config = {\n    "volatile.eth0.hwaddr" = "00:16:3e:00:00:01"\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.web: config: key "volatile.eth0.hwaddr" must not start with "volatile."',
    ]);
  });

  it("config key starting with image.", async () => {
    const tf = `resource "incus_instance" "web" {\n  name = "web"\n  config = {\n    "image.os" = "debian"\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.web: config: key "image.os" must not start with "image."',
    ]);
  });

  it("unknown resource type", async () => {
    expect(await check(`resource "incus_vm" "web" {\n  name = "web"\n}\n`)).toEqual([
      'main.tf:1: incus_vm.web: unknown resource type "incus_vm"',
    ]);
  });

  it("unknown data source type", async () => {
    expect(await check(`data "incus_vm" "web" {\n  name = "web"\n}\n`)).toEqual([
      'main.tf:1: data.incus_vm.web: unknown data source type "incus_vm"',
    ]);
  });

  it("literal of the wrong type", async () => {
    const tf = `resource "incus_instance" "web" {
  name    = "web"
  running = "yes"
  config  = ["limits.cpu=2"]

  file {
    target_path = "/x"
    content     = "x"
    uid         = "root"
  }
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.web: running: expected a bool, got "yes"',
      "main.tf:4: incus_instance.web: config: expected a map of strings",
      'main.tf:9: incus_instance.web: file[0].uid: expected a number, got "root"',
    ]);
  });

  it("empty string where the provider requires a non-empty one", async () => {
    const tf = `resource "incus_instance" "web" {
  name    = "web"
  project = ""

  device {
    name       = "root"
    type       = "disk"
    properties = { path = "/", pool = "" }
  }
}
`;
    expect(await check(tf)).toEqual([
      "main.tf:3: incus_instance.web: project: must be at least 1 character(s) long",
      'main.tf:8: incus_instance.web: device[0].properties: ["pool"]: value must not be empty',
    ]);
  });

  it("conflicting arguments", async () => {
    const tf = `resource "incus_instance" "copy" {\n  name            = "copy"\n  image           = "images:debian/12"\n  source_instance = { project = "default", name = "web" }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:3: incus_instance.copy: image: conflicts with "source_instance"; set only one of them',
    ]);
  });

  it("provider block: unknown argument, remote without name, bad protocol, helper without oci", async () => {
    const tf = `provider "incus" {
  project = "default"

  remote {
    address            = "https://10.0.0.1:8443"
    protocol           = "lxd"
    credentials_helper = "helper"
  }
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:2: provider "incus": unsupported argument "project"',
      'main.tf:6: provider "incus": remote[0].protocol: "lxd" is not one of "incus", "oci", "simplestreams"',
      'main.tf:7: provider "incus": remote[0].credentials_helper: requires protocol = "oci"',
      'main.tf:4: provider "incus": remote[0]: missing required argument "name"',
    ]);
  });

  it("typo inside lifecycle", async () => {
    const tf = `resource "incus_storage_volume" "d" {\n  name = "d"\n  pool = "tank"\n\n  lifecycle {\n    prevent_destory = true\n  }\n}\n`;
    expect(await check(tf)).toEqual(['main.tf:5: incus_storage_volume.d: lifecycle: unsupported argument "prevent_destory"']);
  });

  it("lifecycle written as an attribute", async () => {
    const tf = `resource "incus_storage_volume" "d" {\n  name      = "d"\n  pool      = "tank"\n  lifecycle = { prevent_destroy = true }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:4: incus_storage_volume.d: "lifecycle" is a block: write lifecycle { ... }, not lifecycle = ...',
    ]);
  });

  it('network address "auto"', async () => {
    const tf = `resource "incus_network" "lan" {\n  name = "lan0"\n  config = {\n    "ipv4.address" = "auto"\n  }\n}\n`;
    expect(await check(tf)).toEqual([
      'main.tf:1: incus_network.lan: config["ipv4.address"]: "auto" is rejected by the provider; give a CIDR or "none"',
    ]);
  });

  it("wait_for rules: agent on a container, ready on a VM, delay without delay, nic with agent", async () => {
    const tf = `resource "incus_instance" "c" {
  name = "c"

  wait_for {
    type = "agent"
  }
}

resource "incus_instance" "v" {
  name = "v"
  type = "virtual-machine"

  wait_for {
    type = "ready"
  }

  wait_for {
    type = "delay"
  }

  wait_for {
    type = "agent"
    nic  = "eth0"
  }
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:1: incus_instance.c: wait_for[0]: type "agent" is rejected for containers (type unset or "container")',
      'main.tf:9: incus_instance.v: wait_for[0]: type "ready" is rejected for virtual machines',
      'main.tf:9: incus_instance.v: wait_for[1]: type "delay" requires "delay"',
      'main.tf:9: incus_instance.v: wait_for[2]: "nic" is only allowed with type "ipv4" or "ipv6"',
    ]);
  });

  it("file rules: VM without the agent, stopped instance, content and source_path together", async () => {
    const tf = `resource "incus_instance" "v" {
  name    = "v"
  type    = "virtual-machine"
  running = false

  file {
    target_path = "/x"
    content     = "x"
    source_path = "x.txt"
  }
}
`;
    expect(await check(tf)).toEqual([
      'main.tf:1: incus_instance.v: file[0]: "content" and "source_path" are mutually exclusive',
      "main.tf:1: incus_instance.v: file blocks need the instance running (running = false)",
      'main.tf:1: incus_instance.v: file blocks on a virtual machine need wait_for { type = "agent" }',
    ]);
  });

  it("ephemeral instance that is not running; exec with an empty command", async () => {
    const tf = `resource "incus_instance" "e" {
  name      = "e"
  ephemeral = true
  running   = false
  exec = {
    noop = { command = [] }
  }
}
`;
    expect(await check(tf)).toEqual([
      "main.tf:1: incus_instance.e: ephemeral = true requires running to be true",
      "main.tf:1: incus_instance.e: exec needs the instance running (running = false)",
      'main.tf:1: incus_instance.e: exec["noop"]: command must be non-empty with a non-empty first element',
    ]);
  });

  it("image without exactly one source", async () => {
    expect(await check(`resource "incus_image" "i" {\n  project = "default"\n}\n`)).toEqual([
      'main.tf:1: incus_image.i: exactly one of "source_file", "source_image", "source_instance" must be set (found 0)',
    ]);
  });

  it("no required_providers entry for incus", async () => {
    expect(await validateIncusHcl({ "main.tf": `resource "incus_network" "lan" {\n  name = "lan0"\n}\n` })).toEqual([
      'terraform: no required_providers entry for incus; add terraform { required_providers { incus = { source = "lxc/incus" } } }',
    ]);
  });

  it("required_providers with the wrong source or a version that excludes 1.1.1", async () => {
    const versions = `terraform {\n  required_providers {\n    incus = {\n      source  = "lxc/lxd"\n      version = "~> 0.3"\n    }\n  }\n}\n`;
    expect(await validateIncusHcl({ "versions.tf": versions })).toEqual([
      'versions.tf:3: terraform.required_providers.incus: source must be "lxc/incus", got "lxc/lxd"',
      'versions.tf:3: terraform.required_providers.incus: version "~> 0.3" does not admit provider version 1.1.1 (the version schema.json describes)',
    ]);
  });

  it("syntactically invalid HCL", async () => {
    const problems = await check(`resource "incus_network" "lan" {\n  name = \n}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^main\.tf: not valid HCL: /);
  });
});

describe("validator building blocks", () => {
  it("version constraints follow Terraform semantics", () => {
    expect(constraintAdmits("~> 1.1", "1.1.1")).toBe(true);
    expect(constraintAdmits("~> 1.0", "1.1.1")).toBe(true);
    expect(constraintAdmits("~> 1.1.0", "1.1.1")).toBe(true);
    expect(constraintAdmits(">= 1.0.0, < 2.0.0", "1.1.1")).toBe(true);
    expect(constraintAdmits("1.1.1", "1.1.1")).toBe(true);
    expect(constraintAdmits("~> 1.0.0", "1.1.1")).toMatch(/does not admit/);
    expect(constraintAdmits("!= 1.1.1", "1.1.1")).toMatch(/does not admit/);
    expect(constraintAdmits("> 1.1.1", "1.1.1")).toMatch(/does not admit/);
    expect(constraintAdmits("banana", "1.1.1")).toBe("is not a valid version constraint");
  });

  it("literal strings are told from expressions the way HCL scans templates", () => {
    expect(literalString("plain")).toBe("plain");
    expect(literalString("$${x}")).toBe("${x}"); // hcl2json's escape of a literal ${
    expect(literalString("$$${x}")).toBe("$${x}");
    expect(literalString("%%{if}")).toBe("%{if}");
    expect(literalString("cost $5")).toBe("cost $5");
    expect(literalString("${var.x}")).toBeUndefined();
    expect(literalString("a${b}c")).toBeUndefined();
    expect(literalString("%{if x}y%{endif}")).toBeUndefined();
  });

  it("the structure scan tells attributes from blocks through strings, heredocs and comments", () => {
    const src = `a = "x { y" # b { }
b = <<-EOT
  c {
  d = 1
  EOT
e = [
  { f = 1 }, # g {
]
h "l1" "l\\u00e9 $\${x}" {
  i = "\${ {j = 1} }"
  k { l = 1 }
  /* m { */ n = 2
}
`;
    expect(scanHclStructure(src)).toEqual([
      { kind: "attribute", name: "a", line: 1 },
      { kind: "attribute", name: "b", line: 2 },
      { kind: "attribute", name: "e", line: 6 },
      {
        kind: "block",
        type: "h",
        labels: ["l1", "lé ${x}"],
        line: 9,
        body: [
          { kind: "attribute", name: "i", line: 10 },
          { kind: "block", type: "k", labels: [], line: 11, body: [{ kind: "attribute", name: "l", line: 11 }] },
          { kind: "attribute", name: "n", line: 12 },
        ],
      },
    ]);
  });

  it("the structure scan agrees with the real parser on 200 random printed files", async () => {
    // Random bodies put braces, quotes, `#`, `//`, `/*`, `${` and heredoc markers inside strings,
    // keys, labels and comments: the scan must still find exactly the items hcl2json finds.
    type J = { [k: string]: unknown };
    const agree = (items: readonly SyntaxItem[], json: J, where: string): void => {
      const names = new Set(items.map((i) => (i.kind === "attribute" ? i.name : i.type)));
      expect([...names].sort(), where).toEqual(Object.keys(json).sort());
      const seen = new Map<string, number>();
      for (const item of items) {
        if (item.kind !== "block") continue;
        const key = JSON.stringify([item.type, ...item.labels]);
        const n = seen.get(key) ?? 0;
        seen.set(key, n + 1);
        let v: unknown = json[item.type];
        for (const l of item.labels) v = (v as J)[l];
        agree(item.body, (v as J[])[n], `${where} > ${key}[${n}]`);
      }
    };
    for (let seed = 1; seed <= 200; seed++) {
      const text = printHcl(new RandomHcl(seed).body(3, 10));
      agree(scanHclStructure(text), (await hclToJson(text)) as J, `seed ${seed}`);
    }
  });
});
