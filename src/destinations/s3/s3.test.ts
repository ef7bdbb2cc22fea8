import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import { verifySigV4 } from '../../../test/support/sigv4-verifier.js';
import { s3 } from './index.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/**
 * An S3-compatible store, path-style (/bucket/key), that verifies every request's Signature V4 with an
 * independent verifier and keeps objects in memory: PUT, GET, DELETE object and ListObjectsV2.
 */
function s3Store(objects: Map<string, Buffer>, rejected: string[]) {
  return (r: ReceivedRequest) => {
    const rawPath = r.path;
    const problem = verifySigV4({ method: r.method, path: rawPath, query: r.query, headers: r.headers, body: r.raw }, CREDENTIALS);
    if (problem) {
      rejected.push(problem);
      return { status: 403, body: `<Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>` };
    }
    const [, bucket, ...rest] = rawPath.split('/');
    if (bucket !== 'archive') return { status: 404, body: '<Error><Code>NoSuchBucket</Code></Error>' };
    const key = rest.map(decodeURIComponent).join('/');
    if (r.method === 'GET' && key === '' && r.query.get('list-type') === '2') {
      const prefix = r.query.get('prefix') ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      return { status: 200, body: `<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated>${keys.map((k) => `<Contents><Key>${k}</Key></Contents>`).join('')}</ListBucketResult>` };
    }
    if (r.method === 'PUT') {
      objects.set(key, r.raw);
      return { status: 200, body: '' };
    }
    if (r.method === 'DELETE') {
      objects.delete(key);
      return { status: 204 };
    }
    if (r.method === 'GET') {
      const body = objects.get(key);
      return body ? { status: 200, body } : { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' };
    }
    return { status: 405, body: '' };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (endpoint: string) => ({ bucket: 'archive', region: 'us-east-1', endpoint, prefix: 'raw/', ...CREDENTIALS });

function lines(gz: Buffer): { messageId: string; userId?: string }[] {
  return gunzipSync(gz).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { messageId: string; userId?: string });
}

describe('S3 destination', () => {
  it('writes signed, gzipped NDJSON files per source and hour; a retry overwrites its own file', async () => {
    const objects = new Map<string, Buffer>();
    const rejected: string[] = [];
    server = await startMockServer(s3Store(objects, rejected), { decodeGzip: false });
    const batch = [
      { ...item({ type: 'track', userId: 'u1', event: 'A', receivedAt: '2026-11-30T10:15:00.000Z' }), sourceId: 'src_web' },
      { ...item({ type: 'track', userId: 'u2', event: 'B', receivedAt: '2026-11-30T10:59:59.000Z' }), sourceId: 'src_web' },
      { ...item({ type: 'track', userId: 'u1', event: 'C', receivedAt: '2026-11-30T11:00:00.000Z' }), sourceId: 'src_web' },
    ];
    expect(await s3.deliver(batch, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(rejected).toEqual([]);
    expect([...objects.keys()].map((k) => k.replace(/[0-9a-f]{24}/, 'H'))).toEqual(['raw/src_web/2026/11/30/10/H.ndjson.gz', 'raw/src_web/2026/11/30/11/H.ndjson.gz']);
    const tenOClock = [...objects.entries()].find(([k]) => k.includes('/10/'))![1];
    expect(lines(tenOClock).map((e) => e.messageId)).toEqual([batch[0]!.messageId, batch[1]!.messageId]);
    await s3.deliver(batch, config(server.url), testContext());
    expect(objects.size).toBe(2);
  });

  it('is refused by the store when the credentials are wrong', async () => {
    const rejected: string[] = [];
    server = await startMockServer(s3Store(new Map(), rejected), { decodeGzip: false });
    const outcome = await s3.deliver([item({ type: 'track', userId: 'u', event: 'x' })], { ...config(server.url), secretAccessKey: 'wrong' }, testContext());
    expect(outcome).toMatchObject({ kind: 'abort', reason: 'http_403' });
    expect(rejected).toEqual(['signature mismatch']);
  });

  it("deletes a subject by rewriting only the files holding their events", async () => {
    const objects = new Map<string, Buffer>();
    const rejected: string[] = [];
    server = await startMockServer(s3Store(objects, rejected), { decodeGzip: false });
    await s3.deliver([{ ...item({ type: 'track', userId: 'gone', event: 'A' }), sourceId: 's' }, { ...item({ type: 'track', userId: 'stays', event: 'B' }), sourceId: 's' }], config(server.url), testContext());
    await s3.deliver([{ ...item({ type: 'track', anonymousId: 'gone-anon', event: 'C', receivedAt: '2026-11-29T01:00:00.000Z' }), sourceId: 's' }], config(server.url), testContext());
    expect(objects.size).toBe(2);
    const result = await s3.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['gone'], anonymousIds: ['gone-anon'], emails: [] }, config(server.url), testContext());
    expect(result).toEqual({ kind: 'deleted', count: 2, detail: '2 event(s) removed from 2 archive file(s)' });
    expect(objects.size).toBe(1);
    expect(lines([...objects.values()][0]!).map((e) => e.userId)).toEqual(['stays']);
    expect(rejected).toEqual([]);
  });

  it('tries a deletion again later when the store throttles reading a file, instead of failing it', async () => {
    const objects = new Map<string, Buffer>();
    const rejected: string[] = [];
    const store = s3Store(objects, rejected);
    let throttle = false;
    server = await startMockServer((r) => (throttle && r.method === 'GET' && !r.query.has('list-type') ? { status: 503, body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>', headers: { 'retry-after': '2' } } : store(r)), { decodeGzip: false });
    await s3.deliver([{ ...item({ type: 'track', userId: 'gone', event: 'A' }), sourceId: 's' }], config(server.url), testContext());
    throttle = true;
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['gone'], anonymousIds: [], emails: [] };
    expect(await s3.deleteSubject!(subject, config(server.url), testContext())).toMatchObject({ kind: 'retry', error: expect.stringContaining('SlowDown'), afterMs: 2000 });
    throttle = false;
    expect(await s3.deleteSubject!(subject, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 1 });
    expect(objects.size).toBe(0);
  });
});
