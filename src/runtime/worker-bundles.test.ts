import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { OTHER_CHECKOUT_UNUSED_MS, pruneWorkerBundles, SUPERSEDED_UNUSED_MS, workerBundle } from './worker-bundles.mjs';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./test-support/stack-trace.worker.ts', import.meta.url));
const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-bundles-'));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** The bare specifiers (packages) a module and the chunks it statically imports import: what loads with it. */
function staticPackages(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/^(?:import|export)\b[^;(]*?["']([^"']+)["'];?$/gm)) {
    if (specifier!.startsWith('./')) for (const p of staticPackages(path.join(path.dirname(file), specifier!), seen)) packages.add(p);
    else packages.add(specifier!);
  }
  return packages;
}

describe('worker bundles (workers started from the TypeScript sources)', () => {
  it('load PostgreSQL and NATS client packages only with their backends, and carry kysely inside', async () => {
    const file = await workerBundle(path.join(SRC, 'processor', 'processor.worker.ts'), { srcDir: SRC, cacheDir: tempDir() });
    const packages = [...staticPackages(file)];
    expect(packages).toContain('better-sqlite3');
    expect(packages.filter((p) => p === 'pg' || p.startsWith('@nats-io/') || p === 'kysely' || p === 'libphonenumber-js')).toEqual([]);
    // The PostgreSQL store is still in the bundle, in a chunk of its own that brings pg along.
    const chunks = readdirChunks(path.dirname(file));
    expect(chunks.some((chunk) => /from "pg"/.test(readFileSync(chunk, 'utf8')))).toBe(true);
  }, 60_000);

  it('gives stack traces that name the .ts file and line, with the source map in a file beside the bundle', async () => {
    const line = readFileSync(FIXTURE, 'utf8').split('\n').findIndex((text) => text.includes('// STACK-LINE')) + 1;
    const worker = new Worker(new URL('./ts-worker-loader.mjs', import.meta.url), { workerData: { tsEntry: new URL('./test-support/stack-trace.worker.ts', import.meta.url).href } });
    try {
      const answer = await new Promise<{ stack: string; ownUrl: string; node: string; level: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(answer.stack).toContain(`${FIXTURE}:${line}:`);
      expect(answer.ownUrl).toBe(new URL('./test-support/stack-trace.worker.ts', import.meta.url).href);
      expect([answer.node, answer.level]).toEqual(['RawNode', 'silent']);
    } finally {
      await worker.terminate();
    }
  }, 60_000);

  it('marks a bundle used each time a worker loads it', async () => {
    const cacheDir = tempDir();
    const file = await workerBundle(FIXTURE, { srcDir: SRC, cacheDir });
    const long = new Date(Date.now() - 2 * OTHER_CHECKOUT_UNUSED_MS);
    utimesSync(path.dirname(file), long, long);
    expect(await workerBundle(FIXTURE, { srcDir: SRC, cacheDir })).toBe(file);
    expect(Date.now() - statSync(path.dirname(file)).mtimeMs).toBeLessThan(60_000);
  }, 60_000);

  it("removes this checkout's superseded bundles once unused for a while, and another checkout's only once unused for a day", () => {
    const cacheDir = tempDir();
    const now = Date.now();
    const bundle = (name: string, unusedMs: number, asFile = false) => {
      const at = path.join(cacheDir, name);
      if (asFile) writeFileSync(at, 'export {};');
      else mkdirSync(at);
      const when = new Date(now - unusedMs);
      utimesSync(at, when, when);
    };
    const current = 'processor.worker-aaaaaaaa-1111111111111111';
    bundle(current, 0);
    bundle('processor.worker-aaaaaaaa-2222222222222222', SUPERSEDED_UNUSED_MS + 60_000); // this checkout, superseded, idle
    bundle('processor.worker-aaaaaaaa-3333333333333333', SUPERSEDED_UNUSED_MS - 60_000); // this checkout, a run may still use it
    bundle('processor.worker-bbbbbbbb-4444444444444444', 2 * 60 * 60_000); // a second worktree, used two hours ago
    bundle('processor.worker-bbbbbbbb-5555555555555555', OTHER_CHECKOUT_UNUSED_MS + 60_000); // a worktree unused for a day
    bundle('processor.worker-6666666666666666.mjs', 2 * 60 * 60_000, true); // an older loader's bundle, recent
    bundle('processor.worker-7777777777777777.mjs', OTHER_CHECKOUT_UNUSED_MS + 60_000, true); // an older loader's, old
    bundle('router.worker-aaaaaaaa-8888888888888888', SUPERSEDED_UNUSED_MS + 60_000); // another entry: its own build prunes it
    pruneWorkerBundles(cacheDir, current, now);
    expect(readdirSorted(cacheDir)).toEqual([
      'processor.worker-6666666666666666.mjs',
      current,
      'processor.worker-aaaaaaaa-3333333333333333',
      'processor.worker-bbbbbbbb-4444444444444444',
      'router.worker-aaaaaaaa-8888888888888888',
    ]);
  });
});

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).sort();
}

function readdirChunks(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.mjs'))
    .map((name) => path.join(dir, name));
}
