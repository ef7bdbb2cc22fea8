import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { jsonReply, recordingContext } from '../../../test/support/recording-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { amplitude } from './index.js';

type AmpEvent = Record<string, unknown>;

/**
 * A stand-in for Amplitude written from its public docs: HTTP V2 at POST /2/httpapi (JSON body with api_key
 * and events; each event needs event_type and user_id or device_id; ids shorter than 5 characters are
 * invalid unless options.min_id_length says otherwise; at most 2,000 events per request -> 413), and the
 * User Privacy API at POST /api/2/deletions/users with Basic auth (api key : secret key), a JSON body of
 * amplitude_ids / user_ids (at most 100 a request), requester, ignore_invalid_ids, delete_from_org and
 * include_mapped_user_ids (this stand-in refuses any other field, so a misspelt one shows).
 */
function amplitudeDocs(request: ReceivedRequest, extra?: (events: AmpEvent[]) => { status: number; body: unknown } | undefined) {
  if (request.path === '/api/2/usersearch' && request.method === 'GET') {
    if (request.headers.authorization !== `Basic ${Buffer.from('KEY123:SECRET456').toString('base64')}`) return { status: 401, body: { error: 'Invalid credentials' } };
    const user = request.query.get('user') ?? '';
    // Device ids match exactly; user ids also by prefix (as the Dashboard REST API's user search does).
    const byDevice = AMPLITUDE_USERS.filter((u) => u.device_ids.includes(user));
    const matches = byDevice.length > 0 ? byDevice : AMPLITUDE_USERS.filter((u) => u.user_id?.startsWith(user));
    return { status: 200, body: { matches: matches.map((u) => ({ user_id: u.user_id, amplitude_id: u.amplitude_id })), type: byDevice.length > 0 ? 'match_device_id' : matches.length > 0 ? 'match_user_id_prefix' : 'nomatch' } };
  }
  if (request.path === '/api/2/deletions/users' && request.method === 'GET') {
    if (request.headers.authorization !== `Basic ${Buffer.from('KEY123:SECRET456').toString('base64')}`) return { status: 401, body: { error: 'Invalid credentials' } };
    const day = request.query.get('start_day');
    return { status: 200, body: day === '2026-12-30' ? [{ day, status: 'done', amplitude_ids: [] }] : [] };
  }
  if (request.path === '/api/2/deletions/users') {
    if (request.headers.authorization !== `Basic ${Buffer.from('KEY123:SECRET456').toString('base64')}`) return { status: 401, body: { error: 'Invalid credentials' } };
    const body = request.json as Record<string, unknown>;
    const known = new Set(['amplitude_ids', 'user_ids', 'requester', 'ignore_invalid_ids', 'delete_from_org', 'include_mapped_user_ids']);
    const unknown = Object.keys(body).filter((k) => !known.has(k));
    if (unknown.length) return { status: 400, body: { error: `Unknown parameter(s): ${unknown.join(', ')}` } };
    const ids = [body.user_ids, body.amplitude_ids].filter((v): v is unknown[] => Array.isArray(v));
    if (ids.every((list) => list.length === 0)) return { status: 400, body: { error: 'amplitude_ids or user_ids required' } };
    if (ids.some((list) => list.length > 100)) return { status: 400, body: { error: 'at most 100 ids per request' } };
    return { status: 200, body: [{ day: '2026-12-30', status: 'staging', amplitude_ids: [], requester: 'x' }] };
  }
  if (request.method !== 'POST' || request.path !== '/2/httpapi') return { status: 404, body: { error: 'not found' } };
  if (!String(request.headers['content-type']).startsWith('application/json')) return { status: 400, body: { code: 400, error: 'Invalid content type' } };
  const body = request.json as { api_key?: string; events?: AmpEvent[]; options?: { min_id_length?: number } };
  if (body.api_key !== 'KEY123') return { status: 400, body: { code: 400, error: 'Invalid API key: KEY' } };
  const events = body.events ?? [];
  if (events.length > 2000) return { status: 413, body: { code: 413, error: 'Payload too large' } };
  const minId = body.options?.min_id_length ?? 5;
  const invalid: number[] = [];
  const missing: number[] = [];
  events.forEach((e, i) => {
    if (typeof e.event_type !== 'string' || (!e.user_id && !e.device_id)) missing.push(i);
    else if ((typeof e.user_id === 'string' && e.user_id.length < minId) || (typeof e.device_id === 'string' && e.device_id.length < minId)) invalid.push(i);
  });
  if (missing.length || invalid.length) {
    return { status: 400, body: { code: 400, error: 'Request missing required field', events_with_missing_fields: missing.length ? { event_type: missing } : {}, events_with_invalid_fields: invalid.length ? { user_id: invalid } : {} } };
  }
  return extra?.(events) ?? { status: 200, body: { code: 200, events_ingested: events.length, payload_size_bytes: request.raw.length, server_upload_time: Date.now() } };
}

/** The users the stand-in's project holds: by user id (its devices merged in), or only by device. */
const AMPLITUDE_USERS: { user_id: string | null; amplitude_id: number; device_ids: string[] }[] = [
  { user_id: 'user-12345', amplitude_id: 5001, device_ids: ['anon-1'] },
  { user_id: null, amplitude_id: 5002, device_ids: ['anon-visitor-77'] },
  { user_id: 'anon-visitor-9-account', amplitude_id: 5003, device_ids: [] },
  { user_id: 'user-shared', amplitude_id: 5004, device_ids: ['anon-family-pc'] },
];

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const config = (url: string) => ({ apiKey: 'KEY123', secretKey: 'SECRET456', baseUrl: url });

describe('Amplitude destination', () => {
  it('maps track, page and identify to HTTP V2 events with insert_id = messageId', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const items = [
      item({ type: 'track', userId: 'user-12345', event: 'Order Completed', properties: { total: 42 } }),
      item({ type: 'page', anonymousId: 'anon-98765', name: 'Pricing', properties: { path: '/pricing' } }),
      item({ type: 'identify', userId: 'user-12345', traits: { plan: 'pro' } }),
    ];
    const outcome = await amplitude.deliver(items, config(server.url), testContext());
    expect(outcome).toEqual({ kind: 'ok' });
    expect(server.received).toHaveLength(1);
    const events = (server.received[0]!.json as { events: AmpEvent[] }).events;
    expect(events[0]).toMatchObject({ event_type: 'Order Completed', user_id: 'user-12345', insert_id: items[0]!.messageId, event_properties: { total: 42 }, ip: '203.0.113.9', time: Date.parse('2026-11-30T10:00:00.000Z') });
    expect(events[1]).toMatchObject({ event_type: 'Viewed Pricing Page', device_id: 'anon-98765', event_properties: { name: 'Pricing', path: '/pricing' } });
    expect(events[2]).toMatchObject({ event_type: '$identify', user_properties: { $set: { plan: 'pro' } } });
  });

  it('splits a batch over 2,000 events into several requests', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const items = Array.from({ length: 4100 }, (_, i) => item({ type: 'track', userId: `user-${10000 + i}`, event: 'Tick' }));
    expect(await amplitude.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received.map((r) => (r.json as { events: unknown[] }).events.length)).toEqual([2000, 2000, 100]);
  });

  it('keeps each request under 1 MB in bytes when events hold text outside ASCII', async () => {
    server = await startMockServer((r) => (r.raw.length > 1_000_000 ? { status: 413, body: { code: 413, error: 'Payload too large' } } : amplitudeDocs(r)));
    // About 10,000 characters but 30 KB an event: 60 of them are 600,000 characters, 1.8 MB.
    const items = Array.from({ length: 60 }, (_, i) => item({ type: 'track', userId: `user-${10000 + i}`, event: 'Review Written', properties: { text: 'é評'.repeat(5_000) } }));
    expect(await amplitude.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received.length).toBeGreaterThan(1);
    expect(server.received.every((r) => r.raw.length <= 1_000_000)).toBe(true);
  });

  it('aborts only the events Amplitude calls invalid and resends the rest', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const items = [item({ type: 'track', userId: 'user-12345', event: 'A' }), item({ type: 'track', userId: 'abc', event: 'B' })];
    const outcome = (await amplitude.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.kind).toBe('per_item');
    expect(outcome.results[0]).toMatchObject({ kind: 'retry' });
    expect(outcome.results[1]).toMatchObject({ kind: 'abort', reason: 'invalid_event' });
  });

  it('sends minIdLength as options.min_id_length', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const outcome = await amplitude.deliver([item({ type: 'track', userId: 'abc', event: 'B' })], { ...config(server.url), minIdLength: 1 }, testContext());
    expect(outcome).toEqual({ kind: 'ok' });
  });

  it('retries only throttled events after 30 s on a 429', async () => {
    server = await startMockServer((r) =>
      amplitudeDocs(r, () => ({ status: 429, body: { code: 429, error: 'Too many requests for some devices and users', eps_threshold: 30, throttled_events: [1] } })),
    );
    const items = [item({ type: 'track', userId: 'user-11111', event: 'A' }), item({ type: 'track', userId: 'user-22222', event: 'B' })];
    const outcome = (await amplitude.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results).toEqual([{ kind: 'ok' }, expect.objectContaining({ kind: 'retry', afterMs: 30_000 })]);
  });

  it('retries a 503 and a network failure', async () => {
    server = await startMockServer(() => ({ status: 503, body: 'unavailable' }));
    expect(await amplitude.deliver([item({ type: 'track', userId: 'user-12345', event: 'A' })], config(server.url), testContext())).toMatchObject({ kind: 'retry' });
    const url = server.url;
    await server.close();
    server = undefined;
    expect(await amplitude.deliver([item({ type: 'track', userId: 'user-12345', event: 'A' })], config(url), testContext())).toMatchObject({ kind: 'retry', error: expect.stringContaining('network') });
  });

  it('does not send alias or group calls and says why', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const outcome = (await amplitude.deliver([item({ type: 'alias', userId: 'user-12345', previousId: 'anon-1' }), item({ type: 'track', userId: 'user-12345', event: 'A' })], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toMatchObject({ kind: 'abort', reason: 'unsupported:alias' });
    expect(outcome.results[1]).toEqual({ kind: 'ok' });
    expect((server.received[0]!.json as { events: unknown[] }).events).toHaveLength(1);
  });

  it('submits a user deletion job and reports its day and status', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const subject = { workspaceId: 'ws', requestId: 'req-1', userIds: ['user-12345'], anonymousIds: ['anon-1'], emails: [] };
    expect(await amplitude.deleteSubject!(subject, config(server.url), testContext())).toEqual({ kind: 'submitted', jobId: '2026-12-30', status: 'staging' });
    // The device is the user's own in Amplitude (merged into user-12345): deleted through user_ids, nothing more.
    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/2/usersearch', 'POST /api/2/deletions/users']);
    expect(server.received[1]!.json).toEqual({ user_ids: ['user-12345'], requester: 'sluice:req-1', ignore_invalid_ids: 'True', delete_from_org: 'False' });
    expect(await amplitude.deleteSubject!(subject, { apiKey: 'KEY123', baseUrl: server.url }, testContext())).toMatchObject({ kind: 'not_supported' });
    expect(await amplitude.deleteSubject!(subject, { ...config(server.url), secretKey: 'wrong' }, testContext())).toMatchObject({ kind: 'failed' });
  });

  it('deletes a visitor Amplitude knows only by device through the Amplitude id its user search finds', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const subject = { workspaceId: 'ws', requestId: 'req-2', userIds: [], anonymousIds: ['anon-visitor-77'], emails: [] };
    expect(await amplitude.deleteSubject!(subject, config(server.url), testContext())).toEqual({ kind: 'submitted', jobId: '2026-12-30', status: 'staging' });
    expect(server.received[0]!.query.get('user')).toBe('anon-visitor-77');
    expect(server.received[1]!.json).toEqual({ amplitude_ids: [5002], requester: 'sluice:req-2', ignore_invalid_ids: 'True', delete_from_org: 'False' });
  });

  it('reports an anonymous visitor Amplitude has nothing of as deleted, and leaves alone a user whose user_id merely starts with the device id', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const unknown = { workspaceId: 'ws', requestId: 'req-3', userIds: [], anonymousIds: ['anon-never-sent'], emails: [] };
    expect(await amplitude.deleteSubject!(unknown, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 0, detail: expect.stringContaining('nothing to delete') });
    // "anon-visitor-9" finds user_id "anon-visitor-9-account" by prefix: somebody else, not deleted.
    const prefix = { workspaceId: 'ws', requestId: 'req-4', userIds: [], anonymousIds: ['anon-visitor-9'], emails: [] };
    expect(await amplitude.deleteSubject!(prefix, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 0 });
    expect(server.received.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('does not delete a user Amplitude links the device to when the request does not name them, and says so as a failure', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const alone = { workspaceId: 'ws', requestId: 'req-5', userIds: [], anonymousIds: ['anon-family-pc'], emails: [] };
    const first = await amplitude.deleteSubject!(alone, config(server.url), testContext());
    expect(first).toMatchObject({ kind: 'failed', error: expect.stringContaining('device anon-family-pc belongs in Amplitude to user_id "user-shared"') });
    expect(server.received.filter((r) => r.method === 'POST')).toEqual([]);
    // With another device that is the visitor's own, that one is still deleted, and the failure lists the rest.
    const both = { workspaceId: 'ws', requestId: 'req-6', userIds: [], anonymousIds: ['anon-family-pc', 'anon-visitor-77'], emails: [] };
    expect(await amplitude.deleteSubject!(both, config(server.url), testContext())).toMatchObject({ kind: 'failed', error: expect.stringMatching(/job 2026-12-30 submitted for the rest, but not deleted: device anon-family-pc/) });
    expect(server.received.filter((r) => r.method === 'POST').map((r) => r.json)).toEqual([{ amplitude_ids: [5002], requester: 'sluice:req-6', ignore_invalid_ids: 'True', delete_from_org: 'False' }]);
  });

  it("retries a throttled user search and fails one Amplitude refuses, naming the device", async () => {
    const subject = { workspaceId: 'ws', requestId: 'req-7', userIds: [], anonymousIds: ['anon-visitor-77'], emails: [] };
    const throttled = recordingContext(() => ({ status: 429, headers: { 'retry-after': '7' }, body: '{"error":"Too many requests"}' }));
    expect(await amplitude.deleteSubject!(subject, config('https://amplitude.example'), throttled.context)).toMatchObject({ kind: 'retry', afterMs: 7000 });
    server = await startMockServer((r) => amplitudeDocs(r));
    expect(await amplitude.deleteSubject!(subject, { ...config(server.url), secretKey: 'wrong' }, testContext())).toMatchObject({ kind: 'failed', error: expect.stringContaining('user search for device anon-visitor-77') });
  });

  it('asks for the deletion of a subject with more than 100 user ids in requests of at most 100', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    const userIds = Array.from({ length: 150 }, (_, i) => `user-${10000 + i}`);
    expect(await amplitude.deleteSubject!({ workspaceId: 'ws', requestId: 'req-1', userIds, anonymousIds: [], emails: [] }, config(server.url), testContext())).toEqual({ kind: 'submitted', jobId: '2026-12-30', status: 'staging' });
    expect(server.received.map((r) => (r.json as { user_ids: string[] }).user_ids.length)).toEqual([100, 50]);
  });

  it('sends the deletion of an EU project to the EU privacy host, not to the EU ingestion host', async () => {
    const subject = { workspaceId: 'ws', requestId: 'req-1', userIds: ['user-12345'], anonymousIds: [], emails: [] };
    const { context, sent } = recordingContext(() => jsonReply([{ day: '2026-12-30', status: 'staging' }]));
    await amplitude.deleteSubject!(subject, { apiKey: 'KEY123', secretKey: 'SECRET456', baseUrl: 'https://api.eu.amplitude.com' }, context);
    await amplitude.deletionStatus!('2026-12-30', { apiKey: 'KEY123', secretKey: 'SECRET456', baseUrl: 'https://api.eu.amplitude.com' }, context);
    await amplitude.deleteSubject!(subject, { apiKey: 'KEY123', secretKey: 'SECRET456' }, context);
    expect(sent.map((r) => r.url.split('?')[0])).toEqual([
      'https://analytics.eu.amplitude.com/api/2/deletions/users',
      'https://analytics.eu.amplitude.com/api/2/deletions/users',
      'https://amplitude.com/api/2/deletions/users',
    ]);
  });

  it('reads the state of a deletion job', async () => {
    server = await startMockServer((r) => amplitudeDocs(r));
    expect(await amplitude.deletionStatus!('2026-12-30', config(server.url), testContext())).toMatchObject({ kind: 'deleted' });
    expect(await amplitude.deletionStatus!('2026-12-31', config(server.url), testContext())).toMatchObject({ kind: 'failed' });
  });

  it('previews the exact request with the API key masked', async () => {
    const preview = await amplitude.preview!([item({ type: 'track', userId: 'user-12345', event: 'A' })], config('https://api2.amplitude.com'));
    expect(preview.requests).toHaveLength(1);
    expect(preview.requests[0]!.url).toBe('https://api2.amplitude.com/2/httpapi');
    expect(preview.requests[0]!.body).toContain('"api_key":"****"');
    expect(preview.requests[0]!.body).not.toContain('KEY123');
  });
});
