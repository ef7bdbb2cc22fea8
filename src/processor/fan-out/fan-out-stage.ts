import type { StoredDestination } from '../../core/destination.js';
import type { DeliveryQueue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import type { BatchContext } from '../batch-context.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from '../stage.js';
import type { DestinationDirectory } from './destination-directory.js';
import type { FanOut } from './fan-out.js';

/** Hears of each (event, destination) pair fan-out withheld, with the decider's reason. */
export type OnWithheld = (withheld: { workspaceId: string; sourceId: string; destinationId: string; reason: string }) => void;

/**
 * The last stage: for each stored event and each connected destination, the per-destination decision
 * ({@link FanOut}), then one delivery-log write and one queue publish for the whole batch. Never drops the
 * event itself (it is stored); withheld destinations show as `dropped` in the delivery log.
 */
export class FanOutStage implements ProcessorStage {
  readonly name = 'fan-out';

  constructor(
    private readonly deps: { store: Store; queue: Pick<DeliveryQueue, 'publishDeliveries'>; directory: DestinationDirectory; fanOut: FanOut },
    private readonly onDropped: OnWithheld = () => {},
  ) {}

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    const pairs: { item: ProcessingItem; destination: StoredDestination }[] = [];
    // A batch comes from a few sources: their destinations are looked up once each.
    const connectedTo = new Map<string, readonly StoredDestination[]>();
    for (const item of items) {
      let destinations = connectedTo.get(item.sourceId);
      if (!destinations) connectedTo.set(item.sourceId, (destinations = await this.deps.directory.connected(item.workspaceId, item.sourceId)));
      for (const destination of destinations) pairs.push({ item, destination });
    }
    if (pairs.length > 0) {
      const result = await this.deps.fanOut.decide(pairs, Date.now(), batch);
      // Log first: a job's state must exist before the router can update it (where the log reads `queued` from the
      // queue, only the drops are rows: decision 0108).
      await this.deps.store.deliveries.recordFanOut(result.log);
      // Without a row, a job's first delivery may be kept in a delivered run (decision 0109): the router is told so.
      if (this.deps.store.deliveries.queuedFromQueue) for (const job of result.jobs) job.unlogged = true;
      await this.deps.queue.publishDeliveries(result.jobs);
      for (const d of result.dropped) this.onDropped({ workspaceId: d.candidate.item.workspaceId, sourceId: d.candidate.item.sourceId, destinationId: d.candidate.destination.id, reason: d.reason });
    }
    return items.map(() => CONTINUE);
  }
}
