import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { jsonReply, recordingContext } from '../../../test/support/recording-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { intercom } from './index.js';

type Contact = { id: string; external_id?: string; email?: string; custom_attributes?: Record<string, unknown> };

/**
 * Intercom's REST API per its docs: Bearer token and an Intercom-Version header; POST /contacts/search with
 * {query:{field, operator, value}}; POST /contacts (409 when the external_id exists); PUT /contacts/:id;
 * POST /events {event_name, created_at, user_id, metadata (at most 10)} -> 202; DELETE /contacts/:id. A contact
 * naming a custom attribute the workspace does not define (`attributes`, when given) is refused as a whole:
 * 400 {"type":"error.list","errors":[{"code":"parameter_invalid","message":"Custom attribute 'x' does not exist"}]}.
 */
function intercomDocs(contacts: Map<string, Contact>, attributes?: Set<string>) {
  let next = 1;
  return (r: ReceivedRequest) => {
    if (r.headers.authorization !== 'Bearer tok-1') return { status: 401, body: { type: 'error.list', errors: [{ code: 'unauthorized' }] } };
    if (!r.headers['intercom-version']) return { status: 400, body: { errors: [{ code: 'intercom_version_missing' }] } };
    const body = (r.json ?? {}) as Record<string, unknown>;
    const undefinedAttribute = attributes && Object.keys((body.custom_attributes ?? {}) as object).find((name) => !attributes.has(name));
    if (undefinedAttribute && r.path.startsWith('/contacts') && r.path !== '/contacts/search') {
      return { status: 400, body: { type: 'error.list', request_id: 'req-1', errors: [{ code: 'parameter_invalid', message: `Custom attribute '${undefinedAttribute}' does not exist` }] } };
    }
    if (r.path === '/contacts/search') {
      const q = body.query as { field: 'external_id' | 'email'; value: string };
      return { status: 200, body: { type: 'list', data: [...contacts.values()].filter((c) => c[q.field] === q.value) } };
    }
    if (r.path === '/contacts' && r.method === 'POST') {
      if ([...contacts.values()].some((c) => c.external_id === body.external_id)) return { status: 409, body: { errors: [{ code: 'conflict', message: 'A contact matching those details already exists' }] } };
      const contact = { ...(body as Omit<Contact, 'id'>), id: `c${next++}` };
      contacts.set(contact.id, contact);
      return { status: 200, body: contact };
    }
    const one = /^\/contacts\/([^/]+)$/.exec(r.path);
    if (one && r.method === 'PUT') {
      contacts.set(one[1]!, { ...contacts.get(one[1]!)!, ...(body as object), id: one[1]! });
      return { status: 200, body: contacts.get(one[1]!) };
    }
    if (one && r.method === 'DELETE') {
      const existed = contacts.delete(one[1]!);
      return existed ? { status: 200, body: { id: one[1], object: 'contact', deleted: true } } : { status: 404, body: { errors: [{ code: 'not_found' }] } };
    }
    if (r.path === '/events') {
      const metadata = body.metadata as Record<string, unknown> | undefined;
      if (!body.event_name || !body.user_id || (metadata && Object.keys(metadata).length > 10)) return { status: 400, body: { errors: [{ code: 'parameter_invalid' }] } };
      return { status: 202, body: '' };
    }
    return { status: 404, body: {} };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ accessToken: 'tok-1', baseUrl: url });

describe('Intercom destination', () => {
  it('creates a contact once, then updates it, and sends events with at most 10 metadata keys', async () => {
    const contacts = new Map<string, Contact>();
    server = await startMockServer(intercomDocs(contacts));
    const first = item({ type: 'identify', userId: 'u1', traits: { email: 'ada@example.com', firstName: 'Ada', lastName: 'L', plan: 'pro' } });
    const second = item({ type: 'identify', userId: 'u1', traits: { plan: 'team' } });
    const track = item({ type: 'track', userId: 'u1', event: 'Upgraded', properties: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])) });
    expect(await intercom.deliver([first, second, track], config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect([...contacts.values()]).toEqual([expect.objectContaining({ external_id: 'u1', email: 'ada@example.com', name: 'Ada L', custom_attributes: { plan: 'team' } })]);
  });

  it('sends a contact with custom attributes the workspace does not define without them, and the log says which', async () => {
    const contacts = new Map<string, Contact>();
    server = await startMockServer(intercomDocs(contacts, new Set(['plan'])));
    const outcome = await intercom.deliver([item({ type: 'identify', userId: 'u1', traits: { email: 'ada@example.com', plan: 'pro', shoeSize: 9, team: 'x' } })], config(server.url), testContext());
    expect(outcome).toMatchObject({ kind: 'ok', reason: 'properties_left_out', note: expect.stringMatching(/"shoeSize", "team".*Settings > Data > People/) });
    expect([...contacts.values()]).toEqual([expect.objectContaining({ external_id: 'u1', email: 'ada@example.com', custom_attributes: { plan: 'pro' } })]);
  });

  it('retries an identify whose contact search answers something it cannot read as that, not as a network error', async () => {
    server = await startMockServer((r) => (r.path === '/contacts/search' ? { status: 200, body: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } } : { status: 500 }));
    const outcome = await intercom.deliver([item({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } })], config(server.url), testContext());
    expect(outcome).toMatchObject({ kind: 'retry', reason: 'answer_unreadable', error: expect.stringContaining('could not read') });
    expect(server.received.map((r) => r.path)).toEqual(['/contacts/search']);
  });

  it('does not send anonymous events or page calls, and says why', async () => {
    server = await startMockServer(intercomDocs(new Map()));
    const outcome = (await intercom.deliver([item({ type: 'track', anonymousId: 'a', event: 'x' }), item({ type: 'page', userId: 'u', name: 'Home' })], config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results.map((r) => (r.kind === 'abort' ? r.reason : r.kind))).toEqual(['missing_user_id', 'unsupported:page']);
  });

  it('looks the contact up by external_id and email, then deletes it', async () => {
    const contacts = new Map<string, Contact>([['c9', { id: 'c9', external_id: 'u1', email: 'ada@example.com' }], ['c10', { id: 'c10', email: 'old@example.com' }]]);
    server = await startMockServer(intercomDocs(contacts));
    expect(await intercom.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: ['ada@example.com', 'old@example.com'] }, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 2 });
    expect(contacts.size).toBe(0);
  });

  it('previews the lookup and create requests with the token masked', async () => {
    const preview = await intercom.preview!([item({ type: 'identify', userId: 'u1', traits: {} })], config('https://api.intercom.io'));
    expect(preview.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST https://api.intercom.io/contacts/search', 'POST https://api.intercom.io/contacts']);
    expect(preview.requests[0]!.headers.authorization).toBe('Bearer ****');
  });

  it('previews the events it would not send with the reason delivery gives them', async () => {
    const page = item({ type: 'page', userId: 'u1', name: 'Home' });
    const anonymous = item({ type: 'track', anonymousId: 'a1', event: 'Clicked' });
    const preview = await intercom.preview!([page, anonymous], config('https://api.intercom.io'));
    expect(preview.requests).toEqual([]);
    expect(preview.refused).toEqual([
      { messageId: page.messageId, reason: 'unsupported:page', error: expect.stringContaining('no page call') },
      { messageId: anonymous.messageId, reason: 'missing_user_id', error: expect.stringContaining('without userId') },
    ]);
    expect(await intercom.deliver([page], config('https://api.intercom.io'), testContext())).toMatchObject({ kind: 'abort', reason: 'unsupported:page' });
  });

  it('keeps the wait Intercom asks for when it throttles the lookup or the deletion of a contact', async () => {
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: [] };
    const throttled = { status: 429, headers: { 'retry-after': '3' }, body: '{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}' };
    const lookup = recordingContext(() => throttled);
    expect(await intercom.deleteSubject!(subject, config('https://api.intercom.io'), lookup.context)).toEqual({ kind: 'retry', error: expect.stringContaining('rate_limit_exceeded'), afterMs: 3000 });
    const deletion = recordingContext((r) => (r.method === 'POST' ? jsonReply({ data: [{ id: 'c-1' }] }) : throttled));
    expect(await intercom.deleteSubject!(subject, config('https://api.intercom.io'), deletion.context)).toEqual({ kind: 'retry', error: expect.stringContaining('rate_limit_exceeded'), afterMs: 3000 });
  });
});
