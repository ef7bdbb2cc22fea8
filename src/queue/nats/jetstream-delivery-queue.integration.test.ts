import { describe } from 'vitest';
import { runDeliveryQueueContract } from '../../../test/contract/delivery-queue-contract.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../../test/support/nats.js';
import type { DeliveryQueue } from '../queue.js';
import { JetStreamDeliveryQueue } from './jetstream-delivery-queue.js';

const available = await natsAvailable();
/** Lease time of the test routers: a dead router's partitions move on after at most this long. */
const LEASE_MS = 1500;

describe.runIf(available)('JetStream delivery queue', () => {
  runDeliveryQueueContract({
    name: 'jetstream',
    redeliveryMs: LEASE_MS,
    sharedConsumers: true,
    async open() {
      const prefix = uniqueQueuePrefix('dlv');
      return {
        openInstance: () => JetStreamDeliveryQueue.open({ url: TEST_QUEUE_URL, prefix, replicas: 1, ackWaitMs: LEASE_MS }),
        // kill -9: the connection drops, no lease is released, nothing is acknowledged.
        kill: async (queue: DeliveryQueue) => void (await (queue as JetStreamDeliveryQueue).connection.close()),
        destroy: () => deleteStreams(prefix),
      };
    },
  });
});
