import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryJobRecord } from '../queue.js';
import { runDeliveryQueueContract } from '../../../test/contract/delivery-queue-contract.js';
import { SqliteQueue } from './sqlite-queue.js';
import { JOB_SEQ_SCALE } from './manifest-entries.js';

runDeliveryQueueContract({
  name: 'sqlite',
  redeliveryMs: 0,
  sharedConsumers: false,
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-contract-'));
    return {
      openInstance: async () => new SqliteQueue(path.join(dir, 'sluice.db')),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

/** The data directory of the test running (the tests below make their own). */
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the embedded delivery queue', () => {
  it('keeps a job that names its stored event by that reference alone: the event is not in the file twice', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-reference-'));
    const file = path.join(dir, 'queue.db');
    const secret = 'Ada Lovelace, 12 Analytical Row';
    const job = (n: number): DeliveryJobRecord => ({ workspaceId: 'ws', destinationId: 'd1', sourceId: 'src', messageId: `m${n}`, partitionKey: 'u', json: JSON.stringify({ messageId: `m${n}`, traits: { address: secret } }), receivedAt: n });
    const queue = new SqliteQueue(file);
    try {
      // One job to a destination is a row of its own; several are one manifest (manifest-entries.ts).
      await queue.publishDeliveries([{ ...job(1), storedSeq: 41 }]);
      await queue.publishDeliveries([{ ...job(3), storedSeq: 43 }, job(2)]);
      const raw = new BetterSqlite3(file, { readonly: true });
      expect(raw.prepare('SELECT message_id, stored_seq, json IS NULL AS by_reference, entry_count FROM queue_deliveries ORDER BY seq').all()).toEqual([
        { message_id: 'm1', stored_seq: 41, by_reference: 1, entry_count: null },
        { message_id: 'm3', stored_seq: null, by_reference: 0, entry_count: 2 },
      ]);
      const manifest = JSON.parse(raw.prepare('SELECT json FROM queue_deliveries WHERE entry_count = 2').pluck().get() as string) as unknown[][];
      expect(manifest.map((entry) => [entry[2], entry[6], entry[7] === null])).toEqual([['m3', 43, true], ['m2', null, false]]);
      // The secret is in the file once: in the job that carries its own JSON.
      expect((raw.prepare('SELECT json FROM queue_deliveries').pluck().all() as (string | null)[]).join('').split(secret).length - 1).toBe(1);
      raw.close();
      const jobs = await queue.deliveryConsumer('d1').fetch(10, { signal: new AbortController().signal, waitMs: 0 });
      const byReference = (n: number, storedSeq: number) => {
        const { json: _inline, ...withoutJson } = job(n);
        return { ...withoutJson, storedSeq, eventSeq: storedSeq };
      };
      // (Queued before this consumer started: marked as maybe handed out before.) A manifest's jobs are its row's seq
      // times JOB_SEQ_SCALE plus their place.
      expect(jobs).toEqual([
        { ...byReference(1, 41), seq: 1 * JOB_SEQ_SCALE, redelivered: true },
        { ...byReference(3, 43), seq: 2 * JOB_SEQ_SCALE, redelivered: true },
        { ...job(2), seq: 2 * JOB_SEQ_SCALE + 1, redelivered: true },
      ]);
    } finally {
      await queue.close();
    }
  });
});

describe('the embedded delivery queue written by an earlier version', () => {
  it('rewrites JSON-in-JSON job rows into columns at open, keeping their order and positions', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-upgrade-'));
    const file = path.join(dir, 'queue.db');
    const old = new BetterSqlite3(file);
    old.exec(`CREATE TABLE queue_deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination_id TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX queue_deliveries_destination ON queue_deliveries (destination_id, seq);`);
    const job = (n: number, destinationId: string): DeliveryJobRecord => ({
      workspaceId: 'ws', destinationId, sourceId: 'src', messageId: `m${n}`, partitionKey: `u${n % 2}`, json: JSON.stringify({ messageId: `m${n}`, text: 'quote " and \\ backslash' }), receivedAt: 1_700_000_000_000 + n,
    });
    for (const n of [1, 2, 3, 4]) old.prepare('INSERT INTO queue_deliveries (destination_id, body) VALUES (?, ?)').run(n === 3 ? 'd2' : 'd1', JSON.stringify(job(n, n === 3 ? 'd2' : 'd1')));
    old.prepare('DELETE FROM queue_deliveries WHERE seq = 1').run(); // acknowledged before the upgrade
    old.close();

    const queue = new SqliteQueue(file);
    try {
      const signal = new AbortController().signal;
      const d1 = await queue.deliveryConsumer('d1').fetch(10, { signal, waitMs: 0 });
      // Queued before the queue opened: maybe handed out before (the router reads their retry states back).
      expect(d1).toEqual([{ ...job(2, 'd1'), seq: 2 * JOB_SEQ_SCALE, redelivered: true }, { ...job(4, 'd1'), seq: 4 * JOB_SEQ_SCALE, redelivered: true }]);
      expect(d1[0]!.subject).toBeUndefined();
      await queue.deliveryConsumer('d1').ack(d1);
      expect(await queue.deliveryConsumer('d1').backlog()).toBe(0);
      expect(await queue.deliveryConsumer('d2').backlog()).toBe(1); // counted from the old rows at open
      // New jobs continue after the old positions and carry their subject.
      await queue.publishDeliveries([{ ...job(5, 'd2'), subject: [{ type: 'userId', value: 'u1' }] }]);
      const d2 = await queue.deliveryConsumer('d2').fetch(10, { signal, waitMs: 0 });
      expect(d2.map((j) => [j.seq / JOB_SEQ_SCALE, j.messageId, j.subject])).toEqual([[3, 'm3', undefined], [5, 'm5', [{ type: 'userId', value: 'u1' }]]]);
    } finally {
      await queue.close();
    }
  });
  it('rebuilds a table whose rows must carry the JSON (before jobs by reference) at open, keeping jobs, positions and the sequence', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-inline-'));
    const file = path.join(dir, 'queue.db');
    const old = new BetterSqlite3(file);
    old.exec(`CREATE TABLE queue_deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination_id TEXT NOT NULL, workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL, message_id TEXT NOT NULL, partition_key TEXT NOT NULL, received_at INTEGER NOT NULL, subject TEXT, json TEXT NOT NULL);
      CREATE INDEX queue_deliveries_destination ON queue_deliveries (destination_id, seq);
      CREATE TABLE queue_delivery_counts (destination_id TEXT PRIMARY KEY, jobs INTEGER NOT NULL) WITHOUT ROWID;`);
    const insert = old.prepare('INSERT INTO queue_deliveries (destination_id, workspace_id, source_id, message_id, partition_key, received_at, subject, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const n of [1, 2, 3]) insert.run('d1', 'ws', 'src', `m${n}`, 'u', n, n === 2 ? '[{"type":"userId","value":"u"}]' : null, `{"n":${n}}`);
    old.prepare("INSERT INTO queue_delivery_counts VALUES ('d1', 1)").run(); // the one job left below
    old.prepare('DELETE FROM queue_deliveries WHERE seq IN (1, 3)').run(); // 1 and 3 acknowledged: the sequence is at 3, the last row at 2
    old.close();

    const [first, second] = [new SqliteQueue(file), new SqliteQueue(file)]; // two threads open the file at once: rebuilt once
    try {
      const signal = new AbortController().signal;
      const consumer = first.deliveryConsumer('d1');
      const got = await consumer.fetch(10, { signal, waitMs: 0 });
      expect(got).toEqual([{ workspaceId: 'ws', destinationId: 'd1', sourceId: 'src', messageId: 'm2', partitionKey: 'u', receivedAt: 2, subject: [{ type: 'userId', value: 'u' }], json: '{"n":2}', seq: 2 * JOB_SEQ_SCALE, redelivered: true }]);
      await second.publishDeliveries([{ workspaceId: 'ws', destinationId: 'd1', sourceId: 'src', messageId: 'm4', partitionKey: 'u', receivedAt: 4, json: '{"n":4}', storedSeq: 9 }]);
      const next = await consumer.fetch(10, { signal, waitMs: 0 });
      // After the old sequence (3), not after the last row left (2): a position is never given twice.
      expect(next.map((j) => [j.seq / JOB_SEQ_SCALE, j.messageId, j.storedSeq, j.json])).toEqual([[4, 'm4', 9, undefined]]);
      expect(await first.waiting('d1')).toBe(2);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('counts the jobs of a queue file written before jobs were counted, once, when it opens', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-counts-'));
    const file = path.join(dir, 'queue.db');
    const job = (n: number, destinationId: string): DeliveryJobRecord => ({ workspaceId: 'ws', destinationId, sourceId: 'src', messageId: `m${n}`, partitionKey: 'u', json: '{}', receivedAt: n });
    const before = new SqliteQueue(file);
    await before.publishDeliveries([job(1, 'd1'), job(2, 'd1'), job(3, 'd2')]);
    await before.close();
    const raw = new BetterSqlite3(file);
    raw.exec('DROP TABLE queue_delivery_counts'); // as the previous version left the file
    raw.close();

    // Two queues open the file at once (the router's and the processor's threads): counted once.
    const [first, second] = [new SqliteQueue(file), new SqliteQueue(file)];
    try {
      expect([await first.waiting('d1'), await first.waiting('d2'), await second.waiting('d1')]).toEqual([2, 1, 2]);
      await first.publishDeliveries([job(4, 'd2')]);
      const d2 = await second.deliveryConsumer('d2').fetch(10, { signal: new AbortController().signal, waitMs: 0 });
      await second.deliveryConsumer('d2').ack(d2);
      expect([await first.waiting('d1'), await first.waiting('d2')]).toEqual([2, 0]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('adds when each job was queued and its stored event to a file of the previous version, taking the event from a job by reference', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-event-seq-'));
    const file = path.join(dir, 'queue.db');
    const old = new BetterSqlite3(file);
    old.exec(`CREATE TABLE queue_deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, destination_id TEXT NOT NULL, workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL, message_id TEXT NOT NULL, partition_key TEXT NOT NULL, received_at INTEGER NOT NULL, subject TEXT, stored_seq INTEGER, json TEXT,
        CHECK (json IS NOT NULL OR stored_seq IS NOT NULL));
      CREATE INDEX queue_deliveries_destination ON queue_deliveries (destination_id, seq);
      CREATE TABLE queue_delivery_counts (destination_id TEXT PRIMARY KEY, jobs INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO queue_deliveries (destination_id, workspace_id, source_id, message_id, partition_key, received_at, stored_seq, json)
        VALUES ('d1', 'ws', 'src', 'by-reference', 'u', 1, 41, NULL), ('d1', 'ws', 'src', 'own-json', 'u', 2, NULL, '{}');
      INSERT INTO queue_delivery_counts VALUES ('d1', 2);`);
    old.close();

    const [first, second] = [new SqliteQueue(file), new SqliteQueue(file)]; // two threads open the file at once
    try {
      const before = Date.now();
      await first.publishDeliveries([{ workspaceId: 'ws', destinationId: 'd1', sourceId: 'src', messageId: 'changed', partitionKey: 'u', receivedAt: 3, json: '{"x":1}', eventSeq: 42 }]);
      const raw = new BetterSqlite3(file, { readonly: true });
      try {
        const rows = raw.prepare('SELECT message_id, event_seq, queued_at FROM queue_deliveries ORDER BY seq').all() as { message_id: string; event_seq: number | null; queued_at: number | null }[];
        expect(rows.map((r) => [r.message_id, r.event_seq, r.queued_at === null ? null : r.queued_at >= before])).toEqual([
          ['by-reference', 41, null],
          ['own-json', null, null],
          ['changed', 42, true],
        ]);
      } finally {
        raw.close();
      }
      expect(await second.waiting('d1')).toBe(3);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
