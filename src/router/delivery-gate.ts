import { identifierKey, type SubjectIdentifier } from '../core/privacy/subject.js';
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
export type DeliveryGate = (jobs: readonly DeliveryJob[]) => Promise<ReadonlyMap<number, string>>;

function identifiersOf(event: Pick<SegmentEvent, 'userId' | 'anonymousId'>): SubjectIdentifier[] {
  return [
    ...(typeof event.userId === 'string' && event.userId !== '' ? [{ type: 'userId' as const, value: event.userId }] : []),
    ...(typeof event.anonymousId === 'string' && event.anonymousId !== '' ? [{ type: 'anonymousId' as const, value: event.anonymousId }] : []),
  ];
}

/** Suppression (reason `suppressed`) then restriction (`restricted`), one lookup of each per workspace and batch. */
export function privacyDeliveryGate(store: Store, suppressions: SuppressionService): DeliveryGate {
  const restrictions = new RestrictionCheck(store.subjectData);
  return async (jobs) => {
    const withheld = new Map<number, string>();
    const ids = new Map(jobs.map((job) => [job.seq, identifiersOf(JSON.parse(job.json) as SegmentEvent)]));
    for (const workspaceId of new Set(jobs.map((j) => j.workspaceId))) {
      const mine = jobs.filter((j) => j.workspaceId === workspaceId);
      const all = mine.flatMap((j) => ids.get(j.seq)!);
      if (all.length === 0) continue;
      const suppressed = await suppressions.suppressedKeys(workspaceId, all);
      const restricted = new Set(await restrictions.restrictedAmong(workspaceId, [...new Set(all.map((id) => id.value))]));
      for (const job of mine) {
        const own = ids.get(job.seq)!;
        if (own.some((id) => suppressed.has(identifierKey(id)))) withheld.set(job.seq, 'suppressed');
        else if (own.some((id) => restricted.has(id.value))) withheld.set(job.seq, RESTRICTED_REASON);
      }
    }
    return withheld;
  };
}
