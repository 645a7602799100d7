// HCL printer: typed IR (attribute vs block, literal vs expression) → text exactly as
// `terraform fmt` / `tofu fmt` leaves it.
//
//   import { hcl, printHcl } from "../printers/hcl/index.ts";
//   printHcl([
//     hcl.block("resource", ["incus_instance", "web"], [
//       hcl.attr("name", "web"),                                   // "web" is always a literal
//       hcl.attr("profiles", [hcl.ref("incus_profile.base.name")]), // references are explicit
//       hcl.blank(),
//       hcl.preventDestroy(),
//     ]),
//   ]);
export {
  assertHclIdentifier,
  escapeHclString,
  HclPrintError,
  hclStringProblem,
  isHclIdentifier,
  quoteHclString,
} from "./escape.ts";
export { hcl } from "./ir.ts";
export type {
  Attribute,
  BlankLine,
  Block,
  Body,
  BodyItem,
  CallExpr,
  Comment,
  Expr,
  ExprNode,
  KeyExpr,
  NumberLit,
  ObjectEntry,
  ObjectExpr,
  ObjectKey,
  RawExpr,
  StringLit,
  TemplateExpr,
  TemplatePart,
  TraversalExpr,
  TraversalStep,
  TupleExpr,
} from "./ir.ts";
export { printHcl } from "./print.ts";
export type { PrintOptions } from "./print.ts";
