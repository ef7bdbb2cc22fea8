import { describe } from 'vitest';
import { runQueueContract } from '../../../test/contract/queue-contract.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../../test/support/nats.js';
import { JetStreamQueue } from './jetstream-queue.js';

const available = await natsAvailable();
const ACK_WAIT_MS = 1000;

describe.runIf(available)('JetStream queue', () => {
  runQueueContract({
    name: 'jetstream',
    redeliveryMs: ACK_WAIT_MS,
    sharedConsumers: true,
    async open() {
      const prefix = uniqueQueuePrefix('queue');
      return {
        openInstance: () => JetStreamQueue.open({ url: TEST_QUEUE_URL, prefix, replicas: 1, ackWaitMs: ACK_WAIT_MS }),
        destroy: () => deleteStreams(prefix),
        // kill -9: the connection drops, no lease is released, nothing is acknowledged.
        kill: async (queue) => void (await (queue as JetStreamQueue).connection.close()),
      };
    },
  });
});
