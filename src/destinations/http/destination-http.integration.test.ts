import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupFunction } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkDestinationUrl } from './check-destination-url.js';
import { createDestinationHttp } from './destination-http.js';
import type { DestinationHttpClient } from './destination-http.js';

interface Received { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

/** A real sink on 127.0.0.1 that records requests; a few paths behave specially. */
const received: Received[] = [];
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/big') return void res.end('x'.repeat(2 * 1024 * 1024));
      if (req.url === '/to-same-origin') return void res.writeHead(307, { location: '/final' }).end();
      if (req.url === '/to-literal-ip') return void res.writeHead(307, { location: `http://127.0.0.1:${port}/final` }).end();
      if (req.url === '/moved') return void res.writeHead(301, { location: '/final' }).end();
      if (req.url === '/see-other') return void res.writeHead(303, { location: '/final' }).end();
      if (req.url === '/to-other-origin') return void res.writeHead(307, { location: `http://other.test:${port}/final` }).end();
      res.writeHead(200, { 'content-type': 'application/json', 'x-seen': 'yes' }).end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const clients: DestinationHttpClient[] = [];
function client(...args: Parameters<typeof createDestinationHttp>): DestinationHttpClient {
  const c = createDestinationHttp(...args);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  received.length = 0;
});

/** A resolver answering from a script: each call for a name takes the next answer (the last one repeats). */
function scriptedLookup(answers: Record<string, string[]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const seen = new Map<string, number>();
  const fn = ((hostname, options, callback) => {
    calls.push(hostname);
    const list = answers[hostname];
    if (!list) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    const n = seen.get(hostname) ?? 0;
    seen.set(hostname, n + 1);
    const address = list[Math.min(n, list.length - 1)] as string;
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction & { calls: string[] };
  fn.calls = calls;
  return fn;
}

const post = (url: string) => ({ method: 'POST' as const, url, headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' }, body: '{"a":1}' });

describe('createDestinationHttp', () => {
  it('delivers to a local server allowed by SLUICE_ALLOW_PRIVATE_DESTINATIONS=127.0.0.1', async () => {
    const res = await client({ allowPrivate: ['127.0.0.1'] }).send(post(`http://127.0.0.1:${port}/hook`));
    expect(res.status).toBe(200);
    expect(res.headers['x-seen']).toBe('yes');
    expect(JSON.parse(res.body)).toEqual({ ok: true, path: '/hook' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hook', body: '{"a":1}' });
  });

  it('refuses a literal loopback address without an allow entry, and sends nothing', async () => {
    await expect(client({ allowPrivate: [] }).send(post(`http://127.0.0.1:${port}/hook`))).rejects.toMatchObject({
      code: 'destination_address_refused',
      retriable: false,
    });
    expect(received).toHaveLength(0);
  });

  it('refuses IPv6 loopback and IPv4-mapped IPv6 loopback literals', async () => {
    const http6 = client({ allowPrivate: [] });
    await expect(http6.send(post(`http://[::1]:${port}/`))).rejects.toMatchObject({ code: 'destination_address_refused' });
    await expect(http6.send(post(`http://[::ffff:127.0.0.1]:${port}/`))).rejects.toMatchObject({ code: 'destination_address_refused' });
    expect(received).toHaveLength(0);
  });

  it('allows by CIDR', async () => {
    const res = await client({ allowPrivate: ['127.0.0.0/8'] }).send(post(`http://127.0.0.1:${port}/cidr`));
    expect(res.status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/cidr']);
  });

  it('allows by host name when the name resolves to a private address', async () => {
    const lookup = scriptedLookup({ 'sink.test': ['127.0.0.1'] });
    const res = await client({ allowPrivate: ['sink.test'], lookup }).send(post(`http://sink.test:${port}/by-host`));
    expect(res.status).toBe(200);
    expect(lookup.calls).toContain('sink.test');
    expect(received[0]?.headers.host).toBe(`sink.test:${port}`);
  });

  it('refuses DNS rebinding: public when saved, loopback when connecting', async () => {
    const lookup = scriptedLookup({ 'rebind.test': ['93.184.216.34', '127.0.0.1'] });
    const url = `http://rebind.test:${port}/rebind`;
    expect(await checkDestinationUrl(url, [], lookup)).toEqual([]);
    await expect(client({ allowPrivate: [], lookup }).send(post(url))).rejects.toMatchObject({
      code: 'destination_address_refused',
      message: expect.stringContaining('rebind.test resolves to 127.0.0.1, a loopback address'),
    });
    expect(lookup.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(received).toHaveLength(0);
  });

  it('connects only to the allowed addresses when a name resolves to several', async () => {
    const lookup = (((hostname, options, callback) => {
      const all = [{ address: '10.9.9.9', family: 4 }, { address: '127.0.0.1', family: 4 }];
      if (options.all) callback(null, all);
      else callback(null, '10.9.9.9', 4);
    }) as LookupFunction);
    const res = await client({ allowPrivate: ['127.0.0.1'], lookup, connectTimeoutMs: 1000 }).send(post(`http://multi.test:${port}/multi`));
    expect(res.status).toBe(200);
  });

  it('follows a same-origin 307 keeping method, body and headers', async () => {
    const res = await client({ allowPrivate: ['127.0.0.1'] }).send(post(`http://127.0.0.1:${port}/to-same-origin`));
    expect(res.status).toBe(200);
    expect(received.map((r) => [r.method, r.url, r.body, r.headers.authorization])).toEqual([
      ['POST', '/to-same-origin', '{"a":1}', 'Bearer s3cret'],
      ['POST', '/final', '{"a":1}', 'Bearer s3cret'],
    ]);
  });

  it('answers a POST redirected by 301 or 303 with that answer instead of turning it into a GET without the body', async () => {
    for (const path of ['/moved', '/see-other']) {
      const res = await client({ allowPrivate: ['127.0.0.1'] }).send(post(`http://127.0.0.1:${port}${path}`));
      expect(res.status).toBe(path === '/moved' ? 301 : 303);
      expect(res.headers.location).toBe('/final');
    }
    expect(received.map((r) => [r.method, r.url])).toEqual([['POST', '/moved'], ['POST', '/see-other']]);
    // A GET follows any redirect.
    const res = await client({ allowPrivate: ['127.0.0.1'] }).send({ method: 'GET', url: `http://127.0.0.1:${port}/moved`, headers: {} });
    expect(res.status).toBe(200);
    expect(received.slice(2).map((r) => [r.method, r.url])).toEqual([['GET', '/moved'], ['GET', '/final']]);
  });

  it('refuses a redirect to a private address the allow list does not cover', async () => {
    const lookup = scriptedLookup({ 'sink.test': ['127.0.0.1'] });
    await expect(client({ allowPrivate: ['sink.test'], lookup }).send(post(`http://sink.test:${port}/to-literal-ip`))).rejects.toMatchObject({
      code: 'destination_address_refused',
    });
    expect(received.map((r) => r.url)).toEqual(['/to-literal-ip']);
  });

  it('does not forward credentials to another origin on redirect', async () => {
    const lookup = scriptedLookup({ 'sink.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    const res = await client({ allowPrivate: ['sink.test', 'other.test'], lookup }).send(post(`http://sink.test:${port}/to-other-origin`));
    expect(res.status).toBe(200);
    expect(received[1]).toMatchObject({ url: '/final', body: '{"a":1}' });
    expect(received[1]?.headers.authorization).toBeUndefined();
    expect(received[1]?.headers['content-type']).toBe('application/json');
  });

  it('times out a destination that never answers with a retriable (plain) error', async () => {
    const error = await client({ allowPrivate: ['127.0.0.1'] })
      .send(post(`http://127.0.0.1:${port}/hang`), { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`POST http://127.0.0.1:${port}/hang timed out after 200 ms`);
    expect((error as { code?: string }).code).toBeUndefined();
  });

  it('cuts response bodies at maxResponseBytes', async () => {
    const res = await client({ allowPrivate: ['127.0.0.1'], maxResponseBytes: 1000 }).send({ method: 'GET', url: `http://127.0.0.1:${port}/big`, headers: {} });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1000);
  });

  it('rejects non-http URLs', async () => {
    await expect(client({ allowPrivate: [] }).send({ method: 'GET', url: 'file:///etc/passwd', headers: {} })).rejects.toMatchObject({ code: 'destination_url_invalid' });
  });
});

describe('checkDestinationUrl', () => {
  const lookup = scriptedLookup({ 'public.test': ['93.184.216.34'], 'internal.test': ['10.0.0.7'], 'v6.test': ['fe80::1'] });

  it.each([
    ['https://public.test/hook', [], []],
    ['http://203.0.113.1.nip/x', [], ['203.0.113.1.nip does not resolve to any address (DNS: ENOTFOUND): check the host name.']],
    ['ftp://public.test/x', [], ['ftp:// URLs are not supported: use http:// or https://.']],
    ['not a url', [], ['"not a url" is not a valid URL: write an absolute http:// or https:// URL.']],
    ['http://internal.test/x', ['internal.test'], []],
    ['http://internal.test/x', ['10.0.0.0/8'], []],
    ['http://127.0.0.1:9/x', ['127.0.0.1'], []],
  ] as const)('%s with allow %j -> %j', async (url, allow, problems) => {
    expect(await checkDestinationUrl(url, allow, lookup)).toEqual(problems);
  });

  it.each([
    ['http://internal.test/x', 'internal.test resolves to 10.0.0.7, a private address'],
    ['http://v6.test/x', 'v6.test resolves to fe80::1, a link-local address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
    ['http://[fd00::1]/', 'fd00::1 is a unique-local address'],
    ['http://100.64.1.1/', '100.64.1.1 is a carrier-grade NAT address'],
    ['http://0.0.0.0:8080/', '0.0.0.0 is an unspecified address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
  ])('refuses %s: %s', async (url, message) => {
    const problems = await checkDestinationUrl(url, [], lookup);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(problems[0]).toContain('SLUICE_ALLOW_PRIVATE_DESTINATIONS');
  });
});
