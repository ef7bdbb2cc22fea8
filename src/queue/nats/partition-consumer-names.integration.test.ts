import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../../test/support/nats.js';
import { eventually } from '../../../test/support/start-test-sluice.js';
import type { DeliveryJobRecord } from '../queue.js';
import { JetStreamDeliveryQueue } from './jetstream-delivery-queue.js';
import { jetStreamNames } from './jetstream-names.js';
import { partitionConsumers } from './jetstream-setup.js';

const available = await natsAvailable();
const LEASE_MS = 1500;
const DESTINATION = 'dst_names';

function job(n: number): DeliveryJobRecord {
  return { workspaceId: 'ws_names', destinationId: DESTINATION, sourceId: 'src_names', messageId: `m-${n}`, partitionKey: 'user-1', json: JSON.stringify({ n }), receivedAt: Date.now() };
}

/**
 * Each holding of a partition consumes through a consumer of its own (`<base>-<lease revision>`), and the next holder
 * deletes the previous ones: a pull request the previous holder sent just before letting go addresses a consumer that
 * is gone, so it cannot take a message of the new holder's (which would wait out the 5-minute ack wait while that
 * user's later messages went ahead; a full CI run once saw user-3's events 27 then 3 after a takeover).
 */
describe.runIf(available)('the consumers of a partition across holders', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  it('gives each holding its own consumer and removes the previous holder\'s, and the new holder gets every job in order', async () => {
    const prefix = uniqueQueuePrefix('names');
    cleanup.push(() => deleteStreams(prefix));
    const names = jetStreamNames(prefix);
    const open = async () => {
      const queue = await JetStreamDeliveryQueue.open({ url: TEST_QUEUE_URL, prefix, replicas: 1, ackWaitMs: LEASE_MS, partitions: 1 });
      cleanup.push(() => queue.close());
      return queue;
    };
    const consumersNow = async (queue: JetStreamDeliveryQueue) =>
      (await partitionConsumers(await jetstreamManager(queue.connection), names.deliveriesStream, names.deliveryConsumer(DESTINATION, 0))).map((c) => c.name);
    const signal = new AbortController().signal;

    const first = await open();
    const a = first.deliveryConsumer(DESTINATION);
    await eventually(async () => (await a.fetch(1, { signal, waitMs: 50 }), a.partitions.length === 1 ? true : undefined), 20_000, 50);
    const [ofA] = await consumersNow(first);
    expect(ofA).toMatch(new RegExp(`^${names.deliveryConsumer(DESTINATION, 0)}-\\d+$`));
    await first.close();

    const second = await open();
    const b = second.deliveryConsumer(DESTINATION);
    await eventually(async () => (await b.fetch(1, { signal, waitMs: 50 }), b.partitions.length === 1 ? true : undefined), 20_000, 50);
    const ofB = await consumersNow(second);
    expect(ofB).toHaveLength(1);
    expect(ofB[0]).not.toBe(ofA);

    await second.publishDeliveries([job(1), job(2), job(3)]);
    const got: number[] = [];
    await eventually(async () => {
      const jobs = await b.fetch(10, { signal, waitMs: 100 });
      got.push(...jobs.map((j) => (JSON.parse(j.json!) as { n: number }).n));
      await b.ack(jobs);
      return got.length >= 3 ? true : undefined;
    }, 20_000, 20);
    expect(got).toEqual([1, 2, 3]);
  });
});
