// Public entry point of the Nix printer: IR constructors, printer, escaper.
export { nix } from "./ir.ts";
export type {
  NixApply,
  NixAttrs,
  NixBinding,
  NixEntry,
  NixEntryMeta,
  NixExpr,
  NixFloat,
  NixFormal,
  NixIndentedString,
  NixInherit,
  NixInt,
  NixLambda,
  NixLet,
  NixList,
  NixNode,
  NixPath,
  NixPattern,
  NixRaw,
  NixScalar,
  NixString,
} from "./ir.ts";
export { printNix } from "./print.ts";
export type { PrintNixOptions } from "./print.ts";
export {
  NIX_KEYWORDS,
  NixPrintError,
  attrName,
  encodeIndentedLines,
  escapeStringBody,
  isBareIdentifier,
  quoteString,
} from "./escape.ts";
