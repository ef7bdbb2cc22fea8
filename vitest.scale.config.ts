import { defineConfig } from 'vitest/config';

/**
 * `npm run test:scale`: the multi-process test (separate Sluice processes on PostgreSQL + JetStream). Heavy
 * for a 2-core machine, so it is not part of `npm test`; `.ci/run` runs it after.
 */
export default defineConfig({
  test: {
    include: ['test/scale/**/*.scale.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
