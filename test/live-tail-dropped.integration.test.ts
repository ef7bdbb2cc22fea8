import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { openSse } from './support/sse-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const require = createRequire(import.meta.url);
const { Analytics } = require('@segment/analytics-node') as typeof import('@segment/analytics-node');

/**
 * An event the Tracking API accepted (200) and the processor then dropped before storage never reaches the stored
 * events the live debugger reads: the engineer saw a 200 and no event. The stream says so with `event: dropped`.
 */
let sluice: TestSluice;
let sourceId: string;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
type NotFound = { error: { code: string; message: string; rejected?: Record<string, unknown>; dropped?: Record<string, unknown> } };
const lookup = (messageId: string) => ownerApi(sluice)<NotFound>('GET', `/events/${messageId}`);

beforeAll(async () => {
  sluice = await startTestSluice();
  const sources = (await api('GET', '/sources')).body.sources as { id: string; writeKey: string }[];
  sourceId = sources.find((s) => s.writeKey === sluice.writeKey)!.id;
});
afterAll(async () => {
  await sluice?.stop();
});

describe('live tail: events dropped before storage', () => {
  it('streams a call that reused a messageId as dropped (duplicate), with its messageId and shape but no values', async () => {
    const stream = await openSse(`${sluice.url}/api/v1/sources/${sourceId}/live`, { authorization: `Bearer ${sluice.token}` });
    try {
      expect(stream.status).toBe(200);
      // A test script with a fixed messageId, run twice: the second call's new properties are never stored.
      await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'dev-1', event: 'Checkout Tested', messageId: 'fixed-test-id', properties: { run: 1 } });
      await eventually(async () => (stream.messages.some((m) => m.event === 'event' && m.data.includes('fixed-test-id')) ? true : undefined));
      await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'dev-1', event: 'Checkout Tested', messageId: 'fixed-test-id', properties: { run: 2, coupon: 'SECRET-CODE' } });

      await eventually(async () => (stream.messages.some((m) => m.event === 'dropped') ? true : undefined), 10_000);
      const dropped = stream.messages.find((m) => m.event === 'dropped')!;
      expect(dropped.id).toBeUndefined(); // Last-Event-ID stays an event's seq
      expect(JSON.parse(dropped.data)).toMatchObject({
        reason: 'duplicate',
        message: expect.stringContaining('already sent an event with this messageId'),
        example: { type: 'track', event: 'Checkout Tested', messageId: 'fixed-test-id', shape: { userId: 'string', properties: { run: 'number', coupon: 'string' } } },
      });
      expect(dropped.data).not.toContain('SECRET-CODE');
      expect(dropped.data).not.toContain('dev-1');
      // The stored event is still the first one, and the stream showed it once.
      expect(stream.messages.filter((m) => m.event === 'event' && m.data.includes('fixed-test-id'))).toHaveLength(1);
      // The source's rejections answer lists it too, with the count from the source counters.
      const why = await eventually(async () => {
        const r = await ownerApi(sluice)<{ dropped: { reason: string; count: number; example?: { messageId?: string } }[] }>('GET', `/sources/${sourceId}/rejections`);
        return r.body.dropped.length > 0 ? r.body : undefined;
      });
      expect(why.dropped).toEqual([expect.objectContaining({ reason: 'duplicate', count: 1, message: expect.stringContaining('messageId'), example: expect.objectContaining({ messageId: 'fixed-test-id' }) })]);
    } finally {
      stream.close();
    }
  });

  it('streams the events of a suppressed person, sent with analytics-node, as dropped (suppressed)', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'suppress', subject: { userId: 'gone-user' } });
    expect(created.status, created.text).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(created.body.id)}`)).body.status === 'completed' ? true : undefined), 30_000);
    const stream = await openSse(`${sluice.url}/api/v1/sources/${sourceId}/live`, { authorization: `Bearer ${sluice.token}` });
    try {
      const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
      analytics.track({ userId: 'gone-user', event: 'Still Tracked', properties: { plan: 'pro' } });
      await analytics.closeAndFlush({ timeout: 10_000 });
      await eventually(async () => (stream.messages.some((m) => m.event === 'dropped' && m.data.includes('"suppressed"')) ? true : undefined), 10_000);
      const dropped = JSON.parse(stream.messages.find((m) => m.event === 'dropped')!.data) as { message: string; example: { event: string; messageId: string } };
      expect(dropped.message).toContain('suppressed');
      expect(dropped.example.event).toBe('Still Tracked');
      expect(dropped.example.messageId).toMatch(/^node-next-/);
      expect(stream.messages.some((m) => m.event === 'event')).toBe(false);
      expect(JSON.stringify(dropped)).not.toContain('gone-user');
    } finally {
      stream.close();
    }
  });

  it('answers the event lookup of a messageId that was rejected, or accepted and dropped, with what happened instead of a bare not found', async () => {
    // Rejected at the door: analytics-node's call without an event name (a 400 nobody reads).
    const rejected = await fetch(`${sluice.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ userId: 'dev-2', messageId: 'lookup-rejected', properties: { total: 5 } }),
    });
    expect(rejected.status).toBe(400);
    // Accepted, then dropped: the suppressed person of the test before.
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'gone-user', event: 'Looked Up', messageId: 'lookup-dropped' });

    await eventually(async () => {
      const r = await lookup('lookup-rejected');
      return r.body.error?.rejected ? r : undefined;
    }, 10_000).then((r) => {
      expect(r.status).toBe(404);
      expect(r.body.error).toMatchObject({ code: 'not_found', rejected: { code: 'event_not_string', sourceId } });
      expect(String(r.body.error.message)).toMatch(/the Tracking API rejected it at .*event_not_string/);
    });
    await eventually(async () => {
      const r = await lookup('lookup-dropped');
      return r.body.error?.dropped ? r : undefined;
    }, 10_000).then((r) => {
      expect(r.status).toBe(404);
      expect(r.body.error).toMatchObject({ code: 'not_found', dropped: { reason: 'suppressed', sourceId } });
      expect(String(r.body.error.message)).toContain('accepted it and it was dropped before storage');
    });
    // A messageId nobody sent: not found, saying where else to look.
    const unknown = await lookup('never-sent');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).not.toHaveProperty('rejected');
    expect(String(unknown.body.error.message)).toContain('may still be in the inbox');
  });
});
