// What the plan's walkers share: the change list, value comparison of Model parts (the base comes
// from JSON), and the one-line wording of a change.
import type { PathSegment } from "../shared/diagnostics.ts";
import { formatPath } from "../shared/diagnostics.ts";
import type { PlanChange, Risk } from "./plan.ts";

export class Plan {
  readonly changes: PlanChange[] = [];
  add(risk: Risk, kind: string, name: string, path: readonly PathSegment[], summary: string): void {
    this.changes.push({ risk, kind, name, path: formatPath(path), summary });
  }
}

/** Deep equality of JSON-shaped values (the base Model comes from JSON, key order may differ). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === undefined && b === undefined;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => same(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export const byName = <T extends { name: string }>(xs: readonly T[] | undefined): Map<string, T> => new Map((xs ?? []).map((x) => [x.name, x]));
export const show = (v: unknown): string => (v === null || v === undefined ? "none" : typeof v === "string" ? v : JSON.stringify(v));
export const changed = (what: string, a: unknown, b: unknown) => `${what} ${show(a)} → ${show(b)}`;

/** Fields of `a`/`b` that differ, in a stable order, except the ones listed. */
export function differing<T extends object>(a: T, b: T, except: readonly string[]): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !except.includes(k) && !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])).sort();
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function changedKeys(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}
