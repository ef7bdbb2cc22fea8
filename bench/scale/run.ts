/**
 * bench/scale: the same load in embedded mode and in scale mode (1, then 2 processes per role), side by
 * side in one run. Run with `npm run bench:scale` (builds first; needs PostgreSQL and NATS on loopback).
 *
 * Figures: ingest events/s (acknowledged, i.e. durable), p50/p99 acknowledgement latency, and end-to-end
 * events/s (stored by the processor, from load start until the last acknowledged event is in the store);
 * then router throughput with 1 and 2 router processes (bench/scale/routers.ts) and their ratio.
 * `BENCH_ONLY=ingest` or `BENCH_ONLY=routers` runs one part.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { CLUSTER_ADMIN_TOKEN, ScaleCluster, type SluiceProcess } from '../../test/scale/cluster.js';
import { runLoad, type LoadResult } from './load.js';
import { benchRouters } from './routers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = Number(process.env.BENCH_BATCH ?? 20);

interface Row extends LoadResult {
  mode: string;
  storedPerSecond: number;
}

async function writeKeyOf(api: SluiceProcess): Promise<string> {
  const response = await fetch(`${api.url}/api/v1/sources`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } });
  return ((await response.json()) as { sources: { writeKey: string }[] }).sources[0]!.writeKey;
}

async function waitStored(count: () => Promise<number>, target: number, startedAt: number): Promise<number> {
  for (;;) {
    const stored = await count();
    if (stored >= target) return stored / ((Date.now() - startedAt) / 1000);
    if (Date.now() - startedAt > 600_000) throw new Error(`only ${stored}/${target} events stored after 10 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function embedded(): Promise<Row> {
  const cluster = ScaleCluster.embedded();
  try {
    const all = await cluster.start('all');
    const writeKey = await writeKeyOf(all);
    const startedAt = Date.now();
    const load = await runLoad({ targets: [all.url], writeKey, seconds: SECONDS, concurrency: CONCURRENCY, batchSize: BATCH });
    const db = new BetterSqlite3(path.join(cluster.env.SLUICE_DATA_DIR!, 'sluice.db'), { readonly: true });
    const count = async () => Number(db.prepare('select count(*) from events').pluck().get());
    const storedPerSecond = await waitStored(count, load.acknowledgedEvents, startedAt);
    db.close();
    return { mode: 'embedded, 1 process (all roles)', ...load, storedPerSecond };
  } finally {
    await cluster.stop();
  }
}

async function scale(perRole: number): Promise<Row> {
  const cluster = await ScaleCluster.scale({ ackWaitMs: 30_000 });
  try {
    const first = await cluster.start('ingest,api');
    const more = await Promise.all([
      ...Array.from({ length: perRole - 1 }, () => cluster.start('ingest')),
      ...Array.from({ length: perRole }, () => cluster.start('processor')),
    ]);
    const ingest = [first, ...more.filter((p) => p.role === 'ingest')];
    const writeKey = await writeKeyOf(first);
    const client = new pg.Client({ connectionString: cluster.env.SLUICE_DATABASE_URL });
    await client.connect();
    const count = async () => Number((await client.query<{ n: string }>('select count(*) as n from events')).rows[0]!.n);
    const startedAt = Date.now();
    // The same total client concurrency as embedded, spread over the ingest processes.
    const load = await runLoad({ targets: ingest.map((p) => p.url), writeKey, seconds: SECONDS, concurrency: Math.ceil(CONCURRENCY / ingest.length), batchSize: BATCH });
    const storedPerSecond = await waitStored(count, load.acknowledgedEvents, startedAt);
    await client.end();
    return { mode: `scale, ${perRole} ingest + ${perRole} processor`, ...load, storedPerSecond };
  } finally {
    await cluster.stop();
  }
}

const only = process.env.BENCH_ONLY;
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : '-');

if (only !== 'routers') {
  const rows: Row[] = [];
  rows.push(await embedded());
  rows.push(await scale(1));
  rows.push(await scale(2));
  process.stdout.write(`\nbench/scale: ${SECONDS} s of /v1/batch (${BATCH} events each), ${CONCURRENCY} concurrent clients in total\n\n`);
  process.stdout.write('| mode | acknowledged events/s | p50 ms | p99 ms | stored events/s (end to end) | refused requests |\n|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.mode} | ${fmt(r.acknowledgedEvents / r.seconds)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.storedPerSecond)} | ${r.refusedRequests} |\n`);
  }
}

if (only !== 'ingest') {
  const { rows, sinkDelayMs } = await benchRouters();
  process.stdout.write(`\nbench/scale routers: a backlog of ${rows[0]!.events} delivery jobs (200 users) drained to a webhook sink answering after ${sinkDelayMs} ms (batches of up to 100)\n\n`);
  process.stdout.write('| router processes | seconds | delivered events/s | jobs queued | webhook requests | events per router | duplicates | ratio to 1 router |\n|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.routers} | ${fmt(r.seconds)} | ${fmt(r.perSecond)} | ${r.jobs} | ${r.requests} | ${r.perRouter.join(' + ')} | ${r.duplicates} | ${(r.perSecond / rows[0]!.perSecond).toFixed(2)}x |\n`);
  }
}
