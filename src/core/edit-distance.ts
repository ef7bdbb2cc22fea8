/**
 * Levenshtein distance of two short strings (names, options, actions), for "did you mean" suggestions.
 *
 * @example editDistance('sorce', 'source') // 1
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The candidate nearest to `value` when it is at most `maxDistance` edits away (the first such on a tie), for
 * "did you mean ...?"; undefined when none is that near.
 *
 * @example closest('sorce', ['source', 'token'], 2) // 'source'
 */
export function closest(value: string, candidates: readonly string[], maxDistance: number): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(value, candidate);
    if (distance <= maxDistance && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
