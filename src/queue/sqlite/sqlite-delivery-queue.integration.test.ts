import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryJobRecord } from '../queue.js';
import { runDeliveryQueueContract } from '../../../test/contract/delivery-queue-contract.js';
import { SqliteQueue } from './sqlite-queue.js';

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

describe('the embedded delivery queue written by an earlier version', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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
      expect(d1).toEqual([{ ...job(2, 'd1'), seq: 2, redelivered: true }, { ...job(4, 'd1'), seq: 4, redelivered: true }]);
      expect(d1[0]!.subject).toBeUndefined();
      await queue.deliveryConsumer('d1').ack(d1);
      expect(await queue.deliveryConsumer('d1').backlog()).toBe(0);
      expect(await queue.deliveryConsumer('d2').backlog()).toBe(1); // counted from the old rows at open
      // New jobs continue after the old positions and carry their subject.
      await queue.publishDeliveries([{ ...job(5, 'd2'), subject: [{ type: 'userId', value: 'u1' }] }]);
      const d2 = await queue.deliveryConsumer('d2').fetch(10, { signal, waitMs: 0 });
      expect(d2.map((j) => [j.seq, j.messageId, j.subject])).toEqual([[3, 'm3', undefined], [5, 'm5', [{ type: 'userId', value: 'u1' }]]]);
    } finally {
      await queue.close();
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
});
