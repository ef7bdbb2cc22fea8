import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` (npm run build) when it is older than `src/`: the benchmarks that start Sluice as users do run it. */
export function ensureBuilt(): void {
  let fresh = false;
  try {
    fresh = statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs > newestMtime(path.join(ROOT, 'src'));
  } catch {
    fresh = false;
  }
  if (!fresh) {
    process.stdout.write('dist/ is older than src/: building (npm run build)...\n');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
}
