/**
 * Warehouse load throughput: events/s the PostgreSQL destination loads (Segment's schema: tracks + one table
 * per event, columns inferred, deduplicated), against a baseline measured in the same run on the same
 * database: the same events inserted as one JSON text column each (the least work a load can do).
 *
 *   node --import tsx bench/warehouse.ts [events=20000] [batch=500]
 *   SLUICE_TEST_DATABASE_URL=postgres://... to use another database (its name must contain "test").
 *
 * Also prints CPU time per event of each phase (steadier than events/s on a shared machine): this process's
 * (user + system, all threads) and, when PostgreSQL runs on this host, its backends' (read from /proc; the
 * phase's connections are told apart by an application_name of their own).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import type { SegmentEvent } from '../src/protocol/segment-event.js';
import { createDestinationHttp } from '../src/destinations/http/destination-http.js';
import { closeWarehousePools, postgres } from '../src/destinations/postgres/index.js';
import { assertTestDatabase, TEST_DATABASE_URL } from '../test/support/postgres.js';

const total = Number(process.argv[2] ?? 20_000);
const batchSize = Number(process.argv[3] ?? 500);
const EVENT_NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Signed Up'];

function makeEvent(i: number, run: string): SegmentEvent {
  const now = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    type: i % 10 === 0 ? 'identify' : 'track',
    messageId: `${run}-${i}`,
    userId: `user-${i % 1000}`,
    anonymousId: `anon-${i % 1500}`,
    event: EVENT_NAMES[i % EVENT_NAMES.length],
    properties: { product_id: `p-${i % 300}`, price: (i % 97) + 0.99, quantity: 1 + (i % 3), currency: 'EUR', product: { name: `Item ${i % 300}`, category: 'Home' }, on_sale: i % 2 === 0 },
    traits: { email: `user-${i % 1000}@example.com`, plan: i % 3 ? 'free' : 'pro', logins: i % 50 },
    context: { library: { name: 'analytics.js', version: '2.11.1' }, ip: '203.0.113.9', page: { url: 'https://shop.example/p', title: 'Shop' }, userAgent: 'Mozilla/5.0 (bench)' },
    integrations: {},
    originalTimestamp: now,
    timestamp: now,
    receivedAt: now,
    sentAt: now,
    version: 2,
  };
}

/** CPU milliseconds (user + system) a process has used, or undefined when /proc does not show it. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ on Linux
  } catch {
    return undefined;
  }
}

/** A connection string whose connections carry `name` as their application_name. */
function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

/**
 * Runs `work`, returning its wall time and CPU time: this process's and that of the PostgreSQL backends
 * whose application_name is `backendName` (those open before or after; undefined if /proc cannot see them).
 */
async function measured(admin: pg.Client, backendName: string, work: () => Promise<void>): Promise<{ ms: number; ownCpuMs: number; postgresCpuMs: number | undefined }> {
  const backends = async () =>
    (await admin.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [backendName])).rows.map((r) => r.pid);
  const before = new Map<number, number | undefined>();
  for (const pid of await backends()) before.set(pid, processCpuMs(pid));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const own = process.cpuUsage(cpu);
  let postgresCpuMs: number | undefined = 0;
  for (const pid of new Set([...before.keys(), ...(await backends())])) {
    const now = processCpuMs(pid);
    if (now === undefined || postgresCpuMs === undefined) postgresCpuMs = undefined;
    else postgresCpuMs += now - (before.get(pid) ?? 0);
  }
  return { ms, ownCpuMs: (own.user + own.system) / 1000, postgresCpuMs };
}

async function main(): Promise<void> {
  assertTestDatabase(TEST_DATABASE_URL);
  const schema = `sluice_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const http = createDestinationHttp({ allowPrivate: [] });
  const context = { http, logger: pino({ level: 'silent' }), signal: new AbortController().signal };
  try {
    await admin.query(`create schema "${schema}"`);
    await admin.query(`create table "${schema}".raw_events (id text primary key, json text not null, uuid_ts timestamptz not null default now())`);
    const run = randomBytes(3).toString('hex');
    const events = Array.from({ length: total }, (_, i) => makeEvent(i, run));
    const batches: SegmentEvent[][] = [];
    for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));

    // Warm-up (creates the tables and columns; not timed).
    const loaderName = `sluice-bench-warehouse-${run}`;
    const config = { connectionString: withApplicationName(TEST_DATABASE_URL, loaderName), schema };
    await postgres.deliver(batches[0]!.map((e) => ({ messageId: e.messageId, event: e })), config, context);

    // Baseline: one multi-row INSERT per batch into a single JSON-text table, one transaction per batch.
    const baselineName = `sluice-bench-baseline-${run}`;
    const pool = new pg.Pool({ connectionString: withApplicationName(TEST_DATABASE_URL, baselineName), max: 1 });
    await pool.query('select 1');
    const baseline = await measured(admin, baselineName, async () => {
      for (const batch of batches) {
      const values: string[] = [];
      const marks = batch.map((e, j) => {
        values.push(e.messageId, JSON.stringify(e));
        return `($${j * 2 + 1}, $${j * 2 + 2})`;
      });
        await pool.query(`insert into "${schema}".raw_events (id, json) values ${marks.join(', ')} on conflict (id) do nothing`, values);
      }
    });
    await pool.end();

    // Warehouse: the destination's deliver(), batches of batchSize, sequential like one router lane.
    const warehouse = await measured(admin, loaderName, async () => {
      for (const batch of batches) {
        const result = await postgres.deliver(batch.map((e) => ({ messageId: e.messageId, event: e })), config, context);
        if (result.kind !== 'ok') throw new Error(`load failed: ${JSON.stringify(result)}`);
      }
    });

    // Re-delivery of everything (all duplicates): the cost of a replay that finds rows already loaded.
    const replay = await measured(admin, loaderName, async () => {
      for (const batch of batches) await postgres.deliver(batch.map((e) => ({ messageId: e.messageId, event: e })), config, context);
    });

    const counts = await admin.query(`select (select count(*) from "${schema}".tracks)::int as tracks, (select count(*) from "${schema}".identifies)::int as identifies, (select count(*) from "${schema}".users)::int as users`);
    const perSecond = (ms: number) => Math.round((total / ms) * 1000);
    const cpu = (m: { ownCpuMs: number; postgresCpuMs: number | undefined }) => {
      const us = (cpuMs: number) => ((cpuMs * 1000) / total).toFixed(1);
      return `CPU us/event: ours ${us(m.ownCpuMs)}, PostgreSQL ${m.postgresCpuMs === undefined ? 'n/a' : us(m.postgresCpuMs)}`;
    };
    console.log(`events=${total} batch=${batchSize} rows=${JSON.stringify(counts.rows[0])} loadavg=${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`baseline (JSON text, 1 table)      ${perSecond(baseline.ms)} events/s  ${cpu(baseline)}`);
    console.log(`warehouse (Segment schema)         ${perSecond(warehouse.ms)} events/s  ratio ${(baseline.ms / warehouse.ms).toFixed(2)} of baseline  ${cpu(warehouse)}`);
    console.log(`warehouse re-delivery (duplicates) ${perSecond(replay.ms)} events/s  ${cpu(replay)}`);
  } finally {
    await closeWarehousePools();
    await http.close();
    await admin.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin.end();
  }
}

await main();
