import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { requestLanguage } from './1230-request-language.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1230 gives privacy requests the language they were filed in: requests from before it were answered in
 * English and read `en`; new ones keep the language they are written with.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function check(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, requestLanguage);
  await sql`insert into privacy_requests (id, workspace_id, type, status, regulation, subject, channel, created_by, received_at, due_at, receipt_due_at, updated_at)
    values ('dsr_before', 'ws_1', 'access', 'completed', 'gdpr', '{}', 'subject_portal', 'subject', 1, 2, 2, 3)`.execute(db);
  await requestLanguage.up(db, dialect);
  await sql`insert into privacy_requests (id, workspace_id, type, status, regulation, subject, channel, created_by, received_at, due_at, receipt_due_at, updated_at, language)
    values ('dsr_after', 'ws_1', 'access', 'received', 'gdpr', '{}', 'subject_portal', 'subject', 1, 2, 2, 3, 'de')`.execute(db);
  const rows = await sql<{ id: string; language: string }>`select id, language from privacy_requests order by id`.execute(db);
  expect(rows.rows).toEqual([
    { id: 'dsr_after', language: 'de' },
    { id: 'dsr_before', language: 'en' },
  ]);
}

describe('migration 1230: the language a privacy request was filed in', () => {
  it('on SQLite: earlier requests read en, new ones keep theirs', async () => {
    await check(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('on PostgreSQL: the same', async () => {
    await check(await databases.postgres('request_language'), 'postgres');
  });
});
