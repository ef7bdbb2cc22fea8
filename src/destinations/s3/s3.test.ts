import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import { S3_CREDENTIALS as CREDENTIALS, s3Store } from '../../../test/support/s3-store.js';
import { s3 } from './index.js';

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
    expect(result).toEqual({ kind: 'deleted', count: 2, detail: '2 event(s) removed from 2 archive file(s); read every file under the prefix' });
    expect(objects.size).toBe(1);
    expect(lines([...objects.values()][0]!).map((e) => e.userId)).toEqual(['stays']);
    expect(rejected).toEqual([]);
  });

  it('reads only the hour folders the delivery log names when it names them all, not every file of the archive', async () => {
    const objects = new Map<string, Buffer>();
    const rejected: string[] = [];
    server = await startMockServer(s3Store(objects, rejected), { decodeGzip: false });
    const at = (receivedAt: string, userId: string, sourceId: string) => ({ ...item({ type: 'track', userId, event: 'A', receivedAt }), sourceId });
    await s3.deliver([at('2026-11-30T10:15:00.000Z', 'gone', 'src_web'), at('2026-11-30T10:20:00.000Z', 'stays', 'src_web')], config(server.url), testContext());
    await s3.deliver([at('2026-11-30T12:00:00.000Z', 'stays', 'src_web')], config(server.url), testContext());
    await s3.deliver([at('2026-11-30T10:15:00.000Z', 'stays', 'src_app')], config(server.url), testContext());
    expect(objects.size).toBe(3);
    server.received.length = 0;
    const subject = { workspaceId: 'w', requestId: 'r', userIds: ['gone'], anonymousIds: [], emails: [], receiptHours: [{ sourceId: 'src_web', hour: '2026-11-30T10:00:00.000Z' }] };
    expect(await s3.deleteSubject!(subject, config(server.url), testContext())).toEqual({ kind: 'deleted', count: 1, detail: '1 event(s) removed from 1 archive file(s); read the 1 hour folder(s) the delivery log names' });
    expect(server.received.filter((r) => r.query.has('list-type')).map((r) => r.query.get('prefix'))).toEqual(['raw/src_web/2026/11/30/10/']);
    expect(server.received.filter((r) => r.method === 'GET' && !r.query.has('list-type'))).toHaveLength(1);
    expect(objects.size).toBe(3);
    expect([...objects.values()].flatMap((gz) => lines(gz).map((e) => e.userId))).toEqual(['stays', 'stays', 'stays']);
    server.received.length = 0;
    expect(await s3.deleteSubject!({ ...subject, receiptHours: [] }, config(server.url), testContext())).toMatchObject({ kind: 'deleted', count: 0 });
    expect(server.received).toHaveLength(0);
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
