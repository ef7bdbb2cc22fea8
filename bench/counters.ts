/**
 * bench/counters: what the per-source counters cost the hot path, measured directly (the ingest A/B runs in
 * docs/benchmarks.md are too noisy on a shared machine to show a cost this small).
 *
 *   node --import tsx bench/counters.ts
 *
 * 1. `CounterBuffer.add()` per call (what ingest does once per request, the processor once per drop), over
 *    20 sources and a few reasons, against a baseline loop doing the same key work with no map update;
 * 2. one flush (the once-a-second multi-row adding upsert) of 20, 200 and 2,000 pending rows into a real
 *    SQLite store (the embedded default; synchronous=FULL like the inbox), and, when PostgreSQL is up, into
 *    a fresh PostgreSQL schema;
 * 3. the share of one core those take at 10,000 requests/s (one add each) plus one flush of 200 rows a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CounterBuffer } from '../src/observability/counter-buffer.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { SourceCounter, Store } from '../src/store/store.js';
import { createTestSchema, postgresAvailable, schemaUrl } from '../test/support/postgres.js';

const CALLS = 2_000_000;
const sources = Array.from({ length: 20 }, (_, i) => ({ workspaceId: 'ws_bench', id: `src_${i.toString().padStart(4, '0')}` }));
const reasons = ['', '', '', '', 'too_many_requests', 'event_not_string'];

function addCost(): { nsPerAdd: number; nsBaseline: number } {
  const buffer = new CounterBuffer(async () => {});
  let sink = 0;
  // Warm up.
  for (let i = 0; i < 200_000; i++) buffer.add(sources[i % 20]!.workspaceId, sources[i % 20]!.id, 'received', '', 1);
  let t = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const s = sources[i % 20]!;
    const reason = reasons[i % 6]!;
    sink += s.id.length + reason.length;
  }
  const baseline = Number(process.hrtime.bigint() - t) / CALLS;
  t = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const s = sources[i % 20]!;
    const reason = reasons[i % 6]!;
    buffer.add(s.workspaceId, s.id, reason === '' ? 'received' : 'rejected', reason, 100);
  }
  const perAdd = Number(process.hrtime.bigint() - t) / CALLS;
  if (sink < 0) console.log(sink);
  return { nsPerAdd: +perAdd.toFixed(1), nsBaseline: +baseline.toFixed(1) };
}

function rows(n: number, minute: number): SourceCounter[] {
  return Array.from({ length: n }, (_, i) => ({ workspaceId: 'ws_bench', sourceId: `src_${i % 1000}`, minute, kind: i % 2 ? 'received' : 'rejected', reason: i % 2 ? '' : `code_${Math.floor(i / 2000)}`, count: 7 }));
}

async function flushCost(store: Store): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const n of [20, 200, 2000]) {
    const times: number[] = [];
    for (let round = 0; round < 30; round++) {
      const batch = rows(n, 60_000 * (round % 3)); // later rounds add to existing rows (the upsert's update path)
      const t = performance.now();
      await store.sourceCounters.add(batch);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    result[`ms per flush of ${n} rows (median)`] = +times[Math.floor(times.length / 2)]!.toFixed(2);
  }
  return result;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-counters-'));
try {
  const add = addCost();
  console.log(JSON.stringify({ phase: 'add', calls: CALLS, ...add }));
  const sqlite = await openSqliteStore({ file: path.join(dir, 'bench.db') });
  const sqliteFlush = await flushCost(sqlite);
  await sqlite.close();
  console.log(JSON.stringify({ phase: 'flush-sqlite', ...sqliteFlush }));
  let pgFlush: Record<string, number> | undefined;
  if (await postgresAvailable()) {
    const schema = await createTestSchema('bench_counters');
    const { openPostgresStore } = await import('../src/store/postgres/postgres-store.js');
    const pgStore = await openPostgresStore({ connectionString: schemaUrl(schema), migrate: true, poolSize: 2 });
    try {
      pgFlush = await flushCost(pgStore);
      console.log(JSON.stringify({ phase: 'flush-postgres', ...pgFlush }));
    } finally {
      await pgStore.close();
      await schema.drop();
    }
  } else {
    console.log(JSON.stringify({ phase: 'flush-postgres', skipped: 'PostgreSQL not reachable' }));
  }
  const addShare = (10_000 * add.nsPerAdd) / 1e9;
  const flushShare = sqliteFlush['ms per flush of 200 rows (median)']! / 1000;
  console.log(JSON.stringify({
    summary: true,
    nsPerAdd: add.nsPerAdd,
    sqliteMsPerFlush200: sqliteFlush['ms per flush of 200 rows (median)'],
    postgresMsPerFlush200: pgFlush?.['ms per flush of 200 rows (median)'] ?? null,
    shareOfOneCoreAt10kRequestsPerSecond: `${((addShare + flushShare) * 100).toFixed(3)} %`,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
