// What terraform fmt would rewrite in an attribute (see the top of print.ts): the printer refuses
// such IR rather than print text that fmt then changes.
import { HclPrintError } from "./escape.ts";
import type { Expr } from "./ir.ts";
import { at, isNode, mergeParts, type Path } from "./inline.ts";

/** Directly inside a top-level `variable "name"` block (its path step is the type plus a label). */
export function inVariable(parent: Path): boolean {
  return parent !== null && parent.parent === null && parent.name === "variable" && (parent.labels?.length ?? 0) > 0;
}

/** fmt would rewrite these; refuse them rather than print text that fmt then changes. */
export function checkFmtRewrites(name: string, value: Expr, parent: Path, here: Path): void {
  if (isNode(value) && value.kind === "template") {
    const parts = mergeParts(value.parts);
    if (parts.length === 1 && "interp" in parts[0]) {
      throw new HclPrintError(
        `attribute ${name}: a template that is only "\${…}" is unwrapped by terraform fmt; ` +
          `use the expression itself (or tostring(…)) instead${at(here)}`,
      );
    }
  }
  if (name === "type" && inVariable(parent)) {
    const legacy =
      (typeof value === "string" && ["string", "list", "map"].includes(value)) ||
      (isNode(value) &&
        value.kind === "traversal" &&
        value.steps.length === 0 &&
        ["list", "map", "set"].includes(value.root));
    if (legacy) {
      throw new HclPrintError(
        `variable type ${JSON.stringify(value)} is rewritten by terraform fmt; write the type ` +
          `expression in full, e.g. hcl.raw("list(string)")${at(here)}`,
      );
    }
  }
}