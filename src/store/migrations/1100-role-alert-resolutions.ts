import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * How a role alert ended (src/alerts/role-alerts.ts), for the console's list of episodes: `running` (a process runs the
 * role again) or `alerts_off` (no workspace had alerts on any more, nobody was told). Episodes ended before this
 * migration keep none. Both dialects.
 */
export const roleAlertResolutions: SchemaMigration = {
  name: '1100-role-alert-resolutions',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('role_alerts').addColumn('resolution', 'text').execute();
  },
};
