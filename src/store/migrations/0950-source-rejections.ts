import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The latest rejected event of each source and error code (`GET /api/v1/sources/:id/rejections`): the error
 * message, when, and an example of what was sent (JSON: type, event name, messageId and the event's shape,
 * no values; core/tracking/rejection-example.ts). Written with the source counters; pruned with them.
 */
export const sourceRejections: SchemaMigration = {
  name: '0950-source-rejections',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('source_rejections')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('example', 'text')
      .addPrimaryKeyConstraint('source_rejections_pk', ['source_id', 'code'])
      .execute();
    await db.schema.createIndex('source_rejections_workspace_at').on('source_rejections').columns(['workspace_id', 'at']).execute();
  },
};
