import type { FastifyInstance } from 'fastify';
import type { Keys } from '../core/crypto/keys.js';
import type { PrivacyDeps } from '../processor/build-processor.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import type { ApiExtension } from './api-plugin.js';
import { deliveriesApi } from './deliveries-api.js';
import { deliveryAlertsApi } from './delivery-alerts-api.js';
import { destinationPreviewApi } from './destination-preview-api.js';
import { destinationsApi } from './destinations-api.js';
import { destinationTestApi } from './destination-test-api.js';
import { destinationTypesApi } from './destination-types-api.js';
import { pipelineAlertsApi } from './pipeline-alerts-api.js';
import { processesApi } from './processes-api.js';
import { roleAlertsApi } from './role-alerts-api.js';
import { replaysApi } from './replays-api.js';

export interface PipelineApiDeps {
  store: Store;
  keys: Keys;
  changes: ChangeFeed;
  /** The delivery queues (embedded or JetStream); absent in tests without one: retrying one delivery and backlogs answer 503. */
  queue?: Pick<DeliveryQueue, 'publishDeliveries' | 'waiting'>;
  allowPrivate: readonly string[];
  /** The same privacy rules as the processor's fan-out, for replays and retries. */
  privacy?: PrivacyDeps;
}

/** The pipeline's admin resources: destinations, the catalog, test sends, deliveries, retries, replays, request previews, delivery alerts, pipeline alerts and the running processes. */
export function pipelineApi(deps: PipelineApiDeps): ApiExtension {
  return async (app: FastifyInstance) => {
    await app.register(destinationsApi, deps);
    await app.register(deliveriesApi, deps);
    await app.register(replaysApi, deps);
    await app.register(destinationTypesApi);
    await app.register(destinationTestApi, deps);
    await app.register(destinationPreviewApi, deps);
    await app.register(deliveryAlertsApi, deps);
    await app.register(pipelineAlertsApi, deps);
    await app.register(processesApi, deps);
    await app.register(roleAlertsApi, deps);
  };
}
