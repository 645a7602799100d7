// Flattening of a NixOS module body (printer IR) into option bindings: what the host-services
// guard below and the option-path tests read. Nested literal sets are descended, so
// `services = { nginx.enable = true; }` and `services.nginx.enable = true` look the same.
import type { NixAttrs, NixExpr } from "../../printers/nix/index.ts";

export interface OptionBinding {
  /** Full attribute path from the module body, e.g. ["services", "openssh", "enable"]. */
  readonly path: readonly string[];
  /** The value at the leaf: anything but a literal attribute set. */
  readonly value: NixExpr;
}

export function isAttrs(value: NixExpr): value is NixAttrs {
  return typeof value === "object" && value !== null && value.kind === "attrs";
}

/** Every leaf binding of `attrs`, in order, with its full path. `inherit` entries keep their name as path. */
export function flattenBindings(attrs: NixAttrs, prefix: readonly string[] = []): OptionBinding[] {
  const out: OptionBinding[] = [];
  for (const entry of attrs.entries) {
    if (entry.kind === "inherit") {
      for (const name of entry.names) out.push({ path: [...prefix, name], value: { kind: "raw", code: name } });
      continue;
    }
    const path = [...prefix, ...entry.path];
    if (isAttrs(entry.value) && entry.value.entries.length > 0) for (const b of flattenBindings(entry.value, path)) out.push(b);
    else out.push({ path, value: entry.value });
  }
  return out;
}
