/**
 * bench/event-indexes: what each secondary index of the events table costs the processor's store stage, on
 * the embedded store as the processor opens it (synchronous=NORMAL, one flush per batch).
 *
 *   node --import tsx bench/event-indexes.ts [events per run=100000]
 *
 * For each variant a fresh, migrated store gets `events` events through `events.insertMany` in batches of
 * 1,000 (the processor's batch), each batch followed by `flushWrites()`. Variants drop indexes from the
 * shipped schema; the baseline keeps only `events_source_message`, the unique index deduplication needs.
 * Runs with sequential messageIds (`e2e-<n>`, as bench/pipeline sends; Segment's own libraries send
 * `node-next-<ms>-<uuid>` and `ajs-next-<ms>-<uuid>`, which sort by time much the same) and with bare random
 * UUIDs (other clients), each event from a user picked at random among 500 or 50,000. Prints µs per event
 * of each variant and its ratio to the baseline of the same run.
 *
 * What it shows: an index whose key lands at a random place (a messageId that is a UUID, a userId among
 * many) dirties about one page per event, and every dirtied page is written to the WAL at the batch's
 * commit; an index whose key grows with time (received_at, seq) dirties a few pages per batch.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { SegmentEvent } from '../src/protocol/segment-event.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../src/store/store.js';
import { seededRandom } from '../test/support/seeded-random.js';

const TOTAL = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const WORKSPACE = '8f14e45f-ceea-467f-a8f4-1a2b3c4d5e6f';
const SOURCE = '1c2d3e4f-aaaa-4bbb-8ccc-1234567890ab';

const VARIANTS: Record<string, readonly string[]> = {
  'as shipped (5 secondary indexes)': [],
  'without events_user': ['events_user'],
  'without events_user, events_anonymous': ['events_user', 'events_anonymous'],
  'dedupe index only (baseline)': ['events_user', 'events_anonymous', 'events_workspace_seq', 'events_received_at'],
};

function batchOf(from: number, users: number, uuids: boolean, random: () => number): NewEvent[] {
  const now = new Date().toISOString();
  return Array.from({ length: BATCH }, (_, k) => {
    const n = from + k;
    const event = {
      type: 'track', event: 'Bench', userId: `user-${Math.floor(random() * users)}`, messageId: uuids ? randomUUID() : `e2e-${n}`,
      properties: { i: n, plan: 'pro' }, context: { library: { name: 'analytics-node', version: '2.1.0' }, ip: '203.0.113.7' },
      timestamp: now, sentAt: now, receivedAt: now,
    } as unknown as SegmentEvent;
    return { workspaceId: WORKSPACE, sourceId: SOURCE, event };
  });
}

async function run(dropped: readonly string[], users: number, uuids: boolean): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-indexes-'));
  const store = await openSqliteStore({ file: path.join(dir, 'sluice.db'), commits: 'progress' });
  try {
    for (const name of dropped) await sql`DROP INDEX ${sql.ref(name)}`.execute(store.db);
    // Build the batches first: only the store's work is timed.
    const random = seededRandom(7);
    const batches = Array.from({ length: Math.ceil(TOTAL / BATCH) }, (_, b) => batchOf(b * BATCH, users, uuids, random));
    const start = process.hrtime.bigint();
    for (const batch of batches) {
      await store.events.insertMany(batch);
      await store.flushWrites();
    }
    return Number(process.hrtime.bigint() - start) / 1000 / TOTAL;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const uuids of [false, true]) {
  for (const users of [500, 50_000]) {
    const results: Record<string, number> = {};
    for (const [name, dropped] of Object.entries(VARIANTS)) results[name] = await run(dropped, users, uuids);
    const baseline = results['dedupe index only (baseline)']!;
    console.log(JSON.stringify({
      events: TOTAL,
      messageIds: uuids ? 'uuid' : 'sequential',
      users,
      microsecondsPerEvent: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, +v.toFixed(2)])),
      ratioToBaseline: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, +(v / baseline).toFixed(2)])),
      loadAverage: +os.loadavg()[0]!.toFixed(2),
    }));
  }
}
