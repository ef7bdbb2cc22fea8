/**
 * bench/pipeline-cpu: CPU time per event of each pipeline thread, end to end (ingest -> processor -> router ->
 * a local webhook sink, batching on), read from Linux's per-thread counters (/proc/self/task/<tid>/stat). On a
 * shared 2-core machine events/s move with the load; CPU per event moves much less, so changes to the
 * processor or the router are judged by this figure.
 *
 *   node --import tsx bench/pipeline-cpu.ts [events=40000] [--uuids] [--browser] [--warehouse] [--batch-size=N] [--warm-up=30000] [--threads] [--timeline]
 *
 * Sluice runs in this process (like bench/pipeline.ts); 30,000 warm-up events (V8 is still optimizing code
 * well after the first few thousand: with 2,000 its compiler threads took 15-20 us per measured event, counted
 * under the other threads), then `events` events from 500
 * users, 100 per request over 8 connections, until all are at the sink. messageIds are `e2e-<n>` (as
 * bench/pipeline sends) or, with --uuids, random UUIDs (as browsers and server libraries send: every index
 * keyed by messageId takes them at random places). Events are small (about 300 bytes stored) or, with --browser
 * (or BENCH_EVENTS=browser), the size analytics.js sends from a web page (about 1 kB stored;
 * bench/support/bench-events.ts). Prints the processor's and the router's CPU per event
 * (user + system, the two pipeline threads told apart by start order: the processor starts first), the request
 * thread's (ingest and the sink), the checkpointer thread's (at its own nice value), the other threads' (V8's
 * GC and compiler helpers), and the load average. With --warehouse the events go to the PostgreSQL warehouse
 * (127.0.0.1:5432, database `test`, a fresh schema) instead of the sink, and PostgreSQL's own CPU per event is
 * printed too (its processes on this machine, including backends that exited).
 * With --threads, every thread's own CPU per event is printed too, with its name. With --timeline, every 200 ms of
 * the measured run: how busy each thread was (percent of one core) and how many events reached the sink, which
 * shows whether the two cores were full and which thread the end waited on. Linux only.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { startSluice } from '../src/main.js';
import { byRole, procStat, THREAD_ROLES, threadRoles, threadTimes, TICKS_PER_SECOND, usedBetween, type ThreadTimes } from './support/sluice-threads.js';
import { assertTestDatabase, TEST_DATABASE_URL } from '../test/support/postgres.js';
import { benchEvent, benchEventSize } from './support/bench-events.js';
import { SinkArrivals } from './support/sink-arrivals.js';
import { sinkMessageIds } from './support/sink-message-ids.js';

const TOTAL = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40_000);
const UUIDS = process.argv.includes('--uuids');
const EVENT_SIZE = benchEventSize();
/** --batch-size=N: the webhook's batchSize (default: the webhook's own, 1,000 events per request). */
const BATCH_SIZE_ARG = process.argv.find((a) => a.startsWith('--batch-size='))?.slice('--batch-size='.length);
const BATCH_SIZE = BATCH_SIZE_ARG === undefined ? undefined : Number(BATCH_SIZE_ARG);
const WARM_UP = Number(process.argv.find((a) => a.startsWith('--warm-up='))?.slice('--warm-up='.length) ?? 30_000);
const TOKEN = 'bench-owner-token-0123456789abcdef';
/** --threads: also prints every thread's CPU per event, with its name (V8's helpers, libuv's pool, the inbox writer, ...). */
const THREADS = process.argv.includes('--threads');
/** --timeline: each thread's share of a core and the events arrived, every TIMELINE_MS of the measured run. */
const TIMELINE = process.argv.includes('--timeline');
const TIMELINE_MS = 200;

let arrived = 0;
const arrivals = new SinkArrivals(TOTAL);
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    for (const messageId of sinkMessageIds(Buffer.concat(chunks).toString('utf8'))) {
      if (arrivals.record(messageId, performance.now())) arrived++;
    }
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));

/** --warehouse: the PostgreSQL warehouse destination (127.0.0.1:5432, database `test`, a fresh schema) instead of the sink. */
const warehouse = process.argv.includes('--warehouse') ? { client: new pg.Client({ connectionString: TEST_DATABASE_URL }), schema: `sluice_bench_cpu_${randomBytes(4).toString('hex')}` } : undefined;
if (warehouse) {
  assertTestDatabase(TEST_DATABASE_URL);
  await warehouse.client.connect();
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-cpu-'));
const sluice = await startSluice(loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TOKEN, SLUICE_LOG_LEVEL: 'error', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', ...(process.env.SLUICE_INBOX_WRITER && { SLUICE_INBOX_WRITER: process.env.SLUICE_INBOX_WRITER }) }));
const auth = `Basic ${Buffer.from(`${sluice.bootstrap.defaultWriteKey}:`).toString('base64')}`;

async function send(prefix: string, from: number, count: number): Promise<void> {
  const batch = Array.from({ length: count }, (_, i) => benchEvent(EVENT_SIZE, from + i, UUIDS ? randomUUID() : `${prefix}-${from + i}`));
  const res = await fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch }) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
}

async function blast(prefix: string, total: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < total) {
      const from = next;
      next += 100;
      await send(prefix, from, Math.min(100, total - from));
    }
  }));
}

/** PostgreSQL's CPU seconds (user + system) so far: its processes', and what its exited backends left to the postmaster. */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const stat = procStat(`/proc/${pid}/stat`);
    if (stat?.command !== 'postgres') continue;
    const [utime, stime, childUtime, childStime] = stat.fields.slice(11, 15).map(Number);
    ticks += utime! + stime! + childUtime! + childStime!;
  }
  return ticks / TICKS_PER_SECOND;
}

async function arrivedAll(count: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  if (warehouse) {
    for (;;) {
      const { rows } = await warehouse.client.query<{ n: number }>(`select count(*)::int as n from "${warehouse.schema}".tracks`).catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0]!.n >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${count} events reached the warehouse`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  while (arrived < count) {
    if (Date.now() > deadline) throw new Error(`only ${arrived} of ${count} events reached the sink`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

try {
  const destination = warehouse
    ? { name: 'Warehouse', type: 'postgres', config: { connectionString: TEST_DATABASE_URL, schema: warehouse.schema } }
    : { name: 'Sink', type: 'webhook', config: { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`, batching: true, ...(BATCH_SIZE !== undefined && { batchSize: BATCH_SIZE }) } };
  const created = await fetch(`${sluice.url}/api/v1/destinations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(destination),
  });
  if (created.status !== 201) throw new Error(`could not create the destination: ${await created.text()}`);
  await new Promise((r) => setTimeout(r, 500));
  await blast('warm', WARM_UP);
  await arrivedAll(WARM_UP);
  await new Promise((r) => setTimeout(r, 300));

  const before = threadTimes();
  const postgresBefore = warehouse ? postgresCpuSeconds() : 0;
  const start = performance.now();
  const snapshots: { at: number; arrived: number; times: Map<string, ThreadTimes> }[] = [];
  const sampler = TIMELINE ? setInterval(() => snapshots.push({ at: performance.now() - start, arrived, times: threadTimes() }), TIMELINE_MS) : undefined;
  await blast('e2e', TOTAL);
  const ingestMs = performance.now() - start;
  await arrivedAll(WARM_UP + TOTAL);
  const ms = performance.now() - start;
  clearInterval(sampler);
  const after = threadTimes();
  const postgres = warehouse ? postgresCpuSeconds() - postgresBefore : undefined;

  const used = usedBetween(before, after);
  const role = threadRoles(process.pid, used);
  const cpu = byRole(before, after, role, 'cpuSeconds');
  const perEvent = (seconds: number) => Math.round((seconds * 1e7) / TOTAL) / 10;
  console.log(JSON.stringify({
    events: TOTAL,
    messageIds: UUIDS ? 'uuid' : 'sequential',
    eventSize: EVENT_SIZE,
    destination: warehouse ? 'postgres' : `webhook${BATCH_SIZE !== undefined ? ` (batchSize ${BATCH_SIZE})` : ''}`,
    eventsPerSecond: Math.round(TOTAL / (ms / 1000)),
    cpuMicrosecondsPerEvent: { ...Object.fromEntries(THREAD_ROLES.map((r) => [r, perEvent(cpu[r])])), ...(postgres !== undefined && { postgres: perEvent(postgres) }) },
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
  }));
  if (TIMELINE) {
    // Percent of one core per thread in each interval (200 = both cores), and the events that reached the sink in it.
    let previous = { at: 0, arrived: WARM_UP, times: before };
    for (const snapshot of snapshots) {
      const busy = byRole(previous.times, snapshot.times, role, 'cpuSeconds');
      const seconds = (snapshot.at - previous.at) / 1000;
      const percent = Object.fromEntries(Object.entries(busy).map(([k, v]) => [k, Math.round((100 * v) / seconds)]));
      const total = Object.values(percent).reduce((a, b) => a + b, 0);
      console.log(JSON.stringify({ atMs: Math.round(snapshot.at), ingesting: snapshot.at <= ingestMs, arrived: snapshot.arrived - previous.arrived, percentOfACore: percent, total }));
      previous = snapshot;
    }
  }
  if (THREADS) {
    for (const [tid, t] of [...used].filter(([, u]) => u.cpuSeconds > 0).sort(([, a], [, b]) => b.cpuSeconds - a.cpuSeconds)) {
      console.log(JSON.stringify({ tid, name: procStat(`/proc/self/task/${tid}/stat`)?.command ?? '(ended)', nice: t.nice, cpuMicrosecondsPerEvent: perEvent(t.cpuSeconds) }));
    }
  }
} finally {
  await sluice.close();
  sink.close();
  if (warehouse) {
    await warehouse.client.query(`drop schema if exists "${warehouse.schema}" cascade`).catch(() => undefined);
    await warehouse.client.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
