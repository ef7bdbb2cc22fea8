import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import { hideEmailsIn } from '../../core/privacy/personal-text.js';
import type { DeletionCertificate, DestinationDeletion } from './certificate.js';
import { completionLines, correctionRecipientLines } from './completion-wording.js';
import type { Regulation } from './deadlines.js';
import { deletionFollowUps } from './deletion-follow-up.js';
import { DOWNLOAD_LINK_TTL_MS, downloadLink } from './download-link.js';
import type { RequestService, TransitionListener } from './request-service.js';
import { needsVerification, type PrivacyRequest, type RequestTransition } from './request.js';
import { readableDay, readableTime, REQUEST_WHAT } from './subject-wording.js';

/** What notices need of the mailer (src/mail's `Mailer` fits). */
export interface NoticeMailer {
  send(message: { to: string; subject: string; text: string; workspaceId?: string }): Promise<{ ok: true; messageId: string } | { ok: false; reason: string; retriable: boolean }>;
}

export interface SubjectNoticesDeps {
  readonly mailer: NoticeMailer;
  readonly requests: RequestService;
  readonly keys: Keys;
  /** SLUICE_PUBLIC_URL: download links point here. */
  readonly publicUrl: string;
  readonly logger: Logger;
  readonly now?: () => number;
}


/**
 * What a refusal must tell the subject besides its reason. GDPR Art. 12(4): that they may lodge a complaint
 * with a supervisory authority and seek a judicial remedy. CCPA: the basis for the denial (the reason above;
 * 11 CCR 7101 keeps it with the request's record), nothing more in shared/design/reference-privacy-law.md.
 */
const DENIAL_REMEDIES: Readonly<Record<Regulation, readonly string[]>> = {
  gdpr: ['', 'If you disagree, you may lodge a complaint with a data protection supervisory authority (in particular in the country where you live or work, or where you think the law was broken) and seek a judicial remedy before a court.'],
  ccpa: [],
};

/** A recipient's outcome as the person is told it; a job the service never confirmed is followed up like a failure. */
const saidToSubject = (d: DestinationDeletion): string => (d.outcome === 'submitted' && d.stoppedAskingAt !== undefined ? SAID_TO_SUBJECT.failed : SAID_TO_SUBJECT[d.outcome]);

/** One line per service that received the person's data, with its outcome; services that never did are not listed. */
function recipientLines(request: PrivacyRequest): string[] {
  const certificate = request.result as Partial<DeletionCertificate> | null;
  return (certificate?.destinations ?? []).filter((d) => d.outcome !== 'not_recipient').map((d) => `- ${d.name}: ${saidToSubject(d)}`);
}

/**
 * A follow-up to a deletion's completion notice: `why` it is sent, then where the person's data now stands at
 * every recipient. Sent when the last deletion job at a tool has ended (the completion notice said "in progress
 * at the service" for each), and when a member has confirmed the last follow-up done by hand.
 */
function whereItStands(request: PrivacyRequest, why: string): string[] {
  return [`${why} Where your data stands at each service that received it:`, ...recipientLines(request)];
}

/**
 * Each recipient's outcome as the person is told it. The certificate's details are written for the business
 * (technical answers, "delete the subject there by hand") and stay in the certificate.
 */
const SAID_TO_SUBJECT: Readonly<Record<DestinationDeletion['outcome'], string>> = {
  deleted: 'deleted',
  submitted: 'deletion requested, in progress at the service',
  not_supported: 'this service cannot be asked automatically; we ask it to delete your data directly',
  not_recipient: 'never received your data, so it was not contacted',
  failed: 'the service did not confirm the deletion; we follow it up with them',
};

/**
 * Tells the data subject, by email when the request has an address (`contactEmail`: the subject's, or their
 * authorized agent's), what happens to their request: receipt (CCPA 7021: within 10 business days; the
 * request's `receiptConfirmedAt` is set when the email went out), an extension with its reason, completion
 * (with a time-limited download link for an access export or a "know" report, and for a deletion what each
 * recipient answered), a new download link when the privacy team sends one (`link_sent`), or a denial with its reason (and, under the GDPR, the subject's right to complain to a
 * supervisory authority and to a judicial remedy). Sent in the background, in order, so no API call waits
 * for the mail server; a failed send is logged (and the receipt stays unconfirmed on the deadline lists).
 *
 * @example
 *   const notices = new SubjectNotices({ mailer, requests, keys, publicUrl, logger });
 *   requests.onTransition(notices.listener);
 */
export class SubjectNotices {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SubjectNoticesDeps) {}

  readonly listener: TransitionListener = (request, transition) => {
    if (!request.contactEmail) return;
    const message = this.compose(request, transition);
    if (!message) return;
    const to = request.contactEmail;
    this.chain = this.chain.then(() => this.send(request, to, message, transition.action === 'received'));
  };

  /** Resolves once every notice queued so far has been handed to the mailer (shutdown, tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async send(request: PrivacyRequest, to: string, message: { subject: string; text: string }, isReceipt: boolean): Promise<void> {
    const { mailer, requests, logger } = this.deps;
    try {
      const sent = await mailer.send({ to, workspaceId: request.workspaceId, ...message });
      if (!sent.ok) {
        logger.warn({ requestId: request.id, reason: hideEmailsIn(sent.reason, '[email]') }, `privacy request notice not sent: ${message.subject}`);
        return;
      }
      if (isReceipt) {
        // The request has moved on meanwhile (verifying, processing...): confirm on its current state.
        for (let attempt = 0; attempt < 3; attempt++) {
          const current = await requests.load(request.workspaceId, request.id);
          if (current.receiptConfirmedAt !== null) return;
          try {
            await requests.confirmReceipt(current, 'system', 'receipt confirmation emailed to the subject');
            return;
          } catch {
            // changed between load and update: load again
          }
        }
      }
    } catch (error) {
      logger.warn({ err: error, requestId: request.id }, 'privacy request notice failed');
    }
  }

  private compose(request: PrivacyRequest, transition: RequestTransition): { subject: string; text: string } | undefined {
    const reference = `Reference: ${request.id}`;
    const what = REQUEST_WHAT[request.type];
    switch (transition.action) {
      case 'received': {
        const codeNote = request.channel === 'subject_portal' && needsVerification(request.type) ? ['', 'To confirm that the request is yours, enter the 6-digit code we sent in a separate email. Nothing happens until then.'] : [];
        return {
          subject: 'We received your privacy request',
          text: [`On ${readableDay(request.receivedAt)} we received your request for ${what}.`, `We will answer by ${readableDay(request.dueAt)}.`, ...codeNote, '', reference].join('\n'),
        };
      }
      case 'extended':
        return {
          subject: 'We need more time for your privacy request',
          text: [
            `We need more time to answer your request for ${what}, as the law allows once.`,
            `Why: ${request.extensionReason ?? transition.note ?? 'not given'}`,
            `We will now answer by ${readableDay(request.dueAt)}.`,
            '',
            reference,
          ].join('\n'),
        };
      case 'denied':
        return {
          subject: 'We could not complete your privacy request',
          text: [`We could not complete your request for ${what}.`, `Why: ${request.denialReason ?? transition.note ?? 'not given'}`, ...DENIAL_REMEDIES[request.regulation], '', reference].join('\n'),
        };
      case 'completed':
        return { subject: 'Your privacy request is complete', text: [...this.completion(request), '', reference].join('\n') };
      case 'link_sent':
        // Asked for by the privacy team (the first link expired or the email was lost): the same data, a new link.
        return { subject: 'A new link to your privacy request', text: ['Here is a new link, as you asked us.', '', ...this.completion(request), '', reference].join('\n') };
      case 'deletion_jobs_settled':
        return {
          subject: 'Update on your deletion request',
          text: [...whereItStands(request, `When we completed your request for ${REQUEST_WHAT.delete}, some services were still deleting your data. They have now finished.`), '', reference].join('\n'),
        };
      case 'deletion_confirmed_by_hand':
        // Only once nothing is left to follow up: one notice when the last service has deleted, not one per service.
        if (deletionFollowUps(request).length > 0) return undefined;
        return {
          subject: 'Update on your deletion request',
          text: [...whereItStands(request, 'The services we were following up with have now deleted your data.'), '', reference].join('\n'),
        };
      case 'correction_recipients_settled':
        // A correction some recipients had not accepted: once the privacy team sent it again and it arrived.
        return {
          subject: 'Update on your correction request',
          text: ['When we completed your request to correct your personal data, some services had not accepted the correction. We sent it to them again:', '', ...correctionRecipientLines(request), '', reference].join('\n'),
        };
      default:
        return undefined;
    }
  }

  private completion(request: PrivacyRequest): string[] {
    const now = this.deps.now?.() ?? Date.now();
    const link = (): [string, string] => {
      const expiresAt = now + DOWNLOAD_LINK_TTL_MS;
      return [downloadLink(this.deps.keys, this.deps.publicUrl, request.workspaceId, request.id, expiresAt), `The link works until ${readableTime(expiresAt)}; keep it private, anyone with it can open the file.`];
    };
    switch (request.type) {
      case 'access': {
        // A page to read, and the same data as a file for another service (GDPR Art. 12(1) and Art. 20).
        const [url, until] = link();
        return ['Your personal data is ready. To read it in your browser:', `${url}&format=html`, '', 'The same data as a file you can give to another service (JSON, machine-readable):', url, '', until];
      }
      case 'know': {
        const [url, until] = link();
        return ['Our report of the personal information we hold about you, where it came from, why we use it and whom we disclosed it to. To read it in your browser:', `${url}&format=html`, '', 'The same report as a file (JSON, machine-readable):', url, '', until];
      }
      case 'delete': {
        const certificate = request.result as Partial<DeletionCertificate> | null;
        const lines = ['We deleted your personal data from our systems.'];
        const recipients = recipientLines(request);
        if (recipients.length > 0) lines.push('', 'We also asked every service that received your data to delete it:', ...recipients);
        if (certificate?.suppression?.kept) lines.push('', 'We keep a scrambled (hashed) record of your identifiers only so that new data about you is not collected again.');
        return lines;
      }
      default:
        return completionLines(request) ?? [`We completed your request for ${REQUEST_WHAT[request.type]}.`];
    }
  }
}
