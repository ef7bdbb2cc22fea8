import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceCounter } from '../store.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { openSqliteStore } from './sqlite-store.js';
import type { SqlStore } from '../sql/sql-store.js';

/**
 * The Tracking API's thread writes its source counters once a second with `wait: false`: while another connection
 * (the processor's) holds the embedded file's write lock, the write gives up at once instead of blocking the thread for
 * the length of that transaction (SQLite's busy wait sleeps in the calling thread; the connection's timeout is 10 s).
 */
describe('source counters written without waiting for the embedded store', () => {
  let dir: string;
  let store: SqlStore;
  let other: SqliteDatabase;
  const row = (count: number): SourceCounter => ({ workspaceId: 'ws_busy', sourceId: 'src_busy', minute: 60_000, kind: 'received', reason: '', count });
  const stored = async () => (await store.sourceCounters.list('ws_busy', 0, 120_000)).reduce((n, c) => n + c.count, 0);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-counters-busy-'));
    // SQLite's own busy wait (a pipeline thread's connection), so the timeout restored is the usual 10 s.
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db'), yieldForLocks: false });
    other = openSqliteDatabase(path.join(dir, 'sluice.db'));
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers false and writes nothing while another connection holds the write lock, then writes once it is free', async () => {
    other.exec('BEGIN IMMEDIATE');
    expect(await store.sourceCounters.add([row(5)], { wait: false })).toBe(false);
    other.exec('COMMIT');
    expect(await stored()).toBe(0);
    expect(await store.sourceCounters.add([row(5)], { wait: false })).toBe(true);
    expect(await stored()).toBe(5);
  });

  it('leaves the connection waiting for the lock in every other write (its busy timeout is restored)', async () => {
    const timeout = async () => (await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db)).rows[0]?.timeout;
    expect(await timeout()).toBe(10_000);
    other.exec('BEGIN IMMEDIATE');
    expect(await store.sourceCounters.add([row(1)], { wait: false })).toBe(false);
    expect(await timeout()).toBe(10_000);
  });
});
