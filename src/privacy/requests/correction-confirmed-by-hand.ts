import { SluiceError } from '../../core/errors.js';
import { correctionFollowUps, settleIfDone } from './correction-follow-up.js';
import { withoutFailedAt, type CorrectionRecipient, type CorrectionResult } from './correction.js';
import type { PrivacyRequest } from './request.js';
import type { RequestTransitions } from './request-transitions.js';
import { nameOf, type StepActor } from './step-actor.js';

/** The completed correction both steps below act on, with its result; `request_state_conflict` for any other request. */
async function completedCorrection(steps: RequestTransitions, workspaceId: string, id: string, what: string): Promise<{ request: PrivacyRequest; result: CorrectionResult }> {
  const request = await steps.load(workspaceId, id);
  if (request.type !== 'correct' || request.status !== 'completed') {
    throw new SluiceError('request_state_conflict', `Request ${id} is a ${request.status} ${request.type} request; only a completed correction has ${what}.`);
  }
  return { request, result: request.result as CorrectionResult };
}

/**
 * A member declares that a recipient a completed correction did not reach (a follow-up: its delivery failed) was told
 * of the correction another way (GDPR 19): the team wrote to the service, or corrected the record there by hand. The
 * recipient reads `delivered` with reason `confirmed_by_hand`, `confirmedBy`/`confirmedAt`, and a detail holding
 * their note and what had failed; it leaves the follow-ups. A step of the request's history
 * (`correction_confirmed_by_hand`, with the note) and an audit entry record it, and once no recipient is left failed
 * or on its way, `correction_recipients_settled` emails the person where each recipient stands, as when a recipient
 * sent again accepts. The write is guarded like a re-send (the result as read), so a confirmation and a re-send or
 * a status check at the same moment do not overwrite each other: `request_state_conflict`, reload. Mirrors a
 * deletion's confirmation by hand (deletion-certificate-steps.ts).
 */
export async function confirmCorrectionByHand(steps: RequestTransitions, workspaceId: string, id: string, destinationId: string, by: StepActor, note: string): Promise<PrivacyRequest> {
  const { request, result } = await completedCorrection(steps, workspaceId, id, 'recipients to confirm by hand');
  const followUps = correctionFollowUps(request);
  const followUp = followUps.find((f) => f.destinationId === destinationId);
  if (!followUp) {
    const recipient = result.recipients.find((r) => r.destinationId === destinationId);
    const what = recipient
      ? `The correction's delivery to ${recipient.name} is ${recipient.status}${recipient.confirmedBy ? ` (confirmed by hand by ${recipient.confirmedBy})` : ''}, not failed`
      : `Destination ${destinationId} is not a recipient of correction ${id}`;
    const open = followUps.length > 0 ? `the recipients to follow up are ${followUps.map((f) => `${f.destinationId} (${f.name})`).join(', ')}` : 'none of its recipients waits on a person';
    throw new SluiceError('no_correction_follow_up', `${what}; ${open} (GET /api/v1/privacy-requests/${id} lists them as correctionFollowUps).`);
  }
  const at = new Date(steps.now()).toISOString();
  const actor = nameOf(by);
  const recipients = result.recipients.map((r): CorrectionRecipient => {
    if (r.destinationId !== destinationId) return r;
    const before = [r.failedAt !== undefined ? `at ${r.failedAt}` : null, r.reason, r.detail].filter((x) => x !== null && x !== '').join(', ');
    return {
      ...withoutFailedAt(r),
      status: 'delivered',
      reason: 'confirmed_by_hand',
      detail: `confirmed by hand by ${actor} at ${at}: ${note} (before: failed${before ? ` ${before}` : ''})`,
      confirmedBy: actor,
      confirmedAt: at,
      beforeConfirmation: { reason: r.reason, detail: r.detail, ...(r.failedAt !== undefined && { failedAt: r.failedAt }) },
    };
  });
  const confirmed = await steps.move(request, 'completed', { result: { ...result, recipients } }, by, 'correction_confirmed_by_hand', `${followUp.name} (${followUp.type}): ${note}`, {
    result: request.result,
    conflict: `Correction ${id}'s recipients changed while this call ran (sent again, confirmed or checked at the same moment); nothing was recorded. Reload it (GET /api/v1/privacy-requests/${id}) and confirm again if ${followUp.name} is still to follow up.`,
  });
  return settleIfDone(steps, confirmed);
}

/**
 * Withdraws a member's confirmation by hand (made by mistake, or the service had not been told after all): the
 * recipient reads failed again as it did before (its reason, detail and time), so it is back on the follow-ups; a step
 * of the request's history (`correction_confirmation_withdrawn`, with the reason) and an audit entry record it. The
 * person was emailed once nothing was left to follow up, and is not emailed again by this. Guarded like the
 * confirmation (the result as read). `no_hand_confirmation` when the recipient was not confirmed by hand, or was
 * confirmed by a version that kept nothing to put back.
 */
export async function withdrawCorrectionConfirmation(steps: RequestTransitions, workspaceId: string, id: string, destinationId: string, by: StepActor, reason: string): Promise<PrivacyRequest> {
  const { request, result } = await completedCorrection(steps, workspaceId, id, 'confirmations by hand to withdraw');
  const recipient = result.recipients.find((r) => r.destinationId === destinationId);
  if (!recipient?.confirmedBy || !recipient.beforeConfirmation) {
    const confirmed = result.recipients.filter((r) => r.confirmedBy !== undefined && r.beforeConfirmation !== undefined);
    const open = confirmed.length > 0 ? `the recipients confirmed by hand are ${confirmed.map((r) => `${r.destinationId} (${r.name})`).join(', ')}` : 'none of its recipients was confirmed by hand';
    const what = recipient ? `The correction's delivery to ${recipient.name} was not confirmed by hand${recipient.confirmedBy ? ' by a version that kept what to put back' : ''}` : `Destination ${destinationId} is not a recipient of correction ${id}`;
    throw new SluiceError('no_hand_confirmation', `${what}; ${open}.`);
  }
  const { beforeConfirmation: before } = recipient;
  const recipients = result.recipients.map((r): CorrectionRecipient => {
    if (r.destinationId !== destinationId) return r;
    const { confirmedBy: _by, confirmedAt: _at, beforeConfirmation: _before, ...rest } = r;
    return { ...rest, status: 'failed', reason: before.reason, detail: before.detail, ...(before.failedAt !== undefined && { failedAt: before.failedAt }) };
  });
  return steps.move(request, 'completed', { result: { ...result, recipients } }, by, 'correction_confirmation_withdrawn', `${recipient.name} (${recipient.type}): ${reason}`, {
    result: request.result,
    conflict: `Correction ${id}'s recipients changed while this call ran; nothing was recorded. Reload it (GET /api/v1/privacy-requests/${id}) and withdraw again if ${recipient.name} is still confirmed by hand.`,
  });
}
