import type { Logger } from 'pino';
import type { Keys } from '../core/crypto/keys.js';
import { destinationDeletedDrop } from '../core/destination.js';
import { openDestination } from '../destinations/destination-secrets.js';
import type { DestinationHttp, DestinationType } from '../destinations/destination.js';
import { destinationType } from '../destinations/registry.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { Store } from '../store/store.js';
import type { DeliveryGate } from './delivery-gate.js';
import { DestinationLane, type LaneObserver } from './destination-lane.js';
import type { RetryPolicy } from './retry-policy.js';

export interface RouterDeps {
  store: Store;
  queue: DeliveryQueue;
  keys: Keys;
  http: DestinationHttp;
  logger: Logger;
  policy: RetryPolicy;
  observer?: LaneObserver;
  /** The last privacy check before each delivery (see delivery-gate.ts). */
  gate?: DeliveryGate;
  /** Looks a destination type up by name (default: the registry; tests pass their own types). */
  types?: (type: string) => DestinationType<unknown> | undefined;
}

/**
 * Runs one {@link DestinationLane} per enabled destination and keeps the set in step with the store
 * (`reload()` after a change on the ChangeFeed, and periodically): new destinations get a lane, changed
 * ones get the new config, disabled ones stop (their jobs wait), deleted ones stop, their jobs are
 * discarded and their deliveries still queued or retrying are dropped (`destination_deleted`).
 *
 * @example
 *   const router = new Router({ store, queue, keys, http, logger, policy: DEFAULT_RETRY_POLICY });
 *   await router.reload();
 *   changes.subscribe((t) => t === 'destinations' && void router.reload());
 *   // ... on shutdown:
 *   await router.stop();
 */
export class Router {
  private readonly lanes = new Map<string, DestinationLane>();
  /** Every type a lane was started with (closed once each on stop). */
  private readonly usedTypes = new Set<DestinationType<unknown>>();
  private reloading: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: RouterDeps) {}

  /** Re-reads the destinations (calls are serialized). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.doReload()).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'router could not reload destinations');
    });
    return this.reloading;
  }

  lane(destinationId: string): DestinationLane | undefined {
    return this.lanes.get(destinationId);
  }

  /**
   * Stops every lane (in-flight deliveries are aborted; unacknowledged jobs stay queued), then calls `close()`
   * once on each destination type that had a lane (the warehouse's connection pools, ...).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.reloading;
    await Promise.all([...this.lanes.values()].map((lane) => lane.stop()));
    this.lanes.clear();
    for (const type of this.usedTypes) {
      try {
        await type.close?.();
      } catch (error) {
        this.deps.logger.error({ err: error, type: type.type }, 'destination type did not close cleanly');
      }
    }
    this.usedTypes.clear();
  }

  private async doReload(): Promise<void> {
    if (this.stopped) return;
    const all = await this.deps.store.destinations.listAll();
    const seen = new Set<string>();
    for (const stored of all) {
      seen.add(stored.id);
      const existing = this.lanes.get(stored.id);
      const type = (this.deps.types ?? destinationType)(stored.type);
      if (!stored.enabled || !type) {
        if (!type) this.deps.logger.warn({ destination: stored.id, type: stored.type }, 'no such destination type in this build; its jobs wait');
        if (existing) {
          this.lanes.delete(stored.id);
          await existing.stop();
        }
        continue;
      }
      const destination = openDestination(stored, this.deps.keys);
      if (existing) {
        existing.update(destination);
        continue;
      }
      const lane = new DestinationLane(destination, {
        consumer: this.deps.queue.deliveryConsumer(stored.id),
        deliveries: this.deps.store.deliveries,
        events: this.deps.store.events,
        type,
        http: this.deps.http,
        logger: this.deps.logger,
        policy: this.deps.policy,
        ...(this.deps.observer ? { observer: this.deps.observer } : {}),
        ...(this.deps.gate ? { gate: this.deps.gate } : {}),
      });
      this.lanes.set(stored.id, lane);
      this.usedTypes.add(type);
      lane.start();
    }
    for (const [id, lane] of this.lanes) {
      if (seen.has(id)) continue;
      this.lanes.delete(id);
      await this.retire(lane);
    }
  }

  /**
   * Stops the lane of a deleted destination and discards its jobs. The API dropped its waiting deliveries when
   * it deleted it; what the lane wrote meanwhile (a batch in flight answered `retrying`) is dropped now.
   */
  private async retire(lane: DestinationLane): Promise<void> {
    await lane.stop();
    await this.deps.queue.purgeDeliveries(lane.id);
    await this.deps.store.deliveries.dropWaiting(lane.workspaceId, lane.id, destinationDeletedDrop(Date.now()));
  }
}
