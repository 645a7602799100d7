// Sizes as users write them ("32GiB", "8TB") and as the outputs need them.
const FACTORS: Record<string, number> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
};

// A lab writes a handful of distinct sizes, each once per instance ("1GiB" 10,000 times): each
// text is parsed once.
const parsedSizes = new Map<string, number>();

/** Bytes of a schema-valid size string. */
export function sizeBytes(size: string): number {
  let bytes = parsedSizes.get(size);
  if (bytes === undefined) {
    const m = /^([0-9.]+)([A-Za-z]+)$/.exec(size);
    if (!m || !(m[2] in FACTORS)) throw new Error(`not a size: ${size}`);
    bytes = Math.round(Number(m[1]) * FACTORS[m[2]]);
    parsedSizes.set(size, bytes);
  }
  return bytes;
}

/** ZFS property form of a size ("10GiB" → "10G"); ZFS suffixes are binary. */
export function zfsSize(size: string): string {
  const bytes = sizeBytes(size);
  for (const [suffix, f] of [["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) {
    if (bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}

/** Human form for documents: "32 GiB", "8 TB". */
export function humanSize(size: string): string {
  return size.replace(/^([0-9.]+)/, "$1 ");
}
