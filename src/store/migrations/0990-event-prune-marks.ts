import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Per workspace, before when the retention sweeper may have deleted events (and their delivery-log rows):
 * the delivery log answers "did this destination ever receive this person's data?" only for people whose
 * events are all still stored (a deletion forwards to recipients only then; decision 0402). Earlier versions
 * recorded nothing, so every existing workspace is marked as pruned up to this migration: its people keep
 * having their deletions forwarded to every destination, as before. Both dialects.
 */
export const eventPruneMarks: SchemaMigration = {
  name: '0990-event-prune-marks',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('event_prune_marks')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('pruned_before', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    const now = Date.now();
    await sql`insert into event_prune_marks (workspace_id, pruned_before, updated_at) select id, ${now}, ${now} from workspaces`.execute(db);
  },
};
