import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { requestClosedWithoutDecision } from './1180-request-closed-without-decision.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1180 marks the denied requests that were closed without a decision before it: superseded ones (their
 * `superseded` step) and those the unverified sweep closed (its denial from `verifying` by `system`), and no other
 * denial (an admin's, three wrong codes).
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function check(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, requestClosedWithoutDecision);
  const request = (id: string, status: string, channel = 'subject_portal') =>
    sql`insert into privacy_requests (id, workspace_id, type, status, regulation, subject, channel, created_by, received_at, due_at, receipt_due_at, updated_at)
      values (${id}, 'ws_1', 'access', ${status}, 'ccpa', '{}', ${channel}, 'subject', 1, 2, 2, 3)`.execute(db);
  const step = (id: string, action: string, actor: string, note: string, from = 'verifying') =>
    sql`insert into privacy_request_transitions (workspace_id, request_id, from_status, to_status, action, actor, note, at)
      values ('ws_1', ${id}, ${from}, 'denied', ${action}, ${actor}, ${note}, 3)`.execute(db);
  await request('dsr_superseded', 'denied');
  await step('dsr_superseded', 'superseded', 'subject (source src_1)', 'Replaced by request dsr_new: ...');
  await request('dsr_swept', 'denied');
  await step('dsr_swept', 'denied', 'system', 'Your identity could not be verified: the code we emailed was not entered within 7 days. You can make the request again.');
  await request('dsr_wrong_codes', 'denied');
  await step('dsr_wrong_codes', 'denied', 'system', 'Your identity could not be verified: 3 wrong codes were entered. You can make the request again.');
  await request('dsr_refused', 'denied', 'admin_api');
  await step('dsr_refused', 'denied', 'token:ops', 'Exempt: the data is needed to complete the transaction.', 'processing');
  await request('dsr_done', 'completed');

  await requestClosedWithoutDecision.up(db, dialect);
  const rows = await sql<{ id: string; closed_without_decision: string | null }>`select id, closed_without_decision from privacy_requests order by id`.execute(db);
  expect(rows.rows).toEqual([
    { id: 'dsr_done', closed_without_decision: null },
    { id: 'dsr_refused', closed_without_decision: null },
    { id: 'dsr_superseded', closed_without_decision: 'superseded' },
    { id: 'dsr_swept', closed_without_decision: 'never_verified' },
    { id: 'dsr_wrong_codes', closed_without_decision: null },
  ]);
}

describe('migration 1180: requests closed without a decision', () => {
  it('on SQLite: superseded and swept requests marked from their history, other denials not', async () => {
    await check(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('on PostgreSQL: the same', async () => {
    await check(await databases.postgres('closed_without_decision'), 'postgres');
  });
});
