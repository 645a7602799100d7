// What every target returns: files for out/, each with the config paths that produced it.
import type { ConfigPath } from "../resolve/model.ts";

export interface OutputFile {
  /** Relative to out/, forward slashes, e.g. "hosts/nas/configuration.nix". */
  readonly path: string;
  readonly content: string;
  /** Written with mode 0755 (scripts); everything else is 0644. */
  readonly executable?: boolean;
  /** Provenance: the config paths this file was made from (sorted, unique). */
  readonly sources: readonly ConfigPath[];
}
