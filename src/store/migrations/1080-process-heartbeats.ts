import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Which processes run, with which roles (src/runtime/process-heartbeat.ts): each `sluice start` notes itself every 30 s,
 * so the API can tell when no process runs a role (no jobs process: privacy requests are not carried out, alerts not
 * sent). One row per running process, removed when it stops; rows of processes that died age out. Both dialects.
 */
export const processHeartbeats: SchemaMigration = {
  name: '1080-process-heartbeats',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('process_heartbeats')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('seen_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('process_heartbeats_seen').on('process_heartbeats').column('seen_at').execute();
  },
};
