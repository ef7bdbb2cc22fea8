import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../sql/sql-store.js';
import { openSqliteStore } from './sqlite-store.js';

describe('SQLite store transactions', () => {
  let dir: string | undefined;
  let store: SqlStore | undefined;
  let other: BetterSqlite3.Database | undefined;
  afterEach(async () => {
    other?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hold the write lock from their start, so another connection committing mid-transaction cannot make them fail', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-immediate-'));
    const file = path.join(dir, 'sluice.db');
    store = await openSqliteStore({ file, migrate: false });
    other = new BetterSqlite3(file);
    other.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
    other.pragma('busy_timeout = 50');
    let otherWrite = 'not tried';
    await store.db.transaction().execute(async (trx) => {
      await sql`SELECT count(*) FROM t`.execute(trx);
      // Another connection (in Sluice: the inbox writer, the processor, the router) tries to commit now.
      try {
        other!.prepare('INSERT INTO t VALUES (1)').run();
        otherWrite = 'committed';
      } catch (error) {
        otherWrite = (error as { code?: string }).code ?? 'error';
      }
      // With a deferred BEGIN this write would fail at once with SQLITE_BUSY_SNAPSHOT.
      await sql`INSERT INTO t VALUES (2)`.execute(trx);
    });
    // The other connection waited for the lock and gave up after its short timeout; ours committed.
    expect(otherWrite).toBe('SQLITE_BUSY');
    expect(other.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([2]);
  });

  it("let the same thread's queue write while a store transaction waits, by taking turns instead of blocking the thread", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-immediate-'));
    const file = path.join(dir, 'sluice.db');
    store = await openSqliteStore({ file, migrate: false });
    const queue = new SqliteQueue(file);
    try {
      await sql`CREATE TABLE IF NOT EXISTS t (x INTEGER)`.execute(store.db);
      const order: string[] = [];
      const started = Date.now();
      await Promise.all([
        store.db.transaction().execute(async (trx) => {
          await sql`INSERT INTO t VALUES (1)`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 50)); // e.g. waiting on another query
          await sql`INSERT INTO t VALUES (2)`.execute(trx);
          order.push('transaction');
        }),
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 10)); // the transaction is open by now
          // Without the thread's write lock this synchronous write would block the thread for the busy
          // timeout (10 s), since only this thread can end the transaction, and then fail.
          await queue.publishDeliveries([{ workspaceId: 'ws', destinationId: 'd', sourceId: 's', messageId: 'm', partitionKey: 'u', json: '{}', receivedAt: 0 }]);
          order.push('queue');
        })(),
      ]);
      expect(order).toEqual(['transaction', 'queue']);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await queue.deliveryConsumer('d').backlog()).toBe(1);
    } finally {
      await queue.close();
    }
  });
});
