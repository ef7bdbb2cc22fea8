import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import type { Database } from '../sql/schema.js';
import { SqlSourceCounterRepository } from '../sql/sql-source-counter-repository.js';
import { sourceDrops } from './1170-source-drops.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1170 keeps the latest event each source's processor dropped before storage, per reason (the live
 * debugger's `event: dropped`): a later drop replaces an earlier one, never the other way round (several
 * processors write), and the rows go with the counters when they are pruned.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function checkDrops(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, sourceDrops);
  await sourceDrops.up(db, dialect);
  const counters = new SqlSourceCounterRepository(db as Kysely<Database>);
  const drop = (reason: string, at: number, messageId: string) => ({ workspaceId: 'ws', sourceId: 'src', reason, message: `${reason} message`, at, example: { type: 'track', messageId, shape: { userId: 'string' } } });

  await counters.saveDrops([drop('duplicate', 2_000, 'second'), drop('suppressed', 1_500, 's1')]);
  // A processor that writes later with an earlier drop does not replace the later one.
  await counters.saveDrops([drop('duplicate', 1_000, 'first')]);
  expect(await counters.drops('ws', 'src', 0)).toEqual([drop('duplicate', 2_000, 'second'), drop('suppressed', 1_500, 's1')]);
  expect(await counters.drops('ws', 'src', 1_800)).toEqual([drop('duplicate', 2_000, 'second')]);
  expect(await counters.drops('other-ws', 'src', 0)).toEqual([]);

  await counters.saveDrops([{ workspaceId: 'ws', sourceId: 'src', reason: 'duplicate', message: 'without example', at: 3_000 }]);
  expect((await counters.drops('ws', 'src', 2_500))[0]).toEqual({ workspaceId: 'ws', sourceId: 'src', reason: 'duplicate', message: 'without example', at: 3_000 });

  expect(await counters.prune(2_000)).toBe(1);
  expect((await counters.drops('ws', 'src', 0)).map((d) => d.reason)).toEqual(['duplicate']);
}

describe('migration 1170: source drops', () => {
  it('keeps the latest dropped event per source and reason, and prunes it with the counters, on SQLite', async () => {
    await checkDrops(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('keeps the latest dropped event per source and reason, and prunes it with the counters, on PostgreSQL', async () => {
    await checkDrops(await databases.postgres('source_drops'), 'postgres');
  });
});
