import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../accounts/bootstrap.js';
import { loadConfig } from '../config/config.js';
import { SqliteQueue } from '../queue/sqlite/sqlite-queue.js';
import type { DeliveryJobRecord } from '../queue/queue.js';
import { openStore } from '../runtime/backends.js';
import { sqliteQueueFile } from '../store/sqlite/sqlite-database.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import { buildProcessor } from './build-processor.js';
import type { StoredCount } from './store-stage.js';

/**
 * The crash window between the store write and the fan-out (decision 0100): when the processor stored a
 * batch and failed before its delivery jobs were published, the batch comes back `redelivered` and its
 * events, now duplicates in the store, are routed anyway. A client's retry of an event (not redelivered) is
 * still dropped as a duplicate.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function rig() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-redelivery-'));
  dirs.push(dataDir);
  const store = await openStore(loadConfig({ SLUICE_DATA_DIR: dataDir }), { migrate: true });
  const boot = await bootstrap(store, 'test-owner-token-0123456789abcdef');
  const sourceId = (await store.sources.list(boot.workspaceId))[0]!.id;
  await store.destinations.create({ workspaceId: boot.workspaceId, name: 'Hook', type: 'webhook', publicConfig: { url: 'https://example.com/hook' }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
  const inbox = new SqliteQueue(sqliteQueueFile(dataDir));
  const published: DeliveryJobRecord[] = [];
  const stored: StoredCount[] = [];
  let failNextPublish = false;
  const processor = buildProcessor({
    store,
    onStored: (count) => stored.push(count),
    queue: {
      async publishDeliveries(jobs) {
        if (failNextPublish) {
          failNextPublish = false;
          throw new Error('delivery queue unavailable');
        }
        published.push(...jobs);
      },
    },
  });
  const controller = new AbortController();
  const errors: unknown[] = [];
  const consuming = inbox.consumeInbox((batch) => processor.processBatch(batch).then(() => undefined), { batchSize: 100, signal: controller.signal, retryDelayMs: 20, onError: (e) => errors.push(e) });
  const track = (messageId: string, receivedAt = new Date().toISOString(), source = sourceId) => ({ workspaceId: boot.workspaceId, sourceId: source, json: JSON.stringify({ type: 'track', event: 'Paid', userId: 'u1', messageId, timestamp: receivedAt, receivedAt }) });
  const storedTotal = () => stored.reduce((n, c) => n + c.count, 0);
  return {
    store,
    workspaceId: boot.workspaceId,
    sourceId,
    inbox,
    published,
    stored,
    storedTotal,
    errors,
    track,
    failNextPublish: () => (failNextPublish = true),
    async close() {
      controller.abort();
      await consuming.catch(() => undefined);
      await inbox.close();
      await store.close();
    },
  };
}

describe('processor redelivery', () => {
  it('routes a stored batch whose fan-out failed when the batch comes back', async () => {
    const r = await rig();
    try {
      r.failNextPublish();
      await r.inbox.publishInbox([r.track('m1'), r.track('m2')]);
      await eventually(async () => (r.published.length >= 2 ? true : undefined), 10_000);
      expect(r.errors.map(String)).toEqual(['Error: delivery queue unavailable']);
      expect(r.published.map((j) => j.messageId).sort()).toEqual(['m1', 'm2']);
      // The jobs name the events the first attempt stored, as a first attempt's jobs do (decision 0108: the embedded
      // delivery log finds an event's queued jobs by it).
      const stored = await r.store.events.byKeys(r.workspaceId, r.published.map((j) => ({ sourceId: j.sourceId, messageId: j.messageId })));
      expect(r.published.map((j) => [j.messageId, j.eventSeq, j.storedSeq]).sort()).toEqual(stored.map((e) => [e.event.messageId, e.seq, e.seq]).sort());
      // Counted as stored once, by the attempt that stored them (the `stored` source counters).
      expect(r.storedTotal()).toBe(2);
    } finally {
      await r.close();
    }
  });

  it('still drops a client retry of an event it already routed', async () => {
    const r = await rig();
    try {
      await r.inbox.publishInbox([r.track('m1')]);
      await eventually(async () => (r.published.length >= 1 ? true : undefined), 10_000).catch((e) => { throw new Error(`${String(e)}; errors: ${r.errors.slice(0, 2).map(String).join("; ")}`); });
      await r.inbox.publishInbox([r.track('m1'), r.track('m3')]);
      await eventually(async () => (r.published.some((j) => j.messageId === 'm3') ? true : undefined), 10_000);
      expect(r.published.map((j) => j.messageId)).toEqual(['m1', 'm3']);
      expect(r.storedTotal()).toBe(2);
    } finally {
      await r.close();
    }
  });

  it('counts the events it stores per source and minute of receipt, not of processing', async () => {
    const r = await rig();
    try {
      const other = (await r.store.sources.create({ workspaceId: r.workspaceId, name: 'Other' })).id;
      const minute = 60_000;
      const earlier = Math.floor(Date.now() / minute) * minute - 5 * minute;
      const at = (ms: number) => new Date(ms).toISOString();
      await r.inbox.publishInbox([r.track('a1', at(earlier + 1_000)), r.track('a2', at(earlier + 2_000)), r.track('a3', at(earlier + minute + 1)), r.track('b1', at(earlier + 3_000), other)]);
      await eventually(async () => (r.published.length >= 4 ? true : undefined), 10_000);
      const counts = r.stored.map((c) => ({ ...c, workspaceId: c.workspaceId === r.workspaceId })).sort((x, y) => x.minute - y.minute || x.sourceId.localeCompare(y.sourceId));
      expect(counts).toEqual([
        { workspaceId: true, sourceId: r.sourceId, minute: earlier, count: 2 },
        { workspaceId: true, sourceId: other, minute: earlier, count: 1 },
        { workspaceId: true, sourceId: r.sourceId, minute: earlier + minute, count: 1 },
      ].sort((x, y) => x.minute - y.minute || x.sourceId.localeCompare(y.sourceId)));
    } finally {
      await r.close();
    }
  });
});
