import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { openSse } from './support/sse-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * The live tail is a long-lived request: the credentials it was opened with are checked again while it runs, so
 * revoking a token (or suspending its member) ends the streams it opened instead of leaving them showing new events.
 */
let sluice: TestSluice;
let sourceId: string;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

beforeAll(async () => {
  sluice = await startTestSluice();
  const sources = (await api('GET', '/sources')).body.sources as { id: string; writeKey: string }[];
  sourceId = sources.find((s) => s.writeKey === sluice.writeKey)!.id;
});
afterAll(async () => {
  await sluice?.stop();
});

describe('live tail access', () => {
  it('ends a stream whose token was revoked, saying why, and shows nothing sent after', async () => {
    const created = await api('POST', '/tokens', { name: 'Support laptop', role: 'viewer' });
    expect(created.status, created.text).toBe(201);
    const stream = await openSse(`${sluice.url}/api/v1/sources/${sourceId}/live`, { authorization: `Bearer ${String(created.body.token)}` });
    expect(stream.status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'before-revoke', event: 'Seen', messageId: 'access-1' });
    await eventually(async () => (stream.messages.some((m) => m.event === 'event' && m.data.includes('access-1')) ? true : undefined));

    expect((await api('DELETE', `/tokens/${String(created.body.id)}`)).status).toBe(204);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    await eventually(async () => (ended ? true : undefined), 15_000);
    const error = stream.messages.find((m) => m.event === 'error');
    expect(JSON.parse(error!.data)).toMatchObject({ code: 'unauthorized' });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'after-revoke', event: 'Not seen', messageId: 'access-2' });
    expect(stream.messages.some((m) => m.data.includes('access-2'))).toBe(false);
  });

  it('keeps a stream whose credentials still hold open past the check', async () => {
    const stream = await openSse(`${sluice.url}/api/v1/sources/${sourceId}/live`, { authorization: `Bearer ${sluice.token}` });
    try {
      // Past the first check (every 5 s), an event still arrives.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'owner-view', event: 'Still live', messageId: 'access-3' });
      await eventually(async () => (stream.messages.some((m) => m.event === 'event' && m.data.includes('access-3')) ? true : undefined));
      expect(stream.messages.some((m) => m.event === 'error')).toBe(false);
    } finally {
      stream.close();
    }
  });
});
