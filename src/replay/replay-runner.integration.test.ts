import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { buildDeciders } from '../processor/build-processor.js';
import { FanOut } from '../processor/fan-out/fan-out.js';
import type { DeliveryQueue } from '../queue/queue.js';
import { openDeliveryQueue, openStore } from '../runtime/backends.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import type { Replay } from './replay.js';
import { ReplayRunner, type ReplayRunnerOptions } from './replay-runner.js';
import { eventually } from '../../test/support/start-test-sluice.js';

/**
 * The replay runner on the embedded store and delivery queue (no router: the jobs it queues stay waiting, which
 * is what its pacing reads).
 */
let dir: string;
let store: SqlStore;
let queue: DeliveryQueue;
let workspaceId: string;
let sourceId: string;
const runners: ReplayRunner[] = [];
const logger = pino({ level: 'silent' });
const FROM = Date.parse('2026-03-01T00:00:00Z');

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-replay-runner-'));
  const config = loadConfig({ SLUICE_DATA_DIR: dir });
  store = await openStore(config, { migrate: true });
  queue = await openDeliveryQueue(config);
  workspaceId = (await store.workspaces.create({ name: 'W' })).id;
  sourceId = (await store.sources.create({ workspaceId, name: 'S' })).id;
  // 10 events in the range (a minute apart), one after it.
  await store.events.insertMany(
    Array.from({ length: 11 }, (_, i) => {
      const at = new Date(FROM + i * 60_000).toISOString();
      return { workspaceId, sourceId, event: { type: 'track', event: 'Step', userId: `u${i % 3}`, messageId: `m${i}`, timestamp: at, receivedAt: at } as never };
    }),
  );
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  await queue.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const runner = (options: Partial<ReplayRunnerOptions> = {}) => {
  const created = new ReplayRunner({ store, queue, fanOut: new FanOut(buildDeciders({ store })), logger, pollMs: 20, ...options });
  runners.push(created);
  return created;
};
const destination = () => store.destinations.create({ workspaceId, name: 'Hook', type: 'webhook', publicConfig: { url: 'http://127.0.0.1:9/' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
const ask = (destinationId: string, leaseUntil?: number) =>
  store.replays.create({ workspaceId, destinationId, range: { from: FROM, to: FROM + 10 * 60_000 }, total: 10, requestedBy: 'test', ...(leaseUntil !== undefined && { leaseUntil }) }, Date.now());
const state = (id: string) => store.replays.get(workspaceId, id);
/** The replay once `ready` holds for it. */
const stateWhen = (id: string, ready: (replay: Replay) => boolean) =>
  eventually(async () => {
    const replay = await state(id);
    return replay && ready(replay) ? replay : undefined;
  }, 10_000, 20);

describe('replay runner', () => {
  it('claims a replay it is woken for and queues its range, page by page, with its progress saved', async () => {
    const dest = await destination();
    const replay = await ask(dest.id);
    runner({ pageSize: 4 }).start();
    const done = await stateWhen(replay.id, (r) => r.status === 'completed');
    expect(done).toMatchObject({ status: 'completed', read: 10, queued: 10, dropped: 0, leaseUntil: null });
    expect(done.finishedAt).not.toBeNull();
    // The 11th event is after the range.
    expect(await queue.waiting(dest.id)).toBe(10);
    const log = await store.deliveries.list({ workspaceId, destinationId: dest.id, limit: 100 });
    expect(log.map((d) => d.messageId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  it('waits while the destination has too many jobs waiting, then carries on where a stopped runner left off', async () => {
    const dest = await destination();
    const replay = await ask(dest.id, Date.now() + 60_000);
    const first = runner({ pageSize: 3, maxWaiting: 3 });
    const ended = first.run(replay);
    // One page queued, then it waits: the destination has 3 jobs waiting.
    await stateWhen(replay.id, (r) => r.queued === 3);
    await new Promise((r) => setTimeout(r, 400));
    expect(await state(replay.id)).toMatchObject({ status: 'running', read: 3, queued: 3 });
    expect(await queue.waiting(dest.id)).toBe(3);
    // Stopping releases it; another runner (another process) claims it at once and goes on from the 4th event.
    await first.stop();
    expect(await ended).toBe('released');
    runner({ pageSize: 3 }).start();
    const done = await stateWhen(replay.id, (r) => r.status === 'completed');
    expect(done).toMatchObject({ read: 10, queued: 10 });
    // Each event queued once: the page the first runner saved was not sent again.
    expect(await queue.waiting(dest.id)).toBe(10);
  });

  it('stops a cancelled replay at its next page, keeping what it queued', async () => {
    const dest = await destination();
    const replay = await ask(dest.id, Date.now() + 60_000);
    const ended = runner({ pageSize: 2, maxWaiting: 2 }).run(replay);
    await stateWhen(replay.id, (r) => r.queued === 2);
    expect((await store.replays.cancel(workspaceId, replay.id, Date.now()))?.status).toBe('cancelled');
    expect(await ended).toBe('lost');
    expect(await state(replay.id)).toMatchObject({ status: 'cancelled', queued: 2 });
    expect(await queue.waiting(dest.id)).toBe(2);
  });

  it('counts the page a cancelled replay queued before it learnt of the cancel', async () => {
    const dest = await destination();
    const replay = await ask(dest.id, Date.now() + 60_000);
    // The cancel arrives while the runner queues its second page (what the API's cancel does at any moment).
    let pages = 0;
    const cancelling: ReplayRunnerOptions['queue'] = {
      waiting: (id) => queue.waiting(id),
      publishDeliveries: async (jobs) => {
        await queue.publishDeliveries(jobs);
        if (++pages === 2) await store.replays.cancel(workspaceId, replay.id, Date.now());
      },
    };
    expect(await runner({ pageSize: 3, queue: cancelling }).run(replay)).toBe('lost');
    // Six events went to the destination's queue: the cancelled replay says six, not the three saved before.
    expect(await queue.waiting(dest.id)).toBe(6);
    expect(await state(replay.id)).toMatchObject({ status: 'cancelled', read: 6, queued: 6, afterSeq: expect.any(Number) });
  });

  it('retries a destination\'s failed deliveries (those failed before it was asked for), leaving failed those whose event is gone', async () => {
    const dest = await destination();
    const base = Date.now() - 60_000;
    const failed = (messageId: string, at: number) => ({ workspaceId, destinationId: dest.id, messageId, sourceId, status: 'failed' as const, attempts: 1, reason: 'http_400', lastError: 'HTTP 400', updatedAt: at });
    // m0..m6 failed (a page of 3 at a time), m7 delivered, "gone" failed but its event is not stored.
    await store.deliveries.record([...Array.from({ length: 7 }, (_, i) => failed(`m${i}`, base + i * 1000)), { ...failed('m7', base), status: 'delivered' }, failed('gone', base + 3500)]);
    const asked = Date.now();
    const replay = await store.replays.create({ workspaceId, destinationId: dest.id, kind: 'failed', range: { from: 0, to: asked }, total: 8, requestedBy: 'test' }, asked);
    // A delivery failing after the retry was asked for is not part of it.
    await store.deliveries.record([failed('m8', asked + 10)]);
    runner({ pageSize: 3 }).start();
    const done = await stateWhen(replay.id, (r) => r.status === 'completed');
    expect(done).toMatchObject({ kind: 'failed', read: 8, queued: 7, dropped: 0 });
    expect(await queue.waiting(dest.id)).toBe(7);
    const log = await store.deliveries.list({ workspaceId, destinationId: dest.id, limit: 100 });
    const statusOf = new Map(log.map((d) => [d.messageId, d.status]));
    for (let i = 0; i < 7; i++) expect(statusOf.get(`m${i}`)).toBe('queued');
    expect(statusOf.get('gone')).toBe('failed');
    expect(statusOf.get('m8')).toBe('failed');
    // Pages of the log in the order the deliveries failed ([m0 m1 m2], [m3 gone m4], [m5 m6]): sent in that order.
    const jobs = await queue.deliveryConsumer(dest.id).fetch(100, { signal: new AbortController().signal, waitMs: 10 });
    expect(jobs.map((j) => j.messageId)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('retries deliveries that failed together in the order their user sent them, across pages', async () => {
    const dest = await destination();
    // One user's events, sent in this order; their messageIds sort the other way (the log orders a group by messageId).
    const ids = ['z1', 'y2', 'x3', 'w4', 'v5', 'u6'];
    const at = new Date().toISOString();
    await store.events.insertMany(ids.map((messageId) => ({ workspaceId, sourceId, event: { type: 'track', event: 'Step', userId: 'same', messageId, timestamp: at, receivedAt: at } as never })));
    // One batch refused: every delivery failed in the same millisecond.
    const failedAt = Date.now() - 60_000;
    await store.deliveries.record(ids.map((messageId) => ({ workspaceId, destinationId: dest.id, messageId, sourceId, status: 'failed' as const, attempts: 1, reason: 'http_400', lastError: 'HTTP 400', updatedAt: failedAt })));
    const asked = Date.now();
    const replay = await store.replays.create({ workspaceId, destinationId: dest.id, kind: 'failed', range: { from: 0, to: asked }, total: ids.length, requestedBy: 'test' }, asked);
    runner({ pageSize: 4 }).start();
    expect(await stateWhen(replay.id, (r) => r.status === 'completed')).toMatchObject({ read: 6, queued: 6 });
    const jobs = await queue.deliveryConsumer(dest.id).fetch(100, { signal: new AbortController().signal, waitMs: 10 });
    expect(jobs.map((j) => j.messageId)).toEqual(ids);
  });

  it('carries on newest first a retry of failed deliveries an earlier version started that way', async () => {
    const dest = await destination();
    const base = Date.now() - 60_000;
    const failed = (messageId: string, at: number) => ({ workspaceId, destinationId: dest.id, messageId, sourceId, status: 'failed' as const, attempts: 1, reason: 'http_400', lastError: 'HTTP 400', updatedAt: at });
    await store.deliveries.record(Array.from({ length: 7 }, (_, i) => failed(`m${i}`, base + i * 1000)));
    const asked = Date.now();
    const replay = await store.replays.create({ workspaceId, destinationId: dest.id, kind: 'failed', range: { from: 0, to: asked }, total: 7, requestedBy: 'test' }, asked);
    // The earlier version had read [m6 m5 m4] and saved its cursor (no `oldestFirst`) before it stopped.
    const held = await store.replays.claim(Date.now(), 60_000);
    expect(held?.id).toBe(replay.id);
    const progress = { read: 3, queued: 3, dropped: 0, afterSeq: 0, cursor: { updatedAt: base + 4000, messageId: 'm4' } };
    expect(await store.replays.advance(replay.id, held!.leaseUntil!, progress, Date.now() - 1, Date.now())).toBe(true);
    runner({ pageSize: 3 }).start();
    expect(await stateWhen(replay.id, (r) => r.status === 'completed')).toMatchObject({ read: 7, queued: 7 });
    const jobs = await queue.deliveryConsumer(dest.id).fetch(100, { signal: new AbortController().signal, waitMs: 10 });
    expect(jobs.map((j) => j.messageId)).toEqual(['m1', 'm2', 'm3', 'm0']);
  });

  it('fails a replay whose destination was deleted, saying so', async () => {
    const dest = await destination();
    const replay = await ask(dest.id);
    await store.destinations.delete(workspaceId, dest.id, { by: 'test', at: Date.now() });
    runner().start();
    const done = await stateWhen(replay.id, (r) => r.status !== 'running');
    expect(done).toMatchObject({ status: 'failed', error: 'The destination was deleted while the replay ran.', queued: 0 });
  });
});
