import type { CaModel } from "../../resolve/model.ts";

/** What the CA script needs: the Model's CA settings (field docs in CaModel), without derived paths. */
export type CaInput = Pick<
  CaModel,
  "domain" | "organization" | "rootCommonName" | "intermediateCommonName" | "dir" | "rootDays" | "intermediateDays" | "leafDays" | "renewBeforeDays"
>;
