import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True when dist/ was built after the last change under src/ (as after `npm ci`, which builds). */
export function distIsFresh(): boolean {
  try {
    return statSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js')).mtimeMs > newestMtime(path.join(REPO_ROOT, 'src'));
  } catch {
    return false;
  }
}
