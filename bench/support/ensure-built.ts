import { execFileSync } from 'node:child_process';
import { distIsFresh, REPO_ROOT } from '../../test/support/dist-freshness.js';

/** The repository's root. */
export const ROOT = REPO_ROOT;

/** Builds `dist/` (npm run build) when it is older than `src/`: the benchmarks that start Sluice as users do run it. */
export function ensureBuilt(): void {
  if (distIsFresh()) return;
  process.stdout.write('dist/ is older than src/: building (npm run build)...\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}
