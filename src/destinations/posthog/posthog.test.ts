import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { jsonReply, recordingContext } from '../../../test/support/recording-http.js';
import { item } from '../../../test/support/segment-events.js';
import { posthog } from './index.js';

type PhEvent = { event?: string; distinct_id?: string; properties?: Record<string, unknown>; uuid?: string; timestamp?: string };

/**
 * PostHog per its docs: POST /batch/ with {api_key, batch: [{event, distinct_id, properties, timestamp, uuid}]}
 * (400 on a missing api_key or distinct_id, 401 on an unknown key); persons API with a personal API key:
 * GET /api/projects/:id/persons/?distinct_id=, DELETE /api/projects/:id/persons/:uuid/?delete_events=true.
 */
function postHogDocs(persons: Map<string, string>) {
  return (request: ReceivedRequest) => {
    if (request.path.startsWith('/api/projects/7/persons/')) {
      if (request.headers.authorization !== 'Bearer phx_personal') return { status: 401, body: { detail: 'Invalid personal API key.' } };
      if (request.method === 'GET') {
        const id = request.query.get('distinct_id') ?? '';
        const uuid = persons.get(id);
        return { status: 200, body: { results: uuid ? [{ id: 1, uuid, distinct_ids: [id] }] : [] } };
      }
      if (request.method === 'DELETE' && request.query.get('delete_events') === 'true') {
        const uuid = request.path.split('/')[5];
        for (const [k, v] of persons) if (v === uuid) persons.delete(k);
        return { status: 204 };
      }
    }
    if (request.method !== 'POST' || request.path !== '/batch/') return { status: 404, body: {} };
    const body = request.json as { api_key?: string; batch?: PhEvent[] };
    if (!body.api_key) return { status: 400, body: { type: 'validation_error', detail: 'API key not provided' } };
    if (body.api_key !== 'phc_project') return { status: 401, body: { type: 'authentication_error', detail: 'Project API key invalid' } };
    if (!Array.isArray(body.batch) || body.batch.some((e) => !e.event || !e.distinct_id)) return { status: 400, body: { type: 'validation_error', detail: 'Invalid payload' } };
    return { status: 200, body: { status: 1 } };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ apiKey: 'phc_project', baseUrl: url, personalApiKey: 'phx_personal', projectId: '7' });

describe('PostHog destination', () => {
  it("maps every call type to PostHog's own events with a stable uuid", async () => {
    server = await startMockServer(postHogDocs(new Map()));
    const items = [
      item({ type: 'track', userId: 'u1', event: 'Purchased', properties: { total: 5 } }),
      item({ type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' } }),
      item({ type: 'page', anonymousId: 'a1', name: 'Home', properties: { url: 'https://x.test/' } }),
      item({ type: 'screen', userId: 'u1', name: 'Settings' }),
      item({ type: 'alias', userId: 'u1', previousId: 'a1' }),
      item({ type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } }),
    ];
    expect(await posthog.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    const batch = (server.received[0]!.json as { batch: PhEvent[] }).batch;
    expect(batch.map((e) => e.event)).toEqual(['Purchased', '$identify', '$pageview', '$screen', '$create_alias', '$groupidentify']);
    expect(batch[1]!.properties).toMatchObject({ $set: { plan: 'pro' }, $anon_distinct_id: 'a1' });
    expect(batch[2]!.properties).toMatchObject({ $current_url: 'https://x.test/' });
    expect(batch[5]!.properties).toMatchObject({ $group_type: 'company', $group_key: 'acme', $group_set: { name: 'Acme' } });
    expect(batch[0]!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // the same messageId gives the same uuid on a retry
    await posthog.deliver([items[0]!], config(server.url), testContext());
    expect((server.received[1]!.json as { batch: PhEvent[] }).batch[0]!.uuid).toBe(batch[0]!.uuid);
  });

  it('aborts on an invalid project key', async () => {
    server = await startMockServer(postHogDocs(new Map()));
    expect(await posthog.deliver([item({ type: 'track', userId: 'u', event: 'x' })], { ...config(server.url), apiKey: 'phc_wrong' }, testContext())).toMatchObject({ kind: 'abort', reason: 'http_401' });
  });

  it('deletes every person linked to the subject, with their events', async () => {
    const persons = new Map([['u1', 'uuid-1'], ['a1', 'uuid-1'], ['a2', 'uuid-2']]);
    server = await startMockServer(postHogDocs(persons));
    const result = await posthog.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: ['a1', 'a2', 'a3'], emails: [] }, config(server.url), testContext());
    expect(result).toMatchObject({ kind: 'deleted', count: 2 });
    expect(persons.size).toBe(0);
    expect(server.received.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/projects/7/persons/uuid-1/', '/api/projects/7/persons/uuid-2/']);
  });

  it('says deletion is not possible without a personal API key', async () => {
    expect(await posthog.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: [] }, { apiKey: 'phc_project' }, testContext())).toMatchObject({ kind: 'not_supported' });
  });

  it('looks up and deletes persons of an EU project on the EU private API, not on the ingestion host', async () => {
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: [] };
    const { context, sent } = recordingContext((r) => (r.method === 'GET' ? jsonReply({ results: [{ id: 7, uuid: 'p-uuid-1' }] }) : { status: 204, headers: {}, body: '' }));
    expect(await posthog.deleteSubject!(subject, { apiKey: 'phc_1', personalApiKey: 'phx_1', projectId: '42', baseUrl: 'https://eu.i.posthog.com' }, context)).toMatchObject({ kind: 'deleted', count: 1 });
    expect(sent.map((r) => `${r.method} ${new URL(r.url).origin}`)).toEqual(['GET https://eu.posthog.com', 'DELETE https://eu.posthog.com']);
  });

  it('keeps the wait PostHog asks for when it throttles a deletion', async () => {
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: [] };
    const { context } = recordingContext((r) => (r.method === 'GET' ? jsonReply({ results: [{ id: 7, uuid: 'p-uuid-1' }] }) : { status: 429, headers: { 'retry-after': '7' }, body: '{"detail":"Request was throttled."}' }));
    expect(await posthog.deleteSubject!(subject, { apiKey: 'phc_1', personalApiKey: 'phx_1', projectId: '42' }, context)).toEqual({ kind: 'retry', error: expect.stringContaining('throttled'), afterMs: 7000 });
  });
});
