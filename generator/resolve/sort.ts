// Sorting helpers for the builders: the Model lists everything in a fixed order (determinism).
export const byName = <T extends { name: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
export const sortedRecord = <T>(r: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
