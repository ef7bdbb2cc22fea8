/**
 * Warehouse load throughput: events/s the PostgreSQL destination loads (Segment's schema: tracks + one table
 * per event, columns inferred, deduplicated), against a baseline measured in the same run on the same
 * database: the same events inserted as one JSON text column each (the least work a load can do).
 *
 *   node --import tsx bench/warehouse.ts [events=20000] [batch=500]
 *   SLUICE_TEST_DATABASE_URL=postgres://... to use another database (its name must contain "test").
 */
import { randomBytes } from 'node:crypto';
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
    const config = { connectionString: TEST_DATABASE_URL, schema };
    await postgres.deliver(batches[0]!.map((e) => ({ messageId: e.messageId, event: e })), config, context);

    // Baseline: one multi-row INSERT per batch into a single JSON-text table, one transaction per batch.
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    let started = performance.now();
    for (const batch of batches) {
      const values: string[] = [];
      const marks = batch.map((e, j) => {
        values.push(e.messageId, JSON.stringify(e));
        return `($${j * 2 + 1}, $${j * 2 + 2})`;
      });
      await pool.query(`insert into "${schema}".raw_events (id, json) values ${marks.join(', ')} on conflict (id) do nothing`, values);
    }
    const baselineMs = performance.now() - started;
    await pool.end();

    // Warehouse: the destination's deliver(), batches of batchSize, sequential like one router lane.
    started = performance.now();
    for (const batch of batches) {
      const result = await postgres.deliver(batch.map((e) => ({ messageId: e.messageId, event: e })), config, context);
      if (result.kind !== 'ok') throw new Error(`load failed: ${JSON.stringify(result)}`);
    }
    const warehouseMs = performance.now() - started;

    // Re-delivery of everything (all duplicates): the cost of a replay that finds rows already loaded.
    started = performance.now();
    for (const batch of batches) await postgres.deliver(batch.map((e) => ({ messageId: e.messageId, event: e })), config, context);
    const replayMs = performance.now() - started;

    const counts = await admin.query(`select (select count(*) from "${schema}".tracks)::int as tracks, (select count(*) from "${schema}".identifies)::int as identifies, (select count(*) from "${schema}".users)::int as users`);
    const perSecond = (ms: number) => Math.round((total / ms) * 1000);
    console.log(`events=${total} batch=${batchSize} rows=${JSON.stringify(counts.rows[0])}`);
    console.log(`baseline (JSON text, 1 table)      ${perSecond(baselineMs)} events/s`);
    console.log(`warehouse (Segment schema)         ${perSecond(warehouseMs)} events/s  ratio ${(baselineMs / warehouseMs).toFixed(2)} of baseline`);
    console.log(`warehouse re-delivery (duplicates) ${perSecond(replayMs)} events/s`);
  } finally {
    await closeWarehousePools();
    await http.close();
    await admin.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin.end();
  }
}

await main();
