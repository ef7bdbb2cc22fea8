import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { serviceUnavailable } from './services.js';

export const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  store: SqlStore;
  close(): Promise<void>;
}

/** A migrated SQLite store in a temp dir. */
export async function openTestSqliteStore(): Promise<TestStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-store-'));
  const store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  return { store, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * A migrated PostgreSQL store in a uniquely named schema of the `test` database, dropped on close; undefined
 * (skipped loudly, or thrown with CI=true) when PostgreSQL is not reachable.
 */
export async function openTestPostgresStore(): Promise<TestStore | undefined> {
  const schema = `sluice_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    serviceUnavailable('PostgreSQL', String(error));
    return undefined;
  }
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const url = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openPostgresStore({ connectionString: url, poolSize: 4 });
  return {
    store,
    close: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}
