import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json & { error?: { code: string; message: string } };
}

async function api(method: string, path: string, body?: unknown, token: string | null = sluice.token): Promise<Answer> {
  const response = await fetch(`${sluice.url}/api/v1${path}`, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function track(writeKey: string, userId: string): Promise<Answer> {
  const response = await fetch(`${sluice.url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ userId, event: 'Ping' }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('sources API', () => {
  it('creates, lists, gets and renames a source', async () => {
    const created = await api('POST', '/sources', { name: 'iOS app' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^src_/), name: 'iOS app', writeKey: expect.stringMatching(/^[A-Za-z0-9]{32}$/), enabled: true });
    const id = String(created.body.id);

    const list = await api('GET', '/sources');
    expect(list.status).toBe(200);
    const names = (list.body.sources as Json[]).map((s) => s.name);
    expect(names).toContain('Default source');
    expect(names).toContain('iOS app');

    expect((await api('GET', `/sources/${id}`)).body).toMatchObject({ id, name: 'iOS app' });
    const renamed = await api('PATCH', `/sources/${id}`, { name: 'iOS app (prod)' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'iOS app (prod)', enabled: true, writeKey: created.body.writeKey });
    expect((await api('GET', `/sources/${id}`)).body.name).toBe('iOS app (prod)');
  });

  it('answers a writeKey given where a source id goes with the id it stands for', async () => {
    const byKey = await api('GET', `/sources/${sluice.writeKey}/live`);
    expect(byKey.status).toBe(404);
    const source = (await api('GET', '/sources')).body.sources as { id: string; writeKey: string }[];
    expect(byKey.body.error?.message).toContain(`that is the writeKey of source "Default source", whose id is ${source.find((s) => s.writeKey === sluice.writeKey)!.id}.`);
    const unknown = await api('GET', '/sources/src_nope');
    expect(unknown.body.error?.message).toBe('No source src_nope in this workspace (GET /api/v1/sources lists them, with their ids).');
  });

  it('refuses a disabled source at once with 401 source_disabled, and accepts again once re-enabled', async () => {
    const { body: source } = await api('POST', '/sources', { name: 'To disable' });
    const writeKey = String(source.writeKey);
    expect((await track(writeKey, 'disable-1')).status).toBe(200);

    expect((await api('PATCH', `/sources/${String(source.id)}`, { enabled: false })).body.enabled).toBe(false);
    const refused = await track(writeKey, 'disable-1');
    expect(refused.status).toBe(401);
    expect(refused.body.error?.code).toBe('source_disabled');

    await api('PATCH', `/sources/${String(source.id)}`, { enabled: true });
    expect((await track(writeKey, 'disable-1')).status).toBe(200);
  });

  it('rotates the writeKey: the new key works and the old one is refused at once', async () => {
    const { body: source } = await api('POST', '/sources', { name: 'To rotate' });
    const oldKey = String(source.writeKey);
    expect((await track(oldKey, 'rotate-1')).status).toBe(200); // warms the writeKey cache

    const rotated = await api('POST', `/sources/${String(source.id)}/rotate-write-key`);
    expect(rotated.status).toBe(200);
    const newKey = String(rotated.body.writeKey);
    expect(newKey).not.toBe(oldKey);
    expect(newKey).toMatch(/^[A-Za-z0-9]{32}$/);

    const old = await track(oldKey, 'rotate-1');
    expect(old.status).toBe(401);
    expect(old.body.error?.code).toBe('unknown_source');
    // A client still on the old key is told why and where to find the current one.
    expect(old.body.error?.message).toContain('a rotated writeKey stops working at once');
    expect((await track(newKey, 'rotate-1')).status).toBe(200);
  });

  it('answers 404 for an unknown source and 400 for an invalid body', async () => {
    const missing = await api('GET', '/sources/src_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
    expect((await api('PATCH', '/sources/src_nope', { name: 'x' })).status).toBe(404);
    expect((await api('POST', '/sources/src_nope/rotate-write-key')).status).toBe(404);

    for (const body of [{}, { name: '' }, { name: 'x'.repeat(201) }, { name: 'ok', extra: true }]) {
      const bad = await api('POST', '/sources', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error?.code).toBe('validation_failed');
      expect(bad.body.error?.message).toMatch(/name|extra|propert/i);
    }
  });

  it('refuses a blank source name (only spaces), and keeps a name without the spaces around it', async () => {
    const created = await api('POST', '/sources', { name: '   ' });
    expect(created.status).toBe(400);
    expect(created.body.error?.code).toBe('validation_failed');
    expect(created.body.error?.message).toContain('name must not be blank');
    const source = await api('POST', '/sources', { name: '  Mobile app ' });
    expect(source.status).toBe(201);
    expect(source.body.name).toBe('Mobile app');
    const renamed = await api('PATCH', `/sources/${String(source.body.id)}`, { name: '\t ' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error?.message).toContain('name must not be blank');
    expect((await api('GET', `/sources/${String(source.body.id)}`)).body.name).toBe('Mobile app');

  });

  it('shows a workspace only its own sources', async () => {
    const other = await sluice.store.workspaces.create({ name: 'Other workspace' });
    await sluice.store.tokens.create({ workspaceId: other.id, name: 'other owner', secret: 'other-workspace-token-0123456789', role: 'owner' });
    const { body: mine } = await api('POST', '/sources', { name: 'Mine only' });

    const theirs = await api('GET', '/sources', undefined, 'other-workspace-token-0123456789');
    expect(theirs.status).toBe(200);
    expect(theirs.body.sources).toEqual([]);
    expect((await api('GET', `/sources/${String(mine.id)}`, undefined, 'other-workspace-token-0123456789')).status).toBe(404);
    expect((await api('PATCH', `/sources/${String(mine.id)}`, { enabled: false }, 'other-workspace-token-0123456789')).status).toBe(404);
    expect((await api('GET', `/sources/${String(mine.id)}`)).body.enabled).toBe(true);
  });
});

describe('events API', () => {
  // Two days ago, to the minute: inside the default 365-day retention, so the retention sweeper (which ran these
  // events away once a fixed date in 2025 fell out of it) leaves them while the tests read them.
  const base = Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

  beforeAll(async () => {
    const source = (await sluice.store.sources.list(sluice.bootstrap.workspaceId))[0]!;
    // Stored directly with chosen receivedAt times, so time filters can be checked exactly.
    const events = [
      { type: 'identify', userId: 'ev-alice', traits: { plan: 'pro' }, minute: 0 },
      { type: 'track', userId: 'ev-alice', event: 'Order Completed', minute: 1 },
      { type: 'track', userId: 'ev-alice', event: 'Cart Viewed', minute: 2 },
      { type: 'page', anonymousId: 'ev-anon-1', name: 'Home', minute: 3 },
      { type: 'track', anonymousId: 'ev-anon-1', event: 'Order Completed', minute: 4 },
    ].map(({ minute, ...fields }, i) => ({
      workspaceId: sluice.bootstrap.workspaceId,
      sourceId: source.id,
      event: { ...fields, messageId: `ev-msg-${i}`, timestamp: at(minute), receivedAt: at(minute), context: {}, integrations: {} } as never,
    }));
    await sluice.store.events.insertMany(events);
  });

  const ids = (body: Json) => (body.events as { messageId: string }[]).map((e) => e.messageId);
  const get = async (query: string) => {
    const answer = await api('GET', `/events?${query}`);
    expect(answer.status, `${query}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body;
  };

  it('filters by userId, anonymousId, messageId, type and event name, newest first', async () => {
    expect(ids(await get('userId=ev-alice'))).toEqual(['ev-msg-2', 'ev-msg-1', 'ev-msg-0']);
    expect(ids(await get('anonymousId=ev-anon-1'))).toEqual(['ev-msg-4', 'ev-msg-3']);
    expect(ids(await get('messageId=ev-msg-3'))).toEqual(['ev-msg-3']);
    expect(ids(await get('userId=ev-alice&type=track'))).toEqual(['ev-msg-2', 'ev-msg-1']);
    expect(ids(await get('event=Order%20Completed'))).toEqual(['ev-msg-4', 'ev-msg-1']);
    expect(ids(await get('type=page&anonymousId=ev-anon-1'))).toEqual(['ev-msg-3']);
    expect(ids(await get('userId=nobody'))).toEqual([]);

    const one = await get('messageId=ev-msg-1');
    expect((one.events as Json[])[0]).toMatchObject({ type: 'track', event: 'Order Completed', userId: 'ev-alice', receivedAt: at(1), sourceId: expect.stringMatching(/^src_/) });
  });

  it('filters by receivedAt time range: from inclusive, to exclusive', async () => {
    expect(ids(await get(`from=${at(1)}&to=${at(3)}`))).toEqual(['ev-msg-2', 'ev-msg-1']);
    expect(ids(await get(`from=${at(4)}&to=${at(60)}`))).toEqual(['ev-msg-4']);
    expect(ids(await get(`to=${at(1)}`))).toEqual(['ev-msg-0']);
  });

  it('pages with nextCursor until the last page, which has none', async () => {
    const window = `from=${at(0)}&to=${at(5)}`;
    const first = await get(`${window}&limit=2`);
    expect(ids(first)).toEqual(['ev-msg-4', 'ev-msg-3']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await get(`${window}&limit=2&cursor=${String(first.nextCursor)}`);
    expect(ids(second)).toEqual(['ev-msg-2', 'ev-msg-1']);
    const third = await get(`${window}&limit=2&cursor=${String(second.nextCursor)}`);
    expect(ids(third)).toEqual(['ev-msg-0']);
    expect(third.nextCursor).toBeUndefined();
    // A page that ends exactly at the last event carries no cursor either.
    expect((await get(`${window}&limit=5`)).nextCursor).toBeUndefined();
  });

  it('reads one event by messageId', async () => {
    const found = await api('GET', '/events/ev-msg-0');
    expect(found.status).toBe(200);
    expect(found.body.event).toMatchObject({ type: 'identify', traits: { plan: 'pro' } });
    const missing = await api('GET', '/events/ev-missing');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
  });

  it('rejects bad queries with 400 and a code', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'type=purchase', 'from=yesterday', 'to=2025-13-45']) {
      const answer = await api('GET', `/events?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error?.code, query).toBe('validation_failed');
    }
    expect((await api('GET', '/events?limit=1000')).status).toBe(200);
    expect((await api('GET', '/events?limit=1')).status).toBe(200);
    // A filter it does not take would filter nothing and answer every event as if they matched.
    for (const query of ['email=ev-alice', 'user_id=ev-alice', 'userId=ev-alice&event_name=Order%20Completed']) {
      const answer = await api('GET', `/events?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error?.code, query).toBe('validation_failed');
      expect(answer.body.error?.message, query).toMatch(/query parameter (email|user_id|event_name) is not a field this request takes.*filters by userId, anonymousId, messageId/);
    }
    const cursor = await api('GET', '/events?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error?.code).toBe('invalid_cursor');
  });

  it('answers a messageId or id in the path that is not valid percent-encoding with 400 validation_failed in the usual shape', async () => {
    // A messageId holding "%" pasted into the URL as it is ("50%off-1").
    for (const path of ['/events/50%off-1', '/destinations/%ZZ/deliveries']) {
      const answer = await api('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error?.code, path).toBe('validation_failed');
      expect(answer.body.error?.message, path).toMatch(/URL path/);
    }
    expect((await api('GET', `/events/${encodeURIComponent('50%off-1')}`)).body.error?.code).toBe('not_found');
  });

  it('shows a workspace only its own events', async () => {
    const other = await sluice.store.workspaces.create({ name: 'Events elsewhere' });
    await sluice.store.tokens.create({ workspaceId: other.id, name: 'viewer', secret: 'events-elsewhere-token-0123456789', role: 'viewer' });
    const answer = await api('GET', '/events?userId=ev-alice', undefined, 'events-elsewhere-token-0123456789');
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([]);
    expect((await api('GET', '/events/ev-msg-0', undefined, 'events-elsewhere-token-0123456789')).status).toBe(404);
  });
});

describe('authentication and OpenAPI', () => {
  it('answers 401 unauthorized without a token or with an unknown one, on every route', async () => {
    const routes: [string, string][] = [
      ['GET', '/sources'],
      ['POST', '/sources'],
      ['GET', '/sources/src_x'],
      ['PATCH', '/sources/src_x'],
      ['POST', '/sources/src_x/rotate-write-key'],
      ['GET', '/events'],
      ['GET', '/events/m1'],
    ];
    for (const [method, path] of routes) {
      for (const token of [null, 'not-a-token']) {
        const answer = await api(method, path, method === 'GET' ? undefined : { name: 'x' }, token);
        expect(answer.status, `${method} ${path} with ${token}`).toBe(401);
        expect(answer.body.error?.code).toBe('unauthorized');
      }
    }
  });

  it("says what to send when a writeKey or Basic auth reaches the admin API, and that an API token is no writeKey", async () => {
    const asBearer = await api('GET', '/sources', undefined, sluice.writeKey);
    expect(asBearer.status).toBe(401);
    expect(asBearer.body.error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining("This is a source's writeKey: it sends events to the Tracking API") });
    expect(asBearer.body.error?.message).toContain('POST /api/v1/tokens');
    const basic = await fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Basic ${Buffer.from(`${sluice.token}:`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as Answer['body']).error?.message).toContain('The admin API does not take Basic auth');
    // Nothing is said about a token that does not exist.
    expect((await api('GET', '/sources', undefined, 'not-a-token')).body.error?.message).toBe('Missing, unknown, expired or revoked credentials: send Authorization: Bearer <token>, or log in to the console.');
    // The other way round: an API token (sl_…) sent as the writeKey.
    const tokenAsKey = await track('sl_abcdefghijklmnopqrstuvwxyz0123456789abcd', 'u-token-as-key');
    expect(tokenAsKey.status).toBe(401);
    expect(tokenAsKey.body.error).toMatchObject({ code: 'unknown_source', message: expect.stringContaining("It starts with sl_, as the admin API's tokens do") });
  });

  it('answers 403 forbidden when the role lacks the permission', async () => {
    await sluice.store.tokens.create({ workspaceId: sluice.bootstrap.workspaceId, name: 'read only', secret: 'viewer-token-0123456789abcdef', role: 'viewer' });
    expect((await api('GET', '/sources', undefined, 'viewer-token-0123456789abcdef')).status).toBe(200);
    const refused = await api('POST', '/sources', { name: 'nope' }, 'viewer-token-0123456789abcdef');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('sources:write') });
  });

  it('publishes a valid OpenAPI 3 document at /api/v1/openapi.json listing the routes, without a token', async () => {
    const response = await fetch(`${sluice.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenAPI.Document & { openapi: string; paths: Record<string, Record<string, Json>> };
    expect(document.openapi).toMatch(/^3\./);
    // Throws with the first problem when the document does not follow the OpenAPI schema.
    await SwaggerParser.validate(structuredClone(document) as OpenAPI.Document);

    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/v1/sources',
        'GET /api/v1/sources',
        'GET /api/v1/sources/{id}',
        'PATCH /api/v1/sources/{id}',
        'POST /api/v1/sources/{id}/rotate-write-key',
        'GET /api/v1/events',
        'GET /api/v1/events/{messageId}',
      ]),
    );
    const eventsQuery = (document.paths['/api/v1/events']!.get!.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
    expect(eventsQuery).toEqual(expect.arrayContaining(['userId', 'anonymousId', 'messageId', 'type', 'event', 'from', 'to', 'limit', 'cursor']));
    // The Tracking API and internal routes are not part of the admin API document; the data subject's own
    // request routes are (public, writeKey), documented on purpose for sites that build a request form.
    expect(Object.keys(document.paths).filter((p) => !p.startsWith('/api/v1/')).sort()).toEqual(['/v1/privacy-requests', '/v1/privacy-requests/new-link', '/v1/privacy-requests/new-link/{id}/verify', '/v1/privacy-requests/{id}/verify']);
  });
});
