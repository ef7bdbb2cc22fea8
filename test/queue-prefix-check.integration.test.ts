import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { isSluiceError } from '../src/core/errors.js';
import { startSluice } from '../src/main.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';

/**
 * Scale mode: every process of an installation must use the same SLUICE_QUEUE_PREFIX. One started without it (the
 * default `sluice`) or with a typo would accept events into streams no processor of the installation reads, while its
 * /health and GET /processes look fine. Real starts on one PostgreSQL schema and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-prefix-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.runIf(available)('the queue prefix check at start', () => {
  let schema: TestSchema;
  const prefix = uniqueQueuePrefix('prefix');
  const typo = `${prefix}x`;

  beforeAll(async () => {
    schema = await createTestSchema('prefix');
  });
  afterAll(async () => {
    await schema?.drop();
    await deleteStreams(prefix);
    await deleteStreams(typo);
    await deleteStreams(`${prefix}y`);
  });

  async function start(queuePrefix: string, env: Record<string, string> = {}): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    try {
      const sluice = await startSluice(
        loadConfig({
          PORT: '0',
          SLUICE_DATA_DIR: mkdtempSync(path.join(work, 'data-')),
          SLUICE_DATABASE_URL: schemaUrl(schema),
          SLUICE_QUEUE_URL: TEST_QUEUE_URL,
          SLUICE_QUEUE_PREFIX: queuePrefix,
          SLUICE_SECRET_KEY: 'prefix-check-secret-key-0123456789abcdef',
          SLUICE_ROLES: 'ingest',
          SLUICE_LOG_LEVEL: 'silent',
          ...env,
        }),
      );
      await sluice.close();
      return { ok: true };
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      return { ok: false, code: error.code, message: error.message };
    }
  }

  it('refuses a process with another prefix than the installation\'s, saying which to set; moves only when told to', async () => {
    expect(await start(prefix)).toEqual({ ok: true });
    expect(await start(typo)).toEqual({
      ok: false,
      code: 'invalid_config',
      message: `SLUICE_QUEUE_PREFIX is "${typo}" but this installation's processes use "${prefix}" (recorded in its database): this process would put events and delivery jobs in JetStream streams (${typo}_inbox, ...) that they never read. Set SLUICE_QUEUE_PREFIX=${prefix} as on the other processes. To move the installation to another prefix on purpose: stop the ingest processes, let ${prefix}_inbox and ${prefix}_deliveries drain, stop the others, then start them with the new prefix and, once, SLUICE_ACCEPT_NEW_QUEUE_PREFIX=true.`,
    });
    expect(await start(prefix)).toEqual({ ok: true });
    // Moved on purpose: the new prefix is the installation's from then on, and the old one is refused.
    expect(await start(typo, { SLUICE_ACCEPT_NEW_QUEUE_PREFIX: 'true' })).toEqual({ ok: true });
    expect(await start(typo)).toEqual({ ok: true });
    expect(await start(prefix)).toMatchObject({ ok: false, code: 'invalid_config', message: expect.stringContaining(`use "${typo}"`) as string });
  }, 120_000);

  it('in an installation from before the check, records the prefix of a process whose streams exist, never a mistyped one\'s', async () => {
    // No prefix recorded (as after an upgrade), and the mistyped process is the first to start with this version.
    await schema.drop();
    schema = await createTestSchema('prefix');
    expect(await start(prefix)).toEqual({ ok: true });
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: schemaUrl(schema) });
    await client.connect();
    try {
      await client.query("delete from installation where key = 'queue_prefix'");
    } finally {
      await client.end();
    }
    await deleteStreams(typo);
    expect(await start(typo)).toEqual({ ok: true }); // not refused: nothing recorded yet, and nothing recorded by it
    expect(await start(prefix)).toEqual({ ok: true }); // its inbox stream exists: recorded now
    expect(await start(`${prefix}y`)).toMatchObject({ ok: false, code: 'invalid_config', message: expect.stringContaining(`use "${prefix}"`) as string });
  }, 120_000);
});
