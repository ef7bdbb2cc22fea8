import { identifierKey, identifiersOfEvent } from '../core/privacy/subject.js';
import { RESTRICTED_REASON, RestrictionCheck } from '../privacy/requests/restriction-check.js';
import type { SuppressionService } from '../privacy/suppression/suppression-service.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { DeliveryJob } from '../queue/queue.js';
import type { Store } from '../store/store.js';

/**
 * The last privacy check before a job leaves: which jobs of a batch must no longer be sent (job seq -> drop
 * reason). Jobs wait in a destination's queue (a destination that is down keeps them for hours); a person
 * suppressed or deleted (a deletion keeps a hashed suppression) or restricted meanwhile must not reach it.
 */
export type DeliveryGate = (jobs: readonly { job: DeliveryJob; event: SegmentEvent }[]) => Promise<ReadonlyMap<number, string>>;

/** Suppression (reason `suppressed`) then restriction (`restricted`), one lookup of each per workspace and batch. */
export function privacyDeliveryGate(store: Store, suppressions: SuppressionService): DeliveryGate {
  const restrictions = new RestrictionCheck(store.subjectData);
  return async (batch) => {
    const withheld = new Map<number, string>();
    const ids = batch.map(({ event }) => identifiersOfEvent(event));
    const restricted = await restrictions.restrictedEvents(batch.map(({ job, event }) => ({ workspaceId: job.workspaceId, event })));
    for (const workspaceId of new Set(batch.map(({ job }) => job.workspaceId))) {
      const mine = batch.flatMap(({ job }, i) => (job.workspaceId === workspaceId ? [i] : []));
      const suppressed = await suppressions.suppressedKeys(workspaceId, mine.flatMap((i) => ids[i]!));
      for (const i of mine) {
        if (ids[i]!.some((id) => suppressed.has(identifierKey(id)))) withheld.set(batch[i]!.job.seq, 'suppressed');
        else if (restricted[i]) withheld.set(batch[i]!.job.seq, RESTRICTED_REASON);
      }
    }
    return withheld;
  };
}
