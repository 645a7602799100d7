// variables.tf: the state passphrase variable.
import { hcl } from "../../printers/hcl/index.ts";
import type { Body } from "../../printers/hcl/index.ts";
import type { Model } from "../../resolve/model.ts";
import { type TofuFile, wholeFile } from "./file.ts";

export function planVariablesTf(model: Model): TofuFile {
  return wholeFile("variables.tf", variables(model), [model.tofu.source]);
}

function variables(model: Model): Body {
  const file = model.tofu.passphraseFile;
  return [
    hcl.comment(model.tofu.source),
    hcl.block("variable", ["state_passphrase"], [
      hcl.attr(
        "description",
        `Passphrase (16 characters or more) that encrypts the OpenTofu state and plans. It lives in ${file} ` +
          `on ${model.tofu.host}: TF_VAR_state_passphrase="$(cat ${file})" tofu apply`,
      ),
      hcl.attr("type", hcl.ref("string")),
      hcl.attr("sensitive", true),
    ]),
  ];
}
