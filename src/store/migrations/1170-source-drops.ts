import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The latest event of each source and reason the processor dropped before storage (`duplicate`, `suppressed`,
 * `pii_blocked:<field>`), for the live debugger (`event: dropped`): why, when, and the event's type, name,
 * messageId and shape, no values (as `source_rejections`, migration 0950). Written with the source counters;
 * pruned with them.
 */
export const sourceDrops: SchemaMigration = {
  name: '1170-source-drops',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('source_drops')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('example', 'text')
      .addPrimaryKeyConstraint('source_drops_pk', ['source_id', 'reason'])
      .execute();
    await db.schema.createIndex('source_drops_workspace_at').on('source_drops').columns(['workspace_id', 'at']).execute();
  },
};
