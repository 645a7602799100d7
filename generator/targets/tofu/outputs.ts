// outputs.tf: every instance and route, for people and scripts after an apply.
import { hcl } from "../../printers/hcl/index.ts";
import type { Body, BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { Model } from "../../resolve/model.ts";
import { type TofuFile, wholeFile } from "./file.ts";

export function planOutputsTf(model: Model): TofuFile {
  return wholeFile("outputs.tf", outputs(model), [
    ...model.instances.map((i) => i.source),
    ...(model.ingress?.routes.map((r) => r.source) ?? []),
  ]);
}

function outputs(model: Model): Body {
  const instances = model.instances.map(
    (i) =>
      [
        i.name,
        hcl.object([
          ["host", i.host],
          ["ipv4", i.ipv4],
          ["type", i.type],
          ["urls", [...i.urls]],
        ]),
      ] as [string, Expr],
  );
  const body: BodyItem[] = [
    hcl.block("output", ["instances"], [
      hcl.attr("description", "Every instance: its host, type, address and the URLs routed to it."),
      hcl.attr("value", hcl.object(instances)),
    ]),
  ];
  if (model.ingress) {
    const routes = model.ingress.routes.map(
      (r) => [r.name, hcl.object([["backend", r.backend], ["url", r.url]])] as [string, Expr],
    );
    body.push(
      hcl.block("output", ["routes"], [
        hcl.attr("description", `Every route through ${model.ingress.software} at ${model.ingress.address}: its URL and backend.`),
        hcl.attr("value", hcl.object(routes)),
      ]),
    );
  }
  return body;
}
