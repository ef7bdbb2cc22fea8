import type { InboxMessage } from '../queue/queue.js';
import { BatchContext } from './batch-context.js';
import type { ProcessingItem, ProcessorStage } from './stage.js';

export interface DroppedItem {
  item: ProcessingItem;
  stage: string;
  reason: string;
}

export interface BatchReport {
  processed: number;
  dropped: DroppedItem[];
  survivors: ProcessingItem[];
}

/** A batch whose stages have run, and the flush that makes its store writes durable ({@link Processor.processBatchFlushing}). */
export interface FlushingBatch {
  report: BatchReport;
  /** Resolves once the batch's store writes are on disk; rejects if the flush failed (the batch must be redone). */
  durable: Promise<void>;
}

export interface ProcessorHooks {
  /**
   * Runs first, after the batch was read: brings the stages' cached configuration up to date with every change
   * committed before (ChangeFeed.catchUp), so a change the API made applies to every event accepted after it.
   */
  catchUp?: () => Promise<void>;
  /** Runs last: makes the batch's store writes durable (Store.flushWrites). */
  flush?: () => Promise<void>;
}

/**
 * Runs a batch of inbox messages through an explicit, ordered list of stages. An item a stage drops is
 * not seen by later stages. The order is the architecture: suppression -> identity -> children -> consent
 * -> PII -> store -> fan-out. `catchUp` runs before the first stage. `flush` runs after the last stage, before
 * the batch counts as processed (and the inbox may forget it): the store's writes of the batch are then on
 * disk (Store.flushWrites). A stage may
 * start one earlier (BatchContext.flushSoon: the store stage, so the disk works during fan-out); the end's
 * flush then finds little or nothing left.
 */
export class Processor {
  private readonly flush: () => Promise<void>;
  private readonly catchUp: (() => Promise<void>) | undefined;

  constructor(
    readonly stages: readonly ProcessorStage[],
    hooks: ProcessorHooks = {},
  ) {
    this.flush = hooks.flush ?? (async () => {});
    this.catchUp = hooks.catchUp;
  }

  /**
   * `stillHeld` is asked before each stage: once it says no (the queue's lease on the batch may have expired,
   * and another processor may be handling the same messages), the batch stops there with an error and writes
   * nothing more, so a stale fan-out cannot rewrite the delivery log behind the new holder.
   */
  async processBatch(messages: readonly InboxMessage[], stillHeld: () => boolean = () => true): Promise<BatchReport> {
    const { report, durable } = await this.processBatchFlushing(messages, stillHeld);
    await durable;
    return report;
  }

  /**
   * {@link processBatch} without waiting for the end's flush: resolves once the stages have run, with the flush as
   * `durable`. The embedded inbox starts the next batch while it runs (decision 0110) and acknowledges this one
   * only once it resolved. A stage's error still rejects (the flush is not waited for then).
   */
  async processBatchFlushing(messages: readonly InboxMessage[], stillHeld: () => boolean = () => true): Promise<FlushingBatch> {
    await this.catchUp?.();
    let live: ProcessingItem[] = messages.map((message) => ({
      message,
      workspaceId: message.workspaceId,
      sourceId: message.sourceId,
      event: message.event,
    }));
    const dropped: DroppedItem[] = [];
    const batch = new BatchContext(this.flush);
    for (const stage of this.stages) {
      if (live.length === 0) break;
      if (!stillHeld()) throw new Error(`batch abandoned before the ${stage.name} stage: the inbox no longer holds it for this processor (a partition lease may have expired); the partition's next holder handles it`);
      const outcomes = await stage.run(live, batch);
      if (outcomes.length !== live.length) {
        throw new Error(`stage ${stage.name} returned ${outcomes.length} outcomes for ${live.length} items`);
      }
      const next: ProcessingItem[] = [];
      outcomes.forEach((outcome, i) => {
        const item = live[i]!;
        if (outcome.kind === 'continue') next.push(item);
        else dropped.push({ item, stage: stage.name, reason: outcome.reason });
      });
      live = next;
    }
    const durable = batch.flushAll();
    durable.catch(() => {}); // the caller awaits it
    return { report: { processed: messages.length, dropped, survivors: live }, durable };
  }
}
