import { isoDate } from './deadlines.js';
import type { Store } from '../../store/store.js';
import type { PrivacyTeamMail } from './privacy-team-mail.js';
import type { SubjectEmail } from './subject-email-repository.js';

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
 * Tells the privacy team (`PrivacyTeamMail`) that an email to a data subject was given up, so the person not told is
 * followed up before a deadline passes: which request, which email, and the mail server's answer (addresses hidden, as
 * the outbox recorded it), with the console's list of emails not delivered. Once per email given up; through the same
 * mailer, so a mail server that refused the person's address still takes it, and one that is down for the whole retry
 * window loses it too (logged).
 *
 * @example
 *   const notice = new GivenUpEmailNotice(store, team);
 *   new SubjectEmailOutbox({ ..., onGivenUp: (email, error) => notice.tell(email, error) });
 */
export class GivenUpEmailNotice {
  constructor(
    private readonly store: Pick<Store, 'privacyRequests'>,
    private readonly team: PrivacyTeamMail,
  ) {}

  async tell(email: SubjectEmail, error: string): Promise<void> {
    let what = `privacy request ${email.requestId}`;
    try {
      const request = await this.store.privacyRequests.get(email.workspaceId, email.requestId);
      if (request) what = `the ${request.type} request ${request.id} (due ${isoDate(request.dueAt)})`;
    } catch {
      // Named by its id: the notice still goes.
    }
    await this.team.tell(
      email.workspaceId,
      'An email to a data subject was not delivered',
      [
        `Sluice gave up the ${KIND_NAMES[email.kind]} email to the person who made ${what}: the person may not have been told.`,
        '',
        `The mail server's last answer: ${error}`,
        '',
        "Send it again once the address works, or change the request's contact address first (the person gave another, or it was mistyped), from the list of emails not delivered:",
        this.team.queueLink,
      ],
      { requestId: email.requestId, email: email.id },
    );
  }
}
