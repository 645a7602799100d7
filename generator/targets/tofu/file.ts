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
  // fmt aligns nothing across top-level blocks, so printing the parts one by one and joining them
  // with the blank line the printer would put between blocks gives the text of the whole body.
  const chunks: string[] = [];
  for (const part of file.parts) {
    const chunk = printHcl(part());
    if (chunk !== "") chunks.push(chunk);
  }
  const text = chunks.join("\n");
  return text === "" ? null : { path: `tofu/${file.name}`, content: text, sources: Array.from(new Set(file.sources)).sort() };
}

/** `# <config path>` above `resource "<type>" "<name>" { … }`: the provenance of the resource. */
export function resource(type: string, name: string, source: ConfigPath, body: Body): BodyItem[] {
  return [hcl.comment(source), hcl.block("resource", [type, name], body)];
}

export function sortedEntries(record: Readonly<Record<string, string>>): [string, Expr][] {
  return Object.keys(record)
    .sort(cmp)
    .map((k) => [k, record[k]]);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders `[key, value]` entries by key (no destructuring: called for every entry of a big lab). */
export function byKey(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return cmp(a[0], b[0]);
}
