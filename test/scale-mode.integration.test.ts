import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { RecordingServer } from './support/recording-server.js';
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
      SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1',
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

  it('routes through the JetStream delivery queues to a webhook: each user in order, a failing event holds back only its user', async () => {
    const hook = await RecordingServer.start();
    try {
      // User a's first event fails until users b and c have every event. Their events are sent only once a's
      // first attempt has failed, so if they waited behind a's retry, it would never succeed and the test would
      // time out. (Asserting on arrival order alone raced the backoff on a loaded machine.)
      const othersDone = () => ['b', 'c'].every((u) => [0, 1, 2, 3, 4].every((i) => hook.events().some((e) => e.messageId === `routed-${u}-${i}`)));
      hook.respond = (request) => {
        const body = request.body as { messageId?: string };
        return body.messageId === 'routed-a-0' && !othersDone() ? { status: 503 } : { status: 200 };
      };
      const created = await fetch(`${sluice.url}/api/v1/destinations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Scale hook', type: 'webhook', config: { url: hook.url } }),
      });
      expect(created.status).toBe(201);
      const auth = `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}`;
      const send = (events: unknown[]) => fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: events }) });
      const users = ['a', 'b', 'c'];
      const eventsOf = (u: string) => Array.from({ length: 5 }, (_, i) => ({ type: 'track', event: 'Routed', userId: `routed-${u}`, messageId: `routed-${u}-${i}`, properties: { i } }));
      const batch = users.flatMap(eventsOf);
      await eventually(async () => {
        // The processor learns of the new destination through the change feed; resend until it fans out.
        expect((await send(eventsOf('a'))).status).toBe(200);
        await new Promise((r) => setTimeout(r, 300));
        return hook.failures.some((r) => (r.body as { messageId?: string }).messageId === 'routed-a-0') ? true : undefined;
      });
      expect(hook.events()).toEqual([]);
      expect((await send([...eventsOf('b'), ...eventsOf('c')])).status).toBe(200);
      const received = await eventually(async () => {
        const ids = new Set(hook.events().map((e) => String(e.messageId)));
        return batch.every((e) => ids.has(e.messageId)) ? hook.events() : undefined;
      }, 60_000);
      for (const u of users) {
        const firsts: number[] = [];
        for (const e of received) {
          const i = (e.properties as { i: number }).i;
          if (e.userId === `routed-${u}` && !firsts.includes(i)) firsts.push(i);
        }
        expect(firsts, `user ${u}`).toEqual([0, 1, 2, 3, 4]);
      }
      // The destination's backlog, read from the JetStream stream by the API process: nothing left once delivered.
      const destinationId = ((await created.json()) as { id: string }).id;
      const backlog = await eventually(async () => {
        const res = await fetch(`${sluice.url}/api/v1/destinations/${destinationId}/backlog`, { headers: { authorization: `Bearer ${sluice.token}` } });
        const body = (await res.json()) as { waiting: number; retrying: number };
        return res.status === 200 && body.waiting === 0 && body.retrying === 0 ? body : undefined;
      });
      expect(backlog).toEqual({ waiting: 0, retrying: 0 });

      // A replay on the scale backends: the replay's row in PostgreSQL, its jobs through JetStream.
      const before = new Map(batch.map((e) => [e.messageId, hook.events().filter((x) => x.messageId === e.messageId).length]));
      const replayed = await fetch(`${sluice.url}/api/v1/destinations/${destinationId}/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 1000).toISOString(), event: 'Routed' }),
      });
      expect(replayed.status).toBe(200);
      expect(await replayed.json()).toMatchObject({ status: 'completed', total: batch.length, read: batch.length, queued: batch.length, dropped: 0 });
      await eventually(async () => (batch.every((e) => hook.events().filter((x) => x.messageId === e.messageId).length > before.get(e.messageId)!) ? true : undefined));
    } finally {
      await hook.close();
    }
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
