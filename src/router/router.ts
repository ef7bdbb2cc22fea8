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
  /**
   * After a destination is deleted: when its queue and waiting deliveries are swept again, for what a processor
   * batch already fanning out when it was deleted still queued for it (default 5 s and 60 s; tests shorten it).
   */
  deletedSweepsMs?: readonly number[];
  /** Most jobs each lane holds in memory (default 10,000; tests lower it). */
  laneMaxPending?: number;
}

const DELETED_SWEEPS_MS = [5_000, 60_000];

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
  /** The destinations (enabled or not) the last reload found, by id, with their workspace: one gone since was deleted. */
  private known = new Map<string, string>();
  /** Sweeps still to come after deletions (cancelled on stop). */
  private readonly sweeps = new Set<NodeJS.Timeout>();
  /** Whether the first reload looked for destinations deleted while no router ran. */
  private startSwept = false;

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
    for (const timer of this.sweeps) clearTimeout(timer);
    this.sweeps.clear();
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
        ...(this.deps.laneMaxPending !== undefined ? { maxPending: this.deps.laneMaxPending } : {}),
      });
      this.lanes.set(stored.id, lane);
      this.usedTypes.add(type);
      lane.start();
    }
    // Every lane is of a destination an earlier reload found: the ones gone since were deleted.
    const deleted = [...this.known].filter(([id]) => !seen.has(id));
    for (const [id] of deleted) {
      const lane = this.lanes.get(id);
      this.lanes.delete(id);
      await lane?.stop();
    }
    this.known = new Map(all.map((d) => [d.id, d.workspaceId]));
    for (const [id, workspaceId] of deleted) await this.retire(id, workspaceId);
    if (!this.startSwept) {
      this.startSwept = true;
      await this.sweepDeletedBeforeStart();
    }
  }

  /**
   * Destinations deleted while no router process ran (scale mode: the API deleted one, its jobs stayed queued):
   * their jobs are discarded and their waiting deliveries dropped once, when this router starts.
   */
  private async sweepDeletedBeforeStart(): Promise<void> {
    for (const workspace of await this.deps.store.workspaces.list()) {
      for (const tombstone of await this.deps.store.destinations.tombstones(workspace.id)) {
        if ((await this.deps.queue.waiting(tombstone.id)) > 0) await this.sweepDeleted(tombstone.id, tombstone.workspaceId);
      }
    }
  }

  /**
   * Discards the jobs of a deleted destination (its lane stopped; a disabled one had none). The API dropped its
   * waiting deliveries when it deleted it; what the lane wrote meanwhile (a batch in flight answered `retrying`)
   * is dropped now, and again in the sweeps that follow: a processor batch that was already fanning out when the
   * destination was deleted (the processor reads changes before each batch) may still queue jobs for it, whose
   * deliveries would otherwise stay `queued` and their jobs in the queue for good.
   */
  private async retire(destinationId: string, workspaceId: string): Promise<void> {
    await this.sweepDeleted(destinationId, workspaceId);
    for (const afterMs of this.deps.deletedSweepsMs ?? DELETED_SWEEPS_MS) {
      const timer = setTimeout(() => {
        this.sweeps.delete(timer);
        this.sweepDeleted(destinationId, workspaceId).catch((error: unknown) => {
          this.deps.logger.warn({ err: error, destination: destinationId }, 'could not discard what was queued for a deleted destination');
        });
      }, afterMs);
      timer.unref();
      this.sweeps.add(timer);
    }
  }

  private async sweepDeleted(destinationId: string, workspaceId: string): Promise<void> {
    if (this.stopped) return;
    // Dropped first: where the log reads `queued` from the queue (decision 0108), the jobs are what it drops.
    await this.deps.store.deliveries.dropWaiting(workspaceId, destinationId, destinationDeletedDrop(Date.now()));
    await this.deps.queue.purgeDeliveries(destinationId);
  }
}
