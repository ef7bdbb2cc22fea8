import { afterEach, describe, expect, it } from 'vitest';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../../test/support/nats.js';
import { eventually } from '../../../test/support/start-test-sluice.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { Backpressure } from '../../ingest/backpressure.js';
import { JetStreamQueue } from './jetstream-queue.js';

/**
 * NATS out of reach from one process (a network cut, a NATS restart): the queue says so at once, so the
 * Tracking API answers 503 storage_unavailable with Retry-After and /health reports it, and it recovers by
 * itself. The cut is a TCP proxy between the queue and NATS (test/support/tcp-proxy.ts).
 */
const available = await natsAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.runIf(available)('JetStream queue when NATS is out of reach', () => {
  it('says so at once, refuses with 503 storage_unavailable instead of a timeout, and recovers by itself', async () => {
    const prefix = uniqueQueuePrefix('outage');
    cleanups.push(() => deleteStreams(prefix));
    const target = new URL(TEST_QUEUE_URL);
    const forwarder = await TcpProxy.start(target.hostname, Number(target.port || 4222));
    cleanups.push(() => forwarder.close());
    const queue = await JetStreamQueue.open({ url: forwarder.url, prefix, replicas: 1, ackWaitMs: 1000 });
    cleanups.push(() => queue.close());
    const backpressure = new Backpressure(() => queue.inboxBacklog(), 1_000_000, () => queue.unavailable());
    expect(queue.unavailable()).toBeUndefined();
    expect(() => backpressure.check()).not.toThrow();

    forwarder.cut();
    const reason = await eventually(async () => queue.unavailable(), 10_000);
    expect(reason).toMatch(/connection to NATS was lost/);
    expect(() => backpressure.check()).toThrow(expect.objectContaining({ code: 'storage_unavailable', status: 503, details: { retryAfterSeconds: 5 } }));
    // A publish already under way when the connection went (no PubAck): an outage to retry, not an internal error.
    const event = { workspaceId: 'ws', sourceId: 'src', json: JSON.stringify({ type: 'track', event: 'E', userId: 'u1', messageId: 'm1' }), partitionKey: 'u1' };
    await expect(queue.publishInbox([event])).rejects.toMatchObject({ code: 'storage_unavailable', details: { retryAfterSeconds: 5 } });

    forwarder.restore();
    await eventually(async () => (queue.unavailable() === undefined ? true : undefined), 15_000);
    expect(() => backpressure.check()).not.toThrow();
  });
});
