import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Until when a destination asked Sluice to wait (a whole batch refused with Retry-After): one row per
 * destination, written by the router, read by a router (re)starting its lane and by the backlog API. It
 * belongs to the delivery log: on SQLite it lives in the log's own file, whose schema `delivery-log-file.ts`
 * keeps, so this migration creates it on PostgreSQL only.
 */
export const destinationPauses: SchemaMigration = {
  name: '0940-destination-pauses',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'sqlite') return;
    await db.schema
      .createTable('destination_pauses')
      .addColumn('destination_id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('paused_until', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
  },
};
