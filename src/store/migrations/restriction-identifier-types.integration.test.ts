import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import type { SubjectIdentifier } from '../../core/privacy/subject.js';
import { RestrictionCheck } from '../../privacy/requests/restriction-check.js';
import type { Database } from '../sql/schema.js';
import { SqlSubjectDataRepository } from '../sql/sql-subject-data-repository.js';
import { restrictionIdentifierTypes } from './1150-restriction-identifier-types.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1150 keeps the kind of identifier each restriction holds. Rows stored before keep their value and hold
 * for it under any kind (as they did); rows stored since hold for their kind only, so a userId equal to a
 * restricted email or anonymousId is not held, and one value may be held as two kinds.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();
const user = (value: string): SubjectIdentifier => ({ type: 'userId', value });
const anon = (value: string): SubjectIdentifier => ({ type: 'anonymousId', value });
const email = (value: string): SubjectIdentifier => ({ type: 'email', value });

async function check(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, restrictionIdentifierTypes);
  // Stored by an earlier version: plain values.
  await sql`insert into subject_restrictions (workspace_id, kind, identifier, request_id, created_at) values
    ('ws_1', 'restrict', 'old@example.com', 'req_old', 1), ('ws_1', 'limit_sensitive', 'old-user', 'req_old', 1)`.execute(db);
  await restrictionIdentifierTypes.up(db, dialect);
  const rows = await sql<Record<string, unknown>>`select workspace_id, kind, identifier_type, identifier, request_id from subject_restrictions order by identifier`.execute(db);
  expect(rows.rows).toEqual([
    { workspace_id: 'ws_1', kind: 'limit_sensitive', identifier_type: '', identifier: 'old-user', request_id: 'req_old' },
    { workspace_id: 'ws_1', kind: 'restrict', identifier_type: '', identifier: 'old@example.com', request_id: 'req_old' },
  ]);

  const repo = new SqlSubjectDataRepository(db as Kysely<Database>, { forget: async () => 0, countFor: async () => 0 } as never);
  await repo.addRestriction({ workspaceId: 'ws_1', kind: 'restrict', identifiers: [email('Ada@Example.com'), anon('shared-42')], requestId: 'req_new', at: 2 });
  // The same value as another kind, for someone else: a row of its own.
  await repo.addRestriction({ workspaceId: 'ws_1', kind: 'restrict', identifiers: [user('shared-42')], requestId: 'req_other', at: 3 });
  expect(await repo.restricted('ws_1', 'restrict', [user('ada@example.com'), email('ADA@example.com'), anon('ada@example.com')])).toEqual([email('ADA@example.com')]);
  // An old row holds for its value under any kind, as before.
  expect(await repo.restricted('ws_1', 'restrict', [user('old@example.com'), email('old@example.com')])).toEqual([user('old@example.com'), email('old@example.com')]);

  const check = new RestrictionCheck(repo);
  const events = [[user('ada@example.com')], [email('ada@example.com')], [anon('old@example.com')], [user('someone')], [anon('shared-42')]].map((identifiers) => ({ workspaceId: 'ws_1', identifiers }));
  expect(await check.restrictedEvents(events, (e) => e.identifiers)).toEqual([false, true, true, false, true]);
  expect(await check.restrictedEvents(events, (e) => e.identifiers, undefined, 'limit_sensitive')).toEqual([false, false, false, false, false]);

  // Lifting by the user's identifiers removes their rows and an old row of their value, not another kind's row.
  expect(await repo.removeRestriction('ws_1', 'restrict', [user('shared-42'), user('old@example.com')])).toBe(2);
  expect(await repo.restricted('ws_1', 'restrict', [anon('shared-42'), user('shared-42')])).toEqual([anon('shared-42')]);
  expect(await repo.countRestrictions('ws_1', [anon('shared-42'), user('old-user')])).toBe(2);
}

describe('migration 1150: restrictions keep the kind of identifier', () => {
  it('on SQLite (table rebuilt): old rows kept for any kind, new rows matched by kind', async () => {
    await check(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('on PostgreSQL (column added, key swapped): the same', async () => {
    await check(await databases.postgres('restriction_types'), 'postgres');
  });
});
