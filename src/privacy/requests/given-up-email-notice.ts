import type { Logger } from 'pino';
import { roleHas } from '../../accounts/permissions.js';
import type { Store } from '../../store/store.js';
import type { SubjectEmail } from './subject-email-repository.js';

/** What the notice needs of the mailer (src/mail's `Mailer` fits). */
export interface TeamMailer {
  send(message: { to: string; subject: string; text: string; workspaceId?: string }): Promise<{ ok: true; messageId: string } | { ok: false; reason: string; retriable: boolean }>;
}

/** How each kind of email to a subject is named to the team. */
const KIND_NAMES: Readonly<Record<SubjectEmail['kind'], string>> = {
  receipt: 'receipt',
  extension: 'extension',
  denial: 'denial',
  completion: 'answer (completion)',
  new_link: 'new download link',
  deletion_update: 'deletion update',
  correction_update: 'correction update',
};

/**
 * Tells the people who answer privacy requests (active members whose role may act on them: `privacy:write`) that an
 * email to a data subject was given up, so the person not told is followed up before a deadline passes: which request,
 * which email, and the mail server's answer (addresses hidden, as the outbox recorded it), with the console's list of
 * emails not delivered. Sent once, when the email is given up; through the same mailer, so a mail server that refused
 * the person's address still takes it, and one that is down for the whole retry window loses it too (logged).
 *
 * @example
 *   const notice = new GivenUpEmailNotice({ store, mailer, publicUrl, logger });
 *   new SubjectEmailOutbox({ ..., onGivenUp: (email, error) => notice.tell(email, error) });
 */
export class GivenUpEmailNotice {
  constructor(private readonly options: { readonly store: Pick<Store, 'members' | 'privacyRequests'>; readonly mailer: TeamMailer; readonly publicUrl: string; readonly logger: Logger }) {}

  async tell(email: SubjectEmail, error: string): Promise<void> {
    const { store, mailer, logger, publicUrl } = this.options;
    const fields = { workspaceId: email.workspaceId, requestId: email.requestId, email: email.id };
    try {
      const request = await store.privacyRequests.get(email.workspaceId, email.requestId);
      const members = (await store.members.list(email.workspaceId)).filter((m) => m.status === 'active' && roleHas(m.role, 'privacy:write'));
      if (members.length === 0) {
        logger.warn(fields, 'email to a data subject given up, and no active member who answers privacy requests to tell (the console lists it)');
        return;
      }
      const what = request ? `the ${request.type} request ${request.id} (due ${new Date(request.dueAt).toISOString().slice(0, 10)})` : `privacy request ${email.requestId}`;
      const text = [
        `Sluice gave up the ${KIND_NAMES[email.kind]} email to the person who made ${what}: the person may not have been told.`,
        '',
        `The mail server's last answer: ${error}`,
        '',
        'Send it again once the address works, or change the request\'s contact address first (the person gave another, or it was mistyped), from the list of emails not delivered:',
        `${publicUrl.replace(/\/$/, '')}/privacy-requests`,
      ].join('\n');
      for (const member of members) {
        const sent = await mailer.send({ to: member.email, workspaceId: email.workspaceId, subject: 'An email to a data subject was not delivered', text });
        if (!sent.ok) logger.warn({ ...fields, memberId: member.id, reason: sent.reason }, 'the privacy team could not be emailed about an email to a data subject given up');
      }
    } catch (failure) {
      logger.warn({ ...fields, err: failure }, 'the privacy team could not be told of an email to a data subject given up (the console lists it)');
    }
  }
}
