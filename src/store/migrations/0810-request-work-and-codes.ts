import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Privacy requests, issue 5 continued: the executor's resumable state (a deletion waiting on a destination
 * keeps the subject's identifiers and the answers so far, so a retry forwards to the same people) and the
 * one-time codes that verify a subject's own request (hashed; expiry and attempts left).
 */
export const requestWorkAndCodes: SchemaMigration = {
  name: '0810-request-work-and-codes',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('privacy_requests').addColumn('work_state', 'text').execute();
    await db.schema
      .createTable('privacy_request_codes')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts_left', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
