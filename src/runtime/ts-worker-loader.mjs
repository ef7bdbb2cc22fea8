// Development and tests only: when Sluice runs from its TypeScript sources (vitest, tsx), a worker thread
// starts here and loads its stage's .ts entry. The built package (dist/) starts workers from their compiled .js
// files and never uses this file.
//
// The entry and the sources it imports are bundled with esbuild (worker-bundles.mjs: packages external but for a
// few inlined ones, code imported on demand in chunks of its own, source maps in files beside them), kept under
// node_modules/.cache/sluice-workers/ while no file under src/ changes, and imported. Loading the same ~200 modules
// one by one through tsx's loader hooks took each worker 2.5-3.5 s (every Sluice a test starts has three to five
// workers); the bundle loads in a fraction of that. `import.meta.url` keeps each source file's own location inside
// the bundle (workers it starts, files it reads beside it). If bundling fails, the worker falls back to tsx's loader.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { workerBundle } from './worker-bundles.mjs';

const SRC = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so the external packages resolve from the bundles.
const CACHE = path.join(SRC, '..', 'node_modules', '.cache', 'sluice-workers');

const entry = fileURLToPath(workerData.tsEntry);
let bundle;
try {
  bundle = await workerBundle(entry, { srcDir: SRC, cacheDir: CACHE });
} catch (error) {
  process.stderr.write(`sluice (from source): could not bundle ${entry} (${error instanceof Error ? error.message : String(error)}); loading it through tsx instead\n`);
  bundle = undefined;
}
if (bundle) {
  // Stack traces name the .ts files and lines (the bundles' source maps).
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.tsEntry);
}
