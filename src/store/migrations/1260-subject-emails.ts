import type { Kysely } from 'kysely';
import { serialType, type SchemaMigration, type SqlDialectName } from './migration.js';

/**
 * The outgoing mail to data subjects (src/privacy/requests/subject-email-outbox.ts, decision 0802): each email about a
 * privacy request (receipt, extension, denial, completion, new link, deletion and correction updates) is a row, written
 * before its first attempt and kept with the request's record, so an SMTP outage or a restart loses none and the
 * privacy team sees whether the person was told. `seq` orders a request's emails (one is sent only once every earlier
 * one of its request is sent or given up). The address and the body are sealed (they hold the person's address and
 * one-time links) and emptied once the email is sent. Both dialects.
 */
export const subjectEmails: SchemaMigration = {
  name: '1260-subject-emails',
  async up(db: Kysely<unknown>, dialect: SqlDialectName) {
    await db.schema
      .createTable('subject_emails')
      .addColumn('seq', serialType(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('sealed_to', 'text', (c) => c.notNull())
      .addColumn('sealed_body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('claimed_until', 'bigint')
      .addColumn('first_attempt_at', 'bigint')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('gave_up_at', 'bigint')
      .addColumn('sent_again_by', 'text')
      .addColumn('sent_again_at', 'bigint')
      .execute();
    await db.schema.createIndex('subject_emails_request').on('subject_emails').columns(['request_id', 'seq']).execute();
    await db.schema.createIndex('subject_emails_due').on('subject_emails').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('subject_emails_given_up').on('subject_emails').columns(['workspace_id', 'status']).execute();
  },
};
