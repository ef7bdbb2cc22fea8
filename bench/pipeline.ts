/**
 * bench/pipeline: ingest -> processor -> router -> a local webhook sink (batching on), in one run.
 *
 *   node --import tsx bench/pipeline.ts [events=20000]
 *
 * 1. ingest-only: events/s the Tracking API acknowledges (no destination connected) - the baseline;
 * 2. end-to-end: events/s from the first request to the last event received by the sink (destination
 *    connected), and its ratio to (1);
 * 3. latency at ~1,000 events/s: per event, time from the Tracking API's 200 to arrival at the sink
 *    (p50/p99).
 * Prints one JSON line per phase and a summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { startSluice } from '../src/main.js';

const TOTAL = Number(process.argv[2] ?? 20_000);
const PER_REQUEST = 100;
const CONCURRENCY = 8;
const TOKEN = 'bench-owner-token-0123456789abcdef';

const arrivals = new Map<string, number>();
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = performance.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch?: { messageId: string }[]; messageId?: string };
    for (const e of body.batch ?? [body as { messageId: string }]) if (!arrivals.has(e.messageId)) arrivals.set(e.messageId, now);
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
const sluice = await startSluice(loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TOKEN, SLUICE_LOG_LEVEL: 'error', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' }));
const auth = `Basic ${Buffer.from(`${sluice.bootstrap.defaultWriteKey}:`).toString('base64')}`;

function events(prefix: string, from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({ type: 'track', userId: `user-${(from + i) % 500}`, event: 'Bench', messageId: `${prefix}-${from + i}`, properties: { i: from + i, plan: 'pro' } }));
}

async function send(batch: unknown[]): Promise<number> {
  const res = await fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch }) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
  return performance.now();
}

/** Sends `total` events as fast as CONCURRENCY connections allow; returns the elapsed ms. */
async function blast(prefix: string, total: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      const from = next;
      next += PER_REQUEST;
      await send(events(prefix, from, Math.min(PER_REQUEST, total - from)));
    }
  }));
  return performance.now() - start;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function backlogDrained(): Promise<void> {
  for (;;) {
    const n = await sluice.store.events.count(sluice.bootstrap.workspaceId);
    if (n >= TOTAL) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

try {
  // Warm-up (JIT, connections), not measured.
  await blast('warm', 1000);

  // 1. Ingest only.
  const ingestMs = await blast('ingest', TOTAL);
  const ingestRate = TOTAL / (ingestMs / 1000);
  console.log(JSON.stringify({ phase: 'ingest-only', events: TOTAL, ms: Math.round(ingestMs), eventsPerSecond: Math.round(ingestRate) }));
  await backlogDrained();

  // Connect the sink.
  const created = await fetch(`${sluice.url}/api/v1/destinations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Sink', type: 'webhook', config: { url: sinkUrl, batching: true } }),
  });
  if (created.status !== 201) throw new Error(`could not create the destination: ${await created.text()}`);
  await new Promise((r) => setTimeout(r, 500));

  // 2. End to end.
  const e2eStart = performance.now();
  await blast('e2e', TOTAL);
  await waitFor(() => [...arrivals.keys()].filter((k) => k.startsWith('e2e-')).length >= TOTAL, 300_000);
  const e2eMs = Math.max(...[...arrivals.entries()].filter(([k]) => k.startsWith('e2e-')).map(([, t]) => t)) - e2eStart;
  const e2eRate = TOTAL / (e2eMs / 1000);
  console.log(JSON.stringify({ phase: 'end-to-end', events: TOTAL, ms: Math.round(e2eMs), eventsPerSecond: Math.round(e2eRate), ratioToIngest: +(e2eRate / ingestRate).toFixed(2) }));

  // 3. Latency at ~1,000 events/s: 10 events every 10 ms for 10 s.
  const acks = new Map<string, number>();
  const seconds = 10;
  const ticks = seconds * 100;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const batch = events('lat', tick * 10, 10);
    pending.push(send(batch).then((at) => {
      for (const e of batch) acks.set(e.messageId, at);
    }));
    const due = t0 + (tick + 1) * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
  await waitFor(() => [...acks.keys()].every((k) => arrivals.has(k)), 120_000);
  const latencies = [...acks.entries()].map(([k, at]) => arrivals.get(k)! - at).sort((a, b) => a - b);
  const ackToDelivery = { p50: Math.round(pct(latencies, 50)), p99: Math.round(pct(latencies, 99)), max: Math.round(latencies[latencies.length - 1]!) };
  console.log(JSON.stringify({ phase: 'latency-1k-per-second', events: acks.size, offeredPerSecond: Math.round(acks.size / ((performance.now() - t0) / 1000)), ackToDeliveryMs: ackToDelivery }));
  console.log(JSON.stringify({
    summary: true,
    ingestEventsPerSecond: Math.round(ingestRate),
    endToEndEventsPerSecond: Math.round(e2eRate),
    ratio: +(e2eRate / ingestRate).toFixed(2),
    targetRatio: 0.3,
    p50AckToDeliveryMs: ackToDelivery.p50,
    p99AckToDeliveryMs: ackToDelivery.p99,
    targetP50Ms: 50,
  }));
} finally {
  await sluice.close();
  sink.close();
  rmSync(dataDir, { recursive: true, force: true });
}
