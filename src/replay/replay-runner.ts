import type { Logger } from 'pino';
import type { StoredDestination } from '../core/destination.js';
import { sleep } from '../core/sleep.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { FanOut } from '../processor/fan-out/fan-out.js';
import { requeueToDestination } from '../processor/fan-out/replay.js';
import type { DeliveryQueue } from '../queue/queue.js';
import { WakeableLoop } from '../runtime/wakeable-loop.js';
import type { Store } from '../store/store.js';
import type { Replay, ReplayProgress } from './replay.js';

export interface ReplayRunnerOptions {
  readonly store: Store;
  readonly queue: Pick<DeliveryQueue, 'publishDeliveries' | 'waiting'>;
  readonly fanOut: FanOut;
  readonly logger: Logger;
  /** How long a claim holds a replay without a write (renewed with every page); default 60 s. */
  readonly leaseMs?: number;
  /** How often to look for replays no process holds, when nothing woke the loop; default 5 s. */
  readonly pollMs?: number;
  /** Jobs a destination may have waiting before a replay waits for it to catch up; default 20,000. */
  readonly maxWaiting?: number;
  /** Events read per page; default 1,000. */
  readonly pageSize?: number;
}

/** How running a held replay ended: finished (completed or failed), or no longer this process's to run. */
export type ReplayRunEnd = 'completed' | 'failed' | 'released' | 'lost';

const PACING_MS = 250;

/**
 * Runs replays in the background (the `jobs` role's replays thread, replay.worker.ts): claims a running replay
 * no process holds, reads it a page at a time after its position (`nextPage`), sends each page through the
 * destination's decisions into its delivery queue, and saves the progress with each page. A destination
 * with `maxWaiting` jobs already waiting is left to catch up first, so a replay of months never floods the
 * queue. A replay a process stops running (shutdown, outage, crash) is carried on by whichever process
 * claims it next; a page whose progress was not saved is sent again (destinations see the same messageId).
 */
export class ReplayRunner extends WakeableLoop {
  constructor(private readonly options: ReplayRunnerOptions) {
    super({ pollMs: options.pollMs ?? 5_000, onError: (error) => options.logger.error({ err: error }, 'replay runner failed; retrying shortly') });
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 60_000;
  }

  /** Runs one replay no process holds; false when there was none. */
  protected override async step(): Promise<boolean> {
    const replay = await this.options.store.replays.claim(Date.now(), this.leaseMs);
    if (!replay) return false;
    await this.run(replay);
    return true;
  }

  /**
   * Runs a replay this process holds the lease of (`replay.leaseUntil`) until it is finished, cancelled,
   * taken over, or this runner stops (then the lease is released, so the next claim carries on at once).
   * An outage is thrown after releasing the lease. `onProgress` sees the progress after each page.
   */
  async run(replay: Replay, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayRunEnd> {
    const { store, queue, fanOut } = this.options;
    const pageSize = this.options.pageSize ?? 1000;
    const maxWaiting = this.options.maxWaiting ?? 20_000;
    let held = replay.leaseUntil ?? 0;
    let progress: ReplayProgress = { read: replay.read, queued: replay.queued, dropped: replay.dropped, afterSeq: replay.afterSeq, cursor: replay.cursor };
    const renew = async (): Promise<boolean> => {
      const now = Date.now();
      const next = Math.max(now + this.leaseMs, held + 1);
      if (!(await store.replays.advance(replay.id, held, progress, next, now))) return false;
      held = next;
      return true;
    };
    // Gives the replay back (its lease expires now): the next process to claim it carries on without waiting.
    const release = () => store.replays.advance(replay.id, held, progress, Date.now() - 1, Date.now());
    // A write refused: cancelled meanwhile (or taken over). A cancelled replay still counts the page queued before it.
    const lost = async (): Promise<'lost'> => {
      await store.replays.noteCancelledProgress(replay.id, progress, Date.now());
      return 'lost';
    };
    const finish = async (outcome: { status: 'completed' | 'failed'; error?: string }): Promise<ReplayRunEnd> => {
      if (!(await store.replays.finish(replay.id, held, outcome, progress, Date.now()))) return lost();
      this.options.logger.info({ replayId: replay.id, destinationId: replay.destinationId, status: outcome.status, ...progress }, 'replay finished');
      return outcome.status;
    };
    try {
      for (;;) {
        if (this.signal.aborted) {
          await release();
          return 'released';
        }
        const destination: StoredDestination | undefined = await store.destinations.get(replay.workspaceId, replay.destinationId);
        if (!destination) return await finish({ status: 'failed', error: 'The destination was deleted while the replay ran.' });
        if ((await queue.waiting(destination.id)) >= maxWaiting) {
          if (!(await renew())) return 'lost';
          await sleep(PACING_MS, this.signal);
          continue;
        }
        const page = await this.nextPage(replay, progress, destination, pageSize);
        if (page.read === 0) return await finish({ status: 'completed' });
        const sent = await requeueToDestination({ store, queue, fanOut }, destination, page.events);
        progress = { ...progress, ...page.position, read: progress.read + page.read, queued: progress.queued + sent.queued, dropped: progress.dropped + sent.dropped };
        if (page.read < pageSize) return await finish({ status: 'completed' });
        if (!(await renew())) return await lost();
        onProgress?.(progress);
        // The store's calls may all complete without returning to the event loop: let timers and messages in.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      await release().catch(() => false);
      throw error;
    }
  }

  /**
   * The next page of a replay after its position: the events to send (in seq order), how many rows it read,
   * and the position after them. A `range` replay reads stored events of its range after `afterSeq`; a
   * `failed` replay reads the destination's failed deliveries in the order they failed (oldest first, those
   * failed before it was asked for; per user, the order their events were sent in) after `cursor`, and sends
   * their stored events (a failed delivery whose event is gone stays failed).
   */
  private async nextPage(replay: Replay, at: ReplayProgress, destination: StoredDestination, pageSize: number): Promise<{ events: StoredEvent[]; read: number; position: Partial<ReplayProgress> }> {
    const { store } = this.options;
    const { range } = replay;
    if (replay.kind === 'failed') {
      // As of when it was asked for: rows failed before then (a delivery failing again meanwhile is not read twice).
      const asked = { updatedAt: range.to, messageId: '' };
      const newestFirst = at.cursor !== null && at.cursor.oldestFirst !== true;
      const failed = await store.deliveries.list({
        workspaceId: replay.workspaceId,
        destinationId: destination.id,
        status: 'failed',
        ...(newestFirst ? { before: at.cursor! } : { before: asked, ...(at.cursor && { after: at.cursor }), order: 'oldest-first' as const }),
        limit: pageSize,
      });
      if (failed.length === 0) return { events: [], read: 0, position: {} };
      // Deliveries that failed together (one batch's outcome, one updated_at) are read in one page: the log orders
      // them by messageId, not by the order they were sent in, so a page boundary inside the group sent a user's
      // later events before earlier ones. Each page is sent in seq order (byKeys).
      if (!newestFirst && failed.length === pageSize) {
        const groupAt = failed[failed.length - 1]!.updatedAt;
        for (;;) {
          const tail = failed[failed.length - 1]!;
          const more = await store.deliveries.list({
            workspaceId: replay.workspaceId,
            destinationId: destination.id,
            status: 'failed',
            after: { updatedAt: tail.updatedAt, messageId: tail.messageId, sourceId: tail.sourceId },
            before: { updatedAt: groupAt + 1, messageId: '' },
            order: 'oldest-first',
            limit: pageSize,
          });
          failed.push(...more);
          if (more.length < pageSize) break;
        }
      }
      const last = failed[failed.length - 1]!;
      return {
        events: await store.events.byKeys(replay.workspaceId, failed),
        read: failed.length,
        position: { cursor: { updatedAt: last.updatedAt, messageId: last.messageId, sourceId: last.sourceId, ...(!newestFirst && { oldestFirst: true as const }) } },
      };
    }
    const events = await store.events.query({
      workspaceId: replay.workspaceId,
      from: range.from,
      to: range.to,
      ...(range.event !== undefined && { event: range.event }),
      ...(range.type !== undefined && { type: range.type }),
      ...(range.sourceId !== undefined && { sourceId: range.sourceId }),
      afterSeq: at.afterSeq,
      ascending: true,
      limit: pageSize,
    });
    if (events.length === 0) return { events: [], read: 0, position: {} };
    return {
      // Events of sources not connected to the destination are read, not sent.
      events: events.filter((e) => destination.sourceIds === null || destination.sourceIds.includes(e.sourceId)),
      read: events.length,
      position: { afterSeq: events[events.length - 1]!.seq },
    };
  }
}
