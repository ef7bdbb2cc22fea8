import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Per-minute counters of each source (`GET /api/v1/stats/sources`): one row per source, minute, kind
 * (received, rejected, dropped, withheld) and reason, incremented by periodic upserts from each ingest
 * process and processor thread. Rejections that no source can be named for (unknown writeKey, unreadable
 * body) use source_id '' and workspace_id '' (installation-wide).
 */
export const sourceCounters: SchemaMigration = {
  name: '0830-source-counters',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('source_counters')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('source_counters_pk', ['source_id', 'minute', 'kind', 'reason'])
      .execute();
    await db.schema.createIndex('source_counters_minute').on('source_counters').columns(['minute']).execute();
    await db.schema.createIndex('source_counters_workspace_minute').on('source_counters').columns(['workspace_id', 'minute']).execute();
  },
};
