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
  it('refuses a userId sent as a number JSON cannot hold exactly, keeping the rest of the batch', async () => {
    // Two customers with 64-bit ids sent as JSON numbers: both would be stored as 12345678901234567000.
    const body = '{"batch": [{"type": "identify", "userId": 12345678901234567890, "messageId": "big-id-1"}, {"type": "identify", "userId": 12345678901234567891, "messageId": "big-id-2"}, {"type": "identify", "userId": 9007199254740991, "messageId": "big-id-3"}]}';
    const res = await post('/v1/batch', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', accepted: 1, rejected: [{ index: 0, code: 'invalid_field' }, { index: 1, code: 'invalid_field' }] });
    expect(res.body.error.message).toContain('Send userId as a string.');
    await eventually(async () => ((await storedEvents('messageId=big-id-3')).length === 1 ? true : undefined));
    expect(await storedEvents('userId=12345678901234567000')).toEqual([]);
  });

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

  it('says a POST without a body (no Content-Type either) is empty, as an empty JSON body is told', async () => {
    for (const path of ['/v1/track', '/v1/batch']) {
      const response = await fetch(`${sluice.url}${path}`, { method: 'POST', headers: { authorization: basic(sluice.writeKey) } });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toEqual({ error: { code: 'invalid_json', message: 'The request body is empty; send a JSON object.' } });
    }
  });

  it('says what a path no route takes most likely meant: the Tracking API\'s calls, /v1 given twice, /v1 left out', async () => {
    const cases: [string, string, RegExp][] = [
      ['GET', '/v1/track', /^No route GET \/v1\/track\. The Tracking API takes POST \/v1\/identify, \/v1\/track, .*\/v1\/batch, \/v1\/import/],
      ['POST', '/v1/tracks', /^No route POST \/v1\/tracks\. The Tracking API takes POST /],
      // Libraries that append /v1/batch to their host (Python's, Go's) given 'http://...:8080/v1' or 'http://...:8080/'.
      ['POST', '/v1/v1/batch', /has \/v1 twice: give the library's host \(endpoint\) without \/v1/],
      ['POST', '//v1/batch', /has a double slash: give the library's host \(endpoint\) without a trailing slash/],
      ['POST', '/batch', /Tracking API paths start with \/v1: POST \/v1\/batch\.$/],
      ['GET', '/api/v2/events', /The admin API lives under \/api\/v1/],
    ];
    for (const [method, path, message] of cases) {
      const response = await fetch(`${sluice.url}${path}`, { method, headers: { authorization: basic(sluice.writeKey), 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{"batch":[]}' }) });
      expect(response.status, path).toBe(404);
      const body = (await response.json()) as ApiAnswer;
      expect(body.error.code, path).toBe('not_found');
      expect(body.error.message, path).toMatch(message);
    }
  });

  it('tells a gzip body sent without Content-Encoding that the header is missing', async () => {
    const res = await post('/v1/batch', gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'gz-no-header', event: 'Zipped' }] })));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_encoding');
    expect(res.body.error.message).toContain('no "Content-Encoding: gzip" header');
  });

  it('refuses a body that is not UTF-8 naming the byte, instead of storing U+FFFD, and decodes one whose Content-Type names its charset', async () => {
    const latin1 = Buffer.from(JSON.stringify({ type: 'track', userId: 'rene-latin1', event: 'Signed Up', messageId: 'latin1-1', properties: { name: 'René' } }), 'latin1');
    const refused = await post('/v1/track', latin1);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_encoding');
    expect(refused.body.error.message).toMatch(/not valid UTF-8 \(byte \d+, 0xe9\).*charset=iso-8859-1/);
    const declared = await post('/v1/track', latin1, { 'content-type': 'application/json; charset=ISO-8859-1' });
    expect(declared.status).toBe(200);
    const [stored] = await eventually(async () => {
      const events = await storedEvents('userId=rene-latin1');
      return events.length > 0 ? events : undefined;
    });
    expect(stored).toMatchObject({ messageId: 'latin1-1', properties: { name: 'René' } });
    const unknown = await post('/v1/track', latin1, { 'content-type': 'application/json; charset=x-klingon' });
    expect(unknown.status).toBe(415);
    expect(unknown.body.error.code).toBe('unsupported_media_type');
    expect(unknown.body.error.message).toContain('x-klingon');
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

describe('Tracking API input that clients get wrong', () => {
  it('refuses timestamps that are not ISO-8601 or name impossible dates, and keeps the batch\'s valid events', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'ts-1', event: 'Good', timestamp: '2026-11-30T09:00:00.000Z', messageId: 'ts-good' },
        { type: 'track', userId: 'ts-1', event: 'Feb 30', timestamp: '2020-02-30T00:00:00.000Z' },
        { type: 'track', userId: 'ts-1', event: 'No such day', originalTimestamp: '2020-02-31' },
        { type: 'track', userId: 'ts-1', event: 'Local time', timestamp: '01/02/2020' },
        { type: 'track', userId: 'ts-1', event: 'Zero', timestamp: '0' },
        { type: 'track', userId: 'ts-1', event: 'Minus one', timestamp: -1 },
        { type: 'track', userId: 'ts-1', event: 'Offset', timestamp: '2026-11-30T10:00:00+01:00', messageId: 'ts-offset' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_timestamp', accepted: 2 });
    const rejected = res.body.error.rejected as { index: number; code: string; message: string }[];
    expect(rejected.map((r) => [r.index, r.code])).toEqual([1, 2, 3, 4, 5].map((i) => [i, 'invalid_timestamp']));
    expect(rejected[0]!.message).toContain('names a day that does not exist (February 2020 has 29 days)');
    expect(rejected[1]!.message).toMatch(/^originalTimestamp "2020-02-31" names a day that does not exist/);
    expect(rejected[2]!.message).toContain('timestamp "01/02/2020" is not an ISO-8601 date');
    const stored = await eventually(async () => {
      const found = await storedEvents('userId=ts-1');
      return found.length === 2 ? found : undefined;
    });
    expect(Object.fromEntries(stored.map((e) => [e.messageId, e.originalTimestamp]))).toEqual({ 'ts-good': '2026-11-30T09:00:00.000Z', 'ts-offset': '2026-11-30T09:00:00.000Z' });

    const single = await post('/v1/track', { userId: 'ts-2', event: 'x', sentAt: '2020-02-30T00:00:00.000Z' });
    expect(single.status).toBe(400);
    expect(single.body.error.code).toBe('invalid_timestamp');
    expect(single.body.error.message).toMatch(/^sentAt "2020-02-30T00:00:00.000Z" names a day that does not exist/);
  });

  it('says a body or batch item of null is null, and that a batch item has no type', async () => {
    const nullBody = await post('/v1/track', 'null');
    expect(nullBody.status).toBe(400);
    expect(nullBody.body.error).toMatchObject({ code: 'invalid_body', message: 'The request body must be a JSON object, got null.' });
    const items = await post('/v1/batch', { batch: [null, { userId: 'no-type' }] });
    expect(items.status).toBe(400);
    expect(items.body.error.rejected).toEqual([
      { index: 0, code: 'invalid_body', message: 'An event must be a JSON object, got null.' },
      { index: 1, code: 'invalid_type', message: expect.stringContaining('needs a "type", one of identify, track, page, screen, group, alias; it has none.') },
    ]);
  });

  it('accepts a body that starts with a UTF-8 byte-order mark and stores its events', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ batch: [{ type: 'track', userId: 'bom-1', event: 'From PowerShell' }] }))]);
    const res = await post('/v1/batch', new Uint8Array(body));
    expect(res.status).toBe(200);
    await eventually(async () => ((await storedEvents('userId=bom-1')).length === 1 ? true : undefined));
  });

  it('says why an Authorization header gave no writeKey, and how to send one', async () => {
    const cases: [string, string][] = [
      [`Bearer ${sluice.writeKey}`, 'does not take a writeKey as Authorization: Bearer'],
      ['Basic %%%not-base64%%%', 'The Authorization header could not be read'],
      [`Basic ${sluice.writeKey}`, 'The Authorization header could not be read'],
    ];
    for (const [authorization, why] of cases) {
      const res = await post('/v1/track', { userId: 'u', event: 'x' }, { authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.body.error.code).toBe('missing_write_key');
      expect(res.body.error.message).toContain(why);
      expect(res.body.error.message).toContain('Authorization: Basic YWJjMTIzOg==');
    }
    // analytics-node with OAuth: a Bearer access token beside the writeKey in the body.
    const oauth = await post('/v1/track', { userId: 'oauth-1', event: 'x', writeKey: sluice.writeKey }, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' });
    expect(oauth.status).toBe(200);
  });

  it('treats a userId that is only whitespace like an empty one', async () => {
    const alone = await post('/v1/identify', { userId: '   ', traits: { plan: 'pro' } });
    expect(alone.status).toBe(400);
    expect(alone.body.error.code).toBe('no_user_anon_id');
    expect((await post('/v1/identify', { userId: ' \t ', anonymousId: 'ws-anon-1', traits: { plan: 'pro' } })).status).toBe(200);
    const [event] = await eventually(async () => {
      const found = await storedEvents('anonymousId=ws-anon-1');
      return found.length === 1 ? found : undefined;
    });
    expect(event).not.toHaveProperty('userId');
    const profile = await fetch(`${sluice.url}/api/v1/profiles/${encodeURIComponent('   ')}`, { headers: { authorization: `Bearer ${sluice.token}` } });
    expect(profile.status).toBe(404);
  });

  it('measures the 32 KB event limit on compact JSON, not on the escapes the client wrote', async () => {
    // 6,000 \u00e9 escapes: 36 KB as sent, 12 KB as JSON.stringify writes it.
    const sent = `{"userId":"size-1","event":"Escaped","properties":{"blob":"${'\\u00e9'.repeat(6000)}"}}`;
    expect(Buffer.byteLength(sent)).toBeGreaterThan(36_000);
    expect((await post('/v1/track', sent)).status).toBe(200);
    const big = await post('/v1/track', { userId: 'size-1', event: 'Big', properties: { blob: 'é'.repeat(17_000) } });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'event_too_large', message: expect.stringMatching(/^The event is \d+ bytes as compact JSON \(UTF-8\)/) });
  });
});
