import { Keys } from '../core/crypto/keys.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import { buildDeciders } from '../processor/build-processor.js';
import { FanOut } from '../processor/fan-out/fan-out.js';
import { openDeliveryQueue, openStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';
import { createLogger } from '../runtime/logger.js';
import { resolveSecretKey } from '../runtime/secret-key.js';
import { runWorker } from '../runtime/worker-runtime.js';
import { ReplayRunner } from './replay-runner.js';
import { logQueueTrouble } from '../queue/queue-trouble.js';

/**
 * The `jobs` role's replay runner, in a thread of its own: a replay reads, judges and queues tens of thousands
 * of events a second, which on the main thread would hold up the Tracking API and the admin API meanwhile.
 * Woken by the `replays` change (an API call asked for one, in this process or, through NATS, another).
 */
runWorker(async ({ data, signal }) => {
  const config = data.config;
  const logger = createLogger(config, 'replays');
  const store = await openStore(config, { migrate: false, logger });
  const queue = await openDeliveryQueue(config, { onError: logQueueTrouble(logger, 'delivery queue', 'warn') });
  const keys = new Keys(resolveSecretKey(config));
  const changes = new ChangeFeed({ versions: store.configVersions });
  const privacy = createPrivacyServices({ store, keys, changes });
  const runner = new ReplayRunner({ store, queue, fanOut: new FanOut(buildDeciders({ store, privacy: { services: privacy, keys } })), logger });
  const unsubscribe = changes.subscribe((topic) => topic === 'replays' && runner.wake());
  runner.start();
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    unsubscribe();
    await runner.stop();
    privacy.close();
    changes.close();
    await queue.close();
    await store.close();
  }
});
