import type { StoredDestination } from '../../core/destination.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { DeliveryQueue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import type { ProcessingItem } from '../stage.js';
import type { FanOut } from './fan-out.js';

/**
 * Sends stored events to one destination again (replay, or a manual retry of failed deliveries), through
 * the same per-destination decisions as live traffic (integrations, consent, filters, PII). Returns how many
 * were queued and how many the decisions withheld.
 */
export async function requeueToDestination(
  deps: { store: Store; queue: Pick<DeliveryQueue, 'publishDeliveries'>; fanOut: FanOut },
  destination: StoredDestination,
  events: readonly StoredEvent[],
): Promise<{ queued: number; dropped: number }> {
  if (events.length === 0) return { queued: 0, dropped: 0 };
  const pairs = events.map((stored) => {
    const item: ProcessingItem = {
      message: { seq: stored.seq, workspaceId: stored.workspaceId, sourceId: stored.sourceId, event: stored.event },
      workspaceId: stored.workspaceId,
      sourceId: stored.sourceId,
      event: stored.event,
      stored,
    };
    return { item, destination };
  });
  const result = await deps.fanOut.decide(pairs);
  await deps.store.deliveries.record(result.log);
  await deps.queue.publishDeliveries(result.jobs);
  return { queued: result.jobs.length, dropped: result.dropped.length };
}
