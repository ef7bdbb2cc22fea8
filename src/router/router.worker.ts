import { Keys } from '../core/crypto/keys.js';
import { sleep } from '../core/sleep.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import { openDeliveryQueue, openStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';
import { createLogger } from '../runtime/logger.js';
import { resolveSecretKey } from '../runtime/secret-key.js';
import { runWorker } from '../runtime/worker-runtime.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import { privacyDeliveryGate } from './delivery-gate.js';
import { Router } from './router.js';
import { logQueueTrouble } from '../queue/queue-trouble.js';

/** Destinations are re-read this often even without a change announcement (other processes' API calls). */
const RELOAD_EVERY_MS = 30_000;

runWorker(async ({ data, signal, counters }) => {
  const config = data.config;
  const logger = createLogger(config, 'router');
  // The router writes only delivery states (progress: see openSqliteStore), so it never needs a flush.
  const store = await openStore(config, { migrate: false, commits: 'progress', logger });
  const queue = await openDeliveryQueue(config, { pipeline: true, onError: logQueueTrouble(logger, 'delivery queue', 'warn') });
  const http = createDestinationHttp({ allowPrivate: config.allowPrivateDestinations });
  const changes = new ChangeFeed();
  const keys = new Keys(resolveSecretKey(config));
  const privacy = createPrivacyServices({ store, keys, changes });
  const router = new Router({
    store,
    queue,
    keys,
    gate: privacyDeliveryGate(store, privacy, privacy.linked),
    http,
    logger,
    policy: { baseDelayMs: 1000, maxDelayMs: 5 * 60_000, windowMs: config.deliveryRetryWindowMs },
    observer: {
      onOutcome(destination, status, reason) {
        counters.inc('sluice_deliveries_total', 'Delivery outcomes by destination, status and reason.', { destination_id: destination.id, status, reason: reason ?? '' });
      },
      onRecordFailure(destination) {
        counters.inc('sluice_delivery_log_write_failures_total', 'Failed writes of delivery outcomes to the delivery log, by destination (the destination sends nothing more until a write succeeds).', { destination_id: destination.id });
      },
    },
  });
  changes.subscribe((topic) => {
    if (topic === 'destinations') void router.reload();
  });
  try {
    await router.reload();
    // Per-minute delivery counters are pruned by the jobs role (src/observability/counters-pruner.ts).
    while (!signal.aborted) {
      await sleep(RELOAD_EVERY_MS, signal);
      if (!signal.aborted) await router.reload();
    }
  } finally {
    await router.stop();
    privacy.close();
    changes.close();
    await http.close();
    await queue.close();
    await store.close();
  }
});
