import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../src/http/console-routes.js';
import { openSse } from './support/sse-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const auth = () => ({ authorization: `Bearer ${sluice.token}` });
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function track(writeKey: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(writeKey) }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

async function createSource(name: string): Promise<{ id: string; writeKey: string }> {
  const response = await fetch(`${sluice.url}/api/v1/sources`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; writeKey: string };
}

beforeAll(async () => {
  if (!existsSync(`${CONSOLE_DIST}index.html`)) throw new Error('console/dist is missing: run `npm run build` (npm ci does it) before the tests.');
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('console hosting', () => {
  it('serves the console at / and at client-side paths, with its assets cached', async () => {
    for (const path of ['/', '/sources/src_123', '/live', '/events?type=track']) {
      const response = await fetch(`${sluice.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain('text/html');
      expect(await response.text(), path).toContain('<div id="root">');
    }
    const asset = readdirSync(`${CONSOLE_DIST}assets`).find((f) => f.endsWith('.js'))!;
    const response = await fetch(`${sluice.url}/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('never answers the server paths with the console page', async () => {
    for (const path of ['/api/v1/nothing-here', '/v1/nothing', '/metrics/x', '/health/x', '/analytics.js/nothing', '/consent.js/x', '/assets/missing.js']) {
      const response = await fetch(`${sluice.url}${path}`, { headers: auth() });
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe('not_found');
    }
    expect((await fetch(`${sluice.url}/health`)).status).toBe(200);
    expect((await fetch(`${sluice.url}/api/v1/sources`)).status).toBe(401);
  });

  it('tells the console the public URL for snippets', async () => {
    const response = await fetch(`${sluice.url}/console/config.json`);
    expect(await response.json()).toEqual({ publicUrl: sluice.url });
  });
});

describe('live event stream', () => {
  it('streams new events of one source in order, and resumes after Last-Event-ID', async () => {
    const source = await createSource('Live test');
    const other = await createSource('Other');
    const stream = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, auth());
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    await track(source.writeKey, { userId: 'live-1', event: 'First', messageId: 'live-m1' });
    await track(other.writeKey, { userId: 'live-1', event: 'Elsewhere', messageId: 'live-other' });
    await track(source.writeKey, { userId: 'live-1', event: 'Second', messageId: 'live-m2' });
    await eventually(async () => (stream.messages.length >= 2 ? true : undefined));
    stream.close();
    const received = stream.messages.map((m) => JSON.parse(m.data) as { messageId: string; sourceId: string });
    expect(received.map((e) => e.messageId)).toEqual(['live-m1', 'live-m2']);
    expect(stream.messages.every((m) => m.event === 'event' && /^\d+$/.test(m.id ?? ''))).toBe(true);

    // A reconnect after the first event gets the second (and later ones) only.
    await track(source.writeKey, { userId: 'live-1', event: 'Third', messageId: 'live-m3' });
    const resumed = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, { ...auth(), 'last-event-id': stream.messages[0]!.id! });
    await eventually(async () => (resumed.messages.length >= 2 ? true : undefined));
    resumed.close();
    expect(resumed.messages.map((m) => (JSON.parse(m.data) as { messageId: string }).messageId)).toEqual(['live-m2', 'live-m3']);

    // A new viewer asking for a backlog sees the latest events first.
    const withBacklog = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live?backlog=2`, auth());
    await eventually(async () => (withBacklog.messages.length >= 2 ? true : undefined));
    withBacklog.close();
    expect(withBacklog.messages.map((m) => (JSON.parse(m.data) as { messageId: string }).messageId)).toEqual(['live-m2', 'live-m3']);
  });

  it('streams the events the Tracking API rejects meanwhile, with what was wrong and the shape sent', async () => {
    const source = await createSource('Live rejections');
    const stream = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, auth());
    const bad = await fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(source.writeKey) }, body: JSON.stringify({ userId: 'ada@example.com', properties: { plan: 'pro' } }) });
    expect(bad.status).toBe(400);
    await track(source.writeKey, { userId: 'live-2', event: 'Fine', messageId: 'live-fine' });
    await eventually(async () => (stream.messages.some((m) => m.event === 'rejection') && stream.messages.some((m) => m.event === 'event') ? true : undefined));
    stream.close();
    const rejection = stream.messages.find((m) => m.event === 'rejection')!;
    expect(rejection.id).toBeUndefined(); // Last-Event-ID stays an event's seq
    expect(JSON.parse(rejection.data)).toMatchObject({ code: 'event_not_string', message: expect.stringContaining('"event"'), example: { shape: { userId: 'string', properties: { plan: 'string' } } } });
    expect(rejection.data).not.toContain('ada@example.com');
  });

  it('still streams a rejection another ingest process writes later with an earlier time than one already shown', async () => {
    const source = await createSource('Live rejections, two ingest processes');
    const stream = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, auth());
    const rejection = (code: string, at: number) => ({ workspaceId: sluice.bootstrap.workspaceId, sourceId: source.id, code, message: `${code} here`, at });
    const now = Date.now() + 1000;
    // One process writes its rejection first...
    await sluice.store.sourceCounters.saveRejections([rejection('event_not_string', now + 2000)]);
    await eventually(async () => (stream.messages.some((m) => m.event === 'rejection') ? true : undefined));
    // ...the other, whose rejection happened a second and a half before, writes it after that one was shown.
    await sluice.store.sourceCounters.saveRejections([rejection('no_user_anon_id', now + 500)]);
    const codes = () => stream.messages.filter((m) => m.event === 'rejection').map((m) => (JSON.parse(m.data) as { code: string }).code);
    await eventually(async () => (codes().length === 2 ? true : undefined));
    // Each shown once, however often the stream reads them again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stream.close();
    expect(codes()).toEqual(['event_not_string', 'no_user_anon_id']);
  });

  it('masks personal data in the stream for a role without personal-data access, as the events API does', async () => {
    const source = await createSource('Live masked');
    const created = await fetch(`${sluice.url}/api/v1/tokens`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Viewer', role: 'viewer' }) });
    expect(created.status).toBe(201);
    const viewer = { authorization: `Bearer ${((await created.json()) as { token: string }).token}` };
    const stream = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, viewer);
    await track(source.writeKey, { userId: 'grace@example.com', event: 'Signed Up', messageId: 'live-masked', context: { traits: { email: 'grace@example.com', phone: '+44 20 7946 0958' } } });
    await eventually(async () => (stream.messages.some((m) => m.event === 'event') ? true : undefined));
    stream.close();
    const data = stream.messages.find((m) => m.event === 'event')!.data;
    expect(JSON.parse(data)).toMatchObject({ event: 'Signed Up', messageId: 'live-masked', userId: '[masked]' });
    expect(data).not.toContain('grace@example.com');
    expect(data).not.toContain('7946');
  });

  it('refuses unknown sources and callers without a token', async () => {
    const unknown = await fetch(`${sluice.url}/api/v1/sources/src_nope/live`, { headers: auth() });
    expect(unknown.status).toBe(404);
    const anonymous = await fetch(`${sluice.url}/api/v1/sources/src_nope/live`);
    expect(anonymous.status).toBe(401);
  });

  it('counts stored events per minute for the overview', async () => {
    // From the processor's counters, written about once a second.
    await expect.poll(async () => {
      const response = await fetch(`${sluice.url}/api/v1/stats/events-per-minute?minutes=5`, { headers: auth() });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { minutes: { at: string; count: number }[] };
      expect(body.minutes).toHaveLength(5);
      return body.minutes.reduce((t, m) => t + m.count, 0);
    }).toBeGreaterThanOrEqual(4);
  });
});

describe('shutdown with open streams', { timeout: 60_000 }, () => {
  // Last in this file: it closes the shared Sluice's HTTP server (afterAll's stop() is idempotent).
  it('ends open live streams when the HTTP server closes (instead of hanging)', async () => {
    const stream = await openSse(`${sluice.url}/api/v1/sources/${(await createSource('Closing')).id}/live`, auth());
    expect(stream.status).toBe(200);
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000).unref());
    const closed = sluice.app.close().then(() => stream.ended).then(() => 'closed' as const);
    expect(await Promise.race([closed, hung])).toBe('closed');
  });
});
