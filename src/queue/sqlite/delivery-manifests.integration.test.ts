import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryJob, DeliveryJobRecord } from '../queue.js';
import { JOB_SEQ_SCALE, MAX_MANIFEST_EVENT_SPAN } from './manifest-entries.js';
import { SqliteQueue } from './sqlite-queue.js';

let dir: string;
let file: string;
let queue: SqliteQueue;
const signal = new AbortController().signal;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-manifests-'));
  file = path.join(dir, 'queue.db');
  queue = new SqliteQueue(file);
});

afterEach(async () => {
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A job of a stored event (by reference, as the fan-out queues them), its user `u<n % 3>`. */
function job(n: number, destinationId = 'd1', eventSeq = 100 + n): DeliveryJobRecord {
  return { workspaceId: 'ws', destinationId, sourceId: 'src', messageId: `m${n}`, partitionKey: `u${n % 3}`, json: `{"n":${n}}`, storedSeq: eventSeq, eventSeq, receivedAt: n, subject: [{ type: 'userId', value: `u${n % 3}` }] };
}

function rows(): { seq: number; destination_id: string; entry_count: number | null; event_seq: number | null; last_event_seq: number | null }[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare('SELECT seq, destination_id, entry_count, event_seq, last_event_seq FROM queue_deliveries ORDER BY seq').all() as ReturnType<typeof rows>;
  } finally {
    raw.close();
  }
}

function progressRows(): number {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare('SELECT count(*) FROM queue_manifest_progress').pluck().get() as number;
  } finally {
    raw.close();
  }
}

const ids = (jobs: readonly DeliveryJob[]) => jobs.map((j) => j.messageId);

describe('delivery manifests: the jobs one publish gives a destination, in one row', () => {
  it('keeps one row per destination (a lone job its own row) and hands the jobs out in order, at most as many as asked', async () => {
    await queue.publishDeliveries([job(1), job(2, 'd2'), job(3), job(4), job(5)]);
    expect(rows()).toEqual([
      { seq: 1, destination_id: 'd1', entry_count: 4, event_seq: 101, last_event_seq: 105 },
      { seq: 2, destination_id: 'd2', entry_count: null, event_seq: 102, last_event_seq: null },
    ]);
    expect(await queue.waiting('d1')).toBe(4);
    const consumer = queue.deliveryConsumer('d1');
    const first = await consumer.fetch(3, { signal, waitMs: 0 });
    expect(ids(first)).toEqual(['m1', 'm3', 'm4']);
    expect(first.map((j) => j.seq)).toEqual([JOB_SEQ_SCALE, JOB_SEQ_SCALE + 1, JOB_SEQ_SCALE + 2]);
    expect(first[0]).toEqual({ ...job(1), json: undefined, seq: JOB_SEQ_SCALE, redelivered: true });
    expect(ids(await consumer.fetch(3, { signal, waitMs: 0 }))).toEqual(['m5']);
    expect(await consumer.fetch(3, { signal, waitMs: 0 })).toEqual([]);
  });

  it("leaves an entry's workspace and source to the row when they are the row's, keeps another source's, and reads manifests that carry them in every entry", async () => {
    const other = { ...job(2), sourceId: 'src-2' };
    await queue.publishDeliveries([job(1), other, job(3)]);
    const raw = new BetterSqlite3(file);
    try {
      const entries = JSON.parse(raw.prepare('SELECT json FROM queue_deliveries WHERE seq = 1').pluck().get() as string) as unknown[][];
      expect(entries.map((e) => [e[0], e[1], e[2]])).toEqual([[null, null, 'm1'], [null, 'src-2', 'm2'], [null, null, 'm3']]);
      // A manifest as session 33 wrote it: every entry with its workspace and source.
      const written = entries.map((e) => ['ws', e[1] ?? 'src', ...e.slice(2)]);
      raw.prepare('UPDATE queue_deliveries SET json = ? WHERE seq = 1').run(JSON.stringify(written));
    } finally {
      raw.close();
    }
    const handed = await queue.deliveryConsumer('d1').fetch(10, { signal, waitMs: 0 });
    expect(handed.map((j) => [j.workspaceId, j.sourceId, j.messageId])).toEqual([['ws', 'src', 'm1'], ['ws', 'src-2', 'm2'], ['ws', 'src', 'm3']]);
    await queue.publishDeliveries([job(4), { ...job(5), sourceId: 'src-2' }]);
    const next = await queue.deliveryConsumer('d1').fetch(10, { signal, waitMs: 0 });
    expect(next.slice(3)).toEqual([
      { ...job(4), json: undefined, seq: 2 * JOB_SEQ_SCALE, redelivered: true },
      { ...job(5), sourceId: 'src-2', json: undefined, seq: 2 * JOB_SEQ_SCALE + 1, redelivered: true },
    ]);
  });

  it('keeps what is finished across a restart: only the rest is handed out again, counted once, and the row goes with its last job', async () => {
    await queue.publishDeliveries([1, 2, 3, 4].map((n) => job(n)));
    const consumer = queue.deliveryConsumer('d1');
    const jobs = await consumer.fetch(10, { signal, waitMs: 0 });
    await consumer.ack([jobs[1]!, jobs[3]!]);
    await consumer.ack([jobs[1]!]); // twice: counted once
    expect(await queue.waiting('d1')).toBe(2);
    expect(progressRows()).toBe(1);

    // The router restarts: a new queue on the file hands out what was not finished, as maybe handed out before.
    await queue.close();
    queue = new SqliteQueue(file);
    const again = queue.deliveryConsumer('d1');
    const rest = await again.fetch(10, { signal, waitMs: 0 });
    expect(ids(rest)).toEqual(['m1', 'm3']);
    expect(rest.every((j) => j.redelivered === true)).toBe(true);
    await again.ack(rest);
    expect(await queue.waiting('d1')).toBe(0);
    expect(rows()).toEqual([]);
    expect(progressRows()).toBe(0);
    // An acknowledgement of a job whose row is gone counts nothing.
    await again.ack([jobs[0]!]);
    expect(await queue.waiting('d1')).toBe(0);
  });

  it("hands a user's jobs out again by their key (the router's set-aside users), only those handed out and not finished", async () => {
    await queue.publishDeliveries([1, 2, 3, 4, 5, 6, 7].map((n) => job(n)));
    const consumer = queue.deliveryConsumer('d1');
    const jobs = await consumer.fetch(5, { signal, waitMs: 0 }); // m1..m5 handed out, m6 and m7 not yet
    const u1 = jobs.filter((j) => j.partitionKey === 'u1'); // m1, m4
    await consumer.ack([u1[0]!]);
    const reread = await consumer.reread!('u1', 0, Number.MAX_SAFE_INTEGER, 10);
    expect(ids(reread)).toEqual(['m4']); // m1 finished; m7 (u1) not handed out yet
    expect(ids(await consumer.reread!('u1', u1[1]!.seq, Number.MAX_SAFE_INTEGER, 10))).toEqual([]);
    expect(ids(await consumer.reread!('u2', 0, jobs[1]!.seq, 10))).toEqual(['m2']); // up to m2's place only
  });

  it('cuts a publish whose events lie far apart into manifests of a bounded span, each found by its range', async () => {
    await queue.publishDeliveries([job(1, 'd1', 10), job(2, 'd1', 20), job(3, 'd1', 30 + MAX_MANIFEST_EVENT_SPAN), job(4, 'd1', 40 + MAX_MANIFEST_EVENT_SPAN)]);
    expect(rows().map((r) => [r.entry_count, r.event_seq, r.last_event_seq])).toEqual([
      [2, 10, 20],
      [2, 30 + MAX_MANIFEST_EVENT_SPAN, 40 + MAX_MANIFEST_EVENT_SPAN],
    ]);
    expect(ids(await queue.deliveryConsumer('d1').fetch(10, { signal, waitMs: 0 }))).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it("discards a deleted destination's manifests with what was finished of them", async () => {
    await queue.publishDeliveries([job(1), job(2), job(3, 'd2'), job(4, 'd2')]);
    const consumer = queue.deliveryConsumer('d1');
    await consumer.ack((await consumer.fetch(1, { signal, waitMs: 0 })));
    expect(progressRows()).toBe(1);
    await queue.purgeDeliveries('d1');
    expect(rows().map((r) => r.destination_id)).toEqual(['d2']);
    expect(progressRows()).toBe(0);
    expect([await queue.waiting('d1'), await queue.waiting('d2')]).toEqual([0, 2]);
  });
});

describe('delivery manifests acknowledged while another thread publishes', () => {
  it('waits for the file instead of failing: an acknowledgement reads a manifest\'s progress before it writes', async () => {
    const { Worker } = await import('node:worker_threads');
    // Another thread (the processor) commits to the file all the time, as publishes do.
    const writer = new Worker(
      `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
       const { workerData, parentPort } = require('node:worker_threads');
       const db = new Database(workerData.file);
       db.pragma('busy_timeout = 10000');
       const stop = Date.now() + workerData.ms;
       let n = 0;
       while (Date.now() < stop) { db.prepare("UPDATE queue_delivery_counts SET jobs = jobs WHERE destination_id = 'elsewhere'").run(); db.prepare("INSERT OR REPLACE INTO queue_delivery_counts (destination_id, jobs) VALUES ('elsewhere', ?)").run(n++); }
       db.close();
       parentPort.postMessage(n);`,
      { eval: true, workerData: { file, ms: 1500 } },
    );
    let finished = false;
    const done = new Promise<number>((resolve, reject) => {
      writer.once('message', (n: number) => {
        finished = true;
        resolve(n);
      });
      writer.once('error', reject);
    });
    const consumer = queue.deliveryConsumer('d1');
    let acknowledged = 0;
    let round = 0;
    for (; !finished; round++) {
      await queue.publishDeliveries([1, 2, 3, 4].map((n) => job(round * 10 + n)));
      const jobs = await consumer.fetch(10, { signal, waitMs: 0 });
      // Two acknowledgements per manifest: the first writes its progress, the second removes it.
      await consumer.ack(jobs.slice(0, 2));
      await consumer.ack(jobs.slice(2));
      acknowledged += jobs.length;
      await new Promise((resolve) => setImmediate(resolve)); // lets the writer's message in
    }
    expect(await done).toBeGreaterThan(0);
    expect(acknowledged).toBe(round * 4);
    expect(await queue.waiting('d1')).toBe(0);
    expect(rows()).toEqual([]);
  });
});
