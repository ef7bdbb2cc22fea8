/** Values per IN list (and rows per multi-row insert): well under SQLite's bound-parameter limit. */
export const IN_LIST_SIZE = 500;

/** `items` cut into consecutive slices of at most `size` (an IN list or a multi-row insert each). */
export function chunks<T>(items: readonly T[], size = IN_LIST_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
