import type { Logger } from 'pino';
import { WakeableLoop } from '../../runtime/wakeable-loop.js';
import type { SubjectEmailOutbox } from './subject-email-outbox.js';

/** How often the sender looks for emails due when nothing woke it (each look is one indexed query). */
export const SUBJECT_EMAIL_POLL_MS = 5_000;

/**
 * Sends the emails to data subjects that are due (`SubjectEmailOutbox.sendDue`), in every process with the jobs role:
 * an email queued by any process (the api process that took a request, the jobs process that completed one) is sent by
 * one of them, after a restart too. Woken at once when this process queued one. Logs each email given up.
 */
export class SubjectEmailSender extends WakeableLoop {
  constructor(
    private readonly outbox: SubjectEmailOutbox,
    private readonly logger: Logger,
    pollMs = SUBJECT_EMAIL_POLL_MS,
  ) {
    super({ pollMs, onError: (error) => logger.warn({ err: error }, 'could not send the emails to data subjects that are due; trying again shortly') });
    outbox.onQueued(() => this.wake());
  }

  protected async step(): Promise<boolean> {
    const attempted = await this.outbox.sendDue();
    for (const { email, outcome } of attempted) {
      const fields = { workspaceId: email.workspaceId, requestId: email.requestId, email: email.id, kind: email.kind, attempts: email.attempts + (outcome.status === 'gave_up' && !outcome.attempted ? 0 : 1) };
      if (outcome.status === 'gave_up') this.logger.warn({ ...fields, error: outcome.error }, 'email to a data subject given up: the privacy team can send it again (GET /api/v1/privacy-requests/email-follow-ups)');
      else if (outcome.status === 'retrying') this.logger.info({ ...fields, error: outcome.error, nextAttemptAt: new Date(outcome.nextAttemptAt).toISOString() }, 'email to a data subject not taken by the mail server; tried again later');
      else if (email.attempts > 0) this.logger.info(fields, 'email to a data subject sent after a retry');
    }
    return attempted.length > 0;
  }
}
