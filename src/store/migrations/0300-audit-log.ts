import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** The append-only, hash-chained audit log and the per-workspace head of each chain. */
export const auditLog: SchemaMigration = {
  name: '0300-audit-log',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('resource_name', 'text')
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('ip', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_workspace_seq').on('audit_log').columns(['workspace_id', 'seq']).unique().execute();
    await db.schema.createIndex('audit_log_workspace_resource').on('audit_log').columns(['workspace_id', 'resource_type', 'resource_id']).execute();
    await db.schema
      .createTable('audit_heads')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
  },
};
