import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores here: integration suites start real servers; more parallel files only contend.
    maxWorkers: 2,
    // A worker process runs file after file and keeps the modules it imported (src/ is transformed and loaded once
    // per worker, not once per file): each file in a fresh fork spent about 277 s of the suite's 782 s importing.
    // Files in one worker run one after another, never together; a file must close what it starts (Sluices, servers,
    // browsers, timers) and not rely on fresh module state, as the next file in that process inherits both. Measured
    // on src/ (123 files), back to back at load ~8: 188 s isolated against 95 s here; the whole suite passes so.
    isolate: false,
    reporters: ['default'],
    // expect.poll's own default is 1 s: on a loaded machine (the full suite on 2 cores), a console page's fetch after a
    // click took longer once and a check that held a moment later failed (session 36, the delivery log's status filter).
    // A poll that succeeds still returns at once; one that fails takes this long to say so.
    expect: { poll: { timeout: 10_000 } },
  },
});
