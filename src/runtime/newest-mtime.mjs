// Development, tests and benchmarks only (not part of dist/): whether something built from the sources is older
// than them. Plain JavaScript, so the worker loader can use it before any TypeScript loader is in place.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The newest modification time of any file or directory under `dir` (a directory's changes when a file in it is
 * added, removed or renamed): anything built from `dir` before it may be stale.
 * @param {string} dir
 * @returns {number}
 */
export function newestMtime(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}
