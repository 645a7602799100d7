// versions.tf: OpenTofu and provider versions, the local backend, state encryption.
import { hcl } from "../../printers/hcl/index.ts";
import type { Body } from "../../printers/hcl/index.ts";
import type { Model } from "../../resolve/model.ts";
import { type TofuFile, wholeFile } from "./file.ts";

export function planVersionsTf(model: Model): TofuFile {
  return wholeFile("versions.tf", versions(model), [model.tofu.source]);
}

function versions(model: Model): Body {
  const method = hcl.ref("method.aes_gcm.state");
  return [
    hcl.comment(model.tofu.source),
    hcl.block("terraform", [], [
      hcl.comment("OpenTofu only: state encryption came in 1.7, a variable in its configuration in 1.8."),
      hcl.attr("required_version", ">= 1.8.0"),
      hcl.blank(),
      hcl.block("required_providers", [], [
        // The versions checked: test/fixtures/upstream/incus-provider holds the v1.1.1 schema, and 2.0 may break it.
        hcl.attr("incus", hcl.object([["source", "lxc/incus"], ["version", ">= 1.1.1, < 2.0"]])),
      ]),
      hcl.blank(),
      hcl.block("backend", ["local"], [hcl.attr("path", model.tofu.stateFile)]),
      hcl.blank(),
      hcl.block("encryption", [], [
        hcl.block("key_provider", ["pbkdf2", "state"], [hcl.attr("passphrase", hcl.ref("var.state_passphrase"))]),
        hcl.blank(),
        hcl.block("method", ["aes_gcm", "state"], [hcl.attr("keys", hcl.ref("key_provider.pbkdf2.state"))]),
        hcl.blank(),
        hcl.block("state", [], [hcl.attr("method", method), hcl.attr("enforced", true)]),
        hcl.blank(),
        hcl.block("plan", [], [hcl.attr("method", method), hcl.attr("enforced", true)]),
      ]),
    ]),
  ];
}
