import { classifyEvent, compileMatchers, withReviews } from '../core/pii/classify.js';
import { appliedPiiPolicy } from '../core/pii/pii-policy.js';
import { identifierKey, identifiersOfEvent, type LinkedIdentityResolver, type SubjectIdentifier } from '../core/privacy/subject.js';
import { withSensitiveLimit } from '../privacy/destination-privacy.js';
import { graphLinkedIdentities } from '../privacy/graph-linked-identities.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import { RESTRICTED_REASON, RestrictionCheck } from '../privacy/requests/restriction-check.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { SendableJob } from './job-payloads.js';
import type { Store } from '../store/store.js';

/**
 * The last privacy check before a job leaves: which jobs of a batch must no longer be sent (job seq -> drop
 * reason). Jobs wait in a destination's queue (a destination that is down keeps them for hours); a person
 * suppressed or deleted (a deletion keeps a hashed suppression) or restricted meanwhile must not reach it, and
 * the sensitive fields of a person who limited their use meanwhile must not either: the gate replaces such a
 * job's `json` with the event without them (so a retry sends it without them too).
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
 * the job's identifiers or an identity `linked` to one through the identity graph), then a limit on the use of
 * sensitive data (CPRA 1798.121, `limit_sensitive`, linked identities too: the job is sent without the Red and
 * sensitive fields fan-out would have dropped for the person, `withSensitiveLimit`). One lookup of each per
 * workspace and batch (and of the suppressed jobs' events, when there are any; of linked identities, when the
 * workspace has a restriction or a limit; of the privacy configuration and the reviewers' classifications, when a
 * job of the batch is a limited person's).
 */
export function privacyDeliveryGate(
  store: Store,
  privacy: Pick<PrivacyServices, 'suppressions' | 'config'>,
  linked: LinkedIdentityResolver = graphLinkedIdentities(store.identities),
): DeliveryGate {
  const restrictions = new RestrictionCheck(store.subjectData);
  const suppressions = privacy.suppressions;
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
    const open = batch.filter((job) => !withheld.has(job.seq));
    const limited = await restrictions.restrictedEvents(open, (job) => subjectOfJob.get(job)!, linked, 'limit_sensitive');
    await limitSensitiveFields(store, privacy.config, open.filter((_, i) => limited[i]));
    return withheld;
  };
}

/**
 * Rewrites the `json` of jobs of people who limited the use of their sensitive data, as fan-out would have made it.
 * A job that carries its own JSON may hold values the destination's policy hashed, which no value detector
 * recognises any more: its fields are classified from the stored event too (one read per workspace and batch, for
 * such jobs only), so a Red value found only by its value is dropped, not left hashed.
 */
async function limitSensitiveFields(store: Store, config: PrivacyServices['config'], jobs: readonly SendableJob[]): Promise<void> {
  for (const workspaceId of new Set(jobs.map((job) => job.workspaceId))) {
    const mine = jobs.filter((job) => job.workspaceId === workspaceId);
    const settings = await config.get(workspaceId);
    const policy = appliedPiiPolicy(settings.piiPolicy);
    const matchers = compileMatchers(policy.matchers);
    const reviewed = await store.piiInventory.reviewed(workspaceId);
    const carried = mine.filter((job) => job.storedSeq === undefined);
    const stored = new Map(carried.length === 0 ? [] : (await store.events.byKeys(workspaceId, carried)).map((e) => [`${e.sourceId}\u0000${e.event.messageId}`, e.event] as const));
    const classify = (event: SegmentEvent, sourceId: string) => withReviews(classifyEvent(event, matchers), sourceId, reviewed).filter((field) => field.level !== 'none');
    for (const job of mine) {
      const event = JSON.parse(job.json) as SegmentEvent;
      const original = stored.get(`${job.sourceId}\u0000${job.messageId}`);
      const pii = [...classify(event, job.sourceId), ...(original ? classify(original, job.sourceId) : [])];
      const limited = withSensitiveLimit(event, pii, policy, job.destinationId);
      if (limited.changes.length > 0) job.json = JSON.stringify(limited.event);
    }
  }
}
