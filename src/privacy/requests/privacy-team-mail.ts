import type { Logger } from 'pino';
import { roleHas } from '../../accounts/permissions.js';
import type { Mailer } from '../../mail/mailer.js';
import type { Store } from '../../store/store.js';


export interface PrivacyTeamMailOptions {
  readonly store: Pick<Store, 'members'>;
  readonly mailer: Pick<Mailer, 'send'>;
  /** The console's address, for the link to the request queue. */
  readonly publicUrl: string;
  readonly logger: Logger;
}

/**
 * Emails the people who answer a workspace's privacy requests: its active members whose role may act on them
 * (`privacy:write`: owners, admins, the privacy role), when a request needs one of them (an email to the person given
 * up, an objection to decide, a recipient to follow up). At once through the mailer, not stored: a failure is logged,
 * and the console's queue views list every such request anyway. Never throws.
 */
export class PrivacyTeamMail {
  constructor(private readonly options: PrivacyTeamMailOptions) {}

  /** The console's request queue, where each of these is listed. */
  get queueLink(): string {
    return `${this.options.publicUrl.replace(/\/$/, '')}/privacy-requests`;
  }

  async tell(workspaceId: string, subject: string, lines: readonly string[], log: Record<string, unknown>): Promise<void> {
    const { store, mailer, logger } = this.options;
    const fields = { workspaceId, ...log };
    try {
      const members = (await store.members.list(workspaceId)).filter((m) => m.status === 'active' && roleHas(m.role, 'privacy:write'));
      if (members.length === 0) {
        logger.warn(fields, `${subject}: no active member who answers privacy requests to tell (the console lists it)`);
        return;
      }
      const text = lines.join('\n');
      for (const member of members) {
        const sent = await mailer.send({ to: member.email, workspaceId, subject, text });
        if (!sent.ok) logger.warn({ ...fields, memberId: member.id, reason: sent.reason }, `${subject}: the privacy team could not be emailed`);
      }
    } catch (error) {
      logger.warn({ ...fields, err: error }, `${subject}: the privacy team could not be told (the console lists it)`);
    }
  }
}
