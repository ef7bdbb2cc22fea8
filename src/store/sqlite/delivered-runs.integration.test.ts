import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../core/destination.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { SqliteQueue } from '../../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../sql/sql-store.js';
import { MAX_RUN_EVENT_SPAN, runsOf } from './delivered-runs.js';
import { closeEmbeddedLog, openEmbeddedLog, type EmbeddedLog } from './test-support/embedded-log.js';

const WS = 'ws1';
let SRC = '';
let SRC2 = '';
let dir: string;
let store: SqlStore;
let queue: SqliteQueue;
/** Stored events' seqs by `${sourceId}/${messageId}`. */
const seqs = new Map<string, number>();

let log: EmbeddedLog;

beforeEach(async () => {
  log = await openEmbeddedLog('sluice-delivered-runs-', WS);
  ({ dir, store, queue } = log);
  [SRC, SRC2] = log.sources;
});

afterEach(async () => {
  seqs.clear();
  await closeEmbeddedLog(log);
});

async function storeEvents(messageIds: readonly string[], sourceId = SRC): Promise<void> {
  const now = new Date().toISOString();
  const stored = await store.events.insertMany(messageIds.map((messageId) => ({ workspaceId: WS, sourceId, event: { type: 'track', event: 'Paid', messageId, userId: 'u1', timestamp: now, receivedAt: now } as SegmentEvent })));
  for (const e of stored) seqs.set(`${e.sourceId}/${e.event.messageId}`, e.seq);
}

/** A first-attempt delivery the router would mark for a run (`runEventSeq`), or a plain state. */
function delivered(messageId: string, at: number, options: { sourceId?: string; destinationId?: string; run?: boolean } = {}): DeliveryRecord {
  const sourceId = options.sourceId ?? SRC;
  const record: DeliveryRecord = { workspaceId: WS, destinationId: options.destinationId ?? 'd1', messageId, sourceId, status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: at };
  if (options.run !== false) record.runEventSeq = seqs.get(`${sourceId}/${messageId}`)!;
  return record;
}

function raw<T>(query: string): T[] {
  const db = new BetterSqlite3(path.join(dir, 'deliveries.db'), { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

const ids = (records: readonly DeliveryRecord[]) => records.map((r) => r.messageId);

describe('delivered runs: first-attempt deliveries kept as one row per batch and destination (decision 0109)', () => {
  it('writes one run for a batch instead of a row per event, and reads each as the delivered row it stands for', async () => {
    const at = Date.now();
    await storeEvents(['m1', 'm2', 'm3']);
    await storeEvents(['m1'], SRC2);
    await store.deliveries.record([delivered('m1', at), delivered('m2', at), delivered('m3', at), delivered('m1', at, { sourceId: SRC2 }), delivered('x9', at, { run: false })]);
    expect(raw<{ message_id: string }>('SELECT message_id FROM deliveries')).toEqual([{ message_id: 'x9' }]);
    const runs = raw<{ source_id: string; entries: string; first_event_seq: number; last_event_seq: number }>('SELECT source_id, entries, first_event_seq, last_event_seq FROM delivered_runs');
    expect(runs).toHaveLength(1);
    expect(JSON.parse(runs[0]!.entries)).toEqual([['m1', null, seqs.get(`${SRC}/m1`)], ['m2', null, seqs.get(`${SRC}/m2`)], ['m3', null, seqs.get(`${SRC}/m3`)], ['m1', SRC2, seqs.get(`${SRC2}/m1`)]]);
    expect([runs[0]!.first_event_seq, runs[0]!.last_event_seq]).toEqual([seqs.get(`${SRC}/m1`), seqs.get(`${SRC2}/m1`)]);

    expect(await store.deliveries.forMessage(WS, 'm1')).toEqual([
      { workspaceId: WS, destinationId: 'd1', messageId: 'm1', sourceId: SRC, status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: at },
      { workspaceId: WS, destinationId: 'd1', messageId: 'm1', sourceId: SRC2, status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: at },
    ].sort((a, b) => (a.sourceId < b.sourceId ? -1 : 1)));
    expect(await store.deliveries.forMessage(WS, 'm2', SRC2)).toEqual([]);
    expect(await store.deliveries.countFor(WS, [{ sourceId: SRC, messageId: 'm2' }, { sourceId: SRC2, messageId: 'm1' }])).toBe(2);
    // The per-minute counters count every delivery, as before.
    expect((await store.deliveries.counters(WS, at - 60_000, at + 60_000)).reduce((n, c) => n + c.count, 0)).toBe(5);
  });

  it('pages a destination\'s deliveries across runs and rows in the list\'s order, either way, by status too', async () => {
    const t = Date.now() - 10_000;
    const names = Array.from({ length: 13 }, (_, i) => `m${i}`);
    await storeEvents(names);
    await store.deliveries.record([delivered('m0', t), delivered('m1', t), delivered('m2', t)]);
    await store.deliveries.record([{ ...delivered('m3', t + 1, { run: false }), status: 'failed', reason: 'http_400', attempts: 1 }]);
    await store.deliveries.record([delivered('m4', t + 2), delivered('m5', t + 2), delivered('m6', t + 2)]);
    await store.deliveries.record([delivered('m7', t + 3), delivered('m8', t + 3, { destinationId: 'd2' })]);
    // More runs than the reader reads at a time.
    for (const [i, name] of ['m9', 'm10', 'm11', 'm12'].entries()) await store.deliveries.record([delivered(name, t + 4 + i)]);
    const page = async (options: Partial<Parameters<typeof store.deliveries.list>[0]>) => store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 2, ...options });

    const newest: string[] = [];
    for (let p = await page({}); p.length > 0; ) {
      newest.push(...ids(p));
      const last = p[p.length - 1]!;
      p = await page({ before: { updatedAt: last.updatedAt, messageId: last.messageId, sourceId: last.sourceId } });
    }
    expect(newest).toEqual(['m12', 'm11', 'm10', 'm9', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);

    const oldest: string[] = [];
    for (let p = await page({ order: 'oldest-first', limit: 3 }); p.length > 0; ) {
      oldest.push(...ids(p));
      const last = p[p.length - 1]!;
      p = await page({ order: 'oldest-first', limit: 3, after: { updatedAt: last.updatedAt, messageId: last.messageId, sourceId: last.sourceId } });
    }
    expect(oldest).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm9', 'm10', 'm11', 'm12']);

    expect(ids(await page({ status: 'delivered', limit: 20 }))).toEqual(['m12', 'm11', 'm10', 'm9', 'm7', 'm6', 'm5', 'm4', 'm2', 'm1', 'm0']);
    expect(ids(await page({ status: 'failed', limit: 10 }))).toEqual(['m3']);
    expect(ids(await page({ status: 'queued', limit: 10 }))).toEqual([]);
    expect(ids(await page({ messageId: 'm5' }))).toEqual(['m5']);
    expect(ids(await page({ messageId: 'm5', status: 'failed' }))).toEqual([]);
    expect(ids(await store.deliveries.list({ workspaceId: WS, destinationId: 'd2', limit: 10 }))).toEqual(['m8']);
  });

  it('shows a later row instead of the run\'s entry (a replay queued the event again), then its outcome', async () => {
    const t = Date.now() - 5_000;
    await storeEvents(['m1', 'm2']);
    await store.deliveries.record([delivered('m1', t), delivered('m2', t)]);
    await store.deliveries.record([{ ...delivered('m1', t + 100, { run: false }), status: 'queued', attempts: 0 }]);
    expect((await store.deliveries.forMessage(WS, 'm1')).map((r) => r.status)).toEqual(['queued']);
    const listed = await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 });
    expect(listed.map((r) => [r.messageId, r.status])).toEqual([['m1', 'queued'], ['m2', 'delivered']]);
    expect(ids(await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10, status: 'delivered' }))).toEqual(['m2']);
    // The replay's job delivered: its row says so (a job with a row never goes to a run).
    await store.deliveries.record([{ ...delivered('m1', t + 200, { run: false }), attempts: 1 }]);
    expect(await store.deliveries.forMessage(WS, 'm1')).toEqual([expect.objectContaining({ status: 'delivered', updatedAt: t + 200 })]);
  });

  it('forgets an erased event\'s entries (the run goes with its last) and counts them', async () => {
    const at = Date.now();
    await storeEvents(['m1', 'm2', 'm3']);
    await store.deliveries.record([delivered('m1', at), delivered('m2', at), delivered('m3', at, { destinationId: 'd2' })]);
    expect(await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm1' }, { sourceId: SRC, messageId: 'm3' }])).toBe(2);
    expect(raw<{ destination_id: string; entries: string }>('SELECT destination_id, entries FROM delivered_runs')).toEqual([
      { destination_id: 'd1', entries: JSON.stringify([null, ['m2', null, seqs.get(`${SRC}/m2`)]]) },
    ]);
    expect(await store.deliveries.forMessage(WS, 'm1')).toEqual([]);
    expect(await store.deliveries.countFor(WS, [{ sourceId: SRC, messageId: 'm1' }, { sourceId: SRC, messageId: 'm3' }])).toBe(0);
    expect(ids(await store.deliveries.list({ workspaceId: WS, destinationId: 'd1', limit: 10 }))).toEqual(['m2']);
    expect(await store.deliveries.forget(WS, [{ sourceId: SRC, messageId: 'm2' }])).toBe(1);
    expect(raw('SELECT seq FROM delivered_runs')).toEqual([]);
  });
});

describe('runsOf', () => {
  it('cuts one run per destination and time, each spanning a bounded range of event seqs', () => {
    const record = (messageId: string, destinationId: string, updatedAt: number): DeliveryRecord => ({ workspaceId: WS, destinationId, messageId, sourceId: 's', status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt });
    const runs = runsOf([
      { ...record('a', 'd1', 5), runEventSeq: 10 },
      { ...record('b', 'd2', 5), runEventSeq: 11 },
      { ...record('c', 'd1', 5), runEventSeq: 12 },
      { ...record('d', 'd1', 6), runEventSeq: 13 },
      { ...record('e', 'd1', 6), runEventSeq: 13 + MAX_RUN_EVENT_SPAN + 1 },
    ]);
    expect(runs.map((r) => [r.destination_id, r.delivered_at, r.first_event_seq, r.last_event_seq, JSON.parse(r.entries).map((e: unknown[]) => e[0])])).toEqual([
      ['d1', 6, 13, 13, ['d']],
      ['d1', 5, 10, 12, ['a', 'c']],
      ['d2', 5, 11, 11, ['b']],
      ['d1', 6, 13 + MAX_RUN_EVENT_SPAN + 1, 13 + MAX_RUN_EVENT_SPAN + 1, ['e']],
    ]);
  });
});
