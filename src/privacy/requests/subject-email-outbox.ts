import { randomUUID } from 'node:crypto';
import type { Mailer } from '../../mail/mailer.js';
import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { hideEmailsIn } from '../../core/privacy/personal-text.js';
import type { RequestService } from './request-service.js';
import type { PrivacyRequest } from './request.js';
import type { SubjectEmail, SubjectEmailKind, SubjectEmailOutcome, SubjectEmailRepository } from './subject-email-repository.js';
import { nameOf, type StepActor } from './step-actor.js';

/** What the outbox needs of the mailer. */
export type SubjectMailer = Pick<Mailer, 'send'>;

/**
 * Waits before each retry of an email the mail server may take later (it was unreachable, or answered 4xx): 1, 5, 15
 * and 30 minutes for a restart or a short outage, then every hour, until {@link SUBJECT_EMAIL_WINDOW_MS} (decision 0802).
 */
export const SUBJECT_EMAIL_RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000];
/** How long after its first attempt an email is still tried: a mail server down over a long weekend, not longer. */
export const SUBJECT_EMAIL_WINDOW_MS = 3 * 86_400_000;
/** How long a process holds an email it attempts (SMTP's connection, greeting and socket timeouts are 30 s each). */
const CLAIM_MS = 5 * 60_000;

/** The emails about a request that carry a download link: sent again with a new link (the `link_sent` step), not the old one. */
const WITH_DOWNLOAD_LINK: readonly SubjectEmailKind[] = ['completion', 'new_link'];

export interface SubjectEmailOutboxOptions {
  readonly emails: SubjectEmailRepository;
  readonly mailer: SubjectMailer;
  readonly keys: Keys;
  /** To confirm the receipt (`receiptConfirmedAt`) once the receipt email went out, and to record emails sent again. */
  readonly requests: RequestService;
  readonly logger: Logger;
  readonly retryDelaysMs?: readonly number[];
  readonly windowMs?: number;
  readonly now?: () => number;
  /** Told once of each email given up, with the reason as recorded (the privacy team is emailed: `GivenUpEmailNotice`). */
  readonly onGivenUp?: (email: SubjectEmail, error: string) => Promise<void>;
}

/**
 * The outgoing mail to data subjects, durable (decision 0802): each email about a request is written to the store
 * (`subject_emails`, the address and text sealed) before its first attempt, then sent by the process with the jobs
 * role (`SubjectEmailSender`); one the mail server may take later (`SendResult.retriable`: unreachable, 4xx) is tried
 * again with backoff ({@link SUBJECT_EMAIL_RETRY_DELAYS_MS}) for {@link SUBJECT_EMAIL_WINDOW_MS} after its first
 * attempt, then given up and recorded, as is a permanent refusal (5xx, a refused address). A request's emails go in the
 * order they were written: one waits while an earlier one of its request is queued or retrying. A receipt confirms the
 * request's receipt when it is sent, on a retry too. At least once: a process that dies between the server's 250 and
 * recording it leaves the email claimed for {@link CLAIM_MS}, then it is sent again (a duplicate, never a loss).
 *
 * @example
 *   const outbox = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger });
 *   await outbox.queue(request, 'ana@example.com', 'receipt', { subject, text });
 *   await outbox.sendDue(); // the jobs role's SubjectEmailSender does this
 */
export class SubjectEmailOutbox {
  private readonly delays: readonly number[];
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly queuedListeners: (() => void)[] = [];

  constructor(private readonly options: SubjectEmailOutboxOptions) {
    this.delays = options.retryDelaysMs ?? SUBJECT_EMAIL_RETRY_DELAYS_MS;
    this.windowMs = options.windowMs ?? SUBJECT_EMAIL_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Calls `listener` whenever this process queued an email (the jobs role's sender wakes up). */
  onQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }

  /** Stores an email to `to` about `request`, sealed, for its first attempt. */
  async queue(request: PrivacyRequest, to: string, kind: SubjectEmailKind, message: { subject: string; text: string }, language = request.language): Promise<SubjectEmail> {
    const { keys, emails } = this.options;
    const email = await emails.add({
      id: `sem_${randomUUID()}`,
      workspaceId: request.workspaceId,
      requestId: request.id,
      kind,
      language,
      subject: message.subject,
      sealedTo: keys.encrypt(to),
      sealedBody: keys.encrypt(message.text),
      createdAt: this.now(),
    });
    for (const listener of this.queuedListeners) listener();
    return email;
  }

  /** Attempts up to `limit` emails that are due (claimed, so each is attempted by one process); the emails attempted, with what each came to. */
  async sendDue(limit = 20): Promise<{ email: SubjectEmail; outcome: SubjectEmailOutcome }[]> {
    const { emails, keys, mailer } = this.options;
    const now = this.now();
    const attempted: { email: SubjectEmail; outcome: SubjectEmailOutcome }[] = [];
    for (const email of await emails.claimDue(now, now + CLAIM_MS, limit)) {
      let to: string;
      let text: string;
      try {
        to = keys.decrypt(email.sealedTo);
        text = keys.decrypt(email.sealedBody);
      } catch {
        const outcome: SubjectEmailOutcome = { status: 'gave_up', at: this.now(), error: 'the address or the text could not be decrypted (was SLUICE_SECRET_KEY changed?)', attempted: false };
        await emails.record(email.id, outcome);
        attempted.push({ email, outcome });
        await this.options.onGivenUp?.(email, outcome.error);
        continue;
      }
      const sent = await mailer.send({ to, subject: email.subject, text, workspaceId: email.workspaceId });
      const outcome = this.outcomeOf(sent, email);
      await emails.record(email.id, outcome);
      attempted.push({ email, outcome });
      if (outcome.status === 'gave_up') await this.options.onGivenUp?.(email, outcome.error);
      // Any email about the request tells the person it was received (CCPA 7021(a)): a receipt given up in an outage
      // is confirmed by the next one that goes out.
      if (outcome.status === 'sent') await this.confirmReceipt(email);
    }
    return attempted;
  }

  /**
   * Sends again an email that was given up (the address refused it, or the mail server did not take it in time), to the
   * request's contact address as it is now; audited as the request's step `email_sent_again`. An email that carried a
   * download link (an access or know request's completion, a new link) is sent as a new link instead (the `link_sent`
   * step), since the one it carried may have expired. `email_not_given_up` when it is not given up, or was sent again.
   */
  async sendAgain(workspaceId: string, requestId: string, emailId: string, by: StepActor): Promise<PrivacyRequest> {
    const { emails, keys, requests } = this.options;
    const email = await emails.get(workspaceId, emailId);
    if (!email || email.requestId !== requestId) throw new SluiceError('not_found', `Request ${requestId} has no email ${emailId} (GET /privacy-requests/${requestId} lists its emails).`);
    const request = await requests.load(workspaceId, email.requestId);
    if (email.status !== 'gave_up' || email.sentAgainAt !== null) {
      const why = email.sentAgainAt !== null ? `was sent again already by ${email.sentAgainBy ?? 'a member'}` : `is ${email.status}, not given up`;
      throw new SluiceError('email_not_given_up', `Email ${emailId} (${email.kind}) of request ${request.id} ${why}; only an email given up can be sent again.`);
    }
    if (!request.contactEmail) {
      throw new SluiceError('email_not_given_up', `Request ${request.id} has no contact email address any more; tell the person another way.`);
    }
    const what = `the ${email.kind.replace('_', ' ')} email given up on ${new Date(email.gaveUpAt ?? this.now()).toISOString()} (${email.id})`;
    if (WITH_DOWNLOAD_LINK.includes(email.kind) && (request.type === 'access' || request.type === 'know')) {
      // A new link rather than the old one: the link_sent step writes and queues it (subject-notices.ts). The step
      // first, so a refusal of it leaves the email given up; a member asking at the same moment sends a second link.
      const updated = await requests.sendNewLink(workspaceId, request.id, by, `sent again with a new download link: ${what}`);
      await emails.markSentAgain(workspaceId, emailId, nameOf(by), this.now());
      return updated;
    }
    let text: string;
    try {
      text = keys.decrypt(email.sealedBody);
    } catch {
      throw new SluiceError('conflict', `The text of email ${emailId} could not be decrypted (was SLUICE_SECRET_KEY changed?); tell the person another way.`);
    }
    // The copy first, then the mark (which empties the given-up email's sealed copy): a failure in between leaves the
    // email given up rather than lost; a member asking at the same moment queues a second copy.
    await this.queue(request, request.contactEmail, email.kind, { subject: email.subject, text }, email.language);
    await emails.markSentAgain(workspaceId, emailId, nameOf(by), this.now());
    return requests.recordEmailSentAgain(request, by, `sent again: ${what}`);
  }

  /** An attempt as recorded: sent, given up (refused for good, or the next try would fall after the window), or retrying. */
  private outcomeOf(sent: Awaited<ReturnType<SubjectMailer['send']>>, email: SubjectEmail): SubjectEmailOutcome {
    const at = this.now();
    if (sent.ok) return { status: 'sent', at };
    const error = hideEmailsIn(sent.reason, '[email]');
    if (!sent.retriable) return { status: 'gave_up', at, error: `${error} (refused: not tried again)`, attempted: true };
    const firstAttemptAt = email.firstAttemptAt ?? at;
    const nextAttemptAt = at + (this.delays[Math.min(email.attempts, this.delays.length - 1)] ?? 0);
    if (nextAttemptAt > firstAttemptAt + this.windowMs) {
      return { status: 'gave_up', at, error: `${error}; given up after ${email.attempts + 1} attempts over ${this.windowText()}`, attempted: true };
    }
    return { status: 'retrying', at, error, nextAttemptAt };
  }

  private windowText(): string {
    const hours = this.windowMs / 3_600_000;
    if (hours >= 24 && hours % 24 === 0) return `${hours / 24} day${hours === 24 ? '' : 's'}`;
    const minutes = Math.round(this.windowMs / 60_000);
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }

  /** An email went out: the request's receipt is confirmed if it was not yet (CCPA 7021), on its current state (it has moved on meanwhile). */
  private async confirmReceipt(email: SubjectEmail): Promise<void> {
    const { requests, logger } = this.options;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await requests.load(email.workspaceId, email.requestId);
        if (current.receiptConfirmedAt !== null) return;
        try {
          const how = email.kind === 'receipt' ? 'receipt confirmation emailed to the subject' : `receipt confirmed to the subject by the ${email.kind.replace('_', ' ')} email`;
          await requests.confirmReceipt(current, 'system', email.attempts > 0 ? `${how} (attempt ${email.attempts + 1})` : how);
          return;
        } catch {
          // changed between load and update: load again
        }
      }
    } catch (error) {
      logger.warn({ err: error, requestId: email.requestId }, 'receipt emailed to the subject but not recorded as confirmed');
    }
  }
}
