import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Replays of stored events to one destination, run in the background (src/replay/): what was asked (range
 * and filters), how far it got (`after_seq`, the last event read, so a replay resumes where it stopped),
 * its counts, and the lease of the process running it (`lease_until`, epoch ms; null when none holds it).
 */
export const replays: SchemaMigration = {
  name: '0930-replays',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('replays')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('destination_id', 'text', (c) => c.notNull())
      .addColumn('range', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addColumn('read', 'bigint', (c) => c.notNull())
      .addColumn('queued', 'bigint', (c) => c.notNull())
      .addColumn('dropped', 'bigint', (c) => c.notNull())
      .addColumn('after_seq', 'bigint', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('replays_by_destination').on('replays').columns(['workspace_id', 'destination_id', 'created_at']).execute();
    await db.schema.createIndex('replays_running').on('replays').columns(['status', 'lease_until']).execute();
  },
};
