import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import type { Store } from '../../store/store.js';
import type { Regulation } from './deadlines.js';
import { CODE_ATTEMPTS, checkEmailCode, issueEmailCode } from './email-codes.js';
import { IntakeLimiter, SUBJECT_INTAKE_LIMITS } from './intake-limiter.js';
import type { RequestService } from './request-service.js';
import { needsVerification, type PrivacyRequest, type RequestParams, type RequestSubject } from './request.js';
import type { NoticeMailer } from './subject-notices.js';
import { SUBJECT_EMAIL_TEXTS } from './subject-email-texts.js';
import { readableTime } from './subject-wording.js';
import { hideEmailsIn, maskEmail } from '../../core/privacy/personal-text.js';
import { truncateIp } from '../../core/privacy/truncate-ip.js';

/** What a subject may ask for themselves (suppression lists and lifting restrictions stay with admins). */
export const SUBJECT_REQUEST_TYPES = ['access', 'delete', 'correct', 'restrict', 'object', 'opt_out', 'limit_sensitive', 'know'] as const;
export type SubjectRequestType = (typeof SUBJECT_REQUEST_TYPES)[number];

export interface SubjectSubmission {
  readonly type: SubjectRequestType;
  readonly email?: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly regulation?: Regulation;
  readonly params?: RequestParams;
  /** The language the person filed in (the hosted page's): their emails are written in it. Default English. */
  readonly language?: string;
}

export interface SubmissionResult {
  readonly request: PrivacyRequest;
  /** Present when the request waits for the emailed code. */
  readonly verification?: { readonly method: 'email'; readonly sentTo: string; readonly expiresAt: number; readonly emailSent: boolean };
  /** Identifiers given but not used, with why (they are not linked to the verified email). */
  readonly ignored: readonly { readonly identifier: 'userId' | 'anonymousId'; readonly reason: string }[];
}

export interface SubjectIntakeDeps {
  readonly store: Store;
  readonly requests: RequestService;
  readonly keys: Keys;
  readonly mailer: NoticeMailer;
  readonly logger: Logger;
  readonly limiter?: IntakeLimiter;
  readonly now?: () => number;
}

function codePayload(workspaceId: string, requestId: string, code: string): string {
  return `privacy-request-code\u0000${workspaceId}\u0000${requestId}\u0000${code}`;
}

/**
 * Requests made by data subjects themselves, through a site's public endpoint (authenticated by the source's
 * writeKey): the request is recorded at once (its legal clock starts), and one that needs verification waits
 * for a 6-digit one-time code sent to the subject's email (valid 10 minutes, 3 guesses, stored only as an
 * HMAC). Only the email is proven, so a userId or anonymousId given alongside is used only when Sluice's
 * identity graph links it to that email; requests that need no verification (opt-out, limiting sensitive
 * data) take the identifiers as given. The steps the subject takes are audited with their IP address
 * truncated (`truncateIp`: /24, /48; decision 0604): the audit log cannot be erased, and an address is theirs;
 * the intake limits count the whole address (hashed).
 *
 * @example
 *   const { request, verification } = await intake.submit(source, { type: 'access', email: 'ada@example.com' }, ip);
 *   await intake.verify(source, request.id, '123456', ip); // -> processing
 */
export class SubjectIntake {
  private readonly limiter: IntakeLimiter;

  constructor(private readonly deps: SubjectIntakeDeps) {
    this.limiter = deps.limiter ?? IntakeLimiter.forSubjects(deps.store, deps.keys, deps.now);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private get codes() {
    return { codes: this.deps.store.privacyRequests, keys: this.deps.keys };
  }

  async submit(source: { id: string; workspaceId: string }, input: SubjectSubmission, ip: string): Promise<SubmissionResult> {
    if (!(SUBJECT_REQUEST_TYPES as readonly string[]).includes(input.type)) {
      throw new SluiceError('validation_failed', `"type" must be one of ${SUBJECT_REQUEST_TYPES.join(', ')}.`, { path: 'type' });
    }
    const verify = needsVerification(input.type);
    const email = input.email?.trim().toLowerCase();
    if (verify && !email) {
      throw new SluiceError('validation_failed', `A ${input.type} request needs your email address ("email"): a 6-digit code is sent there to confirm it is you.`, { path: 'email' });
    }
    if (!email && !input.userId && !input.anonymousId) {
      throw new SluiceError('validation_failed', 'Name yourself: "email", "userId" or "anonymousId".', { path: 'email' });
    }
    await this.limiter.hit(`submit-ip:${ip}`, SUBJECT_INTAKE_LIMITS.submitPerIp);
    if (email) await this.limiter.hit(`submit-email:${source.workspaceId}:${email}`, SUBJECT_INTAKE_LIMITS.submitPerEmail);

    const ws = source.workspaceId;
    const ignored: { identifier: 'userId' | 'anonymousId'; reason: string }[] = [];
    let subject: RequestSubject;
    if (verify) {
      // Only the email is proven by the code: other identifiers count only when linked to it.
      const linked = await this.deps.store.identities.linkedIdentities(ws, email!);
      const keep = (identifier: 'userId' | 'anonymousId', value: string | undefined, known: readonly string[] | undefined) => {
        if (value === undefined) return undefined;
        if (known?.includes(value)) return value;
        ignored.push({ identifier, reason: `not linked to ${maskEmail(email!)} in this site's records, so the code cannot prove it is yours; the request covers everything linked to your email` });
        return undefined;
      };
      const userId = keep('userId', input.userId, linked?.userIds);
      const anonymousId = keep('anonymousId', input.anonymousId, linked?.anonymousIds);
      subject = { email: email!, ...(userId !== undefined && { userId }), ...(anonymousId !== undefined && { anonymousId }) };
    } else {
      subject = { ...(email !== undefined && { email }), ...(input.userId !== undefined && { userId: input.userId }), ...(input.anonymousId !== undefined && { anonymousId: input.anonymousId }) };
    }

    const request = await this.deps.requests.create(
      ws,
      {
        type: input.type,
        subject,
        channel: 'subject_portal',
        ...(input.regulation !== undefined && { regulation: input.regulation }),
        ...(input.params !== undefined && { params: input.params }),
        ...(email !== undefined && { contactEmail: email }),
        ...(input.language !== undefined && { language: input.language }),
      },
      { actor: `subject (source ${source.id})`, ip: truncateIp(ip) },
    );
    if (request.status !== 'verifying') return { request, ignored };
    const { expiresAt, emailSent } = await this.sendCode(request, email!);
    await this.supersedeEarlier(request, email!, { actor: `subject (source ${source.id})`, ip: truncateIp(ip) });
    return { request, ignored, verification: { method: 'email', sentTo: maskEmail(email!), expiresAt, emailSent } };
  }

  /**
   * A subject whose code email did not arrive (or who lost it) makes the request again: their earlier requests of
   * the same type from the same email, made on the hosted page and still waiting for a code, are closed in favour
   * of the new one (RequestService.supersedeUnverified), their codes deleted, instead of staying `verifying` until
   * the unverified sweep denies them. If that fails, the sweep still closes them.
   */
  private async supersedeEarlier(request: PrivacyRequest, email: string, by: { actor: string; ip: string }): Promise<void> {
    const ws = request.workspaceId;
    try {
      const waiting = await this.deps.store.privacyRequests.list(ws, { status: ['verifying'], type: request.type, channel: 'subject_portal', limit: 100 });
      for (const earlier of waiting) {
        if (earlier.id === request.id || earlier.receivedAt > request.receivedAt || (earlier.contactEmail ?? earlier.subject.email) !== email) continue;
        if (await this.deps.requests.supersedeUnverified(earlier, request, by)) await this.deps.store.privacyRequests.deleteCode(ws, earlier.id);
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, requestId: request.id }, 'earlier unverified privacy requests not closed; the unverified sweep will');
    }
  }

  private async sendCode(request: PrivacyRequest, email: string): Promise<{ expiresAt: number; emailSent: boolean }> {
    const target = { id: request.id, workspaceId: request.workspaceId };
    const { code, expiresAt } = await issueEmailCode(this.codes, target, (c) => codePayload(request.workspaceId, request.id, c), this.now());
    const language = request.language;
    const text = SUBJECT_EMAIL_TEXTS[language].code;
    const sent = await this.deps.mailer.send({
      to: email,
      workspaceId: request.workspaceId,
      subject: text.subject,
      text: text.lines({ code, what: SUBJECT_EMAIL_TEXTS[language].what[request.type], id: request.id, expiresAt: readableTime(expiresAt, language), attempts: CODE_ATTEMPTS }).join('\n'),
    });
    if (!sent.ok) this.deps.logger.warn({ requestId: request.id, reason: hideEmailsIn(sent.reason, '[email]') }, 'privacy request verification code not sent');
    return { expiresAt, emailSent: sent.ok };
  }

  /**
   * Checks the subject's code. Right: the request is verified and runs (or waits for approval). Wrong: an
   * attempt is used up (`verification_code_invalid` with `attemptsLeft`); after the third, or once the code
   * has expired, the request is denied with the reason (the subject can make a new one).
   */
  async verify(source: { id: string; workspaceId: string }, requestId: string, code: string, ip: string): Promise<PrivacyRequest> {
    await this.limiter.hit(`verify-ip:${ip}`, SUBJECT_INTAKE_LIMITS.verifyPerIp);
    const ws = source.workspaceId;
    const { store, requests } = this.deps;
    const request = await store.privacyRequests.get(ws, requestId);
    if (!request || request.channel !== 'subject_portal') throw new SluiceError('not_found', `No privacy request ${requestId} was made on this site; check the reference in the email.`);
    if (request.status !== 'verifying') {
      throw new SluiceError('request_state_conflict', `Request ${requestId} is ${request.status}; there is nothing left to verify.`);
    }
    const check = await checkEmailCode(this.codes, { id: requestId, workspaceId: ws }, codePayload(ws, requestId, code), this.now());
    if (check.kind === 'none') {
      throw new SluiceError('verification_attempts_exceeded', 'No attempts are left for this code; make the request again to get a new code.');
    }
    if (check.kind === 'expired') {
      await requests.deny(ws, requestId, { actor: 'system', ip: truncateIp(ip) }, SUBJECT_EMAIL_TEXTS[request.language].unverified.codeExpired);
      throw new SluiceError('verification_code_expired', 'This code has expired (codes are valid for 10 minutes); make the request again to get a new code.');
    }
    if (check.kind === 'exhausted') {
      await requests.deny(ws, requestId, { actor: 'system', ip: truncateIp(ip) }, SUBJECT_EMAIL_TEXTS[request.language].unverified.wrongCodes(CODE_ATTEMPTS));
      throw new SluiceError('verification_attempts_exceeded', `${CODE_ATTEMPTS} wrong codes: this request was closed unverified; make the request again to get a new code.`);
    }
    if (check.kind === 'wrong') {
      const { attemptsLeft } = check;
      throw new SluiceError('verification_code_invalid', `That code is not right; check the email and try again (${attemptsLeft} attempt${attemptsLeft === 1 ? '' : 's'} left).`, { attemptsLeft });
    }
    const email = request.contactEmail ?? request.subject.email ?? '';
    return requests.verify(ws, requestId, { actor: 'subject (one-time code by email)', ip: truncateIp(ip) }, `verified by a one-time code sent to ${maskEmail(email)}`);
  }
}
