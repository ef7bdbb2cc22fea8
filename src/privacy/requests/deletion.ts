import { setImmediate as yieldToIngest } from 'node:timers/promises';
import type { Keys } from '../../core/crypto/keys.js';
import type { DeletionResult, DeletionSubject } from '../../destinations/destination.js';
import { readPrivacySettings } from '../../core/privacy/privacy-settings.js';
import type { Store } from '../../store/store.js';
import { signCertificate, type DeletionCertificate, type DestinationDeletion, type SystemDeletion } from './certificate.js';
import type { DeletionTarget, ExecutorPorts } from './ports.js';
import type { PrivacyRequest } from './request.js';
import type { ReceiptHour } from './subject-data.js';
import { CONSENT_SUBJECT_PURPOSE } from '../consent/consent-ledger.js';
import { identifiersOf, resolveSubject, subjectIdentifiers, type ResolvedSubject } from './subject.js';

/** Events deleted per statement: small enough that ingest's writes interleave (each batch its own commit). */
export const DELETE_BATCH = 2_000;
const DESTINATION_ATTEMPTS = 3;
/** How long a destination answering "retry" is tried again before the deletion fails (the router's default). */
export const DEFAULT_FORWARDING_WINDOW_MS = 4 * 3_600_000;
/** First wait before a new round for destinations still answering "retry"; doubles up to the maximum. */
const ROUND_DELAY_MS = 30_000;
const MAX_ROUND_DELAY_MS = 30 * 60_000;

export interface DeletionDeps {
  readonly store: Store;
  readonly keys: Keys;
  readonly ports: ExecutorPorts;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  /** Pause between destination retries within one round (tests shorten it). */
  readonly retryDelayMs?: (attempt: number, afterMs: number | undefined) => number;
  /** How long destinations answering "retry" are tried again, over rounds (default 4 h). */
  readonly forwardingWindowMs?: number;
  /** First wait before another round for destinations that answered "retry" (default 30 s, doubling to 30 min). */
  readonly roundDelayMs?: number;
  /** Saves the resumable state with the request (the executor holds its lease). */
  readonly checkpoint?: (state: DeletionState) => Promise<void>;
  /** How long to wait for the pipeline to process what it had received (default PIPELINE_WAIT_MS). */
  readonly pipelineWaitMs?: number;
}

/**
 * What a deletion has done so far, kept with the request while it runs: once the internal stores are erased,
 * the identity graph that named the subject's identifiers is gone, so a later round (or an admin's retry)
 * forwards to destinations with these identifiers instead of resolving them again.
 */
export interface DeletionState {
  readonly kind: 'sluice.deletion-state/v1';
  readonly phase: 'erasing' | 'forwarding';
  readonly subject: { readonly userIds: readonly string[]; readonly anonymousIds: readonly string[]; readonly emails: readonly string[] };
  readonly systems: readonly SystemDeletion[];
  readonly suppression?: DeletionCertificate['suppression'];
  /** Final answers so far (deleted, submitted, not_supported, failed), by destination. */
  readonly destinations: readonly DestinationDeletion[];
  /**
   * Destinations (by id) that had received the subject's data, read before the erasure deleted the delivery-log
   * rows that showed it: a deleted one among them is listed in the certificate as not notified. Absent in a
   * state saved by an earlier version.
   */
  readonly recipients?: readonly string[];
  /**
   * True when the workspace forwards deletions to recipients only and the delivery log could tell every
   * destination that received the subject's data (their events are all stored: first seen after the
   * workspace's events were last pruned, see {@link forwardsToRecipientsOnly}); the deletion is then forwarded to
   * `recipients` only, and the others are listed as `not_recipient`. Absent or false: forwarded to every
   * destination that can delete (the default, and in a state saved by an earlier version).
   */
  readonly recipientsOnly?: boolean;
  /**
   * Per destination id, the sources and hours of receipt of the subject's events it may have received, read with
   * `recipients` before the erasure, when the delivery log holds every event of the subject
   * ({@link logNamesRecipients}): passed to `deleteSubject` as `receiptHours` (the S3 archive reads only those
   * folders). Absent when the log cannot tell, and in a state saved by an earlier version: the type looks everywhere.
   */
  readonly receiptHours?: Readonly<Record<string, readonly ReceiptHour[]>>;
  /** When forwarding started (the retry window counts from here); absent until it does. */
  readonly forwardingSince?: number;
  readonly rounds: number;
}

export type DeletionOutcome =
  /** Finished: the certificate, and what failed when something did (the request then ends `failed`). */
  | { readonly kind: 'done'; readonly certificate: DeletionCertificate; readonly failure: string | undefined }
  /** Some destinations answered "retry": run again after `afterMs` (the state is checkpointed). */
  | { readonly kind: 'pending'; readonly afterMs: number; readonly reason: string };

const iso = (ms: number) => new Date(ms).toISOString();

function stateOf(request: PrivacyRequest): DeletionState | undefined {
  const state = request.workState as Partial<DeletionState> | undefined;
  return state && state.kind === 'sluice.deletion-state/v1' ? (state as DeletionState) : undefined;
}

/**
 * Erases a data subject: first keeps a hashed suppression entry (unless the request says not to), so the
 * subject's new events stop, and waits until the pipeline has processed what it had received; then events
 * (batched), profile and identity links, restrictions; forwards the deletion to every destination that can
 * delete, retrying those that answer "retry" over rounds within the forwarding window, and lists each deleted
 * destination that had received the subject's data as not notified; re-scans every store and signs a
 * certificate of what it found. Resumable: the state after each phase is checkpointed.
 */
export async function eraseSubject(deps: DeletionDeps, request: PrivacyRequest): Promise<DeletionOutcome> {
  const now = deps.now ?? Date.now;
  let state = stateOf(request);
  if (!state || state.phase === 'erasing') state = await eraseInternal(deps, request, state);

  const forwardingSince = state.forwardingSince ?? now();
  const targets = (await deps.ports.deletionTargets?.list(request.workspaceId)) ?? [];
  const answered = new Map(state.destinations.map((d) => [d.destinationId, d]));
  const pending: { target: DeletionTarget; error: string }[] = [];
  for (const target of targets) {
    if (answered.has(target.destinationId)) continue;
    if (target.deletedAt !== undefined) {
      if (state.recipients?.includes(target.destinationId)) answered.set(target.destinationId, notNotified(target, target.deletedAt, now()));
      continue;
    }
    if (state.recipientsOnly === true && !state.recipients?.includes(target.destinationId)) {
      answered.set(target.destinationId, notRecipient(target, now()));
      continue;
    }
    const answer = await forwardOne(deps, request, state, target);
    if ('retry' in answer) pending.push({ target, error: answer.retry });
    else answered.set(target.destinationId, answer);
  }
  const rounds = state.rounds + 1;
  const window = deps.forwardingWindowMs ?? DEFAULT_FORWARDING_WINDOW_MS;
  if (pending.length > 0 && now() - forwardingSince < window) {
    state = { ...state, phase: 'forwarding', destinations: [...answered.values()], forwardingSince, rounds };
    await deps.checkpoint?.(state);
    const afterMs = Math.min((deps.roundDelayMs ?? ROUND_DELAY_MS) * 2 ** (rounds - 1), MAX_ROUND_DELAY_MS);
    return { kind: 'pending', afterMs, reason: `waiting to retry the deletion at ${pending.map((p) => `${p.target.name} (${p.error})`).join('; ')}` };
  }
  for (const { target, error } of pending) {
    answered.set(target.destinationId, { destinationId: target.destinationId, name: target.name, type: target.type, outcome: 'failed', detail: `gave up after ${rounds} round(s) of ${DESTINATION_ATTEMPTS} attempts over ${Math.round((now() - forwardingSince) / 60_000)} min: ${error}`, attempts: rounds * DESTINATION_ATTEMPTS, at: iso(now()) });
  }
  // In the order of the workspace's destinations, then any answered earlier by one removed since.
  const order = new Map(targets.map((t, i) => [t.destinationId, i]));
  const destinations = [...answered.values()].sort((a, b) => (order.get(a.destinationId) ?? targets.length) - (order.get(b.destinationId) ?? targets.length));
  const { systems } = state;
  const residual = systems.reduce((sum, s) => sum + s.residual, 0);
  const failedDestinations = destinations.filter((d) => d.outcome === 'failed');
  const failure =
    residual > 0
      ? `the verification scan found ${residual} row(s) of the subject left (${systems.filter((s) => s.residual > 0).map((s) => `${s.system}: ${s.residual}`).join(', ')})`
      : failedDestinations.length > 0
        ? `deletion failed at ${failedDestinations.map((d) => `${d.name} (${d.detail})`).join('; ')}`
        : undefined;
  // A retry of a failed request forwards again to the destinations that failed, with the same identifiers.
  if (failure) {
    const { forwardingSince: _since, ...rest } = state;
    await deps.checkpoint?.({ ...rest, phase: 'forwarding', destinations: destinations.filter((d) => d.outcome !== 'failed'), rounds: 0 });
  }
  const identifiers = [...state.subject.userIds, ...state.subject.anonymousIds, ...state.subject.emails];
  const certificate = signCertificate(deps.keys, {
    kind: 'sluice.deletion-certificate/v1',
    requestId: request.id,
    workspaceId: request.workspaceId,
    regulation: request.regulation,
    receivedAt: iso(request.receivedAt),
    issuedAt: iso(now()),
    subjectHashes: identifiers.map((id) => deps.keys.pseudonym(id, 'deletion-certificate')).sort(),
    systems,
    destinations,
    suppression: state.suppression ?? { kept: false, hashedIdentifiers: 0, detail: 'not recorded' },
    verified: failure === undefined,
  });
  return { kind: 'done', certificate, failure };
}

/** Deletes the subject from Sluice's own stores and re-scans them; checkpoints before and after. */
async function eraseInternal(deps: DeletionDeps, request: PrivacyRequest, previous: DeletionState | undefined): Promise<DeletionState> {
  const now = deps.now ?? Date.now;
  const { store } = deps;
  const ws = request.workspaceId;
  const resolved = await resolveSubject(store.identities, ws, request.subject);
  // A run interrupted mid-erasure resumes with the identifiers it had found (the graph may be half gone).
  const merge = (a: readonly string[], b: readonly string[] | undefined) => [...new Set([...a, ...(b ?? [])])];
  const subject: ResolvedSubject = {
    profileIds: resolved.profileIds,
    userIds: merge(resolved.userIds, previous?.subject.userIds),
    anonymousIds: merge(resolved.anonymousIds, previous?.subject.anonymousIds),
    emails: merge(resolved.emails, previous?.subject.emails),
  };
  const plain = { userIds: subject.userIds, anonymousIds: subject.anonymousIds, emails: subject.emails };
  // Read before the erasure deletes the delivery-log rows and profiles that show them. A run resumed from a
  // state without `recipientsOnly` (an earlier version, or the graph half gone) forwards to every destination.
  let recipients = merge(await recipientsOf(deps, ws, subject), previous?.recipients);
  const recipientsOnly = previous ? previous.recipientsOnly === true : await forwardsToRecipientsOnly(deps, ws, subject);
  // Only when the log holds all of the subject's events, and never from a resumed run without them (the rows
  // erased already would be missing).
  const hoursKnown = previous ? previous.receiptHours !== undefined : await logNamesRecipients(deps, ws, subject);
  let receiptHours = hoursKnown ? mergeHours(await store.subjectData.receiptHoursReached(ws, subject), previous?.receiptHours) : undefined;
  await deps.checkpoint?.({ kind: 'sluice.deletion-state/v1', phase: 'erasing', subject: plain, systems: [], destinations: [], recipients, recipientsOnly, ...(receiptHours && { receiptHours }), rounds: 0 });
  const identifiers = identifiersOf(subject);
  const systems: SystemDeletion[] = [];

  // First the subject's new events stop: from the suppression on, the processor drops them. Then the erasure
  // waits until the pipeline has processed everything received before that moment, so a batch that was past
  // its suppression check already cannot store the subject's events or links after they are erased below.
  // (Without a suppression to keep, the erasure covers what was received before it began.)
  const suppression = await keepSuppression(deps, request, subject, identifiers.length);
  await pipelinePassed(deps);
  // The inbox keeps each request as received (decision 0004) until the processor truncates it in its own time:
  // the processed ones go now, so no copy of the subject's events outlives their erasure there.
  await deps.ports.progress?.forgetProcessed();
  // What the pipeline routed meanwhile (the subject's last events, when no suppression holds them back).
  recipients = merge(recipients, await recipientsOf(deps, ws, subject));
  if (receiptHours) receiptHours = mergeHours(await store.subjectData.receiptHoursReached(ws, subject), receiptHours);

  // Events: batches, yielding between them so ingest and the processor keep their turn at the database.
  const eventsFound = await store.subjectData.countEvents(ws, subject);
  let eventsDeleted = 0;
  // Their delivery-log rows go with each batch (found and deleted together, checked right after).
  const deliveryLog = { deleted: 0, left: 0 };
  for (;;) {
    deps.signal.throwIfAborted();
    const batch = await store.subjectData.deleteEventBatch(ws, subject, DELETE_BATCH);
    if (batch.events === 0) break;
    eventsDeleted += batch.events;
    deliveryLog.deleted += batch.deliveryRows;
    deliveryLog.left += batch.deliveryRowsLeft;
    await yieldToIngest();
  }
  const eventsDeletedAt = now();
  systems.push({ system: 'events', found: eventsFound, deleted: eventsDeleted, deletedAt: iso(eventsDeletedAt), residual: await store.subjectData.countEvents(ws, subject), verifiedAt: iso(now()), ...(deps.ports.files && { note: SECURE_DELETION_NOTE }) });
  systems.push({ system: 'delivery_log', found: deliveryLog.deleted + deliveryLog.left, deleted: deliveryLog.deleted, deletedAt: iso(eventsDeletedAt), residual: deliveryLog.left, verifiedAt: iso(eventsDeletedAt) });

  // The identity graph: profiles and every identifier linked to them.
  const linksFound = await store.subjectData.countIdentityLinks(ws, subject.profileIds);
  const profilesFound = await store.subjectData.countProfiles(ws, subject.profileIds);
  for (const profileId of subject.profileIds) await store.identities.deleteProfile(ws, profileId);
  const graphDeletedAt = now();
  // A fresh lookup by every identifier: a link written meanwhile (an event in flight) would show here.
  const rescanned = await resolveSubject(store.identities, ws, request.subject);
  systems.push({ system: 'profiles', found: profilesFound, deleted: profilesFound - (await store.subjectData.countProfiles(ws, subject.profileIds)), deletedAt: iso(graphDeletedAt), residual: (await store.subjectData.countProfiles(ws, subject.profileIds)) + rescanned.profileIds.length, verifiedAt: iso(now()) });
  systems.push({ system: 'identity_links', found: linksFound, deleted: linksFound - (await store.subjectData.countIdentityLinks(ws, subject.profileIds)), deletedAt: iso(graphDeletedAt), residual: await store.subjectData.countIdentityLinks(ws, [...subject.profileIds, ...rescanned.profileIds]), verifiedAt: iso(now()) });

  // Restrictions and sensitive-data limits name the subject in clear; the (hashed) suppression replaces them.
  const typed = subjectIdentifiers(subject);
  const restrictionsFound = await store.subjectData.countRestrictions(ws, typed);
  const restrictionsDeleted = (await store.subjectData.removeRestriction(ws, 'restrict', typed)) + (await store.subjectData.removeRestriction(ws, 'limit_sensitive', typed));
  systems.push({ system: 'restrictions', found: restrictionsFound, deleted: restrictionsDeleted, deletedAt: iso(now()), residual: await store.subjectData.countRestrictions(ws, typed), verifiedAt: iso(now()) });

  // Consent records stay as proof that consent was asked and given (GDPR Art. 7(1)), but no longer name the person.
  const named = subjectIdentifiers(subject);
  const consentFound = await store.consent.countNamed(ws, named);
  const consentKept = await store.consent.pseudonymize(ws, named, (s) => `~${deps.keys.pseudonym(`${s.type}:${s.value}`, CONSENT_SUBJECT_PURPOSE)}`);
  const consentLeft = await store.consent.countNamed(ws, named);
  systems.push({ system: 'consent_ledger', found: consentFound, deleted: consentFound - consentLeft, deletedAt: iso(now()), residual: consentLeft, verifiedAt: iso(now()), note: `${consentKept} ledger entries kept as proof of consent (GDPR Art. 7(1)) under a keyed pseudonym instead of the identifier; current states deleted` });
  // Flags such as "child" (with the age that showed it): the suppression keeps the person out from now on.
  const flagsFound = (await store.subjectFlags.list(ws, named)).length;
  const flagsDeleted = await store.subjectFlags.remove(ws, named);
  systems.push({ system: 'subject_flags', found: flagsFound, deleted: flagsDeleted, deletedAt: iso(now()), residual: (await store.subjectFlags.list(ws, named)).length, verifiedAt: iso(now()) });

  const state: DeletionState = { kind: 'sluice.deletion-state/v1', phase: 'forwarding', subject: plain, systems, suppression, destinations: [], recipients, recipientsOnly, ...(receiptHours && { receiptHours }), rounds: 0 };
  await deps.checkpoint?.(state);
  return state;
}

/**
 * The certificate's `events` entry on embedded files (`ports.files`): deleted rows are zeroed in the files
 * (secure_delete), and their write-ahead logs, which may still hold page images from before, are emptied once
 * the request is recorded as complete (by the executor: the request's own work state names the person until
 * then). Decision 0403.
 */
const SECURE_DELETION_NOTE = 'deleted rows overwritten with zeros in the database files (SQLite secure_delete); their write-ahead logs are emptied once this request is recorded as complete';

/**
 * The destinations, configured or deleted, that may hold some of the subject's data by the delivery log (joined
 * to the subject's events): delivered, in flight, or failed after an attempt. Read before the erasure deletes both.
 */
async function recipientsOf(deps: DeletionDeps, workspaceId: string, subject: ResolvedSubject): Promise<string[]> {
  return [...(await deps.store.subjectData.destinationsReached(workspaceId, subject))];
}

/** The receipt hours per destination of both, without duplicates. */
function mergeHours(found: ReadonlyMap<string, readonly ReceiptHour[]>, previous: Readonly<Record<string, readonly ReceiptHour[]>> | undefined): Record<string, ReceiptHour[]> {
  const byDestination = new Map<string, Map<string, ReceiptHour>>();
  for (const [destinationId, hours] of [...Object.entries(previous ?? {}), ...found]) {
    const of = byDestination.get(destinationId) ?? new Map<string, ReceiptHour>();
    for (const h of hours) of.set(`${h.sourceId}\u0000${h.hour}`, h);
    byDestination.set(destinationId, of);
  }
  return Object.fromEntries([...byDestination].map(([destinationId, of]) => [destinationId, [...of.values()]]));
}

/**
 * How far a person's first event (its own timestamp, which a client clock may put ahead of its receipt) must be
 * after the last retention prune for their events to count as all stored.
 */
const FIRST_SEEN_MARGIN_MS = 24 * 60 * 60 * 1000;

/**
 * Whether this deletion is forwarded to recipients only: the workspace chose so (`deletionForwarding:
 * "recipients"`, default `all`) and the delivery log can tell them ({@link logNamesRecipients}).
 */
async function forwardsToRecipientsOnly(deps: DeletionDeps, workspaceId: string, subject: ResolvedSubject): Promise<boolean> {
  const workspace = await deps.store.workspaces.get(workspaceId);
  if (readPrivacySettings(workspace?.settings?.privacy).deletionForwarding !== 'recipients') return false;
  return logNamesRecipients(deps, workspaceId, subject);
}

/**
 * Whether the delivery log names every destination that received the subject's data: true when the workspace's
 * events were never pruned by retention, or the subject was first seen (a day's margin) after they last were,
 * so none of their events and delivery rows are gone. A subject with no profile in a pruned workspace: unknown.
 */
async function logNamesRecipients(deps: DeletionDeps, workspaceId: string, subject: ResolvedSubject): Promise<boolean> {
  const prunedBefore = await deps.store.retention.eventsPrunedBefore(workspaceId);
  if (prunedBefore === undefined) return true;
  const firstSeen = await deps.store.subjectData.firstSeen(workspaceId, subject.profileIds);
  return firstSeen !== undefined && firstSeen >= prunedBefore + FIRST_SEEN_MARGIN_MS;
}

/**
 * A configured destination the subject's data never reached (by a delivery log that holds all of it): not told
 * of the erasure, which would only disclose the person's identifiers to it (GDPR 19 names recipients).
 */
function notRecipient(target: DeletionTarget, at: number): DestinationDeletion {
  return {
    destinationId: target.destinationId,
    name: target.name,
    type: target.type,
    outcome: 'not_recipient',
    detail: "never received this person's data (the delivery log holds every event of theirs), so it was not told: that would only disclose their identifiers to it",
    attempts: 0,
    at: iso(at),
  };
}

/**
 * A deleted destination that had received the subject's data: its connection details were erased with it, so
 * the erasure cannot be forwarded (GDPR 19: the certificate says which recipient was not told, and why).
 */
function notNotified(target: DeletionTarget, deletedAt: number, at: number): DestinationDeletion {
  return {
    destinationId: target.destinationId,
    name: target.name,
    type: target.type,
    outcome: 'not_supported',
    detail: `deleted on ${iso(deletedAt).slice(0, 10)}; its connection details were erased, so the erasure could not be forwarded: ask ${target.name} to delete the person directly`,
    attempts: 0,
    at: iso(at),
  };
}

/** How long a deletion waits for the pipeline to process what it had received (then the request is retried). */
export const PIPELINE_WAIT_MS = 60_000;
const PIPELINE_POLL_MS = 50;

/** Waits until the pipeline has processed every message received before now (see {@link PipelineProgress}). */
async function pipelinePassed(deps: DeletionDeps): Promise<void> {
  const progress = deps.ports.progress;
  if (!progress) return;
  const mark = await progress.inboxMark();
  const waited = deps.pipelineWaitMs ?? PIPELINE_WAIT_MS;
  const deadline = Date.now() + waited;
  while (!(await progress.inboxPassed(mark))) {
    deps.signal.throwIfAborted();
    if (Date.now() > deadline) {
      throw new Error(`the pipeline has not processed the events received before this deletion began within ${waited >= 1000 ? `${Math.round(waited / 1000)} s` : `${waited} ms`} (a backlog, or the processor is stopped); the subject's new events are suppressed meanwhile, and the deletion runs again`);
    }
    await new Promise((resolve) => setTimeout(resolve, PIPELINE_POLL_MS));
  }
}

/** One destination's answer after up to three attempts, or `retry` with the last error. */
async function forwardOne(deps: DeletionDeps, request: PrivacyRequest, state: DeletionState, target: DeletionTarget): Promise<DestinationDeletion | { retry: string }> {
  const { subject } = state;
  const now = deps.now ?? Date.now;
  const base = { destinationId: target.destinationId, name: target.name, type: target.type };
  if (!target.deleteSubject) {
    return { ...base, outcome: 'not_supported', detail: target.noDeletion ?? `the ${target.type} destination type offers no way to delete a person; delete the subject there by hand`, attempts: 0, at: iso(now()) };
  }
  const deletionSubject: DeletionSubject = {
    workspaceId: request.workspaceId, requestId: request.id, userIds: subject.userIds, anonymousIds: subject.anonymousIds, emails: subject.emails,
    ...(state.receiptHours && { receiptHours: state.receiptHours[target.destinationId] ?? [] }),
  };
  let last: DeletionResult = { kind: 'failed', error: 'not attempted' };
  for (let attempt = 1; attempt <= DESTINATION_ATTEMPTS; attempt++) {
    deps.signal.throwIfAborted();
    try {
      last = await target.deleteSubject(deletionSubject, deps.signal);
    } catch (error) {
      last = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    switch (last.kind) {
      case 'deleted':
        return { ...base, outcome: 'deleted', detail: last.detail ?? (last.count !== undefined ? `${last.count} record(s) deleted` : 'deleted'), attempts: attempt, at: iso(now()) };
      case 'submitted':
        return { ...base, ...(await submittedOutcome(target, last, deps.signal, now)), attempts: attempt, at: iso(now()) };
      case 'not_supported':
        return { ...base, outcome: 'not_supported', detail: last.reason, attempts: attempt, at: iso(now()) };
      case 'failed':
        return { ...base, outcome: 'failed', detail: last.error, attempts: attempt, at: iso(now()) };
      case 'retry':
        if (attempt < DESTINATION_ATTEMPTS) {
          const delay = deps.retryDelayMs?.(attempt, last.afterMs) ?? Math.min(last.afterMs ?? 1000 * 2 ** (attempt - 1), 10_000);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
        break;
    }
  }
  return { retry: last.kind === 'retry' ? last.error : last.kind };
}

async function keepSuppression(deps: DeletionDeps, request: PrivacyRequest, subject: ResolvedSubject, count: number): Promise<DeletionCertificate['suppression']> {
  if (request.params.suppress === false) return { kept: false, hashedIdentifiers: 0, detail: 'the request asked not to keep a suppression entry' };
  if (!deps.ports.suppression) {
    return { kept: false, hashedIdentifiers: 0, detail: 'no suppression service is wired into this build: new events of the subject would be accepted again' };
  }
  await deps.ports.suppression.suppress({ workspaceId: request.workspaceId, subject, hashed: true, requestId: request.id });
  return { kept: true, hashedIdentifiers: count, detail: 'identifiers kept as keyed hashes so the subject stays deleted (CCPA 7022 allows this record)' };
}

/**
 * An asynchronous deletion job (Amplitude, Mixpanel): where the tool offers a status call, ask once right
 * away, so the certificate carries the job's last known state (a job already done counts as deleted). A job
 * still running is asked about again after the request completes, until it ends (deletion-status-checks.ts).
 */
async function submittedOutcome(
  target: DeletionTarget,
  submitted: Extract<DeletionResult, { kind: 'submitted' }>,
  signal: AbortSignal,
  now: () => number,
): Promise<Pick<DestinationDeletion, 'outcome' | 'detail' | 'jobId' | 'checkedAt'>> {
  const job = `deletion job ${submitted.jobId}`;
  if (!target.deletionStatus) return { outcome: 'submitted', detail: `${job}: ${submitted.status} (the tool offers no status call)`, jobId: submitted.jobId };
  const asked = { jobId: submitted.jobId, checkedAt: iso(now()) };
  let status: DeletionResult;
  try {
    status = await target.deletionStatus(submitted.jobId, signal);
  } catch (error) {
    status = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
  }
  switch (status.kind) {
    case 'deleted':
      return { ...asked, outcome: 'deleted', detail: `${job}: done${status.detail ? ` (${status.detail})` : ''}` };
    case 'submitted':
      return { ...asked, outcome: 'submitted', detail: `${job}: last status ${status.status}` };
    case 'failed':
      return { ...asked, outcome: 'failed', detail: `${job}: the tool reports failure: ${status.error}` };
    case 'retry':
      return { ...asked, outcome: 'submitted', detail: `${job}: ${submitted.status}; its status could not be read (${status.error})` };
    case 'not_supported':
      return { ...asked, outcome: 'submitted', detail: `${job}: ${submitted.status}` };
  }
}
