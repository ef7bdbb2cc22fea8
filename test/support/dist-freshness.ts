import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from '../../src/runtime/newest-mtime.mjs';

/** The repository's root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True when dist/ was built after the last change under src/ (as after `npm ci`, which builds). */
export function distIsFresh(): boolean {
  try {
    return statSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js')).mtimeMs > newestMtime(path.join(REPO_ROOT, 'src'));
  } catch {
    return false;
  }
}
