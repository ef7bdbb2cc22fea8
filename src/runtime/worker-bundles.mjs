// Development, tests and benchmarks only (not part of dist/): the esbuild bundles that worker threads started from
// the TypeScript sources load (ts-worker-loader.mjs, decisions 0007 and 0009). Plain JavaScript, so a worker can use
// it before any TypeScript loader is in place.
//
// A bundle is a directory: the entry (`<entry>.mjs`), the chunks it imports, and a source map file beside each.
// - Packages stay external (imported from node_modules as they are), except INLINED_PACKAGES: pure ESM packages
//   of many small modules, which Node loads one by one, each resolved, read and compiled on its own. Inlined, a
//   worker parses one file instead (kysely alone is 280 modules: ~350 ms of CPU per worker thread).
// - Dynamic imports become chunks (esbuild's splitting), so what a worker only imports on demand (the PostgreSQL
//   store and its `pg`, the JetStream queue and `@nats-io/*`) is loaded only where it is used.
// - Source maps are separate files without the sources' text (Node reads the .ts file when it shows a source
//   line): Node 20 reads and scans a module's source map as it loads it, and an inline map made each bundle four
//   times the size of its code.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { newestMtime } from './newest-mtime.mjs';

/** Packages bundled into the workers' bundles rather than imported from node_modules (see above). */
export const INLINED_PACKAGES = ['kysely', 'libphonenumber-js', '@sinclair/typebox'];

/** A superseded bundle of this checkout's sources is removed once unused for this long (a test run may still start from it). */
export const SUPERSEDED_UNUSED_MS = 10 * 60_000;
/** A bundle of another checkout sharing this node_modules (a second worktree) is removed only once unused for this long. */
export const OTHER_CHECKOUT_UNUSED_MS = 24 * 60 * 60_000;

/** The package a bare import specifier names (`@scope/name/sub` -> `@scope/name`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The bundle of `entry` (a .ts file under `srcDir`) for the sources as they are now, built into `cacheDir` if
 * missing; marks it used and returns the path of its entry module.
 * @param {string} entry
 * @param {{ srcDir: string, cacheDir: string }} where
 * @returns {Promise<string>}
 */
export async function workerBundle(entry, { srcDir, cacheDir }) {
  const base = path.basename(entry, '.ts');
  const checkout = createHash('sha256').update(srcDir).digest('hex').slice(0, 8);
  const version = createHash('sha256').update(`${path.relative(srcDir, entry)}\0${newestMtime(srcDir)}`).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `${base}-${checkout}-${version}`);
  const file = path.join(dir, `${base}.mjs`);
  try {
    statSync(file);
    markUsed(dir);
    return file;
  } catch {
    // not built yet
  }
  mkdirSync(cacheDir, { recursive: true });
  // Workers starting at once may build the same bundle: each writes its own directory, and the first rename wins.
  const temporary = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await build(entry, temporary);
  try {
    renameSync(temporary, dir);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!isExists(error)) throw error;
  }
  markUsed(dir);
  pruneWorkerBundles(cacheDir, path.basename(dir), Date.now());
  return file;
}

/** Builds the bundle of `entry` into the directory `outdir`. */
async function build(entry, outdir) {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    write: false,
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (INLINED_PACKAGES.includes(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
        },
      },
      {
        // Each source file keeps its own import.meta.url inside the bundle (workers it starts, files it reads beside it).
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
  mkdirSync(outdir, { recursive: true });
  for (const output of result.outputFiles) {
    writeFileSync(output.path, output.path.endsWith('.map') ? withAbsoluteSources(output.text, outdir) : output.contents);
  }
}

/**
 * A source map whose sources are file URLs rather than paths relative to the bundle: Node resolves relative ones
 * from the bundle's real path, and node_modules may be a link to another checkout's (a worktree sharing it), whose
 * sources are not the ones bundled.
 */
function withAbsoluteSources(text, outdir) {
  const map = JSON.parse(text);
  map.sources = map.sources.map((source) => pathToFileURL(path.resolve(outdir, source)).href);
  return JSON.stringify(map);
}

/** Records that a bundle was just used (its directory's modification time), so pruning leaves it alone. */
function markUsed(dir) {
  try {
    const now = new Date();
    utimesSync(dir, now, now);
  } catch {
    // removed meanwhile: it is used from memory, the next start rebuilds it
  }
}

/**
 * Removes the bundles of `current`'s entry nobody uses any more: those of this checkout's earlier sources once
 * unused for SUPERSEDED_UNUSED_MS, and those of another checkout sharing this node_modules (a second worktree, or
 * the single-file bundles of an older loader) only once unused for OTHER_CHECKOUT_UNUSED_MS.
 * @param {string} cacheDir
 * @param {string} current the name of the bundle just built: `<entry>-<checkout>-<version>`
 * @param {number} now
 */
export function pruneWorkerBundles(cacheDir, current, now) {
  const match = /^(.*)-([0-9a-f]{8})-([0-9a-f]{16})$/.exec(current);
  if (!match) return;
  const [, base, checkout] = match;
  for (const name of readdirSync(cacheDir)) {
    if (name === current || !name.startsWith(`${base}-`)) continue;
    const sameCheckout = name.startsWith(`${base}-${checkout}-`);
    const other = path.join(cacheDir, name);
    try {
      if (now - statSync(other).mtimeMs > (sameCheckout ? SUPERSEDED_UNUSED_MS : OTHER_CHECKOUT_UNUSED_MS)) rmSync(other, { recursive: true, force: true });
    } catch {
      // removed by another worker meanwhile
    }
  }
}

function isExists(error) {
  const code = /** @type {{ code?: unknown }} */ (error).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}
