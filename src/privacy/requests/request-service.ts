import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { maskEmail } from '../../core/privacy/personal-text.js';
import { newId } from '../../core/ids.js';
import type { Store } from '../../store/store.js';
import { consentCategoriesOf } from '../privacy-config.js';
import { addCalendarMonths, dueAt, extendedDueAt, receiptConfirmationDueAt } from './deadlines.js';
import { confirmCorrectionByHand, withdrawCorrectionConfirmation } from './correction-confirmed-by-hand.js';
import { decideObjection, WAITS_FOR_A_PERSON, type ObjectionWaiting } from './objection-purposes.js';
import { checkRetriedRecipients, retryCorrectionRecipients, type DeliveryRetry } from './correction-follow-up.js';
import { confirmDeletion, recordStatusCheck, withdrawDeletionConfirmation } from './deletion-certificate-steps.js';
import type { RequestAuditSink } from './request-audit.js';
import { requestLanguageOf, validateRequestInput, type NewRequestInput } from './request-input.js';
import { RequestLists } from './request-lists.js';
import type { RequestPatch } from './request-repository.js';
import { requestSettingsOf } from './request-settings.js';
import { RequestTransitions, type TransitionListener } from './request-transitions.js';
import {
  isAnswered,
  needsVerification,
  RETENTION_MONTHS,
  TERMINAL_STATUSES,
  type ClosedWithoutDecision,
  type PrivacyRequest,
  type RequestStatus,
  type RequestTransition,
  type RequestType,
} from './request.js';
import { samePerson } from './same-person.js';
import { nameOf, type StepActor } from './step-actor.js';

// The service's signatures name these; their homes are the files they are imported from.
export type { NewRequestInput } from './request-input.js';
export type { TransitionListener } from './request-transitions.js';
export type { StepActor } from './step-actor.js';

/**
 * The lifecycle of data-subject requests: intake, verification, approval, denial, extension, completion.
 * Every step is a conditional transition recorded with who and when (and sent to the audit sink):
 * request-transitions.ts. The queue's lists are request-lists.ts; the steps that re-issue a deletion's certificate
 * are deletion-certificate-steps.ts; those that send a correction again to failed recipients correction-follow-up.ts.
 */
export class RequestService {
  private readonly steps: RequestTransitions;
  private readonly lists: RequestLists;

  constructor(
    private readonly store: Store,
    options: { audit?: RequestAuditSink; now?: () => number; logError?: (error: unknown) => void } = {},
  ) {
    this.steps = new RequestTransitions(store, options);
    this.lists = new RequestLists(store, () => this.steps.now());
  }

  private now(): number {
    return this.steps.now();
  }

  onTransition(listener: TransitionListener): void {
    this.steps.onTransition(listener);
  }

  async load(workspaceId: string, id: string): Promise<PrivacyRequest> {
    return this.steps.load(workspaceId, id);
  }

  /** Records a new request, then runs it as far as it can go without a person (verification, approval). */
  async create(workspaceId: string, input: NewRequestInput, by: StepActor): Promise<PrivacyRequest> {
    const actor = nameOf(by);
    const workspace = await this.store.workspaces.get(workspaceId);
    validateRequestInput(input, consentCategoriesOf(workspace?.settings ?? {}));
    const settings = requestSettingsOf(workspace);
    const regulation = input.regulation ?? settings.defaultRegulation;
    const receivedAt = this.now();
    const request: PrivacyRequest = {
      id: newId('dsr'),
      workspaceId,
      type: input.type,
      status: 'received',
      regulation,
      subject: input.subject,
      params: input.params ?? {},
      channel: input.channel,
      verified: false,
      verifiedBy: null,
      agent: input.agent ?? null,
      contactEmail: input.contactEmail ?? input.agent?.email ?? input.subject.email ?? null,
      language: requestLanguageOf(input),
      createdBy: actor,
      receivedAt,
      dueAt: dueAt(input.type, regulation, receivedAt),
      receiptDueAt: receiptConfirmationDueAt(receivedAt),
      receiptConfirmedAt: null,
      extendedAt: null,
      extensionReason: null,
      respondedAt: null,
      denialReason: null,
      failure: null,
      result: null,
      attempts: 0,
      // Set when the subject is answered (CCPA 7101: 24 months of records after the response); kept while open.
      retainUntil: null,
      updatedAt: receivedAt,
    };
    const agentNote = input.agent ? `authorized agent ${input.agent.name}, proof ${input.agent.proofReference}` : (input.note ?? null);
    const created: RequestTransition = { requestId: request.id, from: null, to: 'received', at: receivedAt, actor, action: 'received', note: agentNote };
    await this.steps.record(request, created, by);
    let current = await this.move(request, 'verifying', {}, by, 'verification_started', null);
    if (input.verified === true) current = await this.verify(workspaceId, current.id, by, 'identity vouched for by the requester');
    else if (!needsVerification(input.type)) current = await this.verify(workspaceId, current.id, 'system', `${input.type} requests need no identity verification`);
    return current;
  }

  /** The subject's identity is verified: on to approval (when the workspace requires it) or processing. */
  async verify(workspaceId: string, id: string, by: StepActor, note: string | null = null): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (request.status !== 'verifying' && request.status !== 'received') {
      throw new SluiceError('request_state_conflict', `Request ${id} is ${request.status}; only a request being verified can be verified.`);
    }
    const settings = requestSettingsOf(await this.store.workspaces.get(workspaceId));
    const next: RequestStatus = settings.requireApproval ? 'awaiting_approval' : 'processing';
    return this.move(request, next, { verified: true, verifiedBy: nameOf(by), nextAttemptAt: null }, by, 'verified', note);
  }

  async approve(workspaceId: string, id: string, by: StepActor): Promise<PrivacyRequest> {
    const actor = nameOf(by);
    const request = await this.load(workspaceId, id);
    if (request.status !== 'awaiting_approval') {
      throw new SluiceError('request_state_conflict', `Request ${id} is ${request.status}; only a request awaiting approval can be approved.`);
    }
    // Approval is the workspace's second look: whoever vouched for the request cannot also approve it, neither
    // with the same token nor as the same member through another of their tokens or the console.
    if (request.verifiedBy !== null && (await samePerson(this.store, workspaceId, request.verifiedBy, actor))) {
      throw new SluiceError('approval_needs_another_person', `Request ${id} was verified by ${actor}; this workspace requires approval by someone else. Ask another member with privacy:write to approve it.`);
    }
    return this.move(request, 'processing', { nextAttemptAt: null }, by, 'approved', null);
  }

  async deny(workspaceId: string, id: string, by: StepActor, reason: string): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (TERMINAL_STATUSES.includes(request.status)) {
      throw new SluiceError('request_state_conflict', `Request ${id} is already ${request.status}; it can no longer be denied.`);
    }
    return this.denial(request, by, reason);
  }

  /**
   * Moves the request to denied: answered now, kept for its retention period from now, its work state gone. The
   * step is `denied` (the subject is sent the denial notice), or `superseded` (no notice: see supersedeUnverified).
   */
  private denial(request: PrivacyRequest, by: StepActor, reason: string, action: 'denied' | 'superseded' = 'denied', closedWithoutDecision?: ClosedWithoutDecision): Promise<PrivacyRequest> {
    const respondedAt = this.now();
    const patch: RequestPatch = { denialReason: reason, respondedAt, retainUntil: addCalendarMonths(respondedAt, RETENTION_MONTHS), workState: null, ...(closedWithoutDecision && { closedWithoutDecision }) };
    return this.move(request, 'denied', patch, by, action, reason);
  }

  /**
   * Denies a request that is still being verified, judged on the request as the caller read it: one verified
   * or answered meanwhile is left as it is (undefined), never denied after the fact. The unverified sweep's: closed
   * without a decision, `never_verified` (the code was never entered).
   */
  async denyUnverified(request: PrivacyRequest, by: StepActor, reason: string): Promise<PrivacyRequest | undefined> {
    return this.closeUnverified(request, by, reason, 'denied', 'never_verified');
  }

  /**
   * Closes a request still being verified because the subject made the same request again (`newer`) before
   * verifying it: `denied`, the step `superseded`, the reason naming the newer request. The subject is sent no
   * denial notice: the newer request's code is on its way. Judged as `denyUnverified` (one verified or answered
   * meanwhile is left as it is, undefined).
   */
  async supersedeUnverified(request: PrivacyRequest, newer: PrivacyRequest, by: StepActor): Promise<PrivacyRequest | undefined> {
    const reason = `Replaced by request ${newer.id}: the same request was made again, with the same email address, before this one was verified. Only the newer one goes ahead.`;
    return this.closeUnverified(request, by, reason, 'superseded', 'superseded');
  }

  /** Closed without a decision (`closedWithoutDecision`): the request metrics count it apart from denials. */
  private async closeUnverified(request: PrivacyRequest, by: StepActor, reason: string, action: 'denied' | 'superseded', how: ClosedWithoutDecision): Promise<PrivacyRequest | undefined> {
    if (request.status !== 'verifying') return undefined;
    try {
      return await this.denial(request, by, reason, action, how);
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'request_state_conflict') return undefined;
      throw error;
    }
  }

  /** Runs a failed request again. */
  async retry(workspaceId: string, id: string, by: StepActor): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (request.status !== 'failed') throw new SluiceError('request_state_conflict', `Request ${id} is ${request.status}; only a failed request can be retried.`);
    return this.move(request, 'processing', { failure: null, respondedAt: null, nextAttemptAt: null, attempts: 0 }, by, 'retried', null);
  }

  /**
   * The one extension the law allows (GDPR +2 months, CCPA +45 days), with the reason the subject is told.
   * Refused once answered, once extended, for opt-outs (no extension) and after the original deadline has passed. A
   * failed request has not answered the subject, so its deadline may be extended while it is retried.
   */
  async extend(workspaceId: string, id: string, by: StepActor, reason: string): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (isAnswered(request)) throw new SluiceError('request_state_conflict', `Request ${id} is already ${request.status}: the subject has been answered.`);
    if (request.extendedAt !== null) throw new SluiceError('extension_not_allowed', `Request ${id} was already extended; the law allows one extension.`);
    const extended = extendedDueAt(request.type, request.regulation, request.receivedAt);
    if (extended === undefined) {
      throw new SluiceError('extension_not_allowed', `${request.regulation.toUpperCase()} ${request.type} requests cannot be extended (15 business days, CCPA 7026).`);
    }
    const now = this.now();
    if (now > request.dueAt) {
      throw new SluiceError('extension_not_allowed', `The deadline of request ${id} (${new Date(request.dueAt).toISOString()}) has passed; an extension must be notified within the original period.`);
    }
    return this.move(request, request.status, { dueAt: extended, extendedAt: now, extensionReason: reason }, by, 'extended', reason);
  }

  /** Marks the receipt confirmation as sent (CCPA 7021: within 10 business days). */
  async confirmReceipt(request: PrivacyRequest, by: StepActor, note: string): Promise<PrivacyRequest> {
    return this.move(request, request.status, { receiptConfirmedAt: this.now() }, by, 'receipt_confirmed', note);
  }

  /**
   * `statusCheckAt`: when to ask the tools that took the deletion as an asynchronous job whether it is done
   * (deletion-status-checks.ts); absent when there is nothing to ask.
   */
  async complete(request: PrivacyRequest, result: unknown, statusCheckAt?: number): Promise<PrivacyRequest> {
    const respondedAt = this.now();
    return this.move(request, 'completed', { result, respondedAt, retainUntil: addCalendarMonths(respondedAt, RETENTION_MONTHS), leaseUntil: null, failure: null, workState: null, statusCheckAt: statusCheckAt ?? null }, 'system', 'completed', null);
  }

  async fail(request: PrivacyRequest, failure: string, result: unknown = null, statusCheckAt?: number): Promise<PrivacyRequest> {
    // Not an answer to the subject: `respondedAt` stays unset and the request stays on the deadline lists.
    return this.move(request, 'failed', { failure, result, respondedAt: null, leaseUntil: null, statusCheckAt: statusCheckAt ?? null }, 'system', 'failed', failure);
  }

  /** deletion-certificate-steps.ts's `recordStatusCheck`. */
  async recordStatusCheck(request: PrivacyRequest, certificate: unknown, ended: readonly { name: string; type: string; detail: string }[], nextCheckAt: number | undefined): Promise<void> {
    return recordStatusCheck(this.steps, request, certificate, ended, nextCheckAt);
  }

  /** deletion-certificate-steps.ts's `confirmDeletion`: a completed deletion's follow-up done by hand. */
  async confirmDeletion(workspaceId: string, id: string, destinationId: string, by: StepActor, note: string, keys: Keys): Promise<PrivacyRequest> {
    return confirmDeletion(this.steps, workspaceId, id, destinationId, by, note, keys);
  }

  /** deletion-certificate-steps.ts's `withdrawDeletionConfirmation`. */
  async withdrawDeletionConfirmation(workspaceId: string, id: string, destinationId: string, by: StepActor, reason: string, keys: Keys): Promise<PrivacyRequest> {
    return withdrawDeletionConfirmation(this.steps, workspaceId, id, destinationId, by, reason, keys);
  }

  /**
   * Sends the subject a new download link for a completed access or "know" request (theirs expired, or the email
   * was lost): the step `link_sent`, which the subject notices turn into an email to the request's contact address
   * with a fresh link (subject-notices.ts). `no_download_link` for any other request, or one without a contact
   * address. Asked for by the privacy team (the API's `send-link`) or by the subject on the hosted page
   * (subject-new-links.ts, with `note` saying so).
   */
  async sendNewLink(workspaceId: string, id: string, by: StepActor, note = 'a new download link was sent to the contact email address'): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (request.type !== 'access' && request.type !== 'know') {
      throw new SluiceError('no_download_link', `Request ${id} is a ${request.type} request; only access and know requests have a download link.`);
    }
    if (request.status !== 'completed') {
      throw new SluiceError('no_download_link', `Request ${id} is ${request.status}; its download link is sent once it is completed.`);
    }
    if (!request.contactEmail) {
      throw new SluiceError('no_download_link', `Request ${id} has no contact email address to send a link to; give the person the result another way (GET /privacy-requests/${id}/result).`);
    }
    return this.move(request, request.status, {}, by, 'link_sent', note);
  }

  /**
   * Records that a member sent again an email to the subject that had been given up (subject-email-outbox.ts's
   * `sendAgain`): the step `email_sent_again`, in the history and the audit log, `note` naming the email.
   */
  async recordEmailSentAgain(request: PrivacyRequest, by: StepActor, note: string): Promise<PrivacyRequest> {
    return this.move(request, request.status, {}, by, 'email_sent_again', note);
  }

  /**
   * Changes where the request's emails go (`contactEmail`), with the reason (the address was mistyped when the team
   * opened it, or the mail server refused it and the person gave another): the step `contact_email_changed`, in the
   * history and the audit log with both addresses masked. Emails already sent are not sent again by this; a given-up
   * one is sent to the new address with `send-again`. The subject's identifiers are not changed, and a new address is
   * not proven by a code as the hosted page's first one was: the team checks who asks for it.
   */
  async changeContactEmail(workspaceId: string, id: string, by: StepActor, email: string, reason: string): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    const to = email.trim();
    if (request.contactEmail !== null && request.contactEmail.toLowerCase() === to.toLowerCase()) return request;
    const from = request.contactEmail === null ? 'none' : maskEmail(request.contactEmail);
    const proven = request.channel === 'subject_portal' ? ' (the new address was not proven by a code)' : '';
    return this.move(request, request.status, { contactEmail: to }, by, 'contact_email_changed', `contact email changed from ${from} to ${maskEmail(to)}${proven}: ${reason}`);
  }

  /** Records that an export or result was handed out (who, which format): part of the request's history. */
  async recordDownload(request: PrivacyRequest, by: StepActor, what: string): Promise<PrivacyRequest> {
    return this.move(request, request.status, {}, by, 'result_downloaded', what);
  }

  /** Puts a request back for another attempt later (outage, destination asking to retry). */
  /**
   * Parks an objection whose purposes name no consent category until the privacy team decides on them
   * (objection-purposes.ts): it stays `processing` (open, on the deadline lists), is not run again by itself, and the
   * step `objection_awaiting_decision` (audited) names the purposes.
   */
  async awaitObjectionDecision(request: PrivacyRequest, state: ObjectionWaiting): Promise<PrivacyRequest> {
    const { deniedCategories, awaiting } = state.objection;
    const denied = deniedCategories.length > 0 ? `; consent categories denied already: ${deniedCategories.join(', ')}` : '';
    const note = `purposes no consent category covers, for the privacy team to decide (stop, or refuse on compelling legitimate grounds; never refuse direct marketing): ${awaiting.map((p) => JSON.stringify(p)).join(', ')}${denied}`;
    return this.move(request, 'processing', { nextAttemptAt: WAITS_FOR_A_PERSON, leaseUntil: null, workState: state }, 'system', 'objection_awaiting_decision', note);
  }

  /** objection-purposes.ts's `decideObjection`: the team's decision on each purpose of a parked objection; completes it. */
  async decideObjection(workspaceId: string, id: string, decisions: readonly { purpose: string; outcome: 'stopped' | 'refused'; note: string }[], by: StepActor): Promise<PrivacyRequest> {
    return decideObjection(this.steps, workspaceId, id, decisions, by, (respondedAt) => addCalendarMonths(respondedAt, RETENTION_MONTHS));
  }

  /** Objections waiting for the team's decision on purposes no consent category covers, soonest due first. */
  async awaitingObjectionDecisions(workspaceId: string): Promise<PrivacyRequest[]> {
    return this.lists.awaitingObjectionDecisions(workspaceId);
  }

  async postpone(request: PrivacyRequest, afterMs: number, note: string): Promise<PrivacyRequest> {
    const patch: RequestPatch = { attempts: request.attempts + 1, nextAttemptAt: this.now() + afterMs, leaseUntil: null };
    return this.move(request, 'processing', patch, 'system', 'attempt_postponed', note);
  }

  private move(request: PrivacyRequest, to: RequestStatus, patch: RequestPatch, by: StepActor, action: string, note: string | null): Promise<PrivacyRequest> {
    return this.steps.move(request, to, patch, by, action, note);
  }

  /**
   * Records that receipt was confirmed to the subject some other way (a letter, a call): the answer to a
   * request without a contact address. Once is enough: a request confirmed already is returned as it is.
   */
  async recordReceiptConfirmation(workspaceId: string, id: string, by: StepActor): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    if (request.receiptConfirmedAt !== null) return request;
    return this.confirmReceipt(request, by, 'receipt confirmed to the subject (recorded by an admin)');
  }

  // The queue's lists (request-lists.ts).

  async list(workspaceId: string, filter: { status?: RequestStatus; type?: RequestType; limit?: number }): Promise<PrivacyRequest[]> {
    return this.lists.list(workspaceId, filter);
  }

  /** Open requests past their due date, most overdue first. */
  async overdue(workspaceId: string): Promise<PrivacyRequest[]> {
    return this.lists.overdue(workspaceId);
  }

  /** Open requests whose receipt was not confirmed to the subject by its due date (CCPA 7021(a)), most overdue first. */
  async receiptOverdue(workspaceId: string): Promise<PrivacyRequest[]> {
    return this.lists.receiptOverdue(workspaceId);
  }

  /** Open requests due within `days` days (overdue ones included), soonest first. */
  async dueSoon(workspaceId: string, days: number): Promise<PrivacyRequest[]> {
    return this.lists.dueSoon(workspaceId, days);
  }

  /** Completed deletions with destinations a person must follow up, newest first (among the newest 1,000). */
  async withDeletionFollowUps(workspaceId: string): Promise<PrivacyRequest[]> {
    return this.lists.withDeletionFollowUps(workspaceId);
  }

  /** Completed corrections with a recipient whose delivery failed, newest first (among the newest 1,000). */
  async withCorrectionFollowUps(workspaceId: string): Promise<PrivacyRequest[]> {
    return this.lists.withCorrectionFollowUps(workspaceId);
  }

  /** correction-follow-up.ts's `retryCorrectionRecipients`: a completed correction sent again to its failed recipients. */
  async retryCorrectionRecipients(workspaceId: string, id: string, by: StepActor, retries: DeliveryRetry | undefined): Promise<PrivacyRequest> {
    return retryCorrectionRecipients(this.steps, retries, workspaceId, id, by);
  }

  /** correction-confirmed-by-hand.ts's `confirmCorrectionByHand`: a failed recipient of a completed correction told another way. */
  async confirmCorrection(workspaceId: string, id: string, destinationId: string, by: StepActor, note: string): Promise<PrivacyRequest> {
    return confirmCorrectionByHand(this.steps, workspaceId, id, destinationId, by, note);
  }

  /** correction-confirmed-by-hand.ts's `withdrawCorrectionConfirmation`: a confirmation by hand made by mistake, withdrawn. */
  async withdrawCorrectionConfirmation(workspaceId: string, id: string, destinationId: string, by: StepActor, reason: string): Promise<PrivacyRequest> {
    return withdrawCorrectionConfirmation(this.steps, workspaceId, id, destinationId, by, reason);
  }

  /** correction-follow-up.ts's `checkRetriedRecipients` (the executor's status check of a correction). */
  async checkRetriedRecipients(request: PrivacyRequest): Promise<void> {
    return checkRetriedRecipients(this.steps, request);
  }
}
