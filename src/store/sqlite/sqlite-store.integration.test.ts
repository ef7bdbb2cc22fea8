import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { runStoreContract } from '../../../test/contract/store-contract.js';
import { migrateToLatest } from '../migrations/migrate.js';
import { deliveryLogFileOf } from './delivery-log-file.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract({
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-store-contract-'));
    const store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    return {
      store,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('the delivery log an earlier version kept in the store file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('moves to deliveries.db when the store opens with its migrations, once, and stays readable and writable', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-log-move-'));
    const file = path.join(dir, 'sluice.db');
    // The earlier layout: every migration applied to the store file, the log's rows in it.
    const raw = openSqliteDatabase(file);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await migrateToLatest(old, 'sqlite');
    raw.prepare(`INSERT INTO deliveries (workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at, next_attempt_at, first_attempt_at)
      VALUES ('ws', 'dst_a', 'm1', 'src', 'delivered', 1, NULL, NULL, 1000, NULL, NULL), ('ws', 'dst_a', 'm2', 'src', 'failed', 3, 'http_400', 'Bad Request', 2000, NULL, NULL),
        ('ws', 'dst_a', 'm3', 'src', 'retrying', 2, 'http_503', 'Unavailable', 2500, 9000, 1500)`).run();
    raw.prepare("INSERT INTO delivery_counters (workspace_id, destination_id, minute, status, reason, count) VALUES ('ws', 'dst_a', 0, 'delivered', '', 7)").run();
    await old.destroy();

    let store = await openSqliteStore({ file });
    try {
      expect((await store.deliveries.forMessage('ws', 'm2')).map((d) => [d.destinationId, d.status, d.reason, d.lastError, d.attempts])).toEqual([['dst_a', 'failed', 'http_400', 'Bad Request', 3]]);
      expect((await store.deliveries.counters('ws', 0, 60_000)).map((c) => c.count)).toEqual([7]);
      // A retrying delivery keeps its retry state (the move copied only the older columns).
      expect((await store.deliveries.forMessage('ws', 'm3')).map((d) => [d.status, d.nextAttemptAt, d.firstAttemptAt])).toEqual([['retrying', 9000, 1500]]);
      await store.deliveries.record([{ workspaceId: 'ws', destinationId: 'dst_a', messageId: 'm2', sourceId: 'src', status: 'delivered', attempts: 4, reason: null, lastError: null, updatedAt: 3000 }]);
    } finally {
      await store.close();
    }
    const inStore = new BetterSqlite3(file, { readonly: true });
    expect(inStore.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('deliveries', 'delivery_counters')").pluck().all()).toEqual([]);
    inStore.close();
    const inLog = new BetterSqlite3(deliveryLogFileOf(file), { readonly: true });
    expect(inLog.prepare('SELECT message_id, status FROM deliveries ORDER BY message_id').all()).toEqual([{ message_id: 'm1', status: 'delivered' }, { message_id: 'm2', status: 'delivered' }, { message_id: 'm3', status: 'retrying' }]);
    inLog.close();

    store = await openSqliteStore({ file }); // nothing left to move
    try {
      expect((await store.deliveries.forMessage('ws', 'm1')).map((d) => d.status)).toEqual(['delivered']);
    } finally {
      await store.close();
    }
  });
});

describe("the embedded store's commits", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const synchronousOf = async (store: { db: Kysely<never> }) => (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(store.db)).rows[0]!.synchronous;

  it('flush at every commit by default, and only on flushWrites() when opened for pipeline progress', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-store-commits-'));
    const file = path.join(dir, 'sluice.db');
    const durable = await openSqliteStore({ file });
    const progress = await openSqliteStore({ file, migrate: false, commits: 'progress' });
    try {
      expect(await synchronousOf(durable as never)).toBe(2); // FULL
      expect(await synchronousOf(progress as never)).toBe(1); // NORMAL
      const ws = await progress.workspaces.create({ name: 'progress' });
      await progress.events.insertMany([{ workspaceId: ws.id, sourceId: 'src', event: { type: 'track', event: 'E', messageId: 'm1', userId: 'u', context: {}, integrations: {}, timestamp: new Date().toISOString(), receivedAt: new Date().toISOString(), originalTimestamp: new Date().toISOString(), version: 2 } }]);
      await progress.flushWrites();
      // The flush went to the log SQLite writes (the descriptor stays open for the next one), and the other
      // connection sees the write.
      const flusher = (progress as unknown as { flusher: { inode: number } }).flusher;
      expect(flusher.inode).toBe(statSync(`${file}-wal`).ino);
      expect((await durable.events.query({ workspaceId: ws.id, limit: 10 })).map((e) => e.event.messageId)).toEqual(['m1']);
      await durable.flushWrites(); // nothing to flush: every commit was
      expect((durable as unknown as { flusher?: unknown }).flusher).toBeUndefined();
    } finally {
      await progress.close();
      await durable.close();
    }
  });
});
