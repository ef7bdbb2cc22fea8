import { parseTime } from '../core/tracking/parse-time.js';
import type { Store } from '../store/store.js';
import type { BatchContext } from './batch-context.js';
import { CONTINUE, drop, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

const MINUTE = 60_000;

/** Events a batch stored of one source, received in one minute (`minute`: its start, epoch ms). */
export interface StoredCount {
  workspaceId: string;
  sourceId: string;
  minute: number;
  count: number;
}

export type OnStored = (count: StoredCount) => void;

/**
 * Writes the batch's events to the store in one multi-row insert. An event whose messageId this source
 * already sent is dropped as `duplicate` (Segment's dedupe of client retries), except when the queue says the
 * message may have been handed out before (`redelivered`): the previous attempt may have stored the event
 * and failed before its fan-out, so it goes on to the fan-out again (at least once: a destination may see it
 * twice, with the same messageId). Each event is serialized once here, for the store and for fan-out.
 */
export class StoreStage implements ProcessorStage {
  readonly name = 'store';

  /** `onStored`: the events a batch stored (not those found stored already), counted per source and minute of receipt. */
  constructor(
    private readonly store: Store,
    private readonly onStored: OnStored = () => {},
  ) {}

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
    const storedBefore: ProcessingItem[] = [];
    const storedNow: ProcessingItem[] = [];
    const outcomes = items.map((item) => {
      const stored = inserted[next];
      if (stored?.event !== item.event || stored.sourceId !== item.sourceId) {
        if (!item.message.redelivered) return drop('duplicate');
        storedBefore.push(item);
        return CONTINUE;
      }
      next++;
      item.stored = stored;
      storedNow.push(item);
      return CONTINUE;
    });
    if (storedBefore.length > 0) await this.findStored(storedBefore);
    if (storedNow.length > 0) this.countStored(storedNow);
    return outcomes;
  }

  /** Reports the items this batch's insert stored per source and minute of receipt. */
  private countStored(items: readonly ProcessingItem[]): void {
    const counts = new Map<string, StoredCount>();
    for (const item of items) {
      // The events of one request share their receivedAt: parseTime parses it once.
      const at = parseTime(item.event.receivedAt);
      const minute = at - (at % MINUTE);
      const key = `${item.sourceId}\u0000${minute}`;
      const count = counts.get(key);
      if (count) count.count++;
      else counts.set(key, { workspaceId: item.workspaceId, sourceId: item.sourceId, minute, count: 1 });
    }
    for (const count of counts.values()) this.onStored(count);
  }

  /**
   * The events of a batch handed out again that an earlier attempt stored: the fan-out names them in their jobs as it
   * does the rest (`stored`), so the embedded delivery log finds their queued jobs by event (decision 0108) and the
   * jobs refer to the stored event. Rare (a crash between the store write and the fan-out): one lookup per such batch.
   */
  private async findStored(items: readonly ProcessingItem[]): Promise<void> {
    const byWorkspace = new Map<string, ProcessingItem[]>();
    for (const item of items) {
      const ofWorkspace = byWorkspace.get(item.workspaceId);
      if (ofWorkspace) ofWorkspace.push(item);
      else byWorkspace.set(item.workspaceId, [item]);
    }
    for (const [workspaceId, ofWorkspace] of byWorkspace) {
      const found = await this.store.events.byKeys(workspaceId, ofWorkspace.map((item) => ({ sourceId: item.sourceId, messageId: item.event.messageId })));
      const byKey = new Map(found.map((e) => [`${e.sourceId}\u0000${e.event.messageId}`, e]));
      for (const item of ofWorkspace) {
        const stored = byKey.get(`${item.sourceId}\u0000${item.event.messageId}`);
        if (stored) item.stored = stored;
      }
    }
  }
}
