import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxMessage, InboxRecord } from '../queue.js';
import { runQueueContract } from '../../../test/contract/queue-contract.js';
import { SqliteQueue } from './sqlite-queue.js';
import { WalFlusher } from '../../store/sqlite/wal-flusher.js';

// The contract against each way group commits reach the disk (decision 0002).
for (const [name, writer] of [
  ['sqlite', 'main'],
  ['sqlite, group commits on a writer thread', 'thread'],
  ['sqlite, WAL flushed off the thread', 'flush'],
] as const) {
  runQueueContract({
    name,
    redeliveryMs: 0,
    sharedConsumers: false,
    async open() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-queue-contract-'));
      return {
        openInstance: async () => new SqliteQueue(path.join(dir, 'sluice.db'), { writer }),
        destroy: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  });
}

describe('SqliteQueue inbox rows', () => {
  let dir: string;
  let queue: SqliteQueue | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-queue-rows-'));
  });
  afterEach(async () => {
    await queue?.close();
    queue = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const record = (sourceId: string, n: number, signals?: InboxRecord['signals']): InboxRecord => ({
    workspaceId: 'ws',
    sourceId,
    json: JSON.stringify({ messageId: `m${n}`, n }),
    ...(signals ? { signals } : {}),
  });

  async function drain(q: SqliteQueue, batchSize: number, expected: number): Promise<InboxMessage[][]> {
    const batches: InboxMessage[][] = [];
    const controller = new AbortController();
    const done = q.consumeInbox(
      async (batch) => {
        batches.push(batch);
        if (batches.flat().length >= expected) controller.abort();
      },
      { batchSize, signal: controller.signal },
    );
    await done;
    return batches;
  }

  it('keeps order, source and request signals when the requests of one turn share rows, and counts events', async () => {
    queue = new SqliteQueue(path.join(dir, 'sluice.db'));
    const gpc = { gpc: true };
    await Promise.all([
      queue.publishInbox([record('a', 1), record('a', 2)]),
      queue.publishInbox([record('a', 3)]),
      queue.publishInbox([record('b', 4, gpc), record('b', 5, gpc)]),
      queue.publishInbox(Array.from({ length: 2500 }, (_, i) => record('c', 6 + i))),
    ]);
    expect(await queue.inboxBacklog()).toBe(2505);
    const batches = await drain(queue, 500, 2505);
    const seen = batches.flat();
    expect(seen.map((m) => (m.event as unknown as { n: number }).n)).toEqual(Array.from({ length: 2505 }, (_, i) => i + 1));
    expect(seen.slice(0, 5).map((m) => [m.sourceId, m.signals?.gpc ?? false])).toEqual([['a', false], ['a', false], ['a', false], ['b', true], ['b', true]]);
    expect(new Set(seen.map((m) => m.seq)).size).toBe(2505);
    expect(seen.every((m, i) => i === 0 || m.seq > seen[i - 1]!.seq)).toBe(true);
    // A row holds at most 1,000 events, so a batch overshoots its size by less than one row.
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThan(500 + 1000);
    expect(await queue.inboxBacklog()).toBe(0);
  });

  it('deletes acknowledged rows as a burst is consumed, a few thousand events at a time, not all of them later at once', async () => {
    queue = new SqliteQueue(path.join(dir, 'sluice.db'));
    // Ten requests of 1,000 events, as a burst leaves them: one row each.
    for (let r = 0; r < 10; r++) await queue.publishInbox(Array.from({ length: 1000 }, (_, i) => record('burst', r * 1000 + i)));
    const inspect = new Database(path.join(dir, 'sluice.db'), { readonly: true });
    const rowsLeft: number[] = [];
    const controller = new AbortController();
    let seen = 0;
    try {
      await queue.consumeInbox(
        async (batch) => {
          // Rows still in the table when a batch arrives: what earlier batches acknowledged and left behind, plus this one's.
          rowsLeft.push(inspect.prepare('SELECT count(*) AS n FROM queue_inbox').pluck().get() as number);
          seen += batch.length;
          if (seen >= 10_000) controller.abort();
        },
        { batchSize: 2000, signal: controller.signal },
      );
    } finally {
      inspect.close();
    }
    // Two batches (4,000 events) acknowledged, their four rows go; never the whole burst's rows in one deletion.
    expect(rowsLeft).toEqual([10, 10, 6, 6, 2]);
  });

  it('consumes and counts an inbox written one event per row by an earlier version', async () => {
    const file = path.join(dir, 'sluice.db');
    const legacy = new Database(file);
    legacy.exec(`
      CREATE TABLE queue_inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id TEXT NOT NULL, source_id TEXT NOT NULL, body TEXT NOT NULL, signals TEXT);
      CREATE TABLE queue_offsets (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL);
    `);
    const insert = legacy.prepare('INSERT INTO queue_inbox (workspace_id, source_id, body, signals) VALUES (?, ?, ?, ?)');
    for (let n = 1; n <= 4; n++) insert.run('ws', 'a', JSON.stringify({ messageId: `m${n}`, n }), n === 4 ? '{"dnt":true}' : null);
    legacy.prepare("INSERT INTO queue_offsets (consumer, position) VALUES ('processor', 1)").run();
    legacy.close();

    queue = new SqliteQueue(file);
    expect(await queue.inboxBacklog()).toBe(3);
    await queue.publishInbox([record('a', 5)]);
    expect(await queue.inboxBacklog()).toBe(4);
    const seen = (await drain(queue, 100, 4)).flat();
    expect(seen.map((m) => (m.event as unknown as { n: number }).n)).toEqual([2, 3, 4, 5]);
    expect(seen[2]!.signals).toEqual({ dnt: true });
    expect(await queue.inboxBacklog()).toBe(0);
  });
});

describe('SqliteQueue commits', () => {
  it('flushes every commit of a publisher to disk, and lets the pipeline connections record progress without a flush', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-queue-sync-'));
    const file = path.join(dir, 'queue.db');
    const synchronousOf = (queue: SqliteQueue) => (queue as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    const ingest = new SqliteQueue(file);
    const pipeline = new SqliteQueue(file, { commits: 'progress' });
    try {
      expect(synchronousOf(ingest)).toBe(2); // FULL
      expect(synchronousOf(pipeline)).toBe(1); // NORMAL
      // Both connections share one WAL: what the pipeline consumed and acknowledged is read by the publisher.
      await ingest.publishInbox([{ workspaceId: 'ws', sourceId: 's', json: '{"messageId":"m1"}' }]);
      const stop = new AbortController();
      await pipeline.consumeInbox(async () => stop.abort(), { batchSize: 10, signal: stop.signal });
      expect(await ingest.inboxBacklog()).toBe(0);
    } finally {
      await pipeline.close();
      await ingest.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WalFlusher', () => {
  it('flushes the WAL file SQLite uses, and follows it when the file at the path is replaced', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-wal-flush-'));
    const file = path.join(dir, 'queue.db');
    const queue = new SqliteQueue(file, { writer: 'flush' });
    try {
      await queue.publishInbox([{ workspaceId: 'ws', sourceId: 's', json: '{"messageId":"m1"}' }]);
      const flusher = new WalFlusher(file);
      await flusher.flush();
      const first = (flusher as unknown as { inode: number }).inode;
      expect(first).toBe(statSync(`${file}-wal`).ino);
      // A new file at the path (another inode): the next flush reopens it instead of flushing the old one.
      renameSync(`${file}-wal`, `${file}-wal.old`);
      writeFileSync(`${file}-wal`, '');
      await flusher.flush();
      expect((flusher as unknown as { inode: number }).inode).toBe(statSync(`${file}-wal`).ino);
      expect((flusher as unknown as { inode: number }).inode).not.toBe(first);
      flusher.close();
      renameSync(`${file}-wal.old`, `${file}-wal`);
    } finally {
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
