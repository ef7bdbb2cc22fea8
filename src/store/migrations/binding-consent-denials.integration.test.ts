import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresPool } from '../postgres/postgres-store.js';
import { openSqliteDatabase } from '../sqlite/sqlite-database.js';
import { createTestSchema, postgresAvailable } from '../../../test/support/postgres.js';
import { bindingConsentDenials } from './0960-binding-consent-denials.js';
import { MIGRATIONS } from './index.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 0960 marks as binding the denials privacy requests recorded before the mark existed, when they are
 * still the subject's latest choice; other choices stay as they were.
 */
const available = await postgresAvailable();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function checkMarking(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  for (const migration of MIGRATIONS) {
    if (migration.name === bindingConsentDenials.name) break;
    await migration.up(db, dialect);
  }
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
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-binding-'));
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqliteDatabase(path.join(dir, 'sluice.db')) }) });
    cleanups.push(async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    await checkMarking(db, 'sqlite');
  });

  it.runIf(available)('marks the standing denials of privacy requests on PostgreSQL', async () => {
    const schema = await createTestSchema('binding');
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: createPostgresPool({ connectionString: schema.url, schema: schema.schema, poolSize: 2 }) }) });
    cleanups.push(async () => {
      await db.destroy();
      await schema.drop();
    });
    await checkMarking(db, 'postgres');
  });
});
