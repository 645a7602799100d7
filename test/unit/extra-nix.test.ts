// hosts/<host>/extra.nix: the user's own NixOS module, imported by the generated configuration.nix
// when hosts.<host>.extraModule is true. The real Nix parser checks its syntax and the path the
// generated import resolves to; the foundation rule refuses application services in it with the
// config rule's own message, at the file and line.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nixBindings } from "../../generator/validate/nix-attrs.ts";
import { cli, shown } from "../support/cli.ts";
import { baseLab, INVALID_CASES_DIR, mkTmp, rmTmp, writeConfig } from "../support/lab-fixtures.ts";
import { requireNix } from "../support/nix.ts";

let tmp: string;
beforeAll(() => {
  tmp = mkTmp("labgen-extra-");
});
afterAll(() => rmTmp(tmp));

let n = 0;
/** A lab in a fresh dir whose host `nas` imports hosts/nas/extra.nix (written when `extra` is given). */
function lab(extra: string | null, extraModule = true) {
  const dir = join(tmp, `case-${n++}`);
  mkdirSync(dir, { recursive: true });
  const l = baseLab();
  if (extraModule) l.hosts.nas.extraModule = true;
  const cfg = writeConfig(dir, l);
  const file = join(dir, "hosts/nas/extra.nix");
  if (extra !== null) {
    mkdirSync(join(dir, "hosts/nas"), { recursive: true });
    writeFileSync(file, extra);
  }
  return { dir, cfg, file, args: ["--config", cfg] };
}

const configRuleMessage = (JSON.parse(readFileSync(join(INVALID_CASES_DIR, "host-nginx-key/expected.json"), "utf8")) as { errors: { message: string }[] }).errors[0].message;

describe("nixBindings (where a module sets what)", () => {
  it("follows nested sets, `config =`, function calls on sets, inline modules in imports, and skips let, strings and comments", () => {
    const src = [
      "{ config, lib, pkgs, ... }:", // 1
      "let", // 2
      "  services = { nginx.enable = true; };", // 3: a local variable, not an option
      "in {", // 4
      '  boot.kernelParams = [ "quiet" ]; # services.x = 1;', // 5
      "  services = lib.mkIf true {", // 6
      "    smartd.enable = true;", // 7
      '    "udev".extraRules = \'\'', // 8
      "      services.fake = 1; ${lib.concatStrings [ \"}\" ]}", // 9
      "    '';", // 10
      "  };", // 11
      "  config.systemd.services.web = { };", // 12
      "  imports = [ { services.nginx.enable = true; } ];", // 13
      "}", // 14
    ].join("\n");
    const b = nixBindings(src).map((x) => `${x.line}:${x.column} ${x.path.join(".")}${x.hasSet ? " {}" : ""}`);
    expect(b).toEqual([
      "5:3 boot.kernelParams",
      "6:3 services {}",
      "7:5 services.smartd.enable",
      "8:5 services.udev.extraRules",
      "12:3 systemd.services.web {}",
      "13:3 imports {}",
      "13:17 services.nginx.enable",
    ]);
  });
});

describe("labgen check / generate with hosts/<host>/extra.nix", () => {
  it("imports the module: configuration.nix's import resolves (by Nix) to the user's file next to lab.config.ts", async () => {
    const c = lab('{ pkgs, ... }:\n{\n  boot.kernelParams = [ "quiet" ];\n  services.smartd.enable = true;\n  services.udev.extraRules = "";\n}\n');
    const r = await cli("generate", ...c.args);
    expect(r.errLines).toEqual([]);
    expect(r.code).toBe(0);
    const conf = join(c.dir, "out/hosts/nas/configuration.nix");
    expect(readFileSync(conf, "utf8")).toContain("../../../hosts/nas/extra.nix");
    // nix-instantiate --parse prints path literals resolved against the file's directory.
    requireNix();
    const parsed = spawnSync("nix-instantiate", ["--parse", conf], { encoding: "utf8" });
    expect(parsed.status).toBe(0);
    expect(parsed.stdout).toContain(c.file);
    expect(parsed.stdout).toContain(join(c.dir, "out/hosts/nas/disko.nix"));
  });

  it("refuses an application service with the config rule's message, at the file and line", async () => {
    const c = lab("{ ... }:\n{\n  services.nginx = {\n    enable = true;\n  };\n  services.nginx.virtualHosts.x = { };\n  systemd.services.web.script = \"x\";\n  virtualisation.docker.enable = true;\n}\n");
    for (const cmd of ["check", "generate"]) {
      const r = await cli(cmd, ...c.args);
      expect(r.code, cmd).toBe(1);
      const f = shown(c.file);
      expect(r.errLines).toEqual([
        `${f}:3:3: error: services.nginx: ${configRuleMessage} [host-no-app-services]`,
        `${f}:7:3: error: systemd.services.web: ${configRuleMessage.replaceAll("nginx", "web")} [host-no-app-services]`,
        `${f}:8:3: error: virtualisation.docker: ${configRuleMessage.replaceAll("nginx", "docker")} [host-no-app-services]`,
        "3 error(s), 0 warning(s); nothing was written.",
      ]);
    }
  });

  it("comes in the same round as the config's own errors", async () => {
    const c = lab("{ ... }:\n{\n  services.nginx.enable = true;\n}\n");
    const l = baseLab();
    l.hosts.nas.extraModule = true;
    l.instances.web.host = "nsa";
    writeConfig(c.dir, l);
    const r = await cli("check", ...c.args);
    expect(r.code).toBe(1);
    expect(r.errLines.filter((e) => e.includes(": error: "))).toEqual([
      expect.stringContaining("instances.web.host: "),
      `${shown(c.file)}:3:3: error: services.nginx: ${configRuleMessage} [host-no-app-services]`,
    ]);
  });

  it("a syntax error is Nix's own message, located", async () => {
    const c = lab("{ ... }:\n{\n  boot.kernelParams = [ \"quiet\" ]\n  services.smartd.enable = true;\n}\n");
    const r = await cli("check", ...c.args);
    expect(r.code).toBe(1);
    expect(r.errLines[0]).toMatch(new RegExp(`^${shown(c.file).replaceAll(".", "\\.")}:4:\\d+: error: not valid Nix: syntax error, unexpected '=', expecting ';' \\[extra-module-syntax\\]$`));
  });

  it("extraModule without the file is an error at the field; the file without extraModule a warning", async () => {
    const missing = lab(null);
    const r = await cli("check", ...missing.args);
    expect(r.code).toBe(1);
    const line = readFileSync(missing.cfg, "utf8").split("\n").findIndex((l) => l.includes('"extraModule"')) + 1;
    expect(r.errLines[0]).toBe(
      `${shown(missing.cfg)}:${line}:7: error: hosts.nas.extraModule: hosts/nas/extra.nix does not exist: create it next to lab.config.ts (a NixOS module: \`{ config, lib, pkgs, ... }: { … }\`), or remove extraModule [extra-module]`,
    );
    const unused = lab("{ }\n", false);
    const w = await cli("generate", ...unused.args);
    expect(w.code).toBe(0);
    expect(w.errLines[0]).toMatch(/: warning: hosts\.nas: hosts\/nas\/extra\.nix exists but is not imported: set extraModule: true to use it \[extra-module\]$/);
    expect(readFileSync(join(unused.dir, "out/hosts/nas/configuration.nix"), "utf8")).not.toContain("extra.nix");
  });
});
