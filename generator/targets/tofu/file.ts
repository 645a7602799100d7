// What every OpenTofu file planner shares: the planned-file shape, its printing, resource provenance.
import { hcl, printHcl } from "../../printers/hcl/index.ts";
import type { Body, BodyItem, Expr } from "../../printers/hcl/index.ts";
import type { ConfigPath } from "../../resolve/model.ts";
import type { OutputFile } from "../types.ts";

/** One file of out/tofu: its parts (each built and printed on its own) and the config paths behind it. */
export interface TofuFile {
  readonly name: string;
  readonly parts: readonly (() => Body)[];
  readonly sources: Iterable<ConfigPath>;
}

/** A file built in one piece. */
export const wholeFile = (name: string, body: Body, sources: Iterable<ConfigPath>): TofuFile => ({ name, parts: [() => body], sources });

/** Prints a planned file; an empty one is not written. The big files are built and printed one resource at a time, so their IR is never all alive. */
export function printTofuFile(file: TofuFile): OutputFile | null {
  const text = file.parts.map((part) => printTopLevel(part())).filter((t) => t !== "").join("\n");
  return text === "" ? null : { path: `tofu/${file.name}`, content: text, sources: [...new Set(file.sources)].sort() };
}

/** `# <config path>` above `resource "<type>" "<name>" { … }`: the provenance of the resource. */
export function resource(type: string, name: string, source: ConfigPath, body: Body): BodyItem[] {
  return [hcl.comment(source), hcl.block("resource", [type, name], body)];
}


/**
 * Prints a file one top-level block (with the comments above it) at a time: fmt aligns nothing
 * across top-level blocks, so the text is the same as printing the whole body at once, while the
 * IR of a 10,000-instance file never has to be alive all at once (it dominated memory and GC).
 */
function printTopLevel(body: Body): string {
  const chunks: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i].kind === "block") {
      chunks.push(printHcl(body.slice(start, i + 1)));
      start = i + 1;
    }
  }
  if (start < body.length) chunks.push(printHcl(body.slice(start)));
  return chunks.filter((c) => c !== "").join("\n");
}

export function sortedEntries(record: Readonly<Record<string, string>>): [string, Expr][] {
  return Object.keys(record)
    .sort(cmp)
    .map((k) => [k, record[k]]);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
