import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { bindingConsentDenials } from './0960-binding-consent-denials.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 0960 marks as binding the denials privacy requests recorded before the mark existed, when they are
 * still the subject's latest choice; other choices stay as they were.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function checkMarking(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, bindingConsentDenials);
  const ledger = (subject: string, at: number, categories: Record<string, boolean>, requestId: string | null) =>
    sql`insert into consent_ledger (workspace_id, subject_type, subject, at, categories, source, gpc, request_id) values ('ws_1', 'userId', ${subject}, ${at}, ${JSON.stringify(categories)}, 'api', 0, ${requestId})`.execute(db);
  const state = (subject: string, choices: Record<string, unknown>) =>
    sql`insert into consent_state (workspace_id, subject_type, subject, choices, gpc_at, updated_at) values ('ws_1', 'userId', ${subject}, ${JSON.stringify(choices)}, null, 1)`.execute(db);
  // An opt-out that is still the latest choice; one the subject later replaced by a grant; a denial not made by a request.
  await ledger('opted-out', 100, { advertising: false, analytics: false }, 'pr_1');
  await state('opted-out', { advertising: { granted: false, at: 100 }, analytics: { granted: false, at: 100 }, functional: { granted: true, at: 50 } });
  await ledger('changed-mind', 100, { advertising: false }, 'pr_2');
  await ledger('changed-mind', 200, { advertising: true }, null);
  await state('changed-mind', { advertising: { granted: true, at: 200 } });
  await ledger('banner', 100, { advertising: false }, null);
  await state('banner', { advertising: { granted: false, at: 100 } });

  await bindingConsentDenials.up(db, dialect);

  const rows = await sql<{ subject: string; choices: string }>`select subject, choices from consent_state order by subject`.execute(db);
  expect(Object.fromEntries(rows.rows.map((r) => [r.subject, JSON.parse(r.choices) as unknown]))).toEqual({
    'banner': { advertising: { granted: false, at: 100 } },
    'changed-mind': { advertising: { granted: true, at: 200 } },
    'opted-out': { advertising: { granted: false, at: 100, binding: true }, analytics: { granted: false, at: 100, binding: true }, functional: { granted: true, at: 50 } },
  });
}

describe('migration 0960: binding consent denials', () => {
  it('marks the standing denials of privacy requests on SQLite', async () => {
    await checkMarking(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('marks the standing denials of privacy requests on PostgreSQL', async () => {
    await checkMarking(await databases.postgres('binding'), 'postgres');
  });
});
