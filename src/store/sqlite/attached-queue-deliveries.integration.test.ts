import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../core/destination.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { DeliveryJobRecord } from '../../queue/queue.js';
import type { SqliteQueue } from '../../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../sql/sql-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { closeEmbeddedLog, openEmbeddedLog, type EmbeddedLog } from './test-support/embedded-log.js';

const WS = 'ws1';
/** Two sources of the workspace (ids made by the store). */
let SRC = '';
let SRC2 = '';

let dir: string;
let store: SqlStore;
let queue: SqliteQueue;

let log: EmbeddedLog;

beforeEach(async () => {
  log = await openEmbeddedLog('sluice-queued-from-queue-', WS);
  ({ dir, store, queue } = log);
  [SRC, SRC2] = log.sources;
});

afterEach(async () => {
  seqs.clear();
  await closeEmbeddedLog(log);
});

/** Stored events' seqs by `${sourceId}/${messageId}` (jobs name their event by it, as the fan-out's do). */
const seqs = new Map<string, number>();

function event(messageId: string, userId: string): SegmentEvent {
  return { type: 'track', event: 'Signed Up', messageId, userId, timestamp: new Date().toISOString(), receivedAt: new Date().toISOString() } as SegmentEvent;
}

async function storeEvents(messageIds: string[], userId = 'u1', sourceId = SRC): Promise<void> {
  const stored = await store.events.insertMany(messageIds.map((m) => ({ workspaceId: WS, sourceId, event: event(m, userId) })));
  for (const e of stored) seqs.set(`${e.sourceId}/${e.event.messageId}`, e.seq);
}

function job(messageId: string, destinationId = 'd1', userId = 'u1', sourceId = SRC): DeliveryJobRecord {
  const eventSeq = seqs.get(`${sourceId}/${messageId}`);
  return { workspaceId: WS, destinationId, sourceId, messageId, partitionKey: userId, json: JSON.stringify({ messageId, userId }), receivedAt: 1_000, ...(eventSeq !== undefined && { eventSeq }) };
}

function state(messageId: string, status: DeliveryRecord['status'], updatedAt: number, destinationId = 'd1'): DeliveryRecord {
  return { workspaceId: WS, destinationId, messageId, sourceId: SRC, status, attempts: status === 'queued' || status === 'dropped' ? 0 : 1, reason: status === 'dropped' ? 'filter' : null, lastError: null, updatedAt };
}

/** What the fan-out does for a batch: its log first, then its jobs. */
async function fanOut(records: DeliveryRecord[], jobs: DeliveryJobRecord[]): Promise<void> {
  await store.deliveries.recordFanOut(records);
  await queue.publishDeliveries(jobs);
}

function rowsInLog(): { message_id: string; status: string }[] {
  const raw = new BetterSqlite3(path.join(dir, 'deliveries.db'), { readonly: true });
  try {
    return raw.prepare('SELECT message_id, status FROM deliveries ORDER BY message_id').all() as { message_id: string; status: string }[];
  } finally {
    raw.close();
  }
}

describe('the delivery log reading `queued` from the embedded queue (decision 0108)', () => {
  it('writes no `queued` row for the fan-out, counts it, and shows the job as queued until its outcome', async () => {
    const now = Date.now();
    await storeEvents(['m1', 'm2']);
    await fanOut([state('m1', 'queued', now), state('m2', 'dropped', now)], [job('m1')]);
    expect(store.deliveries.queuedFromQueue).toBe(true);
    expect(rowsInLog()).toEqual([{ message_id: 'm2', status: 'dropped' }]);
    const counters = await store.deliveries.counters(WS, now - 60_000, now + 60_000, 'd1');
    expect(counters.map((c) => [c.status, c.count])).toEqual(expect.arrayContaining([['queued', 1], ['dropped', 1]]));

    const where = await store.deliveries.forMessage(WS, 'm1');
    expect(where).toEqual([expect.objectContaining({ destinationId: 'd1', sourceId: SRC, status: 'queued', attempts: 0 })]);
    expect(where[0]!.updatedAt).toBeGreaterThanOrEqual(now);

    // The router's outcome, written before the job is acknowledged: the row is what counts from then on.
    await store.deliveries.record([state('m1', 'delivered', now + 5)]);
    expect((await store.deliveries.forMessage(WS, 'm1')).map((r) => r.status)).toEqual(['delivered']);
    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 })).map((r) => [r.messageId, r.status])).toEqual([['m1', 'delivered'], ['m2', 'dropped']]);
  });

  it('lists queued jobs among the rows, newest or oldest first, and pages through both with the keyset cursor', async () => {
    const t0 = Date.now() - 100_000;
    await store.deliveries.record([state('a', 'delivered', t0), state('b', 'failed', t0 + 1), state('c', 'delivered', t0 + 2)]);
    // Five jobs queued in one publish (one millisecond): the list orders them by messageId.
    await storeEvents(['q5', 'q3', 'q1', 'q4', 'q2']);
    await fanOut(['q5', 'q3', 'q1', 'q4', 'q2'].map((m) => state(m, 'queued', Date.now())), ['q5', 'q3', 'q1', 'q4', 'q2'].map((m) => job(m)));
    await queue.publishDeliveries([job('other', 'd2')]);

    const all = await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 100 });
    expect(all.map((r) => r.messageId)).toEqual(['q5', 'q4', 'q3', 'q2', 'q1', 'c', 'b', 'a']);
    expect(all.slice(0, 5).every((r) => r.status === 'queued')).toBe(true);

    const paged: string[] = [];
    let before: DeliveryRecord | undefined;
    for (let page = 0; page < 10; page++) {
      const rows = await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 3, ...(before && { before }) });
      paged.push(...rows.map((r) => r.messageId));
      if (rows.length < 3) break;
      before = rows[rows.length - 1];
    }
    expect(paged).toEqual(['q5', 'q4', 'q3', 'q2', 'q1', 'c', 'b', 'a']);

    const oldest: string[] = [];
    let after: DeliveryRecord | undefined;
    for (let page = 0; page < 10; page++) {
      const rows = await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 2, order: 'oldest-first', ...(after && { after }) });
      oldest.push(...rows.map((r) => r.messageId));
      if (rows.length < 2) break;
      after = rows[rows.length - 1];
    }
    expect(oldest).toEqual(['a', 'b', 'c', 'q1', 'q2', 'q3', 'q4', 'q5']);

    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', status: 'queued', limit: 100 })).map((r) => r.messageId)).toEqual(['q5', 'q4', 'q3', 'q2', 'q1']);
    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', status: 'failed', limit: 100 })).map((r) => r.messageId)).toEqual(['b']);
    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', messageId: 'q3', limit: 100 })).map((r) => r.status)).toEqual(['queued']);
  });

  it('counts and dates what waits from the queue, less the jobs being retried', async () => {
    const t0 = Date.now();
    await fanOut(['m1', 'm2', 'm3'].map((m) => state(m, 'queued', t0)), ['m1', 'm2', 'm3'].map((m) => job(m)));
    expect(await store.deliveries.countWithStatus(WS, 'd1', 'queued')).toBe(3);
    // m1 failed once and waits for its retry (its job stays in the queue): two are still queued, one retrying.
    await store.deliveries.record([{ ...state('m1', 'retrying', t0 + 10), firstAttemptAt: t0 + 10, nextAttemptAt: t0 + 1_000 }]);
    expect(await store.deliveries.countWithStatus(WS, 'd1', 'queued')).toBe(2);
    const summary = await store.deliveries.waitingSummary(WS, 'd1');
    expect(summary.retrying).toBe(1);
    expect(summary.oldestQueuedAt).toBeGreaterThanOrEqual(t0);
    expect(await store.deliveries.countWithStatus(WS, 'd2', 'queued')).toBe(0);
    expect((await store.deliveries.waitingSummary(WS, 'd2')).oldestQueuedAt).toBeUndefined();
  });

  it('drops the queued jobs of a deleted destination as rows, counted once however often it is called', async () => {
    const t0 = Date.now();
    await fanOut(['m1', 'm2'].map((m) => state(m, 'queued', t0)), ['m1', 'm2'].map((m) => job(m)));
    await store.deliveries.record([{ ...state('m3', 'retrying', t0), firstAttemptAt: t0 }, state('m4', 'delivered', t0)]);
    const drop = { reason: 'destination_deleted', message: 'The destination was deleted.', at: t0 + 1 };
    expect(await store.deliveries.dropWaiting(WS, 'd1', drop)).toBe(3);
    expect(await store.deliveries.dropWaiting(WS, 'd1', drop)).toBe(0);
    await queue.purgeDeliveries('d1');
    expect(rowsInLog()).toEqual([{ message_id: 'm1', status: 'dropped' }, { message_id: 'm2', status: 'dropped' }, { message_id: 'm3', status: 'dropped' }, { message_id: 'm4', status: 'delivered' }]);
    const counters = await store.deliveries.counters(WS, t0 - 60_000, t0 + 60_000, 'd1');
    expect(counters.filter((c) => c.status === 'dropped').reduce((n, c) => n + c.count, 0)).toBe(3);
  });

  it("removes an erased event's queued jobs with its rows, at every destination, and their counts", async () => {
    const t0 = Date.now();
    await storeEvents(['m1', 'm2']);
    await storeEvents(['m1'], 'u1', SRC2);
    await fanOut([state('m1', 'queued', t0), state('m1', 'queued', t0, 'd2'), state('m2', 'queued', t0)], [job('m1'), job('m1', 'd2'), job('m2')]);
    await store.deliveries.record([{ ...state('m1', 'retrying', t0 + 1), firstAttemptAt: t0 }]);
    // m1's row at d1 and its jobs at d1 and d2; another source's m1 keeps its job.
    await queue.publishDeliveries([job('m1', 'd1', 'u1', SRC2)]);
    expect(await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm1' }])).toBe(3);
    expect(await store.deliveries.forMessage(WS, 'm1')).toEqual([expect.objectContaining({ sourceId: SRC2, status: 'queued' })]);
    expect(await queue.waiting('d1')).toBe(2);
    expect(await queue.waiting('d2')).toBe(0);
    const listed = (await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 })).map((r) => `${r.messageId} from ${r.sourceId}`);
    expect(listed.sort()).toEqual([`m1 from ${SRC2}`, `m2 from ${SRC}`]);
  });

  it("blanks an erased event's entry in a manifest in place, so neither its identifiers nor its JSON stay, and its later acknowledgement counts nothing", async () => {
    const t0 = Date.now();
    await storeEvents(['m1', 'm2', 'm3'], 'ada');
    const withJson = { ...job('m2'), json: JSON.stringify({ messageId: 'm2', traits: { email: 'ada@example.com' } }) };
    await fanOut([state('m1', 'queued', t0), state('m2', 'queued', t0), state('m3', 'queued', t0)], [job('m1'), withJson, job('m3')]);
    // The router holds the three jobs already.
    const consumer = queue.deliveryConsumer('d1');
    const held = await consumer.fetch(10, { signal: new AbortController().signal, waitMs: 0 });
    expect(held.map((j) => j.messageId)).toEqual(['m1', 'm2', 'm3']);

    expect(await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm2' }])).toBe(1);
    const raw = new BetterSqlite3(path.join(dir, 'queue.db'), { readonly: true });
    try {
      const manifest = raw.prepare('SELECT json FROM queue_deliveries WHERE entry_count = 3').pluck().get() as string;
      expect(manifest).not.toContain('m2');
      expect(manifest).not.toContain('ada@example.com');
      expect((JSON.parse(manifest) as unknown[])[1]).toBeNull();
    } finally {
      raw.close();
    }
    expect(await queue.waiting('d1')).toBe(2);
    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 })).map((r) => r.messageId).sort()).toEqual(['m1', 'm3']);
    // The router finishes what it held (m2 stopped by its gate): the erased one was counted off already.
    await consumer.ack(held);
    expect(await queue.waiting('d1')).toBe(0);
  });

  it("names the stored event of jobs an earlier version queued without it, so they are found by event and erased with it", async () => {
    await storeEvents(['m1']);
    // As an earlier version queued them: the event's own JSON, no event_seq; one of them for an event no longer stored.
    const earlier = (messageId: string): DeliveryJobRecord => {
      const record = job(messageId);
      delete record.eventSeq;
      return record;
    };
    // (One publish each: an earlier version kept every job as a row of its own.)
    await queue.publishDeliveries([earlier('m1')]);
    await queue.publishDeliveries([earlier('gone')]);
    expect((await store.deliveries.forMessage(WS, 'm1')).map((r) => `${r.messageId} ${r.status}`)).toEqual(['m1 queued']);
    const raw = new BetterSqlite3(path.join(dir, 'queue.db'), { readonly: true });
    try {
      expect(raw.prepare('SELECT message_id, event_seq FROM queue_deliveries ORDER BY seq').all()).toEqual([
        { message_id: 'm1', event_seq: seqs.get(`${SRC}/m1`) },
        { message_id: 'gone', event_seq: null },
      ]);
    } finally {
      raw.close();
    }
    expect(await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm1' }])).toBe(1);
    expect(await store.deliveries.forMessage(WS, 'm1')).toEqual([]);
    // The job whose event is gone is still listed and counted (the router's gate stops it).
    expect(await queue.waiting('d1')).toBe(1);
    expect((await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 })).map((r) => r.messageId)).toEqual(['gone']);
  });

  it("counts a subject's queued deliveries as reaching their destination (access answers, deletion targets)", async () => {
    await storeEvents(['m1'], 'ada');
    await storeEvents(['m2'], 'bob');
    await fanOut([state('m1', 'queued', Date.now()), state('m2', 'queued', Date.now())], [job('m1', 'd1', 'ada'), job('m2', 'd2', 'bob')]);
    const ada = { userIds: ['ada'], anonymousIds: [] };
    expect([...(await store.subjectData.destinationsReached(WS, ada))]).toEqual(['d1']);
    expect([...(await store.subjectData.receiptHoursReached(WS, ada)).keys()]).toEqual(['d1']);
    const summary = await store.subjectData.deliverySummary(WS, ada);
    expect([...summary.keys()]).toEqual(['d1']);
    expect(summary.get('d1')).toEqual(expect.objectContaining({ delivered: 0, waiting: 1 }));
  });
});

describe('a store that reads `queued` from rows (no queue attached: PostgreSQL, or a queue on NATS)', () => {
  it('writes the fan-out\'s `queued` rows', async () => {
    mkdirSync(path.join(dir, 'plain'));
    const plain = await openSqliteStore({ file: path.join(dir, 'plain', 'sluice.db') });
    try {
      expect(plain.deliveries.queuedFromQueue).toBe(false);
      await plain.deliveries.recordFanOut([state('m1', 'queued', Date.now())]);
      expect((await plain.deliveries.forMessage(WS, 'm1')).map((r) => r.status)).toEqual(['queued']);
    } finally {
      await plain.close();
    }
  });
});

describe('the reads of queued jobs', () => {
  it('go through indexes: a destination\'s jobs by (destination_id, seq), an event\'s by its key and event_seq, with no sort of the backlog', async () => {
    await storeEvents(['m1', 'm2', 'm3']);
    // A row holding one job, and a manifest (two jobs to a destination in one publish).
    await fanOut([state('m1', 'queued', Date.now())], [job('m1')]);
    await fanOut([state('m2', 'queued', Date.now()), state('m3', 'queued', Date.now())], [job('m2'), job('m3')]);
    const seen: string[] = [];
    const proto = BetterSqlite3.prototype as unknown as { prepare: (this: unknown, source: string) => unknown };
    const prepare = proto.prepare;
    proto.prepare = function (this: unknown, source: string) {
      seen.push(source);
      return prepare.call(this, source);
    };
    try {
      await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 1 });
      await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 1, order: 'oldest-first', after: { updatedAt: 0, messageId: '' } });
      await store.deliveries.forMessage(WS, 'm1');
      await store.deliveries.waitingSummary(WS, 'd1');
      await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm1' }, { sourceId: SRC, messageId: 'm2' }]);
    } finally {
      proto.prepare = prepare;
    }
    const reads = [...new Set(seen.filter((source) => source.includes('queue_deliveries')))];
    expect(reads.length).toBeGreaterThanOrEqual(5);
    const raw = new BetterSqlite3(path.join(dir, 'deliveries.db'), { readonly: true });
    try {
      raw.prepare('ATTACH DATABASE ? AS queue').run(path.join(dir, 'queue.db'));
      raw.prepare('ATTACH DATABASE ? AS store').run(path.join(dir, 'sluice.db'));
      for (const source of reads) {
        const parameters = Array.from(source.matchAll(/\?/g), () => 'x');
        const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...parameters) as { detail: string }[]).map((r) => r.detail);
        // A scan of the workspace's few sources is fine; of jobs, events or delivery rows it is not.
        expect(plan.filter((line) => /^SCAN (j|e|d|queue_deliveries|events|deliveries)\b/.test(line)), `${source}\n${plan.join('\n')}`).toEqual([]);
        expect(plan.filter((line) => line.includes('TEMP B-TREE')), `${source}\n${plan.join('\n')}`).toEqual([]);
      }
    } finally {
      raw.close();
    }
  });
});

describe('a destination whose first jobs are all being retried', () => {
  it('finds the oldest job without a row past them, letting the thread\'s other work run meanwhile', async () => {
    // 1,500 jobs in one manifest (one fan-out's), the first 1,200 retried (one person each, as a failing destination's
    // are), the rest waiting untried. The walk reads past the retried ones to the 1,201st.
    const ids = Array.from({ length: 1500 }, (_, i) => `w${String(i).padStart(4, '0')}`);
    await storeEvents(ids);
    const t0 = Date.now();
    await queue.publishDeliveries(ids.map((m, i) => job(m, 'd1', `u${i}`)));
    await store.deliveries.record(ids.slice(0, 1200).map((m) => ({ ...state(m, 'retrying', t0), reason: 'http_503', lastError: 'HTTP 503' })));
    await store.deliveries.waitingSummary(WS, 'd1'); // the queue's table is found ready (first read)
    let turned = false;
    setImmediate(() => (turned = true));
    const summary = await store.deliveries.waitingSummary(WS, 'd1');
    expect(summary.oldestQueuedAt).toBeGreaterThanOrEqual(t0);
    expect(summary.retrying).toBe(1200);
    // The event loop turned during the walk (it read the 1,200 rows' keys in slices): a walk in one piece resolves
    // before a setImmediate scheduled ahead of it.
    expect(turned).toBe(true);
    const page = await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', status: 'queued', limit: 3, order: 'oldest-first' });
    expect(page.map((d) => d.messageId)).toEqual(['w1200', 'w1201', 'w1202']);
  });
});
