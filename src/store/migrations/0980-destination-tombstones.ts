import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Deleting a destination keeps its row as a tombstone (`deleted_at`, `deleted_by`; its config and secrets
 * erased), so the delivery log, access exports, "know" reports and deletion certificates can still name a
 * recipient that is gone. Every read of configured destinations skips tombstones. Destinations deleted before
 * this migration left no row: nothing to recover. Both dialects.
 */
export const destinationTombstones: SchemaMigration = {
  name: '0980-destination-tombstones',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('destinations').addColumn('deleted_at', 'bigint').execute();
    await db.schema.alterTable('destinations').addColumn('deleted_by', 'text').execute();
  },
};
