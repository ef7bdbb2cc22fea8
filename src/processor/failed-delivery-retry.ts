import type { StoredDestination } from '../core/destination.js';
import { SluiceError } from '../core/errors.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { Store } from '../store/store.js';
import { buildDeciders, type PrivacyDeps } from './build-processor.js';
import { FanOut } from './fan-out/fan-out.js';
import { requeueToDestination } from './fan-out/replay.js';

/**
 * The retry of one failed delivery: the stored event goes to the destination's queue again, through the same
 * decisions as live traffic (consent, restrictions, filters, PII), and the router sends it as any job. Used by
 * `POST /destinations/:id/deliveries/retry` with a messageId, and by a correction's retry of its failed recipients.
 */
export class FailedDeliveryRetry {
  private readonly fanOut: FanOut;

  constructor(private readonly deps: { store: Store; queue: Pick<DeliveryQueue, 'publishDeliveries'>; privacy?: PrivacyDeps }) {
    this.fanOut = new FanOut(buildDeciders({ store: deps.store, ...(deps.privacy ? { privacy: deps.privacy } : {}) }));
  }

  /**
   * Retries the failed delivery of `messageId` (from `sourceId`, needed when several sources sent that messageId) to
   * `destination`: `not_found` when the log has no delivery of it there, `conflict` when it is not failed, when
   * several sources' deliveries of it failed and no `sourceId` says which, or when the event is no longer stored.
   */
  async retry(workspaceId: string, destination: StoredDestination, messageId: string, sourceId?: string): Promise<{ queued: number; dropped: number }> {
    const { store } = this.deps;
    // One row per source that sent this messageId (at most one event each): a few.
    const rows = await store.deliveries.list({ workspaceId, destinationId: destination.id, messageId, ...(sourceId !== undefined && { sourceId }), limit: 1000 });
    if (rows.length === 0) {
      const from = sourceId !== undefined ? ` from source ${sourceId}` : '';
      throw new SluiceError('not_found', `No delivery of messageId ${JSON.stringify(messageId)}${from} to destination ${destination.id} in the delivery log: check the messageId (GET /api/v1/events/:messageId shows where an event went; GET /api/v1/destinations/${destination.id}/deliveries?status=failed lists the failed ones), or send no messageId to retry every failed delivery.`);
    }
    const candidates = rows.filter((d) => d.status === 'failed');
    const failed = candidates[0];
    if (!failed) {
      const states = rows.map((d) => (rows.length > 1 ? `"${d.status}" (source ${d.sourceId})` : `"${d.status}"`)).join(', ');
      throw new SluiceError('conflict', `Delivery of ${messageId}${sourceId !== undefined ? ` from source ${sourceId}` : ''} to ${destination.id} is ${states}; only failed deliveries can be retried.`);
    }
    if (candidates.length > 1) {
      throw new SluiceError('conflict', `Several sources sent an event with messageId ${messageId} whose delivery to ${destination.id} failed (sources ${candidates.map((d) => d.sourceId).join(', ')}); send sourceId too to say which one to retry.`, { sourceIds: candidates.map((d) => d.sourceId) });
    }
    const matching = await store.events.byKeys(workspaceId, [failed]);
    if (matching.length === 0) throw new SluiceError('conflict', `The event ${messageId} is no longer stored (deleted by a privacy request or retention); its delivery stays failed.`);
    return requeueToDestination({ store, queue: this.deps.queue, fanOut: this.fanOut }, destination, matching);
  }
}
