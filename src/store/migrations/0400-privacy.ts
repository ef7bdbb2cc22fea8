import type { Kysely } from 'kysely';
import { serialType, type SchemaMigration, type SqlDialectName } from './migration.js';

/** Privacy at the gate: suppressions, the consent ledger and current state, subject flags, PII inventory. */
export const privacy: SchemaMigration = {
  name: '0400-privacy',
  async up(db: Kysely<unknown>, dialect: SqlDialectName) {
    await db.schema
      .createTable('suppressions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('identifier', 'text', (c) => c.notNull())
      .addColumn('identifier_hash', 'text', (c) => c.notNull())
      .addColumn('hashed', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('suppressions_workspace_hash').on('suppressions').columns(['workspace_id', 'identifier_hash']).unique().execute();

    await db.schema
      .createTable('consent_ledger')
      .addColumn('seq', serialType(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('subject_type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('gpc', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('policy_version', 'text')
      .addColumn('ip_hash', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('message_id', 'text')
      .addColumn('request_id', 'text')
      .execute();
    await db.schema.createIndex('consent_ledger_subject').on('consent_ledger').columns(['workspace_id', 'subject_type', 'subject', 'seq']).execute();

    await db.schema
      .createTable('consent_state')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('subject_type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('choices', 'text', (c) => c.notNull())
      .addColumn('gpc_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_state_pk', ['workspace_id', 'subject_type', 'subject'])
      .execute();

    await db.schema
      .createTable('subject_flags')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('subject_type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('flag', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('subject_flags_pk', ['workspace_id', 'subject_type', 'subject', 'flag'])
      .execute();

    await db.schema
      .createTable('pii_inventory')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('detected_by', 'text', (c) => c.notNull())
      .addColumn('reviewed_level', 'text')
      .addColumn('reviewed_label', 'text')
      .addColumn('reviewed_by', 'text')
      .addColumn('reviewed_at', 'bigint')
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pii_inventory_pk', ['workspace_id', 'source_id', 'path'])
      .execute();

    await db.schema
      .createTable('retention_cursors')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('retention_cursors_pk', ['workspace_id', 'kind'])
      .execute();
  },
};
