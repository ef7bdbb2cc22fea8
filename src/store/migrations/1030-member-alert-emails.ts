import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A member may turn off delivery-alert emails for themselves (`PUT /me/preferences`), as they can product emails:
 * the workspace's setting decides whether destinations are watched at all, each person whether they are emailed.
 * Existing members keep getting them (default 0). Both dialects.
 */
export const memberAlertEmails: SchemaMigration = {
  name: '1030-member-alert-emails',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('delivery_alert_emails_opt_out', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
