import type { DeliveryRecord, StoredDestination } from '../../core/destination.js';
import { isSluiceError, SluiceError } from '../../core/errors.js';
import { checkDestinationEnabled } from '../../replay/replay-range-check.js';
import { bestPerDestination, correctionRecipientsOf, failedAtOf, FIRST_LOOK_MS, isUnderWay, LONGEST_WAIT_MS, withoutFailedAt, type CorrectionRecipient, type CorrectionResult } from './correction.js';
import type { PrivacyRequest } from './request.js';
import type { RequestTransitions } from './request-transitions.js';
import { nameOf, type StepActor } from './step-actor.js';

/**
 * A recipient a completed correction did not reach (GDPR 19): the router gave up on its delivery of the corrected
 * identify (a 4xx answer, or retries past the window). The request completed (the person's data in Sluice is
 * corrected and they were answered, told that this recipient was not), and the privacy team sends it again
 * (`POST /privacy-requests/:id/retry-recipients`) once the destination can take it (decision 0606).
 */
export interface CorrectionFollowUp {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  /** Why its delivery failed, the latest time (`http_400`, ...), and the destination's answer. */
  readonly reason: string | null;
  readonly detail: string | null;
  /** When it failed, the latest time (absent in results stored before it was kept). */
  readonly failedAt?: string;
  /** Set when it failed again after the team sent it again: who did, and when. */
  readonly retriedBy?: string;
  readonly retriedAt?: string;
}

/** Sends one failed delivery again (`FailedDeliveryRetry`): the router's retry of that messageId at that destination. */
export interface DeliveryRetry {
  retry(workspaceId: string, destination: StoredDestination, messageId: string, sourceId?: string): Promise<{ queued: number; dropped: number }>;
}


/** The recipients of a completed correction whose delivery failed; empty for any other request. */
export function correctionFollowUps(request: Pick<PrivacyRequest, 'type' | 'status' | 'result'>): CorrectionFollowUp[] {
  if (request.type !== 'correct' || request.status !== 'completed') return [];
  return (correctionRecipientsOf(request.result) ?? [])
    .filter((r) => r.status === 'failed')
    .map((r) => ({
      destinationId: r.destinationId,
      name: r.name,
      type: r.type,
      reason: r.reason,
      detail: r.detail,
      ...(r.failedAt !== undefined && { failedAt: r.failedAt }),
      ...(r.retriedBy !== undefined && r.retriedAt !== undefined && { retriedBy: r.retriedBy, retriedAt: r.retriedAt }),
    }));
}

/** A recipient as its delivery of the corrected identify now stands (a second route's `integrations` drop is not its answer). */
function fromLog(recipient: CorrectionRecipient, rows: readonly DeliveryRecord[], now: number): CorrectionRecipient {
  const own = bestPerDestination(rows.filter((r) => r.destinationId === recipient.destinationId && !(r.status === 'dropped' && r.reason === 'integrations')))[0];
  if (!own) return { ...recipient, status: 'failed', reason: 'erased', detail: 'its delivery is no longer in the delivery log (the event was erased)', failedAt: new Date(now).toISOString() };
  return { ...withoutFailedAt(recipient), status: own.status, reason: own.reason, detail: own.lastError, ...failedAtOf(own) };
}

/**
 * Sends the corrected identify again to each failed recipient of a completed correction, through the router's retry
 * of that delivery (the same decisions as live traffic), and records the step `correction_recipients_retried` (its
 * note names them; the audit log keeps it with who asked). The re-send is claimed first: that step is stored only
 * if the request's result is still the one read (a compare-and-set in the store), and only then is anything queued,
 * so of two calls at the same moment (two people, two tabs, two API processes) one sends and the other is refused
 * with `request_state_conflict` before it sends anything. Each retried recipient then reads `queued` with
 * `retriedBy`/`retriedAt`, and the executor follows its delivery until it ends ({@link checkRetriedRecipients}). A
 * recipient that cannot be sent again (its destination deleted or disabled) stays failed and the note says why; when
 * none can, `conflict`. One whose event turns out to be gone when it is queued (erased meanwhile) is recorded failed
 * again at once (`correction_recipient_ended`).
 */
export async function retryCorrectionRecipients(steps: RequestTransitions, retries: DeliveryRetry | undefined, workspaceId: string, id: string, by: StepActor): Promise<PrivacyRequest> {
  const request = await steps.load(workspaceId, id);
  const followUps = correctionFollowUps(request);
  if (followUps.length === 0) {
    throw new SluiceError(
      'no_failed_recipients',
      request.type === 'correct' && request.status === 'completed'
        ? `Correction ${id} has no recipient whose delivery failed (correctionRecipients of GET /api/v1/privacy-requests/${id} lists each one's state: one sent again already reads queued); nothing to send again.`
        : `Request ${id} is a ${request.status} ${request.type} request; only a completed correction has recipients to send it again to.`,
    );
  }
  if (!retries) throw new SluiceError('not_ready', 'This process has no delivery queues (it does not run the api role with a queue configured); sending a correction again needs them.');
  const { store } = steps;
  const result = request.result as CorrectionResult;
  const { messageId } = result.identify;
  const before = await store.deliveries.forMessage(workspaceId, messageId);
  /** What will be sent again: each recipient's destination and its failed deliveries (one per source that sent the identify). */
  const toSend = new Map<string, { destination: StoredDestination; failed: DeliveryRecord[] }>();
  /** Failed when the request was read, no longer by now (sent again another way, e.g. the destination's retry): read again only. */
  const moved = new Set<string>();
  const problems: string[] = [];
  for (const followUp of followUps) {
    try {
      const destination = await store.destinations.get(workspaceId, followUp.destinationId);
      if (!destination) throw new SluiceError('conflict', 'the destination was deleted');
      checkDestinationEnabled(destination, 'retry');
      const failed = before.filter((r) => r.destinationId === followUp.destinationId && r.status === 'failed');
      if (failed.length > 0) toSend.set(followUp.destinationId, { destination, failed });
      else moved.add(followUp.destinationId);
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      problems.push(`${followUp.name}: ${error.message}`);
    }
  }
  if (toSend.size + moved.size === 0) throw new SluiceError('conflict', `No failed recipient of correction ${id} could be sent the corrected identify again: ${problems.join('; ')}`);

  const now = steps.now();
  const at = new Date(now).toISOString();
  const claimed = result.recipients.map((r): CorrectionRecipient => {
    if (toSend.has(r.destinationId)) return { ...withoutFailedAt(r), status: 'queued', reason: null, detail: null, retriedBy: nameOf(by), retriedAt: at };
    return moved.has(r.destinationId) ? fromLog(r, before, now) : r;
  });
  const names = claimed.filter((r) => toSend.has(r.destinationId)).map((r) => `${r.name} (${r.type})`);
  const others = claimed.filter((r) => moved.has(r.destinationId)).map((r) => `${r.name} (${r.type}): now ${r.status}`);
  const note = [
    names.length > 0 ? `the corrected identify was sent again to ${names.join(', ')}` : '',
    others.length > 0 ? `no longer failed, read again: ${others.join(', ')}` : '',
    problems.length > 0 ? `not sent again: ${problems.join('; ')}` : '',
  ].filter((part) => part !== '').join('; ');
  const claimedResult: CorrectionResult = { ...result, recipients: claimed };
  const waiting = claimed.some((r) => isUnderWay(r.status));
  const current = await steps.move(request, 'completed', { result: claimedResult, statusCheckAt: waiting ? now + FIRST_LOOK_MS : null }, by, 'correction_recipients_retried', note, {
    result: request.result,
    conflict: `Correction ${id}'s recipients changed while this call ran (someone sent it again or confirmed a recipient by hand at the same moment, or a delivery sent again before ended); nothing was sent by this call. Reload it (GET /api/v1/privacy-requests/${id}) and send it again only to recipients still failed.`,
  });

  // Claimed: only this call sends. What cannot be queued after all (the event erased meanwhile) is failed again at once.
  const notQueued = new Map<string, string>();
  for (const [destinationId, { destination, failed }] of toSend) {
    try {
      for (const row of failed) await retries.retry(workspaceId, destination, messageId, row.sourceId);
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      notQueued.set(destinationId, error.message);
    }
  }
  if (notQueued.size === 0) return current;
  const after = claimed.map((r): CorrectionRecipient => {
    const why = notQueued.get(r.destinationId);
    return why === undefined ? r : { ...r, status: 'failed', reason: 'not_sent_again', detail: why, failedAt: new Date(steps.now()).toISOString() };
  });
  const stillWaiting = after.some((r) => isUnderWay(r.status));
  const notes = after.filter((x) => notQueued.has(x.destinationId)).map((r) => `${r.name} (${r.type}): failed (not sent again): ${r.detail ?? ''}`);
  const recorded = await steps.moveEach(current, { result: { ...claimedResult, recipients: after }, statusCheckAt: stillWaiting ? now + FIRST_LOOK_MS : null }, 'system', 'correction_recipient_ended', notes, { result: claimedResult });
  // Refused: the executor's check read the delivery log meanwhile (still failed) and recorded it: nothing to add.
  return recorded ?? steps.load(workspaceId, id);
}

/**
 * The executor's check of a correction's retried recipients (claimed as a deletion's status check is): each one still
 * `queued` or `retrying` is read again from the delivery log. One whose delivery ended is a step of the request's
 * history (`correction_recipient_ended`, in the audit log); once no recipient is failed or waiting, one more step
 * (`correction_recipients_settled`) tells the person (subject-notices.ts). Checked again after half the time since
 * the retry (2 s to 5 minutes) while any waits; the router's own retry window bounds the wait.
 */
export async function checkRetriedRecipients(steps: RequestTransitions, request: PrivacyRequest): Promise<void> {
  const { store } = steps;
  const result = request.result as CorrectionResult | null;
  const recipients = correctionRecipientsOf(result);
  // Saved only over the result this check read: a member who sent the correction again meanwhile changed it (and
  // scheduled the next check); their recipients are not put back as they were.
  const guard = { result: request.result };
  if (!result || !recipients || !recipients.some((r) => isUnderWay(r.status))) {
    await store.privacyRequests.saveStatusCheck(request.workspaceId, request.id, request.result, null, guard);
    return;
  }
  const rows = await store.deliveries.forMessage(request.workspaceId, result.identify.messageId);
  const now = steps.now();
  const ended: CorrectionRecipient[] = [];
  const updated = recipients.map((r) => {
    if (!isUnderWay(r.status)) return r;
    const current = fromLog(r, rows, now);
    if (!isUnderWay(current.status)) ended.push(current);
    return current;
  });
  const stillWaiting = updated.filter((r) => isUnderWay(r.status));
  const since = Math.min(...stillWaiting.map((r) => (r.retriedAt !== undefined ? Date.parse(r.retriedAt) : now)));
  const next = stillWaiting.length > 0 ? now + Math.min(Math.max((now - since) / 2, FIRST_LOOK_MS), LONGEST_WAIT_MS) : null;
  const changed = { ...result, recipients: updated };
  if (ended.length === 0) {
    await store.privacyRequests.saveStatusCheck(request.workspaceId, request.id, changed, next, guard);
    return;
  }
  // The updated result goes with the first step, in its transaction.
  const how = (r: CorrectionRecipient) => (r.status === 'delivered' ? 'delivered' : `${r.status}${r.reason ? ` (${r.reason})` : ''}${r.detail ? `: ${r.detail}` : ''}`);
  const current = await steps.moveEach(request, { result: changed, statusCheckAt: next }, 'system', 'correction_recipient_ended', ended.map((r) => `${r.name} (${r.type}): ${how(r)}`), guard);
  if (current) await settleIfDone(steps, current);
}

/**
 * Once no recipient of a correction is failed or on its way (each has it, by the pipeline or told by hand, or does
 * not receive the person's data), one more step, `correction_recipients_settled`, on which the person's update email
 * hangs (subject-notices.ts). Nothing when some recipient still fails or waits.
 */
export async function settleIfDone(steps: RequestTransitions, request: PrivacyRequest): Promise<PrivacyRequest> {
  const recipients = correctionRecipientsOf(request.result) ?? [];
  if (recipients.some((r) => r.status === 'failed' || isUnderWay(r.status))) return request;
  const told = request.contactEmail ? '; the subject is told' : '';
  return steps.move(request, 'completed', {}, 'system', 'correction_recipients_settled', `every recipient of the correction has it or does not receive the person's data${told}`);
}
