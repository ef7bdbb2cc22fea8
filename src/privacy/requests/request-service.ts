import type { Keys } from '../../core/crypto/keys.js';
import { findCategory, type ConsentCategory } from '../../core/consent/consent-category.js';
import { SluiceError } from '../../core/errors.js';
import { isBlockedIdentifier } from '../../core/identity/blocked-identifiers.js';
import { newId } from '../../core/ids.js';
import type { Store } from '../../store/store.js';
import { consentCategoriesOf } from '../privacy-config.js';
import { addCalendarMonths, dueAt, extendedDueAt, receiptConfirmationDueAt, type Regulation } from './deadlines.js';
import { deletionCertificateOf, type DeletionCertificate } from './certificate.js';
import { confirmDeletionByHand, deletionFollowUps, withdrawHandConfirmation, type ConfirmRefusal } from './deletion-follow-up.js';
import { NO_AUDIT, type RequestAuditSink } from './request-audit.js';
import type { RequestPatch } from './request-repository.js';
import { requestSettingsOf } from './request-settings.js';
import {
  canTransition,
  isAnswered,
  isReceiptOverdue,
  needsVerification,
  RETENTION_MONTHS,
  TERMINAL_STATUSES,
  type AuthorizedAgent,
  type ClosedWithoutDecision,
  type PrivacyRequest,
  type RequestChannel,
  type RequestParams,
  type RequestStatus,
  type RequestSubject,
  type RequestTransition,
  type RequestType,
} from './request.js';

export interface NewRequestInput {
  readonly type: RequestType;
  readonly subject: RequestSubject;
  readonly regulation?: Regulation;
  readonly params?: RequestParams;
  /** The caller vouches that the subject's identity was verified. */
  readonly verified?: boolean;
  readonly agent?: AuthorizedAgent;
  readonly contactEmail?: string;
  readonly channel: RequestChannel;
  /** Why the request was opened, recorded with its first step (e.g. what Sluice saw when it opened one itself). */
  readonly note?: string;
}

/**
 * Who takes a step: the actor (`api-auth.ts`'s string, `system`, `subject (...)`), with the IP address of the HTTP
 * request that asked for it when one did, which the audit log records as it does for every other API call.
 */
export type StepActor = string | { readonly actor: string; readonly ip: string };

const nameOf = (by: StepActor): string => (typeof by === 'string' ? by : by.actor);
const ipOf = (by: StepActor): string | undefined => (typeof by === 'string' ? undefined : by.ip);

/** Told about every lifecycle step once it is stored (notices to the subject, the executor's wake-up). */
export type TransitionListener = (request: PrivacyRequest, transition: RequestTransition) => Promise<void> | void;

/** Requests still owing the subject an answer: the deadline lists. A failed one is among them until it is retried to an end. */
const OPEN_STATUSES: readonly RequestStatus[] = ['received', 'verifying', 'awaiting_approval', 'processing', 'failed'];

/**
 * The lifecycle of data-subject requests: intake, verification, approval, denial, extension, completion.
 * Every step is a conditional transition recorded with who and when (and sent to the audit sink).
 */
export class RequestService {
  private readonly listeners: TransitionListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly options: { audit?: RequestAuditSink; now?: () => number; logError?: (error: unknown) => void } = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private get audit(): RequestAuditSink {
    return this.options.audit ?? NO_AUDIT;
  }

  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  private async announce(request: PrivacyRequest, transition: RequestTransition, ip: string | undefined): Promise<void> {
    await this.audit.record({
      workspaceId: request.workspaceId,
      actor: transition.actor,
      ...(ip !== undefined && { ip }),
      action: `privacy_request.${transition.action}`,
      requestId: request.id,
      details: { type: request.type, from: transition.from, to: transition.to, ...(transition.note ? { note: transition.note } : {}) },
    });
    for (const listener of this.listeners) {
      try {
        await listener(request, transition);
      } catch (error) {
        this.options.logError?.(error);
      }
    }
  }

  async load(workspaceId: string, id: string): Promise<PrivacyRequest> {
    const request = await this.store.privacyRequests.get(workspaceId, id);
    if (!request) throw new SluiceError('not_found', `No privacy request ${id} in this workspace.`);
    return request;
  }

  /** Records a new request, then runs it as far as it can go without a person (verification, approval). */
  async create(workspaceId: string, input: NewRequestInput, by: StepActor): Promise<PrivacyRequest> {
    validateInput(input);
    const actor = nameOf(by);
    const workspace = await this.store.workspaces.get(workspaceId);
    validateCategories(input, consentCategoriesOf(workspace?.settings ?? {}));
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
    await this.store.privacyRequests.create(request, created);
    await this.announce(request, created, ipOf(by));
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
    if (request.verifiedBy !== null && (await this.samePerson(workspaceId, request.verifiedBy, actor))) {
      throw new SluiceError('approval_needs_another_person', `Request ${id} was verified by ${actor}; this workspace requires approval by someone else. Ask another member with privacy:write to approve it.`);
    }
    return this.move(request, 'processing', { nextAttemptAt: null }, by, 'approved', null);
  }

  /** Whether two actors are one person: the same actor, or the same member behind a token or a console session. */
  private async samePerson(workspaceId: string, a: string, b: string): Promise<boolean> {
    if (a === b) return true;
    const [x, y] = await Promise.all([this.personOf(workspaceId, a), this.personOf(workspaceId, b)]);
    return x !== undefined && x === y;
  }

  /**
   * The member an actor string (`api-auth.ts`) stands for: `member:<id> (...)` is that member, `token:<id> (...)`
   * the member who owns the token (tokens a member created carry their id); undefined for a token of no member
   * (the bootstrap token, tokens an earlier version created) and for `system` or the subject.
   */
  private async personOf(workspaceId: string, actor: string): Promise<string | undefined> {
    const member = /^member:(\S+)/.exec(actor)?.[1];
    if (member !== undefined) return member;
    const tokenId = /^token:(\S+)/.exec(actor)?.[1];
    if (tokenId === undefined) return undefined;
    const token = (await this.store.tokens.list(workspaceId)).find((t) => t.id === tokenId);
    return token?.memberId ?? undefined;
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

  /**
   * Saves a deletion status check (deletion-status-checks.ts): the updated certificate and the next check. A job
   * that ended (done, failed, or no longer asked about) is a step of the request's history, one per destination,
   * in the audit log; a job still running only updates the certificate. Once no job is left running, one more
   * step (`deletion_jobs_settled`) says so: the subject's notice of how the deletion ended at the tools hangs on it
   * (subject-notices.ts), as the completion notice hangs on `completed`.
   */
  async recordStatusCheck(request: PrivacyRequest, certificate: unknown, ended: readonly { name: string; type: string; detail: string }[], nextCheckAt: number | undefined): Promise<void> {
    if (ended.length === 0) {
      await this.store.privacyRequests.saveStatusCheck(request.workspaceId, request.id, certificate, nextCheckAt ?? null);
      return;
    }
    // The certificate goes with the first step, in its transaction.
    let current = request;
    for (const [i, d] of ended.entries()) {
      current = await this.move(current, current.status, i === 0 ? { result: certificate, statusCheckAt: nextCheckAt ?? null } : {}, 'system', 'deletion_job_ended', `${d.name} (${d.type}): ${d.detail}`);
    }
    if (nextCheckAt === undefined) {
      const told = current.contactEmail ? '; the subject is told how it ended' : '';
      await this.move(current, current.status, {}, 'system', 'deletion_jobs_settled', `no deletion job is left running at a tool${told}`);
    }
  }

  /**
   * A member declares that a completed deletion's follow-up (deletion-follow-up.ts) is done: the data is deleted at
   * the destination whose job failed or was never confirmed (they asked the tool, or deleted there by hand). The
   * certificate is re-issued with the entry `deleted`, naming them and their note; a step of the request's history
   * (`deletion_confirmed_by_hand`) and an audit entry record it. The request stays completed.
   */
  async confirmDeletion(workspaceId: string, id: string, destinationId: string, by: StepActor, note: string, keys: Keys): Promise<PrivacyRequest> {
    return this.changeCertificate(workspaceId, id, destinationId, by, {
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
  async withdrawDeletionConfirmation(workspaceId: string, id: string, destinationId: string, by: StepActor, reason: string, keys: Keys): Promise<PrivacyRequest> {
    return this.changeCertificate(workspaceId, id, destinationId, by, {
      change: (certificate, now) => withdrawHandConfirmation(keys, certificate, destinationId, { actor: nameOf(by), reason, now }),
      refusal: 'no_hand_confirmation',
      action: 'deletion_confirmation_withdrawn',
      note: reason,
    });
  }

  /** Re-issues a completed deletion's certificate with one destination's entry changed by a person, as a step of its history. */
  private async changeCertificate(
    workspaceId: string,
    id: string,
    destinationId: string,
    by: StepActor,
    how: { change: (certificate: DeletionCertificate, now: number) => DeletionCertificate | ConfirmRefusal; refusal: 'no_deletion_follow_up' | 'no_hand_confirmation'; action: string; note: string },
  ): Promise<PrivacyRequest> {
    const request = await this.load(workspaceId, id);
    const certificate = request.type === 'delete' && request.status === 'completed' ? deletionCertificateOf(request.result) : undefined;
    if (!certificate) {
      throw new SluiceError('request_state_conflict', `Request ${id} is a ${request.status} ${request.type} request; only a completed deletion has deletions confirmed by hand.`);
    }
    const changed = how.change(certificate, this.now());
    if ('refused' in changed) throw new SluiceError(how.refusal, changed.refused);
    // A status check of the request's other jobs may have re-issued the certificate since it was read: not overwritten.
    if (deletionCertificateOf((await this.load(workspaceId, id)).result)?.issuedAt !== certificate.issuedAt) {
      throw new SluiceError('request_state_conflict', `Request ${id}'s certificate was re-issued meanwhile (a deletion status check); reload it and try again.`);
    }
    const entry = certificate.destinations.find((d) => d.destinationId === destinationId)!;
    return this.move(request, 'completed', { result: changed }, by, how.action, `${entry.name} (${entry.type}): ${how.note}`);
  }

  /**
   * Completed deletions with destinations a person must follow up (deletion-follow-up.ts), newest first; among the
   * newest 1,000 completed deletions.
   */
  async withDeletionFollowUps(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: ['completed'], type: 'delete', limit: 1000 });
    return rows.filter((r) => deletionFollowUps(r).length > 0);
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

  /** Records that an export or result was handed out (who, which format): part of the request's history. */
  async recordDownload(request: PrivacyRequest, by: StepActor, what: string): Promise<PrivacyRequest> {
    return this.move(request, request.status, {}, by, 'result_downloaded', what);
  }

  /** Puts a request back for another attempt later (outage, destination asking to retry). */
  async postpone(request: PrivacyRequest, afterMs: number, note: string): Promise<PrivacyRequest> {
    const patch: RequestPatch = { attempts: request.attempts + 1, nextAttemptAt: this.now() + afterMs, leaseUntil: null };
    return this.move(request, 'processing', patch, 'system', 'attempt_postponed', note);
  }

  private async move(request: PrivacyRequest, to: RequestStatus, patch: RequestPatch, by: StepActor, action: string, note: string | null): Promise<PrivacyRequest> {
    if (to !== request.status && !canTransition(request.status, to)) {
      throw new SluiceError('request_state_conflict', `Request ${request.id} cannot go from ${request.status} to ${to}.`);
    }
    const transition: RequestTransition = { requestId: request.id, from: request.status, to, at: this.now(), actor: nameOf(by), action, note };
    const updated = await this.store.privacyRequests.transition(request.workspaceId, request.id, request.status, patch, transition);
    if (!updated) throw new SluiceError('request_state_conflict', `Request ${request.id} changed while this action ran; reload it and try again.`);
    await this.announce(updated, transition, ipOf(by));
    return updated;
  }

  async list(workspaceId: string, filter: { status?: RequestStatus; type?: RequestType; limit?: number }): Promise<PrivacyRequest[]> {
    return this.store.privacyRequests.list(workspaceId, { ...(filter.status && { status: [filter.status] }), ...(filter.type && { type: filter.type }), limit: filter.limit ?? 100 });
  }

  /** Open requests past their due date, most overdue first. */
  async overdue(workspaceId: string): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, dueBefore: this.now(), order: 'due', limit: 1000 });
    return rows.sort((a, b) => a.dueAt - b.dueAt);
  }

  /**
   * Open requests whose receipt was not confirmed to the subject by its due date (CCPA 7021(a): 10 business days;
   * an email confirms it by itself when the request has a contact address), most overdue first.
   */
  async receiptOverdue(workspaceId: string): Promise<PrivacyRequest[]> {
    const now = this.now();
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, order: 'due', limit: 1000 });
    return rows.filter((r) => isReceiptOverdue(r, now)).sort((a, b) => a.receiptDueAt - b.receiptDueAt);
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

  /** Open requests due within `days` days (overdue ones included), soonest first. */
  async dueSoon(workspaceId: string, days: number): Promise<PrivacyRequest[]> {
    const rows = await this.store.privacyRequests.list(workspaceId, { status: OPEN_STATUSES, dueBefore: this.now() + days * 86_400_000, order: 'due', limit: 1000 });
    return rows.sort((a, b) => a.dueAt - b.dueAt);
  }
}

/** Each type-specific parameter, the types it applies to, and what it does there: given to another type it would be ignored. */
const PARAMETERS: readonly (readonly [keyof RequestParams, readonly RequestType[], string])[] = [
  ['traits', ['correct'], 'the corrected values'],
  ['categories', ['object'], 'the consent categories objected to'],
  ['purposes', ['object'], 'the purposes objected to'],
  ['suppress', ['delete'], 'whether a hashed suppression entry keeps the erased person out'],
];

function validateInput(input: NewRequestInput): void {
  const { userId, anonymousId, email } = input.subject;
  if (!userId && !anonymousId && !email) {
    throw new SluiceError('validation_failed', 'The subject needs at least one identifier: subject.userId, subject.anonymousId or subject.email.');
  }
  // "null", "undefined", "anonymous", "0", ...: what apps send for people they do not know. Such a value names
  // nobody (the identity graph never links it), and every visitor's events may carry it: a deletion would erase
  // them all, a suppression would drop them all from then on.
  for (const [field, value] of [['userId', userId], ['anonymousId', anonymousId]] as const) {
    if (value && isBlockedIdentifier(value)) {
      throw new SluiceError(
        'validation_failed',
        `subject.${field} ${JSON.stringify(value)} is a placeholder apps send for people they do not know (like null, undefined, anonymous, 0 or -1): it names no one person, and a request on it would act on every visitor's events that carry it. Name the person's own userId, anonymousId or email.`,
      );
    }
  }
  for (const [param, types, what] of PARAMETERS) {
    if (input.params?.[param] !== undefined && !types.includes(input.type)) {
      throw new SluiceError('validation_failed', `\`${param}\` applies to ${types.join(' and ')} requests only, not to ${input.type} requests${input.type === 'opt_out' && param === 'categories' ? ' (an opt-out denies the categories marked gpc: true; to object to other categories, make an object request)' : ''}: ${what}. Leave it out, or choose the type it belongs to.`);
    }
  }
  if (input.type === 'correct' && (!input.params?.traits || Object.keys(input.params.traits).length === 0)) {
    throw new SluiceError('validation_failed', 'A correct request carries the corrected values as `traits` (an object with at least one trait).');
  }
  if (input.agent && !input.agent.proofReference.trim()) {
    throw new SluiceError('validation_failed', 'An authorized agent needs `agent.proofReference`: the reference of the signed permission or power of attorney (CCPA 7063).');
  }
}

/**
 * An objection names consent categories of the workspace (by id or name, any case): one it does not have would be
 * accepted, then fail at every attempt while the legal clock runs, so it is refused at intake.
 */
function validateCategories(input: NewRequestInput, categories: readonly ConsentCategory[]): void {
  const unknown = (input.params?.categories ?? []).filter((key) => !findCategory(categories, key));
  if (input.type !== 'object' || unknown.length === 0) return;
  throw new SluiceError(
    'validation_failed',
    `categories names ${unknown.map((k) => JSON.stringify(k)).join(', ')}, which ${unknown.length === 1 ? 'is not a consent category' : 'are not consent categories'} of this workspace; it has ${categories.map((c) => c.id).join(', ')}. Name those objected to, or leave categories out to object to every optional one.`,
  );
}
