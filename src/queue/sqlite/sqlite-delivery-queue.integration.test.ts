import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDeliveryQueueContract } from '../../../test/contract/delivery-queue-contract.js';
import { SqliteQueue } from './sqlite-queue.js';

runDeliveryQueueContract({
  name: 'sqlite',
  redeliveryMs: 0,
  sharedConsumers: false,
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-contract-'));
    return {
      openInstance: async () => new SqliteQueue(path.join(dir, 'sluice.db')),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
