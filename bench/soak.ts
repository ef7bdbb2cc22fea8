/**
 * bench/soak: Sluice under a steady load for minutes, as a site sends it, against the same Sluice taking a burst.
 *
 *   node --import tsx bench/soak.ts        (SOAK_RATE events/s, default 5000; SOAK_MINUTES, default 3)
 *
 * Starts the built Sluice as users run it (`node bin/sluice.js start`: embedded SQLite, every role in one process,
 * fresh data directory) in a process of its own, with a local webhook sink (batching on) in this one, then:
 * 1. burst (the baseline): 60,000 small track events as fast as 8 connections send them (100 per request), until
 *    every one reached the sink: Sluice's CPU time per event (its whole process, from /proc) and bytes written to
 *    disk per event (/proc/<pid>/io write_bytes: the write-ahead logs, their checkpoints into the files, fsyncs);
 * 2. steady: SOAK_RATE events/s (requests of 50 events from 5,000 users) for SOAK_MINUTES; every 30 s one line:
 *    CPU per event, each thread's share of a core (request thread, processor, router, checkpointer, V8's
 *    helpers), disk bytes per event (in all, and by the thread that wrote them), p50/p99/max from the Tracking API's 200 to arrival at the sink, memory (RSS)
 *    and the files' sizes;
 * 3. idle: IDLE_SECONDS (60) without traffic, then RSS again: how much memory Sluice gives back after the load;
 * then a summary: the steady phase's CPU and disk bytes per event as ratios of the burst's (what a site with steady
 * traffic pays per event against what bench/pipeline's bursts show), latency in the first and last intervals, and
 * events lost (sent and acknowledged but never at the sink: must be 0; exit code 1 otherwise).
 * Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, ROOT } from './support/ensure-built.js';
import { byRole, procStat, THREAD_ROLES, threadRoles, threadTimes, TICKS_PER_SECOND, usedBetween, type ThreadRole, type ThreadTimes } from './support/sluice-threads.js';
import { sinkMessageIds } from './support/sink-message-ids.js';

const RATE = Number(process.env.SOAK_RATE ?? 5000);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 3);
const BURST = 60_000;
const PER_REQUEST_STEADY = 50;
const INTERVAL_MS = 30_000;
/** Seconds without traffic after the steady phase, before RSS is read once more. */
const IDLE_SECONDS = 60;
const TOKEN = 'soak-owner-token-0123456789abcdef';

ensureBuilt();

/** When each event was acknowledged and when it arrived, whichever comes first (the sink may see it before the 200 is read). */
const acked = new Map<string, number>();
const arrivedAt = new Map<string, number>();
let latencies: number[] = [];
let arrivedCount = 0;
function pair(messageId: string): void {
  const ack = acked.get(messageId);
  const arrival = arrivedAt.get(messageId);
  if (ack === undefined || arrival === undefined) return;
  latencies.push(arrival - ack);
  acked.delete(messageId);
  arrivedAt.delete(messageId);
}
const seen = new Set<string>();
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = performance.now();
    for (const messageId of sinkMessageIds(Buffer.concat(chunks).toString('utf8'))) {
      if (seen.has(messageId)) continue;
      seen.add(messageId);
      arrivedCount++;
      if (messageId.startsWith('steady-')) {
        arrivedAt.set(messageId, now);
        pair(messageId);
      }
    }
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-soak-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'sluice.js'), 'start'], {
  cwd: ROOT,
  env: { ...process.env, PORT: String(port), SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TOKEN, SLUICE_LOG_LEVEL: 'warn', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const pid = child.pid!;
const base = `http://127.0.0.1:${port}`;

const processCpu = () => {
  const f = procStat(`/proc/${pid}/stat`)!.fields;
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
};
const writtenBytes = () => Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
const rssMb = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
const filesMb = () => Object.fromEntries(readdirSync(dataDir).filter((f) => f.includes('.db')).map((f) => [f, Math.round(statSync(path.join(dataDir, f)).size / 1_048_576)]));

const threads = () => threadTimes(pid, { io: true });

/** Each role's share of one core between two snapshots, and the bytes it wrote to disk per event. */
function byThread(before: Map<string, ThreadTimes>, after: Map<string, ThreadTimes>, role: (tid: string) => ThreadRole, seconds: number, events: number) {
  const cpu = byRole(before, after, role, 'cpuSeconds');
  const written = byRole(before, after, role, 'writtenBytes');
  return {
    percentOfACore: Object.fromEntries(THREAD_ROLES.map((r) => [r, Math.round((100 * cpu[r]) / seconds)])),
    diskBytesPerEventByThread: Object.fromEntries(THREAD_ROLES.map((r) => [r, Math.round(written[r] / events)])),
  };
}

const pct = (sorted: readonly number[], p: number) => (sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!));

function event(prefix: string, i: number) {
  return { type: 'track', event: 'Order Completed', userId: `user-${i % 5000}`, messageId: `${prefix}-${i}`, properties: { orderId: `o-${i}`, total: 49.5, currency: 'EUR' } };
}

let failed = 0;
async function send(writeKey: string, batch: ReturnType<typeof event>[]): Promise<boolean> {
  try {
    const res = await fetch(`${base}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, body: JSON.stringify({ batch }) });
    await res.arrayBuffer();
    if (res.status === 200) return true;
  } catch {
    // counted below
  }
  failed += batch.length;
  return false;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

try {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /writeKey of the default source: (\S+)/.test(out), 'Sluice to start', 60_000);
  const writeKey = /writeKey of the default source: (\S+)/.exec(out)![1]!;
  const created = await fetch(`${base}/api/v1/destinations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Sink', type: 'webhook', config: { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`, batching: true } }),
  });
  if (created.status !== 201) throw new Error(`could not create the sink destination: ${await created.text()}`);
  await new Promise((r) => setTimeout(r, 500));

  // 1. Burst (after 10,000 events of warm-up).
  const blast = async (prefix: string, total: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < total) {
        const from = next;
        next += 100;
        await send(writeKey, Array.from({ length: Math.min(100, total - from) }, (_, i) => event(prefix, from + i)));
      }
    }));
  };
  await blast('warm', 10_000);
  await waitFor(() => arrivedCount >= 10_000, 'the warm-up events at the sink');
  const burstCpu0 = processCpu();
  const burstDisk0 = writtenBytes();
  const burstThreads0 = threads();
  const burstStart = performance.now();
  await blast('burst', BURST);
  await waitFor(() => arrivedCount >= 10_000 + BURST, 'the burst at the sink');
  const burst = {
    eventsPerSecond: Math.round(BURST / ((performance.now() - burstStart) / 1000)),
    cpuUsPerEvent: Math.round(((processCpu() - burstCpu0) * 1e6) / BURST),
    diskBytesPerEvent: Math.round((writtenBytes() - burstDisk0) / BURST),
  };
  const rssAfterBurstMb = rssMb();
  console.log(JSON.stringify({ phase: 'burst', events: BURST, ...burst, rssMb: rssAfterBurstMb }));
  // Which thread is which, from what they did during the burst.
  const role = threadRoles(pid, usedBetween(burstThreads0, threads()));

  // 2. Steady: requests of 50 events at RATE events/s.
  const intervals: { cpuUsPerEvent: number; diskBytesPerEvent: number; p50: number | null; p99: number | null }[] = [];
  let sent = 0;
  let mark = { at: performance.now(), cpu: processCpu(), disk: writtenBytes(), arrived: arrivedCount, threads: threads() };
  const report = () => {
    const now = { at: performance.now(), cpu: processCpu(), disk: writtenBytes(), arrived: arrivedCount, threads: threads() };
    const events = Math.max(1, now.arrived - mark.arrived);
    const sorted = latencies.sort((a, b) => a - b);
    const line = {
      cpuUsPerEvent: Math.round(((now.cpu - mark.cpu) * 1e6) / events),
      diskBytesPerEvent: Math.round((now.disk - mark.disk) / events),
      p50: pct(sorted, 50),
      p99: pct(sorted, 99),
    };
    intervals.push(line);
    console.log(JSON.stringify({ phase: 'steady', minute: +((now.at - steadyStart) / 60_000).toFixed(1), eventsPerSecond: Math.round(events / ((now.at - mark.at) / 1000)), ...line, maxMs: pct(sorted, 100), ...byThread(mark.threads, now.threads, role, (now.at - mark.at) / 1000, events), rssMb: rssMb(), filesMb: filesMb() }));
    latencies = [];
    mark = now;
  };
  const steadyStart = performance.now();
  const timer = setInterval(report, INTERVAL_MS);
  const tickMs = (1000 * PER_REQUEST_STEADY) / RATE;
  let due = steadyStart;
  const inFlight = new Set<Promise<void>>();
  while (performance.now() - steadyStart < MINUTES * 60_000) {
    const batch = Array.from({ length: PER_REQUEST_STEADY }, () => event('steady', sent++));
    const request: Promise<void> = send(writeKey, batch).then((ok) => {
      inFlight.delete(request);
      if (!ok) return;
      const at = performance.now();
      for (const e of batch) {
        acked.set(e.messageId, at);
        pair(e.messageId);
      }
    });
    inFlight.add(request);
    due += tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  clearInterval(timer);
  // Everything acknowledged must arrive: wait for the backlog, then count what never came.
  await waitFor(() => acked.size === 0, 'every acknowledged event at the sink', 120_000).catch(() => undefined);
  const lost = acked.size;
  // 3. Idle: what memory the load left held.
  const rssAfterSteadyMb = rssMb();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const rssIdleMb = rssMb();
  console.log(JSON.stringify({ phase: 'idle', seconds: IDLE_SECONDS, rssMb: rssIdleMb }));
  const steadyCpu = intervals.map((i) => i.cpuUsPerEvent).sort((a, b) => a - b)[Math.floor(intervals.length / 2)] ?? 0;
  const steadyDisk = intervals.map((i) => i.diskBytesPerEvent).sort((a, b) => a - b)[Math.floor(intervals.length / 2)] ?? 0;
  console.log(JSON.stringify({
    summary: 'soak',
    offeredPerSecond: RATE,
    minutes: MINUTES,
    sent,
    refused: failed,
    lost,
    burst,
    steadyCpuUsPerEvent: steadyCpu,
    steadyDiskBytesPerEvent: steadyDisk,
    cpuRatioSteadyToBurst: +(steadyCpu / Math.max(1, burst.cpuUsPerEvent)).toFixed(2),
    diskRatioSteadyToBurst: +(steadyDisk / Math.max(1, burst.diskBytesPerEvent)).toFixed(2),
    latencyFirstIntervalMs: intervals[0] && { p50: intervals[0].p50, p99: intervals[0].p99 },
    latencyLastIntervalMs: intervals.at(-1) && { p50: intervals.at(-1)!.p50, p99: intervals.at(-1)!.p99 },
    storeMb: filesMb(),
    rssMb: { afterBurst: rssAfterBurstMb, afterSteady: rssAfterSteadyMb, [`idle${IDLE_SECONDS}s`]: rssIdleMb },
  }));
  if (lost > 0 || failed > 0) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  sink.close();
  rmSync(dataDir, { recursive: true, force: true });
}
