import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * When the request executor next asks the tools that took a deletion as an asynchronous job (Mixpanel,
 * Amplitude) whether it is done (`status_check_at`; null when nothing is left to ask), so a deletion's
 * certificate follows those jobs to their end after the request completed. Requests answered before this
 * migration are not followed up (their certificates carry no job ids to ask about). Both dialects.
 */
export const deletionStatusChecks: SchemaMigration = {
  name: '1000-deletion-status-checks',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('privacy_requests').addColumn('status_check_at', 'bigint').execute();
    await db.schema.createIndex('privacy_requests_status_check').on('privacy_requests').column('status_check_at').execute();
  },
};
