import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { deletionCertificateOf, type DeletionCertificate } from './certificate.js';
import { confirmDeletionByHand, withdrawHandConfirmation, type ConfirmRefusal } from './deletion-follow-up.js';
import type { PrivacyRequest } from './request.js';
import type { RequestTransitions } from './request-transitions.js';
import { nameOf, type StepActor } from './step-actor.js';

/**
 * Saves a deletion status check (deletion-status-checks.ts): the updated certificate and the next check. A job
 * that ended (done, failed, or no longer asked about) is a step of the request's history, one per destination,
 * in the audit log; a job still running only updates the certificate. Once no job is left running, one more
 * step (`deletion_jobs_settled`) says so: the subject's notice of how the deletion ended at the tools hangs on it
 * (subject-notices.ts), as the completion notice hangs on `completed`.
 */
export async function recordStatusCheck(
  steps: RequestTransitions,
  request: PrivacyRequest,
  certificate: unknown,
  ended: readonly { name: string; type: string; detail: string }[],
  nextCheckAt: number | undefined,
): Promise<void> {
  // Saved only over the certificate this check read: a member who confirmed or withdrew a deletion by hand meanwhile
  // re-issued it, and their change is not put back as it was (the next check reads theirs).
  const guard = { result: request.result };
  if (ended.length === 0) {
    await steps.store.privacyRequests.saveStatusCheck(request.workspaceId, request.id, certificate, nextCheckAt ?? null, guard);
    return;
  }
  // The certificate goes with the first step, in its transaction.
  const current = await steps.moveEach(request, { result: certificate, statusCheckAt: nextCheckAt ?? null }, 'system', 'deletion_job_ended', ended.map((d) => `${d.name} (${d.type}): ${d.detail}`), guard);
  if (!current) return;
  if (nextCheckAt === undefined) {
    const told = current.contactEmail ? '; the subject is told how it ended' : '';
    await steps.move(current, current.status, {}, 'system', 'deletion_jobs_settled', `no deletion job is left running at a tool${told}`);
  }
}

/**
 * A member declares that a completed deletion's follow-up (deletion-follow-up.ts) is done: the data is deleted at
 * the destination whose job failed or was never confirmed (they asked the tool, or deleted there by hand). The
 * certificate is re-issued with the entry `deleted`, naming them and their note; a step of the request's history
 * (`deletion_confirmed_by_hand`) and an audit entry record it. The request stays completed.
 */
export function confirmDeletion(steps: RequestTransitions, workspaceId: string, id: string, destinationId: string, by: StepActor, note: string, keys: Keys): Promise<PrivacyRequest> {
  return changeCertificate(steps, workspaceId, id, destinationId, by, {
    change: (certificate, now) => confirmDeletionByHand(keys, certificate, destinationId, { actor: nameOf(by), note, now }),
    refusal: 'no_deletion_follow_up',
    action: 'deletion_confirmed_by_hand',
    note,
  });
}

/**
 * Withdraws a member's confirmation by hand (made by mistake, or the tool had not deleted after all): the
 * certificate is re-issued with the entry as it was before it, so the destination is to follow up again; a step
 * of the request's history (`deletion_confirmation_withdrawn`, with the reason) and an audit entry record it.
 */
export function withdrawDeletionConfirmation(steps: RequestTransitions, workspaceId: string, id: string, destinationId: string, by: StepActor, reason: string, keys: Keys): Promise<PrivacyRequest> {
  return changeCertificate(steps, workspaceId, id, destinationId, by, {
    change: (certificate, now) => withdrawHandConfirmation(keys, certificate, destinationId, { actor: nameOf(by), reason, now }),
    refusal: 'no_hand_confirmation',
    action: 'deletion_confirmation_withdrawn',
    note: reason,
  });
}

/** Re-issues a completed deletion's certificate with one destination's entry changed by a person, as a step of its history. */
async function changeCertificate(
  steps: RequestTransitions,
  workspaceId: string,
  id: string,
  destinationId: string,
  by: StepActor,
  how: { change: (certificate: DeletionCertificate, now: number) => DeletionCertificate | ConfirmRefusal; refusal: 'no_deletion_follow_up' | 'no_hand_confirmation'; action: string; note: string },
): Promise<PrivacyRequest> {
  const request = await steps.load(workspaceId, id);
  const certificate = request.type === 'delete' && request.status === 'completed' ? deletionCertificateOf(request.result) : undefined;
  if (!certificate) {
    throw new SluiceError('request_state_conflict', `Request ${id} is a ${request.status} ${request.type} request; only a completed deletion has deletions confirmed by hand.`);
  }
  const changed = how.change(certificate, steps.now());
  if ('refused' in changed) throw new SluiceError(how.refusal, changed.refused);
  const entry = certificate.destinations.find((d) => d.destinationId === destinationId)!;
  // Stored only over the certificate read (a compare-and-set): a status check of the request's other jobs, or another
  // member, may have re-issued it since, and is not overwritten.
  return steps.move(request, 'completed', { result: changed }, by, how.action, `${entry.name} (${entry.type}): ${how.note}`, {
    result: request.result,
    conflict: `Request ${id}'s certificate was re-issued meanwhile (a deletion status check, or another member's confirmation); reload it and try again.`,
  });
}
