import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import { segment } from './index.js';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Segment destination', () => {
  it('forwards events to /v1/batch with Basic auth and their original messageIds', async () => {
    // Segment's HTTP API: POST /v1/batch, Basic base64(writeKey:), {batch:[...]} under 500 KB.
    server = await startMockServer((r) => {
      if (r.path !== '/v1/batch' || r.headers.authorization !== `Basic ${Buffer.from('wk-down:').toString('base64')}`) return { status: 401, body: { error: 'bad key' } };
      if (r.raw.length > 500 * 1024) return { status: 400, body: { error: 'too large' } };
      return { status: 200, body: { success: true } };
    });
    const items = Array.from({ length: 30 }, (_, i) => item({ type: 'track', userId: 'u', event: 'Big', properties: { pad: 'x'.repeat(20_000), i } }));
    expect(await segment.deliver(items, { writeKey: 'wk-down', baseUrl: server.url }, testContext())).toEqual({ kind: 'ok' });
    expect(server.received.length).toBeGreaterThan(1);
    const forwarded = server.received.flatMap((r) => (r.json as { batch: { messageId: string; receivedAt?: string }[] }).batch);
    expect(forwarded.map((e) => e.messageId)).toEqual(items.map((i) => i.messageId));
    expect(forwarded[0]!.receivedAt).toBeUndefined();
  });

  it('keeps each request under 500 KB in bytes when events hold text outside ASCII', async () => {
    server = await startMockServer((r) => (r.raw.length > 500 * 1024 ? { status: 400, body: { error: 'too large' } } : { status: 200, body: { success: true } }));
    // About 9,000 characters but 27 KB an event (three bytes each): 40 of them are 360,000 characters, 1 MB.
    const items = Array.from({ length: 40 }, (_, i) => item({ type: 'track', userId: 'u', event: 'Review Written', properties: { text: '評'.repeat(9_000), i } }));
    expect(await segment.deliver(items, { writeKey: 'wk-down', baseUrl: server.url }, testContext())).toEqual({ kind: 'ok' });
    expect(server.received.every((r) => r.raw.length <= 500 * 1024)).toBe(true);
    expect(server.received.flatMap((r) => (r.json as { batch: unknown[] }).batch)).toHaveLength(40);
  });

  it('previews with the writeKey masked', async () => {
    const preview = await segment.preview!([item({ type: 'track', userId: 'u', event: 'x' })], { writeKey: 'wk-secret-1' });
    expect(preview.requests[0]!.headers.authorization).toBe('Basic ****');
  });
});
