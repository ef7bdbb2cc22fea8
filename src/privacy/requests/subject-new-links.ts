import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { hideEmailsIn, maskEmail } from '../../core/privacy/personal-text.js';
import { truncateIp } from '../../core/privacy/truncate-ip.js';
import type { Store } from '../../store/store.js';
import { CODE_ATTEMPTS, checkEmailCode, issueEmailCode, NEW_LINK_CODE_PREFIX } from './email-codes.js';
import { IntakeLimiter, SUBJECT_INTAKE_LIMITS } from './intake-limiter.js';
import type { RequestService } from './request-service.js';
import type { PrivacyRequest } from './request.js';
import type { NoticeMailer } from './subject-notices.js';
import { requestLanguageOf } from './request-input.js';
import { SUBJECT_EMAIL_TEXTS } from './subject-email-texts.js';
import { readableTime } from './subject-wording.js';

/** The requests a new link is sent for: those with a download link, answered, at the address that proved itself. */
const LINKED_TYPES = ['access', 'know'] as const;
/** At most this many of a person's requests get a new link at once (the newest). */
const MAX_RENEWED = 20;

export interface NewLinkChallenge {
  /** The reference of this code: the path of the verify call. */
  readonly id: string;
  readonly verification: { readonly method: 'email'; readonly sentTo: string; readonly expiresAt: number; readonly emailSent: boolean };
}

/** A request whose download link was sent again. */
export interface RenewedLink {
  readonly id: string;
  readonly type: (typeof LINKED_TYPES)[number];
  readonly receivedAt: number;
  readonly respondedAt: number | null;
}

export interface SubjectNewLinksDeps {
  readonly store: Store;
  readonly requests: RequestService;
  readonly keys: Keys;
  readonly mailer: NoticeMailer;
  readonly logger: Logger;
  readonly limiter?: IntakeLimiter;
  readonly now?: () => number;
}

/** The code is bound to the workspace, this challenge and the email address it was sent to (which is not stored). */
function codePayload(workspaceId: string, challengeId: string, email: string, code: string): string {
  return `privacy-new-link-code\u0000${workspaceId}\u0000${challengeId}\u0000${email}\u0000${code}`;
}

const normalised = (email: string) => email.trim().toLowerCase();

/**
 * A data subject gets a new download link for their completed access or "know" request themselves, on the hosted
 * page, instead of asking the business (`send-link`): they give their email, type the 6-digit code sent there (the
 * hosted page's verification: valid 10 minutes, 3 guesses, kept only as an HMAC, which binds the address, so the
 * address is not stored), and each such request answered at that address gets the `link_sent` step (audited, with
 * the subject's truncated IP) and its email with a fresh link. Asking answers the same whether or not the address
 * has a request, and the code email goes out either way: only whoever reads that mailbox learns what is there.
 * Rate limited with the page's other actions (asking counts as a submission per IP and per address, a code check
 * as a code check).
 *
 * @example
 *   const { id } = await links.ask(source, 'ada@example.com', ip);
 *   const renewed = await links.verify(source, id, 'ada@example.com', '123456', ip); // each emailed a new link
 */
export class SubjectNewLinks {
  private readonly limiter: IntakeLimiter;

  constructor(private readonly deps: SubjectNewLinksDeps) {
    this.limiter = deps.limiter ?? IntakeLimiter.forSubjects(deps.store, deps.keys, deps.now);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private get codes() {
    return { codes: this.deps.store.privacyRequests, keys: this.deps.keys };
  }

  /** `languageAsked`: the hosted page's language, the code email's (default English; the new links are each in their request's). */
  async ask(source: { id: string; workspaceId: string }, emailGiven: string, ip: string, languageAsked?: string): Promise<NewLinkChallenge> {
    const email = normalised(emailGiven);
    const language = requestLanguageOf({ language: languageAsked });
    await this.limiter.hit(`submit-ip:${ip}`, SUBJECT_INTAKE_LIMITS.submitPerIp);
    await this.limiter.hit(`submit-email:${source.workspaceId}:${email}`, SUBJECT_INTAKE_LIMITS.submitPerEmail);
    const id = newId(NEW_LINK_CODE_PREFIX);
    const { code, expiresAt } = await issueEmailCode(this.codes, { id, workspaceId: source.workspaceId }, (c) => codePayload(source.workspaceId, id, email, c), this.now());
    const sent = await this.deps.mailer.send({
      to: email,
      workspaceId: source.workspaceId,
      subject: SUBJECT_EMAIL_TEXTS[language].newLinkCode.subject,
      text: SUBJECT_EMAIL_TEXTS[language].newLinkCode.lines({ code, expiresAt: readableTime(expiresAt, language), attempts: CODE_ATTEMPTS }).join('\n'),
    });
    if (!sent.ok) this.deps.logger.warn({ challengeId: id, reason: hideEmailsIn(sent.reason, '[email]') }, 'new download link code not sent');
    return { id, verification: { method: 'email', sentTo: maskEmail(email), expiresAt, emailSent: sent.ok } };
  }

  /**
   * Checks the code (with the address it was sent to). Right: every completed access or know request whose answer
   * went to that address gets a new link by email (`RequestService.sendNewLink`), newest first, and they are
   * listed; none may be listed. Wrong: as the hosted page's request codes (`verification_code_invalid` with
   * `attemptsLeft`, then `verification_attempts_exceeded`; `verification_code_expired`).
   */
  async verify(source: { id: string; workspaceId: string }, challengeId: string, emailGiven: string, code: string, ip: string): Promise<{ sentTo: string; requests: RenewedLink[] }> {
    await this.limiter.hit(`verify-ip:${ip}`, SUBJECT_INTAKE_LIMITS.verifyPerIp);
    const ws = source.workspaceId;
    const email = normalised(emailGiven);
    const { store, requests } = this.deps;
    if (!challengeId.startsWith(`${NEW_LINK_CODE_PREFIX}_`)) {
      throw new SluiceError('not_found', `${challengeId} is not the reference of a code for a new link; ask for a new link again.`);
    }
    const check = await checkEmailCode(this.codes, { id: challengeId, workspaceId: ws }, codePayload(ws, challengeId, email, code), this.now());
    if (check.kind === 'none') {
      throw new SluiceError('verification_attempts_exceeded', 'This code can no longer be used (it was used, or its attempts are used up); ask for a new link again to get a new code.');
    }
    if (check.kind === 'expired') {
      throw new SluiceError('verification_code_expired', 'This code has expired (codes are valid for 10 minutes); ask for a new link again to get a new code.');
    }
    if (check.kind === 'exhausted') {
      throw new SluiceError('verification_attempts_exceeded', `${CODE_ATTEMPTS} wrong codes: ask for a new link again to get a new code.`);
    }
    if (check.kind === 'wrong') {
      const { attemptsLeft } = check;
      throw new SluiceError('verification_code_invalid', `That code is not right for this email address; check the email and try again (${attemptsLeft} attempt${attemptsLeft === 1 ? '' : 's'} left).`, { attemptsLeft });
    }

    const answered: PrivacyRequest[] = [];
    for (const type of LINKED_TYPES) answered.push(...(await store.privacyRequests.list(ws, { status: ['completed'], type, contactEmail: email, limit: MAX_RENEWED })));
    answered.sort((a, b) => b.receivedAt - a.receivedAt);
    const by = { actor: 'subject (one-time code by email)', ip: truncateIp(ip) };
    const renewed: RenewedLink[] = [];
    for (const request of answered.slice(0, MAX_RENEWED)) {
      const sent = await requests.sendNewLink(ws, request.id, by, `the subject asked for it on the privacy page, verified by a one-time code sent to ${maskEmail(email)}`);
      renewed.push({ id: sent.id, type: sent.type as RenewedLink['type'], receivedAt: sent.receivedAt, respondedAt: sent.respondedAt });
    }
    return { sentTo: maskEmail(email), requests: renewed };
  }
}
