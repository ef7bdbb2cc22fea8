import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import type { Database } from '../sql/schema.js';
import { SqlDestinationRepository } from '../sql/sql-destination-repository.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { destinationTombstones } from './0980-destination-tombstones.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 0980 lets a deleted destination be kept as a tombstone: destinations configured before it stay
 * configured (no deletion time), and can then be deleted into a tombstone.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function checkTombstones(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, destinationTombstones);
  await sql`insert into destinations (id, workspace_id, name, type, config, secrets, source_ids, consent_categories, enabled, created_at, updated_at)
    values ('dst_old', 'ws_1', 'Old webhook', 'webhook', ${JSON.stringify({ url: 'https://hooks.example.com/in' })}, 'sealed', null, null, 1, 1000, 1000)`.execute(db);

  await destinationTombstones.up(db, dialect);

  const destinations = new SqlDestinationRepository(db as Kysely<Database>);
  expect((await destinations.list('ws_1')).map((d) => [d.id, d.name, d.sealedSecrets])).toEqual([['dst_old', 'Old webhook', 'sealed']]);
  expect(await destinations.delete('ws_1', 'dst_old', { by: 'token:tok_1 (CI)', at: 5000 })).toMatchObject({ id: 'dst_old', name: 'Old webhook', deletedAt: 5000, deletedBy: 'token:tok_1 (CI)' });
  expect(await destinations.list('ws_1')).toEqual([]);
  const row = (await sql<{ config: string; secrets: string | null; deleted_at: number | string }>`select config, secrets, deleted_at from destinations where id = 'dst_old'`.execute(db)).rows[0];
  expect(row && { ...row, deleted_at: Number(row.deleted_at) }).toEqual({ config: '{}', secrets: null, deleted_at: 5000 });
}

describe('migration 0980: destination tombstones', () => {
  it('keeps existing destinations configured and lets a deletion keep a tombstone, on SQLite', async () => {
    await checkTombstones(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('keeps existing destinations configured and lets a deletion keep a tombstone, on PostgreSQL', async () => {
    await checkTombstones(await databases.postgres('tombstones'), 'postgres');
  });
});
