import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sluice.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey), ...headers },
    body: typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ApiAnswer };
}

type ApiAnswer = { success?: boolean; error: { code: string; message: string } & Record<string, unknown> };
type StoredEventView = Record<string, unknown>;

async function storedEvents(query: string): Promise<StoredEventView[]> {
  const response = await fetch(`${sluice.url}/api/v1/events?${query}`, { headers: { authorization: `Bearer ${sluice.token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: StoredEventView[] }).events;
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('Tracking API over HTTP', () => {
  it('stores every call type and answers 200 {success:true}', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['identify', { userId: 'all-1', traits: { plan: 'pro' } }],
      ['track', { userId: 'all-1', event: 'Signed Up' }],
      ['page', { userId: 'all-1', name: 'Home' }],
      ['screen', { userId: 'all-1', name: 'Main' }],
      ['group', { userId: 'all-1', groupId: 'g1' }],
      ['alias', { userId: 'all-1', previousId: 'anon-9' }],
    ];
    for (const [path, body] of calls) {
      const res = await post(`/v1/${path}`, body);
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ success: true });
    }
    const events = await eventually(async () => {
      const found = await storedEvents('userId=all-1');
      return found.length === 6 ? found : undefined;
    });
    expect(events.map((e) => String(e.type)).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    expect(events.find((e) => e.type === 'track')).toMatchObject({ event: 'Signed Up', context: { ip: '127.0.0.1' }, version: 2 });
  });

  it('accepts the writeKey in the body and text/plain bodies (the browser library)', async () => {
    const res = await post('/v1/t', JSON.stringify({ writeKey: sluice.writeKey, anonymousId: 'browser-1', event: 'Clicked' }), { 'content-type': 'text/plain', authorization: '' });
    expect(res.status).toBe(200);
    await eventually(async () => ((await storedEvents('anonymousId=browser-1')).length === 1 ? true : undefined));
  });

  it('accepts gzip bodies on /v1/batch and /v1/import', async () => {
    for (const path of ['/v1/batch', '/v1/import']) {
      const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: `gz-${path}`, event: 'Zipped' }] }));
      const res = await post(path, body, { 'content-encoding': 'gzip' });
      expect(res.status, path).toBe(200);
      await eventually(async () => ((await storedEvents(`userId=gz-${path}`)).length === 1 ? true : undefined));
    }
  });

  it('stores a messageId sent twice only once', async () => {
    const event = { userId: 'dup-1', event: 'Once', messageId: 'dup-message-1' };
    expect((await post('/v1/track', event)).status).toBe(200);
    expect((await post('/v1/track', event)).status).toBe(200);
    await post('/v1/track', { userId: 'dup-1', event: 'Marker', messageId: 'dup-marker' });
    await eventually(async () => ((await storedEvents('userId=dup-1')).length >= 2 ? true : undefined));
    expect((await storedEvents('messageId=dup-message-1')).length).toBe(1);
  });

  it('answers 401 for an unknown or missing writeKey', async () => {
    const unknown = await post('/v1/track', { userId: 'u', event: 'x' }, { authorization: basic('nope') });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('unknown_source');
    const missing = await post('/v1/track', { userId: 'u', event: 'x' }, { authorization: '' });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('missing_write_key');
  });

  it('answers 400 with the position for malformed JSON', async () => {
    const res = await post('/v1/track', '{"userId": "u", "event": }');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_json', line: 1, column: 26 });
  });

  it('answers 413 for a request over 500 KB and for a gzip bomb', async () => {
    const big = { batch: Array.from({ length: 30 }, (_, i) => ({ type: 'track', userId: 'u', event: 'x', properties: { pad: 'y'.repeat(20_000), i } })) };
    const res = await post('/v1/batch', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('request_too_large');
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 32));
    const bombed = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(413);
  });

  it('keeps the valid events of a partly invalid batch and says which were rejected', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'track', userId: 'partial-1', event: 'Good' }, { type: 'track', event: 'No user' }] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'no_user_anon_id', accepted: 1, rejected: [{ index: 1, code: 'no_user_anon_id' }] });
    await eventually(async () => ((await storedEvents('userId=partial-1')).length === 1 ? true : undefined));
  });

  it('answers CORS preflight for any origin', async () => {
    const response = await fetch(`${sluice.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('answers /health with ok and /metrics only with a token', async () => {
    const health = await fetch(`${sluice.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${sluice.url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${sluice.token}` } });
    const text = await metrics.text();
    expect(text).toMatch(/sluice_events_received_total\{source_id="src_[0-9a-f]+"\} \d+/);
    expect(text).toContain('sluice_events_rejected_total{code="no_user_anon_id"} 1');
    expect(text).toContain('sluice_inbox_backlog');
  });
});
