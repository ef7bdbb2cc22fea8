import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Keys } from '../../src/core/crypto/keys.js';
import type { DestinationType } from '../../src/destinations/destination.js';
import { createDestinationHttp } from '../../src/destinations/http/destination-http.js';
import { JetStreamDeliveryQueue } from '../../src/queue/nats/jetstream-delivery-queue.js';
import type { RetryPolicy } from '../../src/router/retry-policy.js';
import { Router } from '../../src/router/router.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { deleteStreams, TEST_QUEUE_URL, uniqueQueuePrefix } from './nats.js';

/** One router process of a {@link jetStreamRouters} deployment: its own JetStream connection and lanes. */
export interface JetStreamRouterProcess {
  readonly queue: JetStreamDeliveryQueue;
  readonly router: Router;
  stop(): Promise<void>;
}

/**
 * Router processes of a scale deployment in one test: a SQLite store they share, one JetStream prefix (streams
 * deleted afterwards), and `startRouter(name)` starting one more router process whose destination type `type`
 * is `typeFor(name)` (so a test can tell which process made an attempt). Everything started is stopped and
 * removed by the cleanups pushed onto `cleanups` (run them in reverse).
 */
export async function jetStreamRouters(options: {
  readonly name: string;
  readonly type: string;
  readonly typeFor: (router: string) => DestinationType<unknown>;
  readonly policy: RetryPolicy;
  /** Lease and ack wait of the queues: a stopped router's partitions move on within about this long. */
  readonly leaseMs: number;
  readonly laneMaxPending?: number;
  readonly cleanups: (() => Promise<void>)[];
}): Promise<{ store: SqlStore; startRouter(name: string): Promise<JetStreamRouterProcess> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sluice-${options.name}-`));
  const store: SqlStore = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  const prefix = uniqueQueuePrefix(options.name.replace(/[^a-z]/g, ''));
  const http = createDestinationHttp({ allowPrivate: [] });
  const keys = new Keys(`${options.name}-test-secret-key-0123456789abcdef`);
  const logger = pino({ level: 'silent' });
  options.cleanups.push(async () => {
    await http.close();
    await store.close();
    await deleteStreams(prefix);
    rmSync(dir, { recursive: true, force: true });
  });
  const startRouter = async (name: string): Promise<JetStreamRouterProcess> => {
    const queue = await JetStreamDeliveryQueue.open({ url: TEST_QUEUE_URL, prefix, replicas: 1, ackWaitMs: options.leaseMs });
    const type = options.typeFor(name);
    const router = new Router({
      store,
      queue,
      keys,
      http,
      logger,
      policy: options.policy,
      types: (t) => (t === options.type ? type : undefined),
      ...(options.laneMaxPending !== undefined && { laneMaxPending: options.laneMaxPending }),
    });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await router.stop();
      await queue.close();
    };
    options.cleanups.push(stop);
    await router.reload();
    return { queue, router, stop };
  };
  return { store, startRouter };
}
