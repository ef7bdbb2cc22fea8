import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import type { Database } from '../sql/schema.js';
import { SqlEventRepository } from '../sql/sql-event-repository.js';
import { eventsSubjectIndexes } from './1270-events-subject-indexes.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1270 (decision 0111) replaces the workspace-led indexes of a person's events with `events_user (user_id,
 * seq)` and `events_anonymous (anonymous_id, seq)`, partial, built from the events already stored; lookups then compare
 * the workspace on the row, so a person's events in another workspace with the same identifiers stay out.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function indexesOfEvents(db: Kysely<unknown>, dialect: SqlDialectName): Promise<string[]> {
  const rows = dialect === 'sqlite'
    ? (await sql<{ name: string }>`select name from pragma_index_list('events') where origin = 'c'`.execute(db)).rows
    : (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'events' and indexname <> 'events_pkey'`.execute(db)).rows;
  return rows.map((r) => r.name).sort();
}

async function checkIndexes(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, eventsSubjectIndexes);
  const row = (workspace: string, messageId: string, userId: string | null, anonymousId: string | null) => ({
    workspace_id: workspace, source_id: `src-${workspace}`, message_id: messageId, type: 'track', event_name: 'E', user_id: userId, anonymous_id: anonymousId,
    timestamp: 1, received_at: 1, payload: JSON.stringify({ type: 'track', event: 'E', messageId, userId, anonymousId, timestamp: '2026-12-05T00:00:00.000Z', receivedAt: '2026-12-05T00:00:00.000Z' }),
  });
  // Stored before the migration: the indexes are built from them.
  await (db as Kysely<Database>).insertInto('events').values([row('ws', 'm1', 'u1', null), row('ws', 'm2', null, 'a1'), row('ws', 'm3', 'u1', 'a1'), row('other', 'm4', 'u1', 'a1')]).execute();
  expect(await indexesOfEvents(db, dialect)).toEqual(['events_received_at', 'events_source_message', 'events_workspace_anonymous', 'events_workspace_seq', 'events_workspace_user']);

  await eventsSubjectIndexes.up(db, dialect);
  expect(await indexesOfEvents(db, dialect)).toEqual(['events_anonymous', 'events_received_at', 'events_source_message', 'events_user', 'events_workspace_seq']);

  const events = new SqlEventRepository(db as Kysely<Database>);
  const ids = async (q: Parameters<SqlEventRepository['query']>[0]) => (await events.query(q)).map((e) => e.event.messageId);
  expect(await ids({ workspaceId: 'ws', userId: 'u1', limit: 10 })).toEqual(['m3', 'm1']);
  expect(await ids({ workspaceId: 'ws', anonymousId: 'a1', limit: 10 })).toEqual(['m3', 'm2']);
  expect(await ids({ workspaceId: 'other', userId: 'u1', limit: 10 })).toEqual(['m4']);
  expect(await ids({ workspaceId: 'ws', identities: { userIds: ['u1'], anonymousIds: ['a1'] }, limit: 10 })).toEqual(['m3', 'm2', 'm1']);
}

describe('migration 1270: the indexes of a person\'s events', () => {
  it('replaces the workspace-led indexes with the narrow ones, built from the stored events, on SQLite', async () => {
    await checkIndexes(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('replaces the workspace-led indexes with the narrow ones, built from the stored events, on PostgreSQL', async () => {
    await checkIndexes(await databases.postgres('events_subject_indexes'), 'postgres');
  });
});
