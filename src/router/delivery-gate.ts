import { identifierKey, identifiersOfEvent, type LinkedIdentityResolver, type SubjectIdentifier } from '../core/privacy/subject.js';
import { graphLinkedIdentities } from '../privacy/graph-linked-identities.js';
import { RESTRICTED_REASON, RestrictionCheck } from '../privacy/requests/restriction-check.js';
import type { SuppressionService } from '../privacy/suppression/suppression-service.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { SendableJob } from './job-payloads.js';
import type { Store } from '../store/store.js';

/**
 * The last privacy check before a job leaves: which jobs of a batch must no longer be sent (job seq -> drop
 * reason). Jobs wait in a destination's queue (a destination that is down keeps them for hours); a person
 * suppressed or deleted (a deletion keeps a hashed suppression) or restricted meanwhile must not reach it.
 */
export type DeliveryGate = (jobs: readonly SendableJob[]) => Promise<ReadonlyMap<number, string>>;

/** The identifiers a job's event names: carried by the job, or read from its JSON (jobs queued by an earlier version). */
function subjectOf(job: SendableJob): SubjectIdentifier[] {
  return job.subject ?? identifiersOfEvent(JSON.parse(job.json) as SegmentEvent);
}

/**
 * The reason of a job whose event is no longer stored: its person was suppressed and erased, or (a job queued by
 * reference, job-payloads.ts) the event was erased or passed retention. Its delivery-log rows went with the
 * event, so the job is dropped without writing a row again.
 */
export const ERASED_REASON = 'erased';

/**
 * Suppression (reason `suppressed`, or `erased` when the event is gone too) then restriction (`restricted`: of
 * the job's identifiers or an identity `linked` to one through the identity graph), one lookup of each per
 * workspace and batch (and of the suppressed jobs' events, when there are any; and of linked identities, when
 * the workspace has a restriction).
 */
export function privacyDeliveryGate(store: Store, suppressions: SuppressionService, linked: LinkedIdentityResolver = graphLinkedIdentities(store.identities)): DeliveryGate {
  const restrictions = new RestrictionCheck(store.subjectData);
  return async (batch) => {
    const withheld = new Map<number, string>();
    const ids = batch.map(subjectOf);
    const subjectOfJob = new Map(batch.map((job, i) => [job, ids[i]!] as const));
    const restricted = await restrictions.restrictedEvents(batch, (job) => subjectOfJob.get(job)!, linked);
    for (const workspaceId of new Set(batch.map((job) => job.workspaceId))) {
      const mine = batch.flatMap((job, i) => (job.workspaceId === workspaceId ? [i] : []));
      const suppressed = await suppressions.suppressedKeys(workspaceId, mine.flatMap((i) => ids[i]!));
      const suppressedJobs: SendableJob[] = [];
      for (const i of mine) {
        if (ids[i]!.some((id) => suppressed.has(identifierKey(id)))) suppressedJobs.push(batch[i]!);
        else if (restricted[i]) withheld.set(batch[i]!.seq, RESTRICTED_REASON);
      }
      if (suppressedJobs.length === 0) continue;
      const present = new Set((await store.events.byKeys(workspaceId, suppressedJobs)).map((e) => `${e.sourceId}\u0000${e.event.messageId}`));
      for (const job of suppressedJobs) withheld.set(job.seq, present.has(`${job.sourceId}\u0000${job.messageId}`) ? 'suppressed' : ERASED_REASON);
    }
    return withheld;
  };
}
