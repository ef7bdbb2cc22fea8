import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { jsonReply, recordingContext } from '../../../test/support/recording-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { insertId, mixpanel } from './index.js';

type MpEvent = { event?: unknown; properties?: Record<string, unknown> };
const PLACEHOLDERS = ['anon', 'anonymous', 'nil', 'none', 'null', 'n/a', 'undefined', '00000000-0000-0000-0000-000000000000'];

/**
 * Mixpanel as its public docs describe it: POST /import?strict=1 with Basic auth (project token as user name,
 * or a service account plus project_id), a JSON array of at most 2,000 events, each with event, properties.time,
 * properties.distinct_id (placeholders such as "anonymous" rejected) and a $insert_id of at most 36
 * [A-Za-z0-9-]; a 400 is a partial success listing failed_records by index. POST /engage profile updates
 * with $token and $distinct_id. GDPR API: POST /api/app/data-deletions/v3.0/?token= with a Bearer token.
 */
function mixpanelDocs(request: ReceivedRequest) {
  const status = /^\/api\/app\/data-deletions\/v3\.0\/([^/]+)$/.exec(request.path);
  if (status && request.method === 'GET') {
    if (request.headers.authorization !== 'Bearer GDPR-TOKEN') return { status: 401, body: { error: 'unauthorized' } };
    return { status: 200, body: { status: 'ok', results: { status: status[1] === 'task-42' ? 'SUCCESS' : 'PENDING', distinct_ids: [] } } };
  }
  if (request.path === '/api/app/data-deletions/v3.0/') {
    if (request.headers.authorization !== 'Bearer GDPR-TOKEN' || request.query.get('token') !== 'PROJECT-TOKEN') return { status: 401, body: { error: 'unauthorized' } };
    return { status: 200, body: { status: 'ok', results: { task_id: 'task-42' } } };
  }
  if (request.path === '/engage') {
    const updates = request.json as { $token?: string; $distinct_id?: string }[];
    const ok = Array.isArray(updates) && updates.length <= 2000 && updates.every((u) => u.$token === 'PROJECT-TOKEN' && typeof u.$distinct_id === 'string');
    return { status: 200, body: ok ? { status: 1, error: null } : { status: 0, error: 'missing $token or $distinct_id' } };
  }
  if (request.path !== '/import') return { status: 404, body: {} };
  if (request.headers.authorization !== `Basic ${Buffer.from('PROJECT-TOKEN:').toString('base64')}`) return { status: 401, body: { error: 'Invalid credentials', status: 0 } };
  if (request.query.get('strict') !== '1') return { status: 400, body: { error: 'tests require strict=1' } };
  const events = request.json as MpEvent[];
  if (!Array.isArray(events)) return { status: 400, body: { code: 400, error: 'body must be an array' } };
  if (events.length > 2000) return { status: 413, body: { code: 413, error: 'too many events' } };
  const failed: { index: number; insert_id: unknown; field: string; message: string }[] = [];
  events.forEach((e, index) => {
    const p = e.properties ?? {};
    if (typeof e.event !== 'string' || e.event === '') failed.push({ index, insert_id: p.$insert_id, field: 'event', message: 'event name required' });
    else if (typeof p.time !== 'number') failed.push({ index, insert_id: p.$insert_id, field: 'properties.time', message: 'time required' });
    else if (typeof p.$insert_id !== 'string' || !/^[A-Za-z0-9-]{1,36}$/.test(p.$insert_id)) failed.push({ index, insert_id: p.$insert_id, field: 'properties.$insert_id', message: 'invalid $insert_id' });
    else if (typeof p.distinct_id !== 'string' || PLACEHOLDERS.includes(String(p.distinct_id).toLowerCase())) failed.push({ index, insert_id: p.$insert_id, field: 'properties.distinct_id', message: "'properties.distinct_id' is invalid" });
  });
  if (failed.length) return { status: 400, body: { code: 400, error: 'some data points in the request failed validation', status: 'Bad Request', num_records_imported: events.length - failed.length, failed_records: failed } };
  return { status: 200, body: { code: 200, num_records_imported: events.length, status: 'OK' } };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ projectToken: 'PROJECT-TOKEN', gdprToken: 'GDPR-TOKEN', baseUrl: url });

describe('Mixpanel destination', () => {
  it('imports track and page events with a valid $insert_id and updates profiles on identify', async () => {
    server = await startMockServer(mixpanelDocs);
    const items = [
      item({ type: 'track', userId: 'u-1', anonymousId: 'a-1', event: 'Signed Up', properties: { plan: 'pro' }, messageId: 'node-next-1790000000000-3f2c9a4e-8b1d-4c7e-9a6f-123456789abc' }),
      item({ type: 'page', anonymousId: 'a-2', name: 'Home' }),
      item({ type: 'identify', userId: 'u-1', traits: { email: 'ada@example.com' } }),
    ];
    expect(await mixpanel.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    const imported = server.received.find((r) => r.path === '/import')!.json as MpEvent[];
    expect(imported[0]).toEqual({
      event: 'Signed Up',
      properties: expect.objectContaining({ plan: 'pro', distinct_id: 'u-1', $user_id: 'u-1', $device_id: 'a-1', $insert_id: insertId(items[0]!.messageId), time: Date.parse('2026-11-30T10:00:00.000Z') }),
    });
    expect(imported[1]).toMatchObject({ event: 'Viewed Home Page', properties: { distinct_id: '$device:a-2' } });
    const engage = server.received.find((r) => r.path === '/engage')!.json;
    expect(engage).toEqual([{ $token: 'PROJECT-TOKEN', $distinct_id: 'u-1', $set: { email: 'ada@example.com' } }]);
  });

  it('reports a strict-mode partial success per event', async () => {
    server = await startMockServer(mixpanelDocs);
    const items = [item({ type: 'track', userId: 'u-1', event: 'Good' }), item({ type: 'track', userId: 'anonymous', event: 'Placeholder id' })];
    const outcome = (await mixpanel.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toEqual({ kind: 'ok' });
    expect(outcome.results[1]).toMatchObject({ kind: 'abort', reason: 'invalid_event', error: expect.stringContaining('distinct_id') });
  });

  it('retries on 429 with Retry-After and aborts on 401', async () => {
    server = await startMockServer(() => ({ status: 429, body: { error: 'rate limited' }, headers: { 'retry-after': '12' } }));
    expect(await mixpanel.deliver([item({ type: 'track', userId: 'u', event: 'x' })], config(server.url), testContext())).toMatchObject({ kind: 'retry', afterMs: 12_000 });
    await server.close();
    server = await startMockServer(mixpanelDocs);
    expect(await mixpanel.deliver([item({ type: 'track', userId: 'u', event: 'x' })], { ...config(server.url), projectToken: 'WRONG' }, testContext())).toMatchObject({ kind: 'abort', reason: 'http_401' });
  });

  it('submits a GDPR deletion task for every linked identity', async () => {
    server = await startMockServer(mixpanelDocs);
    const result = await mixpanel.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u-1'], anonymousIds: ['a-1'], emails: [] }, config(server.url), testContext());
    expect(result).toEqual({ kind: 'submitted', jobId: 'task-42', status: 'PENDING' });
    expect(server.received[0]!.json).toEqual({ distinct_ids: ['u-1', '$device:a-1'], compliance_type: 'GDPR' });
    expect(await mixpanel.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u-1'], anonymousIds: [], emails: [] }, { projectToken: 'PROJECT-TOKEN' }, testContext())).toMatchObject({ kind: 'not_supported' });
  });

  it('polls a deletion task until Mixpanel reports success', async () => {
    server = await startMockServer(mixpanelDocs);
    expect(await mixpanel.deletionStatus!('task-42', config(server.url), testContext())).toMatchObject({ kind: 'deleted' });
    expect(await mixpanel.deletionStatus!('task-7', config(server.url), testContext())).toEqual({ kind: 'submitted', jobId: 'task-7', status: 'PENDING' });
  });

  it('validates service-account settings', () => {
    expect(mixpanel.validateConfig!({ projectToken: 't', serviceAccountUsername: 'sa' })).toHaveLength(2);
    expect(mixpanel.validateConfig!({ projectToken: 't' })).toEqual([]);
  });

  it('sends the deletion of an EU or India project to its region\'s GDPR host, not to the ingestion host', async () => {
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: [] };
    const { context, sent } = recordingContext(() => jsonReply({ status: 'ok', results: { task_id: 't-1' } }));
    for (const baseUrl of ['https://api-eu.mixpanel.com', 'https://api-in.mixpanel.com', undefined]) {
      await mixpanel.deleteSubject!(subject, { projectToken: 'tok-1', gdprToken: 'gdpr-1', ...(baseUrl ? { baseUrl } : {}) }, context);
    }
    expect(sent.map((r) => new URL(r.url).origin)).toEqual(['https://eu.mixpanel.com', 'https://in.mixpanel.com', 'https://mixpanel.com']);
  });
});
