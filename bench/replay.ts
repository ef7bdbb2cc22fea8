/**
 * bench/replay: how fast a replay queues stored events to a destination, on the embedded store and delivery
 * queue, against reading the same range page by page (the replay's own reads, nothing else) in the same run.
 *
 *   node --import tsx bench/replay.ts [events=100000]
 *
 * A fresh data directory gets `events` track events (500 users, a second apart) through `events.insertMany`;
 * then (1) the baseline reads the whole range through `events.query` in pages of 1,000 after the last seq,
 * oldest first, as the runner does; (2) a `ReplayRunner` (privacy deciders on, as `sluice start` builds them)
 * runs a replay of the range to a webhook destination (no router runs: the jobs stay queued; pacing is off, so
 * this is the rate at which a replay fills the queue, not the destination's rate). Prints events/s of both and
 * the replay's ratio to the baseline, and the replay's progress writes per page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { Keys } from '../src/core/crypto/keys.js';
import { createPrivacyServices } from '../src/privacy/privacy-services.js';
import { buildDeciders } from '../src/processor/build-processor.js';
import { FanOut } from '../src/processor/fan-out/fan-out.js';
import { ReplayRunner } from '../src/replay/replay-runner.js';
import { openDeliveryQueue, openStore } from '../src/runtime/backends.js';
import { resolveSecretKey } from '../src/runtime/secret-key.js';

const TOTAL = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-replay-'));
const config = loadConfig({ SLUICE_DATA_DIR: dir, SLUICE_LOG_LEVEL: 'error' });
const keys = new Keys(resolveSecretKey(config));
const store = await openStore(config, { migrate: true });
const queue = await openDeliveryQueue(config);
const privacy = createPrivacyServices({ store, keys });
try {
  const workspaceId = (await store.workspaces.create({ name: 'Bench' })).id;
  const sourceId = (await store.sources.create({ workspaceId, name: 'Bench' })).id;
  const from = Date.parse('2026-06-01T00:00:00Z');
  for (let i = 0; i < TOTAL; i += 1000) {
    await store.events.insertMany(
      Array.from({ length: Math.min(1000, TOTAL - i) }, (_, j) => {
        const n = i + j;
        const at = new Date(from + n * 1000).toISOString();
        return { workspaceId, sourceId, event: { type: 'track', event: 'Bench', userId: `user-${n % 500}`, messageId: `replay-${n}`, properties: { n, plan: 'pro' }, context: { library: { name: 'bench', version: '1' } }, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, version: 2 } as never };
      }),
    );
    await store.flushWrites();
  }
  const to = from + TOTAL * 1000;

  // (1) Baseline: the range's pages, read as the runner reads them.
  let started = performance.now();
  let read = 0;
  for (let afterSeq = 0; ; ) {
    const page = await store.events.query({ workspaceId, from, to, afterSeq, ascending: true, limit: 1000 });
    if (page.length === 0) break;
    read += page.length;
    afterSeq = page[page.length - 1]!.seq;
  }
  const readSeconds = (performance.now() - started) / 1000;

  // (2) The replay.
  const destination = await store.destinations.create({ workspaceId, name: 'Sink', type: 'webhook', publicConfig: { url: 'http://127.0.0.1:9/sink' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
  const runner = new ReplayRunner({ store, queue, fanOut: new FanOut(buildDeciders({ store, privacy: { services: privacy, keys } })), logger: pino({ level: 'silent' }), maxWaiting: Number.POSITIVE_INFINITY });
  const replay = await store.replays.create({ workspaceId, destinationId: destination.id, range: { from, to }, total: TOTAL, requestedBy: 'bench', leaseUntil: Date.now() + 60_000 }, Date.now());
  started = performance.now();
  const end = await runner.run(replay);
  const replaySeconds = (performance.now() - started) / 1000;
  const done = await store.replays.get(workspaceId, replay.id);
  if (end !== 'completed' || done?.queued !== TOTAL) throw new Error(`the replay ended ${end} with ${done?.queued} of ${TOTAL} queued`);
  const waiting = await queue.waiting(destination.id);
  if (waiting !== TOTAL) throw new Error(`the destination's queue holds ${waiting} jobs, expected ${TOTAL}`);

  const rate = (n: number, s: number) => Math.round(n / s);
  console.log(JSON.stringify({
    events: TOTAL,
    readPagesOnly: { eventsPerSecond: rate(read, readSeconds), seconds: +readSeconds.toFixed(2) },
    replay: { eventsPerSecond: rate(TOTAL, replaySeconds), seconds: +replaySeconds.toFixed(2) },
    ratioToReads: +(readSeconds / replaySeconds).toFixed(3),
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
  }));
} finally {
  privacy.close();
  await queue.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
