import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxMessage, InboxRecord } from '../queue.js';
import { runQueueContract } from '../../../test/contract/queue-contract.js';
import { MAX_UNACKNOWLEDGED_BATCHES, SqliteQueue } from './sqlite-queue.js';
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

  function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  }
  const until = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(condition()).toBe(true);
  };

  it('hands out the next batches while those before become durable, up to a limit, and acknowledges each once it is, in order', async () => {
    queue = new SqliteQueue(path.join(dir, 'sluice.db'));
    const rows = MAX_UNACKNOWLEDGED_BATCHES + 2;
    for (let n = 1; n <= rows; n++) await queue.publishInbox([record('a', n)]); // a row each
    const durable = Array.from({ length: rows }, () => deferred());
    const handed: number[] = [];
    const controller = new AbortController();
    const done = queue.consumeInbox(
      async (batch) => {
        const n = (batch[0]!.event as unknown as { n: number }).n;
        handed.push(n);
        if (n === rows) controller.abort();
        return { durable: durable[n - 1]!.promise };
      },
      { batchSize: 1, signal: controller.signal },
    );
    // While the first batch's outcome is pending, the limit's worth of batches after it are handed out, and no more;
    // none is acknowledged.
    await until(() => handed.length === MAX_UNACKNOWLEDGED_BATCHES + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(handed).toEqual(Array.from({ length: MAX_UNACKNOWLEDGED_BATCHES + 1 }, (_, i) => i + 1));
    expect(await queue.inboxBacklog()).toBe(rows);
    // A later batch's outcome alone acknowledges nothing: positions are written in order.
    durable[1]!.resolve();
    await new Promise((r) => setTimeout(r, 50));
    expect(await queue.inboxBacklog()).toBe(rows);
    durable[0]!.resolve();
    await until(() => handed.length === rows);
    expect(await queue.inboxBacklog()).toBe(rows - 2);
    // Stopping waits for what was handed out, in order.
    for (let i = 3; i < rows; i++) durable[i]!.resolve();
    await new Promise((r) => setTimeout(r, 50));
    expect(await queue.inboxBacklog()).toBe(rows - 2);
    durable[2]!.resolve();
    await done;
    expect(await queue.inboxBacklog()).toBe(0);
  });

  it('offers a batch again, with the batch after it, when its outcome fails to become durable', async () => {
    queue = new SqliteQueue(path.join(dir, 'sluice.db'));
    const flush = deferred();
    const handed: { n: number; redelivered: boolean }[] = [];
    const errors: unknown[] = [];
    const controller = new AbortController();
    const done = queue.consumeInbox(
      async (batch) => {
        const n = (batch[0]!.event as unknown as { n: number }).n;
        handed.push({ n, redelivered: batch[0]!.redelivered === true });
        if (handed.length === 4) controller.abort();
        // The first batch's flush fails, and only after the second batch was handed out.
        return { durable: handed.length === 1 ? flush.promise : Promise.resolve() };
      },
      { batchSize: 1, signal: controller.signal, retryDelayMs: 10, onError: (error) => errors.push(error) },
    );
    // Published once the consumer runs (what was there before it started counts as handed out before).
    for (let n = 1; n <= 2; n++) await queue.publishInbox([record('a', n)]);
    await until(() => handed.length === 2);
    flush.reject(new Error('disk gone'));
    await done;
    expect(errors.map(String)).toEqual(['Error: disk gone']);
    expect(handed).toEqual([
      { n: 1, redelivered: false },
      { n: 2, redelivered: false },
      { n: 1, redelivered: true },
      { n: 2, redelivered: true },
    ]);
    expect(await queue.inboxBacklog()).toBe(0);
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

  it('lets the flushes asked for while one runs share the next one, started once it ends', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-wal-flush-'));
    const file = path.join(dir, 'queue.db');
    const queue = new SqliteQueue(file, { writer: 'flush' });
    const syncs: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const flusher = new WalFlusher(file, (_fd, done) => syncs.push(done));
    const settled = (promise: Promise<void>) => {
      const state = { done: false, error: undefined as unknown };
      promise.then(
        () => (state.done = true),
        (error: unknown) => ((state.done = true), (state.error = error)),
      );
      return state;
    };
    const tick = () => new Promise((r) => setTimeout(r, 10));
    try {
      await queue.publishInbox([{ workspaceId: 'ws', sourceId: 's', json: '{"messageId":"m1"}' }]);
      const first = settled(flusher.flush());
      const second = settled(flusher.flush());
      const third = settled(flusher.flush());
      await tick();
      expect(syncs.length).toBe(1); // the second and third wait for the next flush, not started yet
      syncs[0]!(null);
      await tick();
      expect([first.done, second.done, third.done]).toEqual([true, false, false]);
      expect(syncs.length).toBe(2); // one flush for both
      const fourth = settled(flusher.flush()); // asked for while the shared one runs: one more after it
      syncs[1]!(null);
      await tick();
      expect([second.done, third.done, fourth.done]).toEqual([true, true, false]);
      expect(syncs.length).toBe(3);
      syncs[2]!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      await tick();
      expect(String(fourth.error)).toContain('EIO');
      // A failed flush does not stop the next one.
      const fifth = settled(flusher.flush());
      await tick();
      syncs[3]!(null);
      await tick();
      expect(fifth).toEqual({ done: true, error: undefined });
    } finally {
      flusher.close();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
