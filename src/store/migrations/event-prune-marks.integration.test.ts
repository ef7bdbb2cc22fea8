import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import type { Database } from '../sql/schema.js';
import { SqlRetentionRepository } from '../sql/sql-retention-repository.js';
import { eventPruneMarks } from './0990-event-prune-marks.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 0990 records before when retention may have deleted a workspace's events. Versions before it
 * recorded nothing, so an existing workspace counts as pruned up to the migration (its people's deletions go on
 * reaching every destination); a workspace created after it has no mark until its first prune, and a prune
 * only ever moves the mark later.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function checkMarks(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, eventPruneMarks);
  await sql`insert into workspaces (id, name, settings, created_at) values ('ws_old', 'Old', '{}', 1000)`.execute(db);
  const before = Date.now();
  await eventPruneMarks.up(db, dialect);

  // Deleting events forgets their delivery rows; a stand-in for the log that does nothing else.
  const retention = new SqlRetentionRepository(db as Kysely<Database>, { forget: async () => 0 });
  expect(await retention.eventsPrunedBefore('ws_old')).toBeGreaterThanOrEqual(before);
  expect(await retention.eventsPrunedBefore('ws_old')).toBeLessThanOrEqual(Date.now());

  await sql`insert into workspaces (id, name, settings, created_at) values ('ws_new', 'New', '{}', 2000)`.execute(db);
  expect(await retention.eventsPrunedBefore('ws_new')).toBeUndefined();
  const event = (seq: number, receivedAt: number) =>
    sql`insert into events (seq, workspace_id, source_id, message_id, type, event_name, user_id, anonymous_id, timestamp, received_at, payload)
      values (${seq}, 'ws_new', 'src_1', ${`m-${seq}`}, 'track', 'E', 'u1', null, ${receivedAt}, ${receivedAt}, '{}')`.execute(db);
  await event(1, 10_000);
  await event(2, 20_000);
  await event(3, 90_000);
  expect(await retention.deleteEventsBefore('ws_new', 50_000, 100)).toBe(2);
  expect(await retention.eventsPrunedBefore('ws_new')).toBe(20_001);
  // Nothing older left: no prune, no change; an earlier cut-off never moves the mark back.
  expect(await retention.deleteEventsBefore('ws_new', 50_000, 100)).toBe(0);
  await event(4, 5_000);
  expect(await retention.deleteEventsBefore('ws_new', 50_000, 100)).toBe(1);
  expect(await retention.eventsPrunedBefore('ws_new')).toBe(20_001);
  expect(await retention.eventsPrunedBefore('ws_old')).toBeGreaterThanOrEqual(before);
}

describe('migration 0990: event prune marks', () => {
  it('marks existing workspaces as pruned up to the migration, and records each prune, on SQLite', async () => {
    await checkMarks(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('marks existing workspaces as pruned up to the migration, and records each prune, on PostgreSQL', async () => {
    await checkMarks(await databases.postgres('prune_marks'), 'postgres');
  });
});
