import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const available = (await postgresAvailable()) && (await natsAvailable());

/** One process with every role on PostgreSQL + JetStream: the whole pipeline on the scale backends. */
describe.runIf(available)('scale mode in one process (PostgreSQL store, JetStream queues)', () => {
  let schema: TestSchema;
  let sluice: TestSluice;
  const prefix = uniqueQueuePrefix('mode');

  beforeAll(async () => {
    schema = await createTestSchema('mode');
    sluice = await startTestSluice({
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_QUEUE_URL: TEST_QUEUE_URL,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_SECRET_KEY: 'scale-mode-test-secret-key-0123456789',
      SLUICE_QUEUE_ACK_WAIT_MS: '2000',
    });
  });
  afterAll(async () => {
    await sluice?.stop();
    await schema?.drop();
    await deleteStreams(prefix);
  });

  it('acknowledges, processes and stores events, deduplicating a resent messageId', async () => {
    const auth = `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}`;
    const send = (body: unknown) => fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', event: 'Scaled', userId: `u${i % 3}`, messageId: `scale-mode-${i}` }));
    expect((await send({ batch })).status).toBe(200);
    expect((await send({ batch: batch.slice(0, 5) })).status).toBe(200);
    const events = await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/events?limit=100`, { headers: { authorization: `Bearer ${sluice.token}` } });
      const body = (await response.json()) as { events: { messageId: string }[] };
      return body.events.length >= 20 ? body.events : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(events.map((e) => e.messageId).sort()).toEqual(batch.map((e) => e.messageId).sort());
    expect(sluice.store.dialect).toBe('postgres');
  });

  it('refuses a source disabled through the API', async () => {
    const sources = (await (await fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Bearer ${sluice.token}` } })).json()) as { sources: { id: string; writeKey: string }[] };
    const source = sources.sources.find((s) => s.writeKey === sluice.writeKey)!;
    const patch = await fetch(`${sluice.url}/api/v1/sources/${source.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) });
    expect(patch.status).toBe(200);
    const auth = `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}`;
    const response = await fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u', event: 'After' }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled' } });
  });
});
