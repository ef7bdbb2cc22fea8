import type { Keys } from '../../core/crypto/keys.js';
import { deletionCertificateOf, signCertificate, type DeletionCertificate, type DestinationDeletion, type PriorDestinationDeletion } from './certificate.js';
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

/** Why a confirmation by hand (`no_deletion_follow_up`, 409) or its withdrawal (`no_hand_confirmation`, 409) was refused. */
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
  const { confirmedBy: _by, confirmedAt: _at, confirmedOver: _over, ...prior } = entry;
  const confirmed: DestinationDeletion = {
    ...prior,
    outcome: 'deleted',
    detail: `confirmed by hand by ${confirmation.actor} at ${at}: ${confirmation.note} (before: ${entry.detail})`,
    confirmedBy: confirmation.actor,
    confirmedAt: at,
    confirmedOver: prior,
  };
  return reissued(keys, certificate, entry, confirmed, at);
}

/** A destination's deletion that a person confirmed by hand (see {@link confirmDeletionByHand}), as a request lists it. */
export interface HandConfirmation {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  readonly confirmedBy: string;
  readonly confirmedAt: string;
  /** Whether the confirmation can be withdrawn (it keeps the entry it replaced; those made before it did cannot). */
  readonly withdrawable: boolean;
}

/** The destinations of a completed deletion that a person confirmed by hand; empty for any other request. */
export function handConfirmations(request: Pick<PrivacyRequest, 'type' | 'status' | 'result'>): HandConfirmation[] {
  if (request.type !== 'delete' || request.status !== 'completed') return [];
  const certificate = deletionCertificateOf(request.result);
  if (!certificate) return [];
  return certificate.destinations.flatMap((d) =>
    d.confirmedBy !== undefined && d.confirmedAt !== undefined
      ? [{ destinationId: d.destinationId, name: d.name, type: d.type, confirmedBy: d.confirmedBy, confirmedAt: d.confirmedAt, withdrawable: d.confirmedOver !== undefined }]
      : [],
  );
}

/**
 * The certificate after a confirmation by hand is withdrawn (made by mistake, or the tool turned out not to have
 * deleted): the entry is put back as it was before it (so the destination is to follow up again), its detail
 * saying who confirmed it, who withdrew it, when and why. The certificate is re-issued.
 */
export function withdrawHandConfirmation(
  keys: Keys,
  certificate: DeletionCertificate,
  destinationId: string,
  withdrawal: { readonly actor: string; readonly reason: string; readonly now: number },
): DeletionCertificate | ConfirmRefusal {
  const entry = certificate.destinations.find((d) => d.destinationId === destinationId);
  if (!entry?.confirmedBy || !entry.confirmedOver) {
    const confirmed = certificate.destinations.flatMap((d) => (d.confirmedBy !== undefined && d.confirmedOver !== undefined ? [d.destinationId] : []));
    const what = !entry
      ? `Destination ${destinationId} is not in this request's certificate`
      : entry.confirmedBy
        ? `The confirmation at ${entry.name} was made by an earlier version of Sluice, which did not keep the entry it replaced, so it cannot be withdrawn`
        : `The deletion at ${entry.name} was not confirmed by hand`;
    return { refused: `${what}; ${confirmed.length > 0 ? `confirmations that can be withdrawn: ${confirmed.join(', ')}` : 'no confirmation in it can be withdrawn'} (GET /api/v1/privacy-requests/<id> lists them as handConfirmations).` };
  }
  const at = new Date(withdrawal.now).toISOString();
  const restored: PriorDestinationDeletion = {
    ...entry.confirmedOver,
    detail: `${entry.confirmedOver.detail} (confirmed by hand by ${entry.confirmedBy} at ${entry.confirmedAt}; withdrawn by ${withdrawal.actor} at ${at}: ${withdrawal.reason})`,
  };
  return reissued(keys, certificate, entry, restored, at);
}

/** The certificate with one destination's entry replaced, re-issued at `at` (verified again from its entries). */
function reissued(keys: Keys, certificate: DeletionCertificate, entry: DestinationDeletion, replacement: DestinationDeletion, at: string): DeletionCertificate {
  const destinations = certificate.destinations.map((d) => (d === entry ? replacement : d));
  const { signature: _signature, ...body } = certificate;
  const verified = certificate.systems.every((s) => s.residual === 0) && destinations.every((d) => d.outcome !== 'failed');
  return signCertificate(keys, { ...body, issuedAt: at, destinations, verified });
}
