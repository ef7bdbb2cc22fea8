import type { Keys } from '../../core/crypto/keys.js';
import { deletionCertificateOf, signCertificate, type DeletionCertificate, type DestinationDeletion } from './certificate.js';
import type { PrivacyRequest } from './request.js';

/**
 * A destination a completed deletion did not reach for certain, found after the subject was answered: the tool's
 * asynchronous job failed, or was never confirmed (not within 60 days, or its destination was deleted with the
 * credentials to ask). Sluice cannot forward the deletion again (the subject's identifiers were cleared when the
 * request completed), so a person has to: ask the tool, delete there by hand, then confirm it here.
 */
export interface DeletionFollowUp {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  /** `failed`: the tool reported its job failed; `unconfirmed`: Sluice stopped asking before the job ended. */
  readonly reason: 'failed' | 'unconfirmed';
  /** The certificate entry's detail: the tool's answer, or why Sluice stopped asking and whom to ask. */
  readonly detail: string;
  /** The tool's id of the deletion job, to quote when asking the tool. */
  readonly jobId?: string;
}

function followUpOf(entry: DestinationDeletion): DeletionFollowUp | undefined {
  const reason = entry.outcome === 'failed' ? 'failed' : entry.outcome === 'submitted' && entry.stoppedAskingAt !== undefined ? 'unconfirmed' : undefined;
  if (reason === undefined) return undefined;
  return { destinationId: entry.destinationId, name: entry.name, type: entry.type, reason, detail: entry.detail, ...(entry.jobId !== undefined && { jobId: entry.jobId }) };
}

/**
 * The destinations of a completed deletion that a person must follow up (see {@link DeletionFollowUp}); empty for
 * any other request. A request still processing or failed is not listed: it is on the queue's deadline lists, and a
 * failed one is retried as a whole.
 */
export function deletionFollowUps(request: Pick<PrivacyRequest, 'type' | 'status' | 'result'>): DeletionFollowUp[] {
  if (request.type !== 'delete' || request.status !== 'completed') return [];
  const certificate = deletionCertificateOf(request.result);
  if (!certificate) return [];
  return certificate.destinations.flatMap((entry) => followUpOf(entry) ?? []);
}

/** Why a confirmation by hand was refused; the API answers it as `no_deletion_follow_up` (409). */
export type ConfirmRefusal = { readonly refused: string };

/**
 * The certificate after a person confirmed that the subject's data is deleted at a destination Sluice could not
 * confirm (a {@link DeletionFollowUp}): the entry becomes `deleted`, its detail saying who confirmed it, when, what
 * they noted and what the tool had answered before; `confirmedBy` names them. The certificate is re-issued
 * (issuedAt, verified, signature): it then proves what a member declared, which the entry says in words.
 */
export function confirmDeletionByHand(
  keys: Keys,
  certificate: DeletionCertificate,
  destinationId: string,
  confirmation: { readonly actor: string; readonly note: string; readonly now: number },
): DeletionCertificate | ConfirmRefusal {
  const entry = certificate.destinations.find((d) => d.destinationId === destinationId);
  const followUp = entry && followUpOf(entry);
  if (!entry || !followUp) {
    const open = certificate.destinations.flatMap((d) => (followUpOf(d) ? [d.destinationId] : []));
    return {
      refused: `${entry ? `The deletion at ${entry.name} is ${entry.outcome}, not waiting on a person` : `Destination ${destinationId} is not in this request's certificate`}; ${
        open.length > 0 ? `the destinations to follow up are ${open.join(', ')}` : 'nothing in it waits on a person'
      } (GET /api/v1/privacy-requests/<id> lists them as deletionFollowUps).`,
    };
  }
  const at = new Date(confirmation.now).toISOString();
  const confirmed: DestinationDeletion = {
    ...entry,
    outcome: 'deleted',
    detail: `confirmed by hand by ${confirmation.actor} at ${at}: ${confirmation.note} (before: ${entry.detail})`,
    confirmedBy: confirmation.actor,
    confirmedAt: at,
  };
  const destinations = certificate.destinations.map((d) => (d === entry ? confirmed : d));
  const { signature: _signature, ...body } = certificate;
  const verified = certificate.systems.every((s) => s.residual === 0) && destinations.every((d) => d.outcome !== 'failed');
  return signCertificate(keys, { ...body, issuedAt: at, destinations, verified });
}
