import type { Kysely } from 'kysely';
import { serialType, type SchemaMigration, type SqlDialectName } from './migration.js';

/** Data-subject requests and their lifecycle history (issue 5). */
export const privacyRequests: SchemaMigration = {
  name: '0600-privacy-requests',
  async up(db: Kysely<unknown>, dialect: SqlDialectName) {
    await db.schema
      .createTable('privacy_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('regulation', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('verified_by', 'text')
      .addColumn('agent', 'text')
      .addColumn('contact_email', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('receipt_due_at', 'bigint', (c) => c.notNull())
      .addColumn('receipt_confirmed_at', 'bigint')
      .addColumn('extended_at', 'bigint')
      .addColumn('extension_reason', 'text')
      .addColumn('responded_at', 'bigint')
      .addColumn('denial_reason', 'text')
      .addColumn('failure', 'text')
      .addColumn('result', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('lease_until', 'bigint')
      .addColumn('retain_until', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('privacy_requests_workspace_received').on('privacy_requests').columns(['workspace_id', 'received_at']).execute();
    await db.schema.createIndex('privacy_requests_workspace_status_due').on('privacy_requests').columns(['workspace_id', 'status', 'due_at']).execute();
    await db.schema.createIndex('privacy_requests_runnable').on('privacy_requests').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('privacy_requests_retain_until').on('privacy_requests').columns(['retain_until']).execute();
    await db.schema
      .createTable('privacy_request_transitions')
      .addColumn('seq', serialType(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('privacy_request_transitions_request').on('privacy_request_transitions').columns(['request_id', 'seq']).execute();
  },
};
