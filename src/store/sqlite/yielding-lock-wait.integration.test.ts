import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { segmentEvent } from '../../../test/contract/store/fixtures.js';
import type { SqlStore } from '../sql/sql-store.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { openSqliteStore } from './sqlite-store.js';
import { deliveryLogFileOf } from './delivery-log-file.js';

/**
 * The main thread's store connections yield for locks (openSqliteStore's `yieldForLocks`): a write that finds another
 * connection holding the file's write lock waits by timer, and the thread goes on meanwhile. Here the other
 * connection lets go from a timer of this very thread: with SQLite's busy wait (the thread asleep inside the write
 * for up to its 10 s timeout) that timer could not fire, and the write failed with "database is locked".
 */
describe('store writes on a connection that yields for locks', () => {
  let dir: string;
  let store: SqlStore;
  let other: SqliteDatabase;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-yield-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db'), yieldForLocks: true });
  });
  afterEach(async () => {
    if (other?.open) {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Holds `file`'s write lock from another connection until a timer of this thread lets go after `ms`. */
  function holdLock(file: string, ms: number): Promise<void> {
    other = openSqliteDatabase(file);
    other.exec('BEGIN IMMEDIATE');
    return new Promise((resolve) => setTimeout(() => {
      other.exec('COMMIT');
      resolve();
    }, ms));
  }

  it('a single statement, a transaction and a bulk insert each wait for the lock by timer, then go through', async () => {
    const workspaceId = 'ws_yield';
    const file = path.join(dir, 'sluice.db');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      // A single statement (an upsert outside a transaction).
      let released = holdLock(file, 150);
      const single = store.sourceCounters.add([{ workspaceId, sourceId: 'src_y', minute: 60_000, kind: 'received', reason: '', count: 2 }]);
      await Promise.all([released, single]);
      // A Kysely transaction (its BEGIN IMMEDIATE refused, then taken).
      released = holdLock(file, 150);
      const transaction = store.identities.applyChanges({ profiles: [{ id: 'prof_y', workspaceId, traits: { plan: 'pro' }, traitTimes: {}, firstSeen: 1, lastSeen: 2 }], links: [{ workspaceId, kind: 'user_id', value: 'user-y', profileId: 'prof_y' }], deletedProfileIds: [], groups: [] });
      await Promise.all([released, transaction]);
      // The synchronous bulk insert (SqliteBulkWrites).
      released = holdLock(file, 150);
      const inserted = store.events.insertMany([{ workspaceId, sourceId: 'src_y', event: segmentEvent({ userId: 'user-y' }) }]);
      await Promise.all([released, inserted]);
      expect((await inserted).length).toBe(1);
    } finally {
      clearInterval(ticker);
    }
    expect((await store.sourceCounters.list(workspaceId, 0, 120_000)).map((c) => c.count)).toEqual([2]);
    expect((await store.identities.linkedIdentities(workspaceId, 'user-y'))?.profileId).toBe('prof_y');
    expect(await store.events.count(workspaceId)).toBe(1);
    // The thread's timers ran while the writes waited (each waited 150 ms).
    expect(ticks).toBeGreaterThan(10);
  });

  it("the delivery log's file too", async () => {
    const released = holdLock(deliveryLogFileOf(path.join(dir, 'sluice.db')), 150);
    const recorded = store.deliveries.record([{ workspaceId: 'ws_yield', destinationId: 'dst_y', messageId: 'm-y', sourceId: 'src_y', status: 'failed', attempts: 1, reason: 'http_500', lastError: 'HTTP 500', updatedAt: Date.now() }]);
    await Promise.all([released, recorded]);
    expect((await store.deliveries.forMessage('ws_yield', 'm-y')).map((d) => d.status)).toEqual(['failed']);
  });
});
