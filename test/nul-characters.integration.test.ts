import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const available = await postgresAvailable();

/**
 * JSON allows U+0000 (`\u0000`); PostgreSQL text does not. An event carrying one, accepted with 200, used to fail
 * every processor batch that held it ("invalid byte sequence for encoding UTF8: 0x00"), so it and every event
 * after it stayed in the inbox: nothing more was stored or delivered.
 */
describe.runIf(available)('U+0000 in an event on PostgreSQL', () => {
  let schema: TestSchema;
  let sluice: TestSluice;
  const servers: RecordingServer[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('nul');
    sluice = await startTestSluice({ SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_SECRET_KEY: 'nul-test-secret-key-0123456789abcdef', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
    await schema?.drop();
  });

  it('stores and delivers the event with the character replaced, and the events after it', async () => {
    const { server } = await createWebhook(sluice, servers, 'Hook');
    const post = (body: string) => fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` }, body });
    const first = await post('{"batch": [{"type": "identify", "userId": "nul\\u0000user", "messageId": "nul-1", "traits": {"email": "n\\u0000@example.com", "na\\u0000me": "N"}}, {"type": "track", "userId": "nul-2", "event": "Paid\\u0000", "messageId": "nul-2", "properties": {"note": "a\\u0000b"}}]}');
    expect(first.status).toBe(200);
    const after = await post('{"batch": [{"type": "track", "userId": "plain", "event": "After", "messageId": "nul-3"}]}');
    expect(after.status).toBe(200);

    const api = ownerApi(sluice);
    const stored = await eventually(async () => {
      const res = await api('GET', '/events/nul-3');
      return res.status === 200 ? res : undefined;
    });
    expect(stored.body.event).toMatchObject({ userId: 'plain' });
    expect((await api('GET', '/events/nul-1')).body.event).toMatchObject({ userId: 'nul\ufffduser', traits: { email: 'n\ufffd@example.com', 'na\ufffdme': 'N' } });
    expect((await api('GET', '/events/nul-2')).body.event).toMatchObject({ event: 'Paid\ufffd', properties: { note: 'a\ufffdb' } });
    await eventually(async () => (['nul-1', 'nul-2', 'nul-3'].every((m) => server.events().some((e) => e.messageId === m)) ? true : undefined));
  });

  it('answers an admin request holding U+0000 with 400 validation_failed, not a 500 "report it"', async () => {
    const headers = { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' };
    const created = await fetch(`${sluice.url}/api/v1/sources`, { method: 'POST', headers, body: '{"name": "Web\\u0000shop"}' });
    const lookup = await fetch(`${sluice.url}/api/v1/profiles/a%00b`, { headers });
    for (const res of [created, lookup]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('holds the character U+0000') } });
    }
  });
});
