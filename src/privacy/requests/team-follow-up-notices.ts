import { isoDate } from './deadlines.js';
import { correctionFollowUps } from './correction-follow-up.js';
import { deletionFollowUps } from './deletion-follow-up.js';
import { objectionPurposesToDecide } from './objection-purposes.js';
import type { PrivacyTeamMail } from './privacy-team-mail.js';
import type { PrivacyRequest, RequestTransition } from './request.js';
import type { TransitionListener } from './request-transitions.js';

/** A request as the team's emails name it: type, id, regulation and due date. */
function named(request: PrivacyRequest): string {
  return `the ${request.type} request ${request.id} (${request.regulation.toUpperCase()}, due ${isoDate(request.dueAt)})`;
}

/**
 * Tells the privacy team (`PrivacyTeamMail`) when a request comes to need one of them, at the step that makes it so,
 * instead of leaving them to find it in the console's queue views:
 * - an objection parked for their decision (`objection_awaiting_decision`: purposes no consent category covers);
 * - a completed correction some service did not accept (`completed` with failed recipients), or a recipient sent
 *   again that failed again (`correction_recipient_ended` without `delivered`);
 * - a completed deletion some tool did not confirm (`completed`, or `deletion_jobs_settled` once the last job ended,
 *   with follow-ups).
 * Written in the background, in order (`idle()`), so no step waits for the mail server.
 *
 * @example
 *   const followUps = new TeamFollowUpNotices(team);
 *   requests.onTransition(followUps.listener);
 */
export class TeamFollowUpNotices {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly team: PrivacyTeamMail) {}

  readonly listener: TransitionListener = (request, transition) => {
    const notice = this.noticeOf(request, transition);
    if (!notice) return;
    this.chain = this.chain.then(() => this.team.tell(request.workspaceId, notice.subject, [...notice.lines, '', this.team.queueLink], { requestId: request.id, step: transition.action }));
  };

  /** Resolves once every notice so far has been handed to the mailer (shutdown, tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private noticeOf(request: PrivacyRequest, transition: RequestTransition): { subject: string; lines: string[] } | undefined {
    switch (transition.action) {
      case 'objection_awaiting_decision': {
        const purposes = objectionPurposesToDecide(request);
        if (purposes.length === 0) return undefined;
        return {
          subject: 'An objection waits for your decision',
          lines: [
            `${named(request)} objects to purposes no consent category covers: ${purposes.map((p) => `"${p}"`).join(', ')}.`,
            'Decide each: stop it (say what you stopped and where), or refuse it on compelling legitimate grounds (told to the person). An objection to direct marketing is always honoured.',
            'It waits, open, until you decide (Objections to decide):',
          ],
        };
      }
      case 'completed':
      case 'correction_recipient_ended': {
        const failed = correctionFollowUps(request);
        if (failed.length === 0 || (transition.action === 'correction_recipient_ended' && transition.note?.endsWith(': delivered') !== false)) {
          return transition.action === 'completed' ? this.deletionNotice(request) : undefined;
        }
        return {
          subject: 'A correction did not reach every service',
          lines: [
            `${named(request)}: ${failed.map((f) => `${f.name}${f.reason ? ` (${f.reason})` : ''}${f.retriedBy ? ', again after it was sent again' : ''}`).join(', ')} did not accept the corrected data (GDPR Art. 19).`,
            'Send it again once the service can take it, or confirm it was told another way (Corrections to follow up):',
          ],
        };
      }
      case 'deletion_jobs_settled':
        return this.deletionNotice(request);
      default:
        return undefined;
    }
  }

  private deletionNotice(request: PrivacyRequest): { subject: string; lines: string[] } | undefined {
    const followUps = deletionFollowUps(request);
    if (followUps.length === 0) return undefined;
    return {
      subject: 'A deletion was not confirmed by every tool',
      lines: [
        `${named(request)}: ${followUps.map((f) => `${f.name} (${f.reason === 'failed' ? 'its deletion job failed' : 'its deletion job was never confirmed'}${f.jobId ? `, job ${f.jobId}` : ''})`).join(', ')}.`,
        "Sluice cannot send the deletion again (the person's identifiers were cleared): ask the tool, or delete there by hand, then confirm it (Deletions to follow up):",
      ],
    };
  }
}
