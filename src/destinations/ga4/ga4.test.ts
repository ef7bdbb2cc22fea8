import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { nameProblem, toGa4Name } from './ga4-rules.js';
import { ga4, toParams } from './index.js';

type MpBody = { client_id?: string; user_id?: string; timestamp_micros?: number; events?: { name: string; params: Record<string, unknown>; timestamp_micros?: number }[] };

/**
 * GA4's collection endpoint per the Measurement Protocol docs: POST /mp/collect?measurement_id&api_secret,
 * {client_id, user_id?, timestamp_micros?, events: [{name, params, timestamp_micros?}]} with at most 25 events and
 * 25 parameters an event, backdated by timestamp_micros at most 72 hours; it answers 204 even to events it discards, so
 * this stand-in records what would be discarded (a name breaking the rules) for the test to assert none was.
 */
function ga4Docs(discarded: string[]) {
  return (r: ReceivedRequest) => {
    if (r.path === '/analytics/v3/userDeletion/userDeletionRequests:upsert') {
      if (r.headers.authorization !== 'Bearer ya29.token') return { status: 401, body: { error: { code: 401 } } };
      return { status: 200, body: { kind: 'analytics#userDeletionRequest', deletionRequestTime: '2026-11-30T10:00:00Z' } };
    }
    if (r.path !== '/mp/collect' || r.query.get('api_secret') !== 'secret-1' || r.query.get('measurement_id') !== 'G-TEST123') return { status: 204 };
    const body = r.json as MpBody;
    if (!body.client_id || (body.events?.length ?? 0) > 25) discarded.push('request');
    for (const e of body.events ?? []) {
      if (Object.keys(e.params).length > 25) discarded.push(`${e.name}: over 25 parameters`);
      const micros = e.timestamp_micros ?? body.timestamp_micros;
      if (micros !== undefined && Date.now() * 1000 - micros > 72 * 3600 * 1e6) discarded.push(`${e.name}: over 72 hours old`);
      if (nameProblem(e.name, 'event')) discarded.push(e.name);
      for (const [k, v] of Object.entries(e.params)) if (nameProblem(k, 'parameter') || (typeof v === 'string' && v.length > 100)) discarded.push(`${e.name}.${k}`);
    }
    return { status: 204 };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ measurementId: 'G-TEST123', apiSecret: 'secret-1', baseUrl: url, propertyId: '123', deletionAccessToken: 'ya29.token', deletionBaseUrl: url });

// The sample events happen at 2026-11-30T10:00:00Z; GA4 takes events up to 72 hours old, so the tests run then.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
});
afterAll(() => {
  vi.useRealTimers();
});

describe('GA4 destination', () => {
  it.each([
    ['Order Completed', 'order_completed'],
    ['signupStarted', 'signup_started'],
    ['  Clicked -- Buy!  ', 'clicked_buy'],
  ])('names %j as %j', (input, expected) => {
    expect(toGa4Name(input)).toBe(expected);
  });

  it.each([
    ['session_start', 'GA4 reserves'],
    ['ga_custom', 'prefix'],
    ['1st_event', 'start with a letter'],
    ['x'.repeat(41), 'over 40'],
  ])('refuses the event name %j', (name, why) => {
    expect(nameProblem(name, 'event')).toContain(why);
  });

  it('maps Segment spec events to GA4 recommended events and pages to page_view', async () => {
    const discarded: string[] = [];
    server = await startMockServer(ga4Docs(discarded));
    const items = [
      item({ type: 'track', userId: 'u1', anonymousId: 'cid-1', event: 'Order Completed', properties: { revenue: 42, currency: 'EUR', order_id: 'o-1' } }),
      item({ type: 'page', anonymousId: 'cid-1', name: 'Pricing', properties: { url: 'https://x.test/pricing' } }),
    ];
    expect(await ga4.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    const body = server.received[0]!.json as MpBody;
    expect(body).toMatchObject({ client_id: 'cid-1', user_id: 'u1' });
    expect(body.events![0]).toMatchObject({ name: 'purchase', params: { value: 42, currency: 'EUR', order_id: 'o-1' } });
    expect(body.events![1]).toMatchObject({ name: 'page_view', params: { page_location: 'https://x.test/pricing', page_title: 'Pricing' } });
    expect(discarded).toEqual([]);
  });

  it('refuses events GA4 would silently discard instead of sending them', async () => {
    const discarded: string[] = [];
    server = await startMockServer(ga4Docs(discarded));
    const outcome = (await ga4.deliver([item({ type: 'track', anonymousId: 'c', event: 'session_start' }), item({ type: 'track', anonymousId: 'c', event: 'Fine' })], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toMatchObject({ kind: 'abort', reason: 'invalid_event_name' });
    expect(outcome.results[1]).toEqual({ kind: 'ok' });
    expect(discarded).toEqual([]);
  });

  it('does not send an event older than GA4 backdates (72 hours), which it would answer 204 and not record, and says why', async () => {
    const discarded: string[] = [];
    server = await startMockServer(ga4Docs(discarded));
    const old = item({ type: 'track', anonymousId: 'c', event: 'Replayed', timestamp: '2026-11-27T09:00:00.000Z' });
    const recent = item({ type: 'track', anonymousId: 'c', event: 'Recent', timestamp: '2026-11-27T13:00:00.000Z' });
    const outcome = (await ga4.deliver([old, recent], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toMatchObject({ kind: 'abort', reason: 'too_old', error: expect.stringContaining('75 hours ago') });
    expect(outcome.results[1]).toEqual({ kind: 'ok' });
    expect((server.received[0]!.json as MpBody).events!.map((e) => e.name)).toEqual(['recent']);
    expect(discarded).toEqual([]);
    expect((await ga4.preview!([old], config(server.url))).refused).toEqual([{ messageId: old.messageId, reason: 'too_old', error: expect.stringContaining('72 hours') }]);
  });

  it('keeps parameters within GA4 limits and says what changed', () => {
    const { params, warnings } = toParams({ long: 'y'.repeat(150), nested: { a: 1 }, 'google_x': 1, ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, i])) });
    expect((params.long as string).length).toBe(100);
    expect(params.nested).toBe('{"a":1}');
    expect(Object.keys(params).length).toBe(24);
    expect(warnings.some((w) => w.includes('google_x'))).toBe(true);
  });

  it('sends an event with many properties within 25 parameters, engagement_time_msec included, and its own time beside them', async () => {
    const discarded: string[] = [];
    server = await startMockServer(ga4Docs(discarded));
    const properties = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, i]));
    const items = [
      item({ type: 'track', anonymousId: 'c1', event: 'Configured', properties, timestamp: '2026-11-30T10:00:00.000Z' }),
      item({ type: 'track', anonymousId: 'c1', event: 'Saved', timestamp: '2026-11-30T10:05:00.000Z' }),
    ];
    expect(await ga4.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(discarded).toEqual([]);
    const events = (server.received[0]!.json as MpBody).events!;
    expect(Object.keys(events[0]!.params)).toHaveLength(25);
    expect(events[0]!.params.engagement_time_msec).toBe(1);
    expect(events.map((e) => e.timestamp_micros)).toEqual([Date.parse('2026-11-30T10:00:00.000Z') * 1000, Date.parse('2026-11-30T10:05:00.000Z') * 1000]);
    expect(events.every((e) => e.params.timestamp_micros === undefined)).toBe(true);
  });

  it('sends at most 25 events per request, one client per request', async () => {
    const discarded: string[] = [];
    server = await startMockServer(ga4Docs(discarded));
    const items = [...Array.from({ length: 30 }, () => item({ type: 'track', anonymousId: 'c1', event: 'Tick' })), item({ type: 'track', anonymousId: 'c2', event: 'Tick' })];
    expect(await ga4.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received.map((r) => `${(r.json as MpBody).client_id}:${(r.json as MpBody).events!.length}`)).toEqual(['c1:25', 'c1:5', 'c2:1']);
    expect(discarded).toEqual([]);
  });

  it('files user deletion requests for user ids and client ids', async () => {
    server = await startMockServer(ga4Docs([]));
    const result = await ga4.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: ['c1'], emails: [] }, config(server.url), testContext());
    expect(result).toMatchObject({ kind: 'submitted' });
    expect(server.received.map((r) => (r.json as { id: { type: string } }).id.type)).toEqual(['USER_ID', 'CLIENT_ID']);
  });
});
