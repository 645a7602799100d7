import type { CaModel } from "../../resolve/model.ts";

/** What the CA script needs: the Model's CA settings (field docs in CaModel), without derived paths. */
export type CaInput = Pick<
  CaModel,
  "domain" | "organization" | "rootCommonName" | "intermediateCommonName" | "dir" | "rootDays" | "intermediateDays" | "leafDays" | "renewBeforeDays"
>;

/**
 * How `issue` switches certificates atomically: each issue writes a new directory
 * `issued/<serial>/` (leaf.key, leaf.crt, fullchain.crt), then renames one symlink, `current`,
 * onto it. leaf.key, leaf.crt and fullchain.crt at the top are fixed symlinks into `current/`, so
 * their paths never change, and a reader that resolves `current` once sees a matching set.
 */
export const CA_ISSUE_LAYOUT = { issuedDir: "issued", current: "current" } as const;

/** `issue` backdates notBefore by this much, for clients whose clock runs a little behind. */
export const CA_BACKDATE_SECONDS = 300;
