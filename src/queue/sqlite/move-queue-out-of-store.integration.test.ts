import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteFile, sqliteQueueFile } from '../../store/sqlite/sqlite-database.js';
import type { InboxMessage } from '../queue.js';
import { moveQueueOutOfStore } from './move-queue-out-of-store.js';
import { SqliteQueue } from './sqlite-queue.js';

describe('moving the embedded queues out of the store file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const record = (n: number) => ({ workspaceId: 'ws', sourceId: 'src', json: JSON.stringify({ messageId: `m${n}`, n }) });

  it('moves the unacknowledged inbox and every queued delivery job from sluice.db to queue.db, once', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-move-queue-'));
    // An earlier version: the queues in the store file, two events already processed.
    const legacy = new SqliteQueue(sqliteFile(dir));
    await legacy.publishInbox([record(1), record(2)]);
    await legacy.publishInbox([record(3)]);
    await legacy.publishInbox([record(4), record(5)]);
    const controller = new AbortController();
    await legacy.consumeInbox(async () => controller.abort(), { batchSize: 2, signal: controller.signal });
    await legacy.close();
    // That version kept each delivery job as one JSON text.
    const old = new BetterSqlite3(sqliteFile(dir));
    old.exec('DROP TABLE queue_deliveries; CREATE TABLE queue_deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination_id TEXT NOT NULL, body TEXT NOT NULL)');
    for (const n of [1, 2, 3]) {
      const job = { workspaceId: 'ws', destinationId: 'd1', sourceId: 'src', messageId: `m${n}`, partitionKey: 'u', json: `{"n":${n}}`, receivedAt: 0 };
      old.prepare('INSERT INTO queue_deliveries (destination_id, body) VALUES (?, ?)').run('d1', JSON.stringify(job));
    }
    old.close();

    expect(await moveQueueOutOfStore(dir)).toEqual({ events: 3, jobs: 3 });
    const store = new BetterSqlite3(sqliteFile(dir), { readonly: true });
    expect(store.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'queue_%'").pluck().all()).toEqual([]);
    store.close();
    expect(await moveQueueOutOfStore(dir)).toEqual({ events: 0, jobs: 0 });

    const queue = new SqliteQueue(sqliteQueueFile(dir));
    try {
      expect(await queue.inboxBacklog()).toBe(3);
      const seen: InboxMessage[] = [];
      const stop = new AbortController();
      await queue.consumeInbox(
        async (batch) => {
          seen.push(...batch);
          if (seen.length >= 3) stop.abort();
        },
        { batchSize: 100, signal: stop.signal },
      );
      expect(seen.map((m) => (m.event as unknown as { n: number }).n)).toEqual([3, 4, 5]);
      const jobs = await queue.deliveryConsumer('d1').fetch(10, { signal: new AbortController().signal, waitMs: 0 });
      expect(jobs.map((j) => j.messageId)).toEqual(['m1', 'm2', 'm3']);
      expect(await queue.waiting('d1')).toBe(3); // the moved jobs are counted
      expect(jobs.map((j) => j.json)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    } finally {
      await queue.close();
    }
  });
});
