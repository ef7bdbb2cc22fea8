import type { Store } from '../store/store.js';
import type { BatchContext } from './batch-context.js';
import { CONTINUE, drop, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/**
 * Writes the batch's events to the store in one multi-row insert. An event whose messageId this source
 * already sent is dropped as `duplicate` (Segment's dedupe of client retries), except when the queue says the
 * message may have been handed out before (`redelivered`): the previous attempt may have stored the event
 * and failed before its fan-out, so it goes on to the fan-out again (at least once: a destination may see it
 * twice, with the same messageId). Each event is serialized once here, for the store and for fan-out.
 */
export class StoreStage implements ProcessorStage {
  readonly name = 'store';

  constructor(private readonly store: Store) {}

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    const inserted = await this.store.events.insertMany(
      items.map((item) => {
        const json = JSON.stringify(item.event);
        item.json = json;
        return { workspaceId: item.workspaceId, sourceId: item.sourceId, event: item.event, json };
      }),
    );
    // Nothing after this stage writes to the store: its flush can run while fan-out works.
    batch?.flushSoon();
    // The inserted events come back in input order, each with its input's event object.
    let next = 0;
    return items.map((item) => {
      const stored = inserted[next];
      if (stored?.event !== item.event || stored.sourceId !== item.sourceId) return item.message.redelivered ? CONTINUE : drop('duplicate');
      next++;
      item.stored = stored;
      return CONTINUE;
    });
  }
}
