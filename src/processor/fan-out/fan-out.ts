import type { DeliveryRecord, StoredDestination } from '../../core/destination.js';
import { identifiersOfEvent } from '../../core/privacy/subject.js';
import { parseTime } from '../../core/tracking/parse-time.js';
import type { DeliveryJobRecord } from '../../queue/queue.js';
import type { BatchContext } from '../batch-context.js';
import type { ProcessingItem } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

export interface FanOutResult {
  readonly jobs: DeliveryJobRecord[];
  /** Delivery-log rows: `queued` for each job, `dropped` with the reason for each withheld pair. */
  readonly log: DeliveryRecord[];
  readonly dropped: { readonly candidate: FanOutCandidate; readonly decider: string; readonly reason: string; readonly message?: string }[];
}

/** The ordering key of an event: its profile, else its userId or anonymousId. */
export function partitionKeyOf(item: ProcessingItem): string {
  return String(item.profileId ?? item.event.userId ?? item.event.anonymousId ?? item.event.messageId);
}

/**
 * Runs (event x destination) pairs through the deciders and turns the survivors into delivery jobs. Used by
 * the processor's fan-out stage and by replay and manual retries (one destination).
 */
export class FanOut {
  constructor(readonly deciders: readonly DestinationDecider[]) {}

  async decide(pairs: readonly { item: ProcessingItem; destination: StoredDestination }[], now = Date.now(), batch?: BatchContext): Promise<FanOutResult> {
    let live: FanOutCandidate[] = pairs.map(({ item, destination }) => ({ item, destination, event: item.event }));
    const dropped: FanOutResult['dropped'][number][] = [];
    for (const decider of this.deciders) {
      if (live.length === 0) break;
      const outcomes = await decider.decide(live, batch);
      if (outcomes.length !== live.length) throw new Error(`decider ${decider.name} returned ${outcomes.length} outcomes for ${live.length} candidates`);
      const next: FanOutCandidate[] = [];
      outcomes.forEach((outcome, i) => {
        const candidate = live[i]!;
        if (outcome.kind === 'continue') next.push(candidate);
        else dropped.push({ candidate, decider: decider.name, reason: outcome.reason, ...(outcome.message !== undefined && { message: outcome.message }) });
      });
      live = next;
    }
    const log: DeliveryRecord[] = [];
    const record = (c: FanOutCandidate, status: 'queued' | 'dropped', reason: string | null, message: string | null = null): DeliveryRecord => ({
      workspaceId: c.item.workspaceId,
      destinationId: c.destination.id,
      messageId: c.item.event.messageId,
      sourceId: c.item.sourceId,
      status,
      attempts: 0,
      reason,
      lastError: message,
      updatedAt: now,
    });
    // Destinations that get the same event object (the privacy decider's outgoing copy, shared read-only) share
    // its serialization.
    const jsonOf = new Map<object, string>();
    // The store stage's serialization, for destinations that get the stored event itself.
    for (const c of live) if (c.item.json !== undefined && c.event === c.item.event) jsonOf.set(c.event, c.item.json);
    const serialized = (event: FanOutCandidate['event']): string => {
      let json = jsonOf.get(event);
      if (json === undefined) jsonOf.set(event, (json = JSON.stringify(event)));
      return json;
    };
    const jobs = live.map((c) => {
      log.push(record(c, 'queued', null));
      const job: DeliveryJobRecord = {
        workspaceId: c.item.workspaceId,
        destinationId: c.destination.id,
        sourceId: c.item.sourceId,
        messageId: c.item.event.messageId,
        partitionKey: partitionKeyOf(c.item),
        json: serialized(c.event),
        receivedAt: parseTime(c.item.event.receivedAt),
        subject: identifiersOfEvent(c.event),
      };
      // Set one by one, not spread in: a spread's object per field was a visible share of the fan-out's allocations.
      const stored = c.item.stored;
      if (stored !== undefined) {
        job.eventSeq = stored.seq;
        // The stored event itself leaves (a live event as this batch stored it, or one a replay read back): a queue
        // may keep the reference instead of the JSON.
        if (c.event === c.item.event) job.storedSeq = stored.seq;
      }
      return job;
    });
    for (const d of dropped) log.push(record(d.candidate, 'dropped', d.reason, d.message ?? null));
    return { jobs, log, dropped };
  }
}
