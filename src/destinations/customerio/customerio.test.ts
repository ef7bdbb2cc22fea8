import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { customerio, limitAttributes } from './index.js';

/**
 * Customer.io's Track API per its docs: Basic auth site_id:api_key; PUT /api/v1/customers/:id (identify);
 * POST /api/v1/customers/:id/events and POST /api/v1/events (anonymous, needs anonymous_id) with a name;
 * DELETE /api/v1/customers/:id; an event's optional dedupe `id` is a ULID (26 characters of Crockford's
 * base32); invalid requests get 400 {"meta":{"errors":["..."]}} (some answers say {"meta":{"error":"..."}}).
 * A person whose `anonymous_id` attribute is set gets the anonymous events sent with that id (event merging).
 */
function customerIoDocs(people: Set<string>, merged = new Map<string, string>()) {
  return (r: ReceivedRequest) => {
    if (r.headers.authorization !== `Basic ${Buffer.from('site-1:key-1').toString('base64')}`) return { status: 401, body: { meta: { error: 'Unauthorized request' } } };
    const person = /^\/api\/v1\/customers\/([^/]+)(\/events)?$/.exec(r.path);
    const body = (r.json ?? {}) as Record<string, unknown>;
    if (r.method === 'PUT' && person && !person[2]) {
      if (Object.keys(body).length > 301) return { status: 400, body: { meta: { error: 'cannot identify more than 300 attributes in one request' } } };
      people.add(decodeURIComponent(person[1]!));
      if (typeof body.anonymous_id === 'string') merged.set(body.anonymous_id, decodeURIComponent(person[1]!));
      return { status: 200, body: {} };
    }
    if (r.method === 'DELETE' && person && !person[2]) {
      people.delete(decodeURIComponent(person[1]!));
      return { status: 200, body: {} };
    }
    if (r.method === 'POST' && (person?.[2] || r.path === '/api/v1/events')) {
      if (typeof body.name !== 'string' || body.name === '') return { status: 400, body: { meta: { errors: ['name cannot be blank'] } } };
      if (r.path === '/api/v1/events' && !body.anonymous_id) return { status: 400, body: { meta: { error: 'anonymous_id required' } } };
      if (body.id !== undefined && !/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(String(body.id))) return { status: 400, body: { meta: { error: 'id must be a valid ULID' } } };
      return { status: 200, body: {} };
    }
    return { status: 404, body: { meta: { error: 'not found' } } };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ siteId: 'site-1', apiKey: 'key-1', baseUrl: url });

describe('Customer.io destination', () => {
  it('identifies people, tracks events for people and anonymous visitors, and pages by URL', async () => {
    const people = new Set<string>();
    server = await startMockServer(customerIoDocs(people));
    const items = [
      item({ type: 'identify', userId: 'u 1', traits: { email: 'ada@example.com', plan: 'pro' } }),
      item({ type: 'track', userId: 'u 1', event: 'Upgraded', properties: { to: 'pro' } }),
      item({ type: 'track', anonymousId: 'anon-1', event: 'Viewed Pricing' }),
      item({ type: 'page', userId: 'u 1', name: 'Docs', properties: { url: 'https://x.test/docs' } }),
    ];
    expect(await customerio.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(people.has('u 1')).toBe(true);
    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /api/v1/customers/u%201', 'POST /api/v1/customers/u%201/events', 'POST /api/v1/events', 'POST /api/v1/customers/u%201/events']);
    expect(server.received[0]!.json).toMatchObject({ email: 'ada@example.com', plan: 'pro' });
    expect(server.received[2]!.json).toMatchObject({ name: 'Viewed Pricing', anonymous_id: 'anon-1' });
    expect(server.received[3]!.json).toMatchObject({ name: 'https://x.test/docs', type: 'page' });
  });

  it('sends each event with a ULID as its dedupe id, the same on a retry, and screens by their name', async () => {
    server = await startMockServer(customerIoDocs(new Set()));
    const track = item({ type: 'track', userId: 'u1', event: 'Upgraded', messageId: 'ajs-next-1733220000000-5f6c1e2a-8d4b-4c1e-9a7f-3b2d1c0e9f8a' });
    const screen = item({ type: 'screen', anonymousId: 'anon-1', name: 'Home', properties: { from: 'push' } });
    expect(await customerio.deliver([track, screen], config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(await customerio.deliver([track], config(server.url), testContext())).toEqual({ kind: 'ok' });
    const [first, screenView, retried] = server.received.map((r) => r.json as { id: string; name: string; type?: string });
    expect(first!.id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(retried!.id).toBe(first!.id);
    expect(screenView!.id).not.toBe(first!.id);
    expect(screenView).toMatchObject({ name: 'Home', type: 'screen', data: { name: 'Home', from: 'push' } });
  });

  it('sets anonymous_id on the person so their anonymous events are merged into them', async () => {
    const merged = new Map<string, string>();
    server = await startMockServer(customerIoDocs(new Set(), merged));
    const items = [
      item({ type: 'page', anonymousId: 'anon-7', properties: { url: 'https://x.test/pricing' } }),
      item({ type: 'identify', userId: 'u7', anonymousId: 'anon-7', traits: { email: 'grace@example.com' } }),
    ];
    expect(await customerio.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received[0]!.json).toMatchObject({ anonymous_id: 'anon-7' });
    expect(merged.get('anon-7')).toBe('u7');
  });

  it('aborts an invalid event with Customer.io’s own message and keeps the others', async () => {
    server = await startMockServer(customerIoDocs(new Set()));
    const outcome = (await customerio.deliver([item({ type: 'track', userId: 'u1', event: '' }), item({ type: 'track', userId: 'u1', event: 'Ok' })], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toMatchObject({ kind: 'abort', error: 'Customer.io 400: name cannot be blank' });
    expect(outcome.results[1]).toEqual({ kind: 'ok' });
  });

  it('keeps identify attributes within the documented limits', () => {
    const attributes = Object.fromEntries(Array.from({ length: 305 }, (_, i) => [`a${i}`, i]));
    const { kept, warnings } = limitAttributes({ ...attributes, long: 'x'.repeat(1001) });
    expect(Object.keys(kept)).toHaveLength(300);
    expect(warnings).toHaveLength(6);
  });

  it('deletes the person for each userId of the subject', async () => {
    const people = new Set(['u1', 'u2']);
    server = await startMockServer(customerIoDocs(people));
    expect(await customerio.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1', 'u2'], anonymousIds: ['a'], emails: [] }, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 2 });
    expect(people.size).toBe(0);
  });
});
