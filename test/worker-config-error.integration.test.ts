import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { runCli } from './support/sluice-process.js';

/**
 * A process running only the router (or only the processor) opens its JetStream streams in the stage's worker
 * thread, after the start has finished. A setting the streams cannot take (SLUICE_QUEUE_REPLICAS=3 on one NATS
 * server) used to make that worker fail and be restarted every second, forever, in a process that looked up.
 * Now the process says why in a sentence and exits 2, as for a bad setting found at start. Real PostgreSQL and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.runIf(available)('a stage worker stopped by its configuration', () => {
  let schema: TestSchema;
  const prefix = uniqueQueuePrefix('replicas');

  beforeAll(async () => {
    schema = await createTestSchema('replicas');
  });
  afterAll(async () => {
    await schema?.drop();
    await deleteStreams(prefix);
  });

  it.each(['router', 'processor'])('ends a %s-only process with exit code 2 and the reason, instead of restarting the worker forever', async (role) => {
    let killer: NodeJS.Timeout | undefined;
    const run = await runCli(['start', '--role', role], {
      PORT: '0',
      SLUICE_DATA_DIR: mkdtempSync(path.join(work, 'data-')),
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_QUEUE_URL: TEST_QUEUE_URL,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_QUEUE_REPLICAS: '3',
      SLUICE_SECRET_KEY: 'worker-config-secret-key-0123456789abcdef',
      SLUICE_LOG_LEVEL: 'info',
    }, undefined, {
      // Without the fix the process never ends: stop it so the assertions below say what went wrong.
      whileRunning: (child) => {
        killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      },
    });
    clearTimeout(killer);
    expect(run.stderr).toContain('sluice: SLUICE_QUEUE_REPLICAS=3: NATS refused the stream');
    expect(run.stderr).toContain('Set SLUICE_QUEUE_REPLICAS=1 on a single NATS server');
    expect(`${run.stdout}${run.stderr}`).not.toContain('worker exited; restarting');
    expect(run.code).toBe(2);
  }, 90_000);
});
