import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { deliveryLogKeyedByMessage } from './0900-delivery-log-keyed-by-message.js';
import { deliveryLogKeyedBySource } from './0970-delivery-log-keyed-by-source.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 0900 re-keys the delivery log of an existing installation: every row kept as it was, the upsert
 * on (destination_id, message_id) still replaces a row, and the index on (workspace_id, message_id) is gone.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

const row = (messageId: string, destinationId: string, status: string) => ({
  workspace_id: 'ws_1', destination_id: destinationId, message_id: messageId, source_id: 'src_1', status, attempts: 1, reason: status === 'failed' ? 'http_500' : null, last_error: null, updated_at: 1_700_000_000_000,
});

async function checkRekey(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  // The schema as 0900 found it: every migration before it.
  await migrateUpTo(db, dialect, deliveryLogKeyedByMessage);
  const before = [row('m1', 'dst_a', 'delivered'), row('m1', 'dst_b', 'failed'), row('m2', 'dst_a', 'queued')];
  await sql`insert into deliveries ${sql.raw('(workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at)')} values
    ${sql.join(before.map((r) => sql`(${sql.join(Object.values(r))})`))}`.execute(db);

  await deliveryLogKeyedByMessage.up(db, dialect);

  const rows = await sql<Record<string, unknown>>`select * from deliveries order by message_id, destination_id`.execute(db);
  expect(rows.rows.map((r) => ({ ...r, attempts: Number(r.attempts), updated_at: Number(r.updated_at) }))).toEqual(before);
  // The upsert the delivery log runs still finds the row by (destination_id, message_id).
  await sql`insert into deliveries (workspace_id, destination_id, message_id, source_id, status, attempts, updated_at) values ('ws_1', 'dst_a', 'm2', 'src_1', 'delivered', 1, 1)
    on conflict (destination_id, message_id) do update set status = excluded.status`.execute(db);
  const m2 = await sql<{ status: string }>`select status from deliveries where message_id = 'm2'`.execute(db);
  expect(m2.rows).toEqual([{ status: 'delivered' }]);
  const indexes = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'deliveries' and name not like 'sqlite_autoindex%'`.execute(db)
    : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'deliveries' and schemaname = current_schema() and indexname <> 'deliveries_pk'`.execute(db);
  expect(indexes.rows.map((r) => r.name)).toEqual(['deliveries_destination_status']);
}

describe('migration 0900: the delivery log keyed by message', () => {
  it('keeps every row on SQLite (table rebuilt)', async () => {
    const db = await databases.sqlite();
    await checkRekey(db, 'sqlite');
    // Lookups by message use the new key.
    const plan = await sql<{ detail: string }>`explain query plan select * from deliveries where workspace_id = 'ws_1' and message_id = 'm1'`.execute(db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING INDEX sqlite_autoindex_deliveries/);
  });

  it.runIf(available)('keeps every row on PostgreSQL (constraint swapped)', async () => {
    const db = await databases.postgres('rekey');
    await checkRekey(db, 'postgres');
  });
});

/**
 * Migration 0970 keys the delivery log by (message_id, source_id, destination_id): every row kept as it was
 * (retry state included), an upsert on the new key replaces a row of the same source, and another source's
 * event with the same messageId gets a row of its own at the same destination.
 */
const keyedRow = (messageId: string, sourceId: string, destinationId: string, status: string) => ({
  ...row(messageId, destinationId, status), source_id: sourceId, next_attempt_at: status === 'retrying' ? 1_700_000_005_000 : null, first_attempt_at: status === 'retrying' ? 1_699_999_999_000 : null,
});

async function checkSourceKey(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  // The schema as 0970 found it: every migration before it.
  await migrateUpTo(db, dialect, deliveryLogKeyedBySource);
  const before = [keyedRow('m1', 'src_1', 'dst_a', 'delivered'), keyedRow('m1', 'src_1', 'dst_b', 'retrying'), keyedRow('m2', 'src_2', 'dst_a', 'failed')];
  await sql`insert into deliveries ${sql.raw('(workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at, next_attempt_at, first_attempt_at)')} values
    ${sql.join(before.map((r) => sql`(${sql.join(Object.values(r))})`))}`.execute(db);

  await deliveryLogKeyedBySource.up(db, dialect);

  const all = async () => (await sql<Record<string, unknown>>`select * from deliveries order by message_id, source_id, destination_id`.execute(db)).rows.map((r) => ({
    ...r, attempts: Number(r.attempts), updated_at: Number(r.updated_at), next_attempt_at: r.next_attempt_at === null ? null : Number(r.next_attempt_at), first_attempt_at: r.first_attempt_at === null ? null : Number(r.first_attempt_at),
  }));
  expect(await all()).toEqual(before);
  // The log's upsert on the new key: the same source's row is replaced, another source's event with the same messageId gets its own row.
  for (const sourceId of ['src_1', 'src_9']) {
    await sql`insert into deliveries (workspace_id, destination_id, message_id, source_id, status, attempts, updated_at) values ('ws_1', 'dst_a', 'm1', ${sourceId}, 'failed', 2, 2)
      on conflict (message_id, source_id, destination_id) do update set status = excluded.status, attempts = excluded.attempts`.execute(db);
  }
  const m1 = await sql<{ source_id: string; status: string }>`select source_id, status from deliveries where message_id = 'm1' and destination_id = 'dst_a' order by source_id`.execute(db);
  expect(m1.rows).toEqual([{ source_id: 'src_1', status: 'failed' }, { source_id: 'src_9', status: 'failed' }]);
  const indexes = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'deliveries' and name not like 'sqlite_autoindex%'`.execute(db)
    : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'deliveries' and schemaname = current_schema() and indexname <> 'deliveries_pk'`.execute(db);
  expect(indexes.rows.map((r) => r.name)).toEqual(['deliveries_destination_status']);
}

describe('migration 0970: the delivery log keyed by message, source and destination', () => {
  it('keeps every row on SQLite (table rebuilt, when the log is still in the store file)', async () => {
    const db = await databases.sqlite();
    await checkSourceKey(db, 'sqlite');
    // Lookups by message, and by message and source, use the new key.
    for (const where of [sql`message_id = 'm1'`, sql`message_id = 'm1' and source_id = 'src_1'`]) {
      const plan = await sql<{ detail: string }>`explain query plan select * from deliveries where workspace_id = 'ws_1' and ${where}`.execute(db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING INDEX sqlite_autoindex_deliveries/);
    }
  });

  it('does nothing on SQLite once the log has moved to its own file', async () => {
    const db = await databases.sqlite();
    await migrateUpTo(db, 'sqlite', deliveryLogKeyedBySource);
    await sql`drop table deliveries`.execute(db);
    await deliveryLogKeyedBySource.up(db, 'sqlite');
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'deliveries%'`.execute(db);
    expect(tables.rows).toEqual([]);
  });

  it.runIf(available)('keeps every row on PostgreSQL (constraint swapped)', async () => {
    const db = await databases.postgres('rekey_source');
    await checkSourceKey(db, 'postgres');
  });
});
