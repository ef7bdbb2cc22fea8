// Development and tests only: when Sluice runs from its TypeScript sources (vitest, tsx), a worker thread
// starts here and loads its stage's .ts entry. The built package (dist/) starts workers from their compiled .js
// files and never uses this file.
//
// The entry and the sources it imports are bundled into one file with esbuild (packages stay external), kept
// under node_modules/.cache/sluice-workers/ while no file under src/ changes, and that file is imported. Loading
// the same ~200 modules one by one through tsx's loader hooks took each worker 2.5-3.5 s (every Sluice a test
// starts has three to five workers); the bundle loads in a fraction of that. `import.meta.url` keeps each
// source file's own location inside the bundle (workers it starts, files it reads beside it). If bundling fails,
// the worker falls back to tsx's loader.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { newestMtime } from './newest-mtime.mjs';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const CACHE = path.join(SRC, '..', 'node_modules', '.cache', 'sluice-workers');

/** The bundle of `entry` for the sources as they are now, built if missing. */
async function bundleOf(entry) {
  const key = createHash('sha256').update(`${entry}\0${newestMtime(SRC)}`).digest('hex').slice(0, 16);
  const file = path.join(CACHE, `${path.basename(entry, '.ts')}-${key}.mjs`);
  try {
    statSync(file);
    return file;
  } catch {
    // not built yet
  }
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
    plugins: [
      {
        name: 'own-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => {
            const source = readFileSync(args.path, 'utf8');
            return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
          });
        },
      },
    ],
  });
  mkdirSync(CACHE, { recursive: true });
  // Workers starting at once may build the same bundle: each writes its own file, and the rename is atomic.
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, file);
  pruneOlderBundles(file);
  return file;
}

/** Removes this entry's bundles of earlier sources, once they are a while old (a test run still starting from one keeps it). */
function pruneOlderBundles(file) {
  const prefix = `${path.basename(file).replace(/-[0-9a-f]{16}\.mjs$/, '')}-`;
  for (const name of readdirSync(CACHE)) {
    const other = path.join(CACHE, name);
    if (other === file || !name.startsWith(prefix)) continue;
    try {
      if (Date.now() - statSync(other).mtimeMs > 10 * 60_000) unlinkSync(other);
    } catch {
      // removed by another worker meanwhile
    }
  }
}

const entry = fileURLToPath(workerData.tsEntry);
let bundle;
try {
  bundle = await bundleOf(entry);
} catch (error) {
  process.stderr.write(`sluice (from source): could not bundle ${entry} (${error instanceof Error ? error.message : String(error)}); loading it through tsx instead\n`);
  bundle = undefined;
}
if (bundle) {
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.tsEntry);
}
