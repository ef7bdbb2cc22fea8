import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { braze } from './index.js';

type Body = { attributes?: Record<string, unknown>[]; events?: Record<string, unknown>[]; external_ids?: string[]; user_aliases?: unknown[] };

/**
 * Braze per its REST docs: Bearer API key; POST /users/track with at most 75 attributes / events / purchases
 * (400 "too many" otherwise), each object naming external_id or user_alias, events needing name and time,
 * `gender` one of M, F, O, U, N, P (else the attributes object is refused);
 * 201 with an optional errors list for refused objects; POST /users/delete with at most 50 ids -> 202 {deleted}.
 */
function brazeDocs(r: ReceivedRequest) {
  if (r.headers.authorization !== 'Bearer braze-key') return { status: 401, body: { message: 'Invalid API key' } };
  const body = r.json as Body;
  if (r.path === '/users/delete') {
    const n = (body.external_ids?.length ?? 0) + (body.user_aliases?.length ?? 0);
    if (n > 50) return { status: 400, body: { message: 'too many ids' } };
    return { status: 202, body: { deleted: n, message: 'success' } };
  }
  if (r.path !== '/users/track') return { status: 404, body: {} };
  if ((body.attributes?.length ?? 0) > 75 || (body.events?.length ?? 0) > 75) return { status: 400, body: { message: 'Too many attributes or events' } };
  const errors: { type: string; input_array: string; index: number }[] = [];
  (body.attributes ?? []).forEach((a, index) => {
    if (a.gender !== undefined && a.gender !== null && !['M', 'F', 'O', 'U', 'N', 'P'].includes(String(a.gender))) errors.push({ type: "Invalid value for 'gender'", input_array: 'attributes', index });
  });
  (body.events ?? []).forEach((e, index) => {
    if (!e.external_id && !e.user_alias) errors.push({ type: "Received object without 'external_id' or 'user_alias'", input_array: 'events', index });
    else if (typeof e.name !== 'string' || e.name === '' || typeof e.time !== 'string') errors.push({ type: "'name' and 'time' are required", input_array: 'events', index });
  });
  return { status: 201, body: { message: 'success', attributes_processed: body.attributes?.length ?? 0, events_processed: (body.events?.length ?? 0) - errors.length, ...(errors.length ? { errors } : {}) } };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ apiKey: 'braze-key', baseUrl: url });

describe('Braze destination', () => {
  it('sends attributes and events by external_id or by alias for anonymous visitors', async () => {
    server = await startMockServer(brazeDocs);
    const items = [
      item({ type: 'identify', userId: 'u1', traits: { firstName: 'Ada', email: 'ada@example.com', birthday: '1990-05-01T00:00:00Z', plan: 'pro' } }),
      item({ type: 'track', anonymousId: 'anon-1', event: 'Viewed Pricing', properties: { tier: 2 } }),
    ];
    expect(await braze.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    const body = server.received[0]!.json as Body;
    expect(body.attributes).toEqual([{ external_id: 'u1', first_name: 'Ada', email: 'ada@example.com', dob: '1990-05-01', plan: 'pro' }]);
    expect(body.events![0]).toMatchObject({ user_alias: { alias_name: 'anon-1', alias_label: 'segment_anonymous_id' }, name: 'Viewed Pricing', properties: { tier: 2 } });
  });

  it('sends gender as the letter Braze takes, and leaves out a value it has no letter for instead of losing the profile update', async () => {
    server = await startMockServer(brazeDocs);
    const items = [
      item({ type: 'identify', userId: 'u1', traits: { gender: 'Female', plan: 'pro' } }),
      item({ type: 'identify', userId: 'u2', traits: { gender: 'prefer not to say' } }),
      item({ type: 'identify', userId: 'u3', traits: { gender: 'agender', plan: 'free' } }),
    ];
    expect(await braze.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect((server.received[0]!.json as Body).attributes).toEqual([{ external_id: 'u1', gender: 'F', plan: 'pro' }, { external_id: 'u2', gender: 'P' }, { external_id: 'u3', plan: 'free' }]);
    const preview = await braze.preview!(items.slice(2), config(server.url));
    expect(preview.warnings).toEqual([expect.stringContaining('traits.gender "agender" left out')]);
  });

  it('keeps each request within 75 events', async () => {
    server = await startMockServer(brazeDocs);
    const items = Array.from({ length: 150 }, (_, i) => item({ type: 'track', userId: `u${i}`, event: 'Tick' }));
    expect(await braze.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received.map((r) => (r.json as Body).events!.length)).toEqual([75, 75]);
  });

  it('aborts only the objects Braze lists as errors in a 201', async () => {
    server = await startMockServer(brazeDocs);
    const outcome = (await braze.deliver([item({ type: 'identify', userId: 'u1', traits: {} }), item({ type: 'track', userId: 'u1', event: '' }), item({ type: 'track', userId: 'u1', event: 'Ok' })], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results.map((r) => r.kind)).toEqual(['ok', 'abort', 'ok']);
  });

  it('aborts the event Braze refused, not the identify beside it, when a batch mixes them', async () => {
    server = await startMockServer(brazeDocs);
    const items = [
      item({ type: 'track', userId: 'u1', event: '' }),
      item({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }),
      item({ type: 'track', userId: 'u1', event: 'Ok' }),
      item({ type: 'identify', userId: 'u2', traits: { plan: 'free' } }),
    ];
    const outcome = (await braze.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results.map((r) => r.kind)).toEqual(['abort', 'ok', 'ok', 'ok']);
    expect(outcome.results[0]).toMatchObject({ reason: 'invalid_event', error: expect.stringContaining("'name' and 'time' are required") });
  });

  it('waits until X-RateLimit-Reset on a 429', async () => {
    server = await startMockServer(() => ({ status: 429, body: { message: 'rate limited' }, headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 20) } }));
    const outcome = await braze.deliver([item({ type: 'track', userId: 'u', event: 'x' })], config(server.url), testContext());
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect((outcome as { afterMs: number }).afterMs).toBeGreaterThan(15_000);
  });

  it('deletes users in requests of at most 50 identifiers', async () => {
    server = await startMockServer(brazeDocs);
    const subject = { workspaceId: 'w', requestId: 'r', userIds: Array.from({ length: 60 }, (_, i) => `u${i}`), anonymousIds: ['a1'], emails: [] };
    expect(await braze.deleteSubject!(subject, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 61 });
    expect(server.received).toHaveLength(2);
  });
});
