import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { segmentEvent } from '../../../test/support/segment-events.js';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import type { DeliveryItem, DestinationContext } from '../destination.js';
import { createDestinationHttp, type DestinationHttpClient } from '../http/destination-http.js';
import { webhookDestination } from './webhook.js';

function items(count: number, prefix = 'm'): DeliveryItem[] {
  return Array.from({ length: count }, (_, i) => withJson(segmentEvent({ type: 'track', event: 'Played', messageId: `${prefix}-${i}`, userId: `u-${i % 3}`, properties: { note: 'x'.repeat(100) } })));
}

function withJson(event: SegmentEvent): DeliveryItem {
  return { messageId: event.messageId, event, json: JSON.stringify(event) };
}

/** messageIds of the batches an endpoint took (answered 200), in the order it took them. */
function accepted(received: readonly ReceivedRequest[], limit: number): string[] {
  return received.filter((r) => r.raw.length < limit).flatMap((r) => (r.json as { batch: SegmentEvent[] }).batch.map((e) => e.messageId));
}

/** An endpoint that refuses bodies of `limit` bytes or more with 413, as body-parser's `limit` does. */
const limitedTo = (limit: number, answer: (r: ReceivedRequest) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })) =>
  (r: ReceivedRequest) => (r.raw.length >= limit ? { status: 413, body: 'request entity too large' } : answer(r));

let server: MockServer | undefined;
let http: DestinationHttpClient | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
  await server?.close();
  server = undefined;
});

/** A context with the real guarded client (its timeouts are what the webhook reacts to), closed after the test. */
function guardedContext(): DestinationContext {
  http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });
  return { ...testContext(), http };
}

/** An endpoint that answers 200 after `delayMs` (of the request it got). */
const answerAfter = (delayMs: (r: ReceivedRequest) => number) => async (r: ReceivedRequest) => {
  await new Promise((resolve) => setTimeout(resolve, delayMs(r)));
  return { status: 200 };
};

describe('webhook destination', () => {
  it('POSTs a deletion to the full URL and records it in the certificate without the query values', async () => {
    server = await startMockServer(() => ({ status: 200, body: '{}' }));
    const subject = { workspaceId: 'ws', requestId: 'prq_1', userIds: ['u1'], anonymousIds: [], emails: [] };
    const result = await webhookDestination.deleteSubject!(subject, { url: `${server.url}/erase?api_key=SECRETKEY123` }, testContext());
    expect(server.received[0]!.path).toBe('/erase');
    expect(server.received[0]!.query.get('api_key')).toBe('SECRETKEY123');
    expect(result).toEqual({ kind: 'deleted', detail: `POST ${server.url}/erase answered 2xx` });
  });

  it('sends a custom Content-Type or User-Agent instead of the default, not beside it, and never a custom signature', async () => {
    server = await startMockServer(() => ({ status: 200 }));
    const event = segmentEvent({ type: 'track', event: 'Played', messageId: 'h-1', userId: 'u1' });
    const config = {
      url: `${server.url}/in`,
      signingSecret: 'signing-secret-1',
      // as stored by an earlier version, which did not refuse a signature header when saved
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Billing/2', 'X-Sluice-Signature': 'sha256=forged' },
    };
    expect(await webhookDestination.deliver([withJson(event)], config, testContext())).toEqual({ kind: 'per_item', results: [{ kind: 'ok' }] });
    const received = server.received[0]!;
    // Node keeps the first of repeated content-type / user-agent headers and joins other repeats with ', '
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received.headers['user-agent']).toBe('Billing/2');
    expect(received.headers['x-sluice-signature']).toBe(`sha256=${createHmac('sha256', 'signing-secret-1').update(received.raw).digest('hex')}`);
  });

  it('refuses, when saved, a custom header given twice in different case or named like a signature header', () => {
    const problems = webhookDestination.validateConfig!({ url: 'https://hooks.example/in', headers: { 'X-Key': 'a', 'x-key': 'b', 'X-Sluice-Signature-V2': 'x' } });
    expect(problems).toEqual([
      'headers "X-Key" and "x-key" are the same header (names are case-insensitive); keep one.',
      'header "X-Sluice-Signature-V2" is the signature Sluice computes from signingSecret; remove it (set signingSecret instead).',
    ]);
  });

  it('takes 1,000 events per batched request unless told otherwise, as Segment\'s Webhooks (Actions)', () => {
    expect(webhookDestination.batchSizeOf!({ url: 'https://hooks.example/in', batching: true })).toBe(1000);
    expect(webhookDestination.batchSizeOf!({ url: 'https://hooks.example/in', batching: true, batchSize: 40 })).toBe(40);
    // Without batching a call's events are single requests: 100 per call, so a dead endpoint's timeouts end soon.
    expect(webhookDestination.batchSizeOf!({ url: 'https://hooks.example/in' })).toBe(100);
  });

  it('sends a batch refused with 413 again in halves, in order, and cuts later batches below the refused size', async () => {
    const limit = 2000;
    server = await startMockServer(limitedTo(limit));
    const config = { url: `${server.url}/in`, batching: true };
    const first = items(30);
    const outcome = await webhookDestination.deliver(first, config, testContext());
    expect(outcome).toEqual({ kind: 'per_item', results: first.map(() => ({ kind: 'ok' })) });
    expect(server.received[0]!.raw.length).toBeGreaterThanOrEqual(limit);
    expect(accepted(server.received, limit)).toEqual(first.map((i) => i.messageId));

    // The next batch to that URL is cut below the smallest refused body at once: no request refused, none empty.
    const before = server.received.length;
    const second = items(30, 'n');
    await webhookDestination.deliver(second, config, testContext());
    const later = server.received.slice(before);
    expect(later.every((r) => r.raw.length < limit)).toBe(true);
    // Cut to at least half the limit (about 330 bytes an event here): never one event at a time.
    expect(later.every((r) => (r.json as { batch: unknown[] }).batch.length >= 2)).toBe(true);
    expect(accepted(later, limit)).toEqual(second.map((i) => i.messageId));
  });

  it('fails only the event too large on its own (http_413) and delivers the others', async () => {
    const limit = 2500;
    server = await startMockServer(limitedTo(limit));
    const batch = items(8);
    batch.splice(3, 0, withJson(segmentEvent({ type: 'track', event: 'Uploaded', messageId: 'big', userId: 'u-9', properties: { blob: 'y'.repeat(3000) } })));
    const outcome = await webhookDestination.deliver(batch, { url: `${server.url}/big`, batching: true }, testContext());
    expect(outcome.kind).toBe('per_item');
    const results = outcome.kind === 'per_item' ? outcome.results : [];
    expect(results[3]).toMatchObject({ kind: 'abort', reason: 'http_413' });
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(8);
    expect(accepted(server.received, limit)).toEqual(batch.filter((i) => i.messageId !== 'big').map((i) => i.messageId));
  });

  it('holds the rest of a split batch once a part is to be retried, keeping the endpoint\'s Retry-After', async () => {
    const limit = 2000;
    let taken = 0;
    server = await startMockServer(limitedTo(limit, () => (++taken === 2 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 })));
    const batch = items(30);
    const outcome = await webhookDestination.deliver(batch, { url: `${server.url}/busy`, batching: true }, testContext());
    expect(outcome.kind).toBe('per_item');
    if (outcome.kind !== 'per_item') return;
    const firstRetry = outcome.results.findIndex((r) => r.kind === 'retry');
    expect(firstRetry).toBeGreaterThan(0);
    expect(outcome.results.slice(0, firstRetry).every((r) => r.kind === 'ok')).toBe(true);
    expect(outcome.results.slice(firstRetry).every((r) => r.kind === 'retry' && r.afterMs === 7000)).toBe(true);
    expect(outcome.pause).toMatchObject({ afterMs: 7000 });
    // Nothing was sent after the refused part.
    expect(server.received.filter((r) => r.raw.length < limit)).toHaveLength(2);
  });

  it('says, when a batch times out, how many events it carried and which settings to change', async () => {
    server = await startMockServer(answerAfter(() => 600));
    const context = guardedContext();
    const outcome = await webhookDestination.deliver(items(25), { url: `${server.url}/slow`, batching: true, timeoutMs: 200 }, context);
    // The batch, then its first half (to tell a slow endpoint from one that is down), both timed out.
    expect(outcome.kind).toBe('per_item');
    const results = outcome.kind === 'per_item' ? outcome.results : [];
    expect(results[0]).toMatchObject({ kind: 'retry', reason: 'timeout', error: expect.stringMatching(/timed out after 200 ms with a batch of 1\d events: .*lower the destination's batchSize or raise its timeoutMs/) });
    expect(results[24]).toMatchObject({ kind: 'retry', reason: 'held_for_batch', error: expect.stringMatching(/^not sent: an earlier part of the batch was not delivered \(.*timed out after 200 ms/) });
    // A single event's timeout is only the timeout.
    const single = await webhookDestination.deliver(items(1), { url: `${server.url}/slow`, timeoutMs: 200 }, context);
    expect(single).toMatchObject({ kind: 'per_item', results: [{ kind: 'retry', error: expect.stringMatching(/timed out after 200 ms$/) }] });
  });

  it('tries the first half of a batch that timed out: an endpoint slow for that many events gets smaller requests from then on', async () => {
    // 8 ms per event, answered when done: 120 events take 960 ms, 60 take 480 (the timeout is 700).
    server = await startMockServer(answerAfter((r) => 8 * (r.json as { batch: unknown[] }).batch.length));
    const context = guardedContext();
    const config = { url: `${server.url}/slow-for-many`, batching: true, timeoutMs: 700 };
    const first = items(120, 'a');
    expect(await webhookDestination.deliver(first, config, context)).toEqual({ kind: 'per_item', results: first.map(() => ({ kind: 'ok' })) });
    const sizes = server.received.map((r) => (r.json as { batch: unknown[] }).batch.length);
    expect(sizes[0]).toBe(120);
    expect(sizes.slice(1).reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(60);
    // The next batch goes out at the size that went through: nothing times out.
    const before = server.received.length;
    const second = items(120, 'b');
    expect(await webhookDestination.deliver(second, config, context)).toEqual({ kind: 'per_item', results: second.map(() => ({ kind: 'ok' })) });
    expect(server.received.slice(before).every((r) => (r.json as { batch: unknown[] }).batch.length <= 60)).toBe(true);
  });

  it('retries a batch whole when its first half times out too (an endpoint that is down), and does not shrink later batches', async () => {
    server = await startMockServer(answerAfter(() => 1000));
    const context = guardedContext();
    const config = { url: `${server.url}/down`, batching: true, timeoutMs: 200 };
    const outcome = await webhookDestination.deliver(items(40), config, context);
    expect(outcome.kind).toBe('per_item');
    expect(outcome.kind === 'per_item' && outcome.results.every((r) => r.kind === 'retry')).toBe(true);
    const sizes = server.received.map((r) => (r.json as { batch: unknown[] }).batch.length);
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBe(40);
    expect(sizes[1]).toBeLessThanOrEqual(20);
    await webhookDestination.deliver(items(40), config, context);
    expect(server.received[2]!.json).toMatchObject({ batch: expect.any(Array) });
    expect((server.received[2]!.json as { batch: unknown[] }).batch).toHaveLength(40);
  });

  it('fails deliveries at once, naming the header, when a stored config has headers HTTP cannot send (saved before they were checked)', async () => {
    server = await startMockServer(() => ({ status: 200 }));
    const context = guardedContext();
    for (const batching of [true, false]) {
      const config = { url: `${server.url}/in`, batching, headers: { 'X-Team Id': 'ops' } };
      const outcome = await webhookDestination.deliver(items(3), config, context);
      expect(outcome).toMatchObject({ kind: 'abort', reason: 'invalid_headers', error: expect.stringContaining('"X-Team Id"') });
      expect(JSON.stringify(outcome)).not.toContain('ops');
    }
    const deletion = await webhookDestination.deleteSubject!({ workspaceId: 'ws', requestId: 'prq_1', userIds: ['u1'], anonymousIds: [], emails: [] }, { url: `${server.url}/in`, headers: { 'X-Token': 'a\nb' } }, context);
    expect(deletion).toMatchObject({ kind: 'failed', error: expect.stringContaining('"X-Token"') });
    expect(server.received).toHaveLength(0);
    // What only saving refuses (the same header in two cases) can still be sent: such a stored config keeps delivering.
    const twice = await webhookDestination.deliver(items(1), { url: `${server.url}/in`, headers: { 'X-Team': 'a', 'x-team': 'b' } }, context);
    expect(twice).toEqual({ kind: 'per_item', results: [{ kind: 'ok' }] });
  });
});
