// Sorting helpers for the builders: the Model lists everything in a fixed order (determinism).
export const byName = <T extends { name: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
export function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const keys = Object.keys(r);
  // Most records are empty (an instance's environment, a dataset's properties).
  if (keys.length === 0) return {};
  return Object.fromEntries(keys.sort().map((k) => [k, r[k]]));
}
