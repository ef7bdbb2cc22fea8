import type { Logger } from 'pino';
import { categoryIn, findCategory, type ConsentCategory } from '../../core/consent/consent-category.js';
import type { Keys } from '../../core/crypto/keys.js';
import type { DeletionCertificate, DestinationDeletion } from './certificate.js';
import { completionLines, correctionRecipientLines } from './completion-wording.js';
import { correctionRecipientsOf } from './correction.js';
import { deletionFollowUps } from './deletion-follow-up.js';
import { DOWNLOAD_LINK_TTL_MS, downloadLink } from './download-link.js';
import type { TransitionListener } from './request-service.js';
import { needsVerification, type PrivacyRequest, type RequestTransition } from './request.js';
import type { SubjectEmailText } from './subject-email-text.js';
import type { SubjectEmailOutbox, SubjectMailer } from './subject-email-outbox.js';
import type { SubjectEmailKind } from './subject-email-repository.js';
import { SUBJECT_EMAIL_TEXTS } from './subject-email-texts.js';
import { readableDay, readableTime } from './subject-wording.js';

/** What notices and the intake need of the mailer (src/mail's `Mailer` fits). */
export type NoticeMailer = SubjectMailer;

export interface SubjectNoticesDeps {
  /** Where each email is stored before it is sent (by the jobs role's `SubjectEmailSender`). */
  readonly outbox: Pick<SubjectEmailOutbox, 'queue'>;
  readonly keys: Keys;
  /** SLUICE_PUBLIC_URL: download links point here. */
  readonly publicUrl: string;
  readonly logger: Logger;
  /**
   * The workspace's consent categories, so an objection's email names them by their label in the request's
   * language (`translations`) instead of their id; without it, by id.
   */
  readonly consentCategories?: (workspaceId: string) => Promise<readonly ConsentCategory[]>;
  readonly now?: () => number;
}


/** A recipient's outcome as the person is told it; a job the service never confirmed is followed up like a failure. */
function saidToSubject(d: DestinationDeletion, text: SubjectEmailText): string {
  const said = text.deletion.outcomes;
  if (d.outcome === 'submitted' && d.stoppedAskingAt !== undefined) return said.failed;
  return { deleted: said.deleted, submitted: said.submitted, not_supported: said.notSupported, not_recipient: said.notRecipient, failed: said.failed }[d.outcome];
}

/**
 * One line per service that received the person's data, with its outcome; services that never did are not listed.
 * The certificate's details are written for the business (technical answers, "delete the subject there by hand")
 * and stay in the certificate.
 */
function recipientLines(request: PrivacyRequest, text: SubjectEmailText): string[] {
  const certificate = request.result as Partial<DeletionCertificate> | null;
  return (certificate?.destinations ?? []).filter((d) => d.outcome !== 'not_recipient').map((d) => text.recipient(d.name, saidToSubject(d, text)));
}

/**
 * A follow-up to a deletion's completion notice: `why` it is sent, then where the person's data now stands at
 * every recipient. Sent when the last deletion job at a tool has ended (the completion notice said "in progress
 * at the service" for each), and when a member has confirmed the last follow-up done by hand.
 */
function whereItStands(request: PrivacyRequest, text: SubjectEmailText, why: string): string[] {
  return [text.deletion.whereItStands(why), ...recipientLines(request, text)];
}

/** The email each step the person is told of becomes; other steps send none. */
const EMAIL_KINDS: Readonly<Record<string, SubjectEmailKind>> = {
  received: 'receipt',
  extended: 'extension',
  denied: 'denial',
  completed: 'completion',
  link_sent: 'new_link',
  deletion_jobs_settled: 'deletion_update',
  deletion_confirmed_by_hand: 'deletion_update',
  correction_recipients_settled: 'correction_update',
};

/**
 * Tells the data subject, by email when the request has an address (`contactEmail`: the subject's, or their
 * authorized agent's), what happens to their request: receipt (CCPA 7021: within 10 business days; the
 * request's `receiptConfirmedAt` is set when the email went out), an extension with its reason, completion
 * (with a time-limited download link for an access export or a "know" report, and for a deletion what each
 * recipient answered), a new download link when the privacy team sends one (`link_sent`), or a denial with its reason (and, under the GDPR, the subject's right to complain to a
 * supervisory authority and to a judicial remedy). Each in the language the request was filed in (`language`:
 * `SUBJECT_EMAIL_TEXTS`, dates by `Intl` for it, in UTC and saying so; decision 0407). Written in the background, in
 * order, so no API call waits, and stored in the outgoing mail (`SubjectEmailOutbox`, decision 0802), which the jobs
 * role sends and retries: an SMTP outage or a restart loses none, and the request's view lists each email's state.
 *
 * @example
 *   const notices = new SubjectNotices({ outbox, keys, publicUrl, logger, consentCategories });
 *   requests.onTransition(notices.listener);
 */
export class SubjectNotices {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SubjectNoticesDeps) {}

  readonly listener: TransitionListener = (request, transition) => {
    const to = request.contactEmail;
    if (!to) return;
    const kind = EMAIL_KINDS[transition.action];
    if (!kind) return;
    this.chain = this.chain.then(async () => {
      let message: { subject: string; text: string } | undefined;
      try {
        message = await this.compose(request, transition);
      } catch (error) {
        this.deps.logger.warn({ err: error, requestId: request.id }, 'privacy request notice could not be written');
        return;
      }
      if (!message) return;
      try {
        await this.deps.outbox.queue(request, to, kind, message);
      } catch (error) {
        this.deps.logger.error({ err: error, requestId: request.id, kind }, 'privacy request notice could not be stored for sending: it is not sent');
      }
    });
  };

  /** Resolves once every notice so far has been written and stored for sending (shutdown, tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async compose(request: PrivacyRequest, transition: RequestTransition): Promise<{ subject: string; text: string } | undefined> {
    const language = request.language;
    const text = SUBJECT_EMAIL_TEXTS[language];
    const reference = text.reference(request.id);
    const what = text.what[request.type];
    const day = (ms: number) => readableDay(ms, language);
    switch (transition.action) {
      case 'received': {
        const codeNote = request.channel === 'subject_portal' && needsVerification(request.type) ? ['', text.received.codeNote] : [];
        return { subject: text.received.subject, text: [...text.received.lines({ on: day(request.receivedAt), what, by: day(request.dueAt) }), ...codeNote, '', reference].join('\n') };
      }
      case 'extended':
        return {
          subject: text.extended.subject,
          text: [...text.extended.lines({ what, why: request.extensionReason ?? transition.note ?? text.reasonNotGiven, by: day(request.dueAt) }), '', reference].join('\n'),
        };
      case 'denied': {
        // GDPR Art. 12(4): the right to complain to a supervisory authority and to a judicial remedy. CCPA: the basis
        // for the denial (the reason; 11 CCR 7101 keeps it with the request's record), nothing more.
        const remedies = request.regulation === 'gdpr' ? ['', text.denied.gdprRemedies] : [];
        return {
          subject: text.denied.subject,
          text: [text.denied.intro(what), text.why(request.denialReason ?? transition.note ?? text.reasonNotGiven), ...remedies, '', reference].join('\n'),
        };
      }
      case 'completed':
        return { subject: text.completed.subject, text: [...(await this.completion(request, text)), '', reference].join('\n') };
      case 'link_sent':
        // Asked for by the privacy team or the subject (the first link expired or the email was lost): the same data, a new link.
        return { subject: text.linkSent.subject, text: [text.linkSent.intro, '', ...(await this.completion(request, text)), '', reference].join('\n') };
      case 'deletion_jobs_settled':
        return { subject: text.deletion.updateSubject, text: [...whereItStands(request, text, text.deletion.jobsSettled(text.what.delete)), '', reference].join('\n') };
      case 'deletion_confirmed_by_hand':
        // Only once nothing is left to follow up: one notice when the last service has deleted, not one per service.
        if (deletionFollowUps(request).length > 0) return undefined;
        return { subject: text.deletion.updateSubject, text: [...whereItStands(request, text, text.deletion.confirmedByHand), '', reference].join('\n') };
      case 'correction_recipients_settled': {
        // A correction some recipients had not accepted: once the privacy team sent it again and it arrived, or
        // confirmed that it told them another way.
        const byHand = correctionRecipientsOf(request.result)?.some((r) => r.confirmedBy !== undefined) === true;
        return { subject: text.correction.updateSubject, text: [byHand ? text.correction.updateIntroToldOtherwise : text.correction.updateIntro, '', ...correctionRecipientLines(request, text), '', reference].join('\n') };
      }
      default:
        return undefined;
    }
  }

  /** A consent category's label in the request's language (the workspace's translation, else its name; else, or when the categories cannot be read, the id). */
  private async categoryLabels(request: PrivacyRequest): Promise<(id: string) => string> {
    let categories: readonly ConsentCategory[] = [];
    try {
      categories = (await this.deps.consentCategories?.(request.workspaceId)) ?? [];
    } catch (error) {
      // The email still goes out, naming the categories by id, rather than not at all.
      this.deps.logger.warn({ err: error, requestId: request.id }, 'consent categories not read for a privacy request notice; categories named by id');
    }
    const language = request.language;
    return (id) => {
      const category = findCategory(categories, id);
      return category ? categoryIn(category, language).name : id;
    };
  }

  private async completion(request: PrivacyRequest, text: SubjectEmailText): Promise<string[]> {
    const now = this.deps.now?.() ?? Date.now();
    const link = (): [string, string] => {
      const expiresAt = now + DOWNLOAD_LINK_TTL_MS;
      return [downloadLink(this.deps.keys, this.deps.publicUrl, request.workspaceId, request.id, expiresAt), text.linkUntil(readableTime(expiresAt, request.language))];
    };
    switch (request.type) {
      case 'access': {
        // A page to read, and the same data as a file for another service (GDPR Art. 12(1) and Art. 20).
        const [url, until] = link();
        return [text.access.ready, `${url}&format=html`, '', text.access.file, url, '', until];
      }
      case 'know': {
        const [url, until] = link();
        return [text.know.ready, `${url}&format=html`, '', text.know.file, url, '', until];
      }
      case 'delete': {
        const certificate = request.result as Partial<DeletionCertificate> | null;
        const lines = [text.deletion.done];
        const recipients = recipientLines(request, text);
        if (recipients.length > 0) lines.push('', text.deletion.askedRecipients, ...recipients);
        if (certificate?.suppression?.kept) lines.push('', text.deletion.hashedRecordKept);
        return lines;
      }
      default:
        return completionLines(request, text, await this.categoryLabels(request)) ?? [text.completed.generic(text.what[request.type])];
    }
  }
}
