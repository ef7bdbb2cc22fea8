import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Muting a destination's alerts (`PUT /delivery-alerts/mutes/:destinationId`): episodes still open and close while it is
 * muted, but nobody is told; one still open when the mute ends is told then. `notified_at` records when an episode's
 * opening was told (null: not yet), and claiming it (set where null) makes several jobs processes tell it once.
 * Episodes before this migration were told when they opened. Both dialects.
 */
export const destinationAlertNotices: SchemaMigration = {
  name: '1050-destination-alert-notices',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('destination_alerts').addColumn('notified_at', 'bigint').execute();
    const alerts = db as unknown as Kysely<{ destination_alerts: { notified_at: number | null; opened_at: number } }>;
    await alerts.updateTable('destination_alerts').set((eb) => ({ notified_at: eb.ref('opened_at') })).execute();
  },
};
