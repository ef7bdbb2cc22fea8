import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../accounts/bootstrap.js';
import { loadConfig } from '../config/config.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { DeliveryQueue, InboxMessage } from '../queue/queue.js';
import { openDeliveryQueue, openStore } from '../runtime/backends.js';
import { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { buildProcessor } from './build-processor.js';
import { DestinationDirectory } from './fan-out/destination-directory.js';

/**
 * "A change made through the API applies to every event accepted after the call returns", also when the
 * change's broadcast has not reached the processor yet (a busy processor reads its next batch before its
 * event loop hands it the message; another process hears it later still, through the relay). Here the API's
 * feed and the processor's feed are on different channels, so the broadcast never arrives at all: only the
 * store's change counters, read before each batch, can tell the processor.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-catch-up-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ SLUICE_DATA_DIR: dataDir, SLUICE_LOG_LEVEL: 'error' });
  const store: Store = await openStore(config, { migrate: true });
  const queue: DeliveryQueue = await openDeliveryQueue(config, { pipeline: true });
  const boot = await bootstrap(store, 'test-owner-token-0123456789abcdef');
  const sourceId = (await store.sources.list(boot.workspaceId))[0]!.id;
  const apiFeed = new ChangeFeed({ channel: `api-${Math.random()}`, versions: store.configVersions });
  const processorFeed = new ChangeFeed({ channel: `processor-${Math.random()}`, versions: store.configVersions });
  cleanups.push(async () => {
    apiFeed.close();
    processorFeed.close();
    await queue.close();
    await store.close();
  });
  const processor = buildProcessor({ store, queue, changes: processorFeed });
  let seq = 0;
  const run = async (messageId: string) => {
    const at = new Date().toISOString();
    const message: InboxMessage = { seq: seq++, workspaceId: boot.workspaceId, sourceId, event: { type: 'track', event: 'Step', userId: 'u1', messageId, timestamp: at, receivedAt: at } as unknown as SegmentEvent };
    await processor.processBatch([message]);
  };
  const consumers = new Map<string, ReturnType<DeliveryQueue['deliveryConsumer']>>();
  /** Jobs published for the destination since the last call. */
  const jobsFor = async (destinationId: string) => {
    const consumer = consumers.get(destinationId) ?? queue.deliveryConsumer(destinationId);
    consumers.set(destinationId, consumer);
    const jobs = await consumer.fetch(100, { signal: new AbortController().signal, waitMs: 50 });
    await consumer.ack(jobs);
    return jobs.map((j) => j.messageId);
  };
  return { store, workspaceId: boot.workspaceId, sourceId, apiFeed, run, jobsFor };
}

describe('configuration caches catch up before each batch', () => {
  it('fans out to a destination created (and stops for one disabled) just before the events came, with no broadcast heard', async () => {
    const r = await rig();
    await r.run('before'); // fills the processor's destination cache: none yet
    const created = await r.store.destinations.create({
      workspaceId: r.workspaceId, name: 'Late', type: 'webhook', publicConfig: { url: 'http://127.0.0.1:9/hook' }, sealedSecrets: null,
      sourceIds: null, consentCategories: null, enabled: true,
    });
    await r.apiFeed.publish('destinations');
    await r.run('after-create');
    expect(await r.jobsFor(created.id)).toEqual(['after-create']);

    await r.store.destinations.update(r.workspaceId, created.id, { enabled: false });
    await r.apiFeed.publish('destinations');
    await r.run('after-disable');
    expect(await r.jobsFor(created.id)).toEqual([]);
  });

  it('reloads the destinations after their maximum age when a change was committed but never announced', async () => {
    const r = await rig();
    const directory = new DestinationDirectory(r.store.destinations, undefined, 200);
    expect(await directory.connected(r.workspaceId, r.sourceId)).toEqual([]);
    // The process that made this change died before announcing it.
    const created = await r.store.destinations.create({
      workspaceId: r.workspaceId, name: 'Unannounced', type: 'webhook', publicConfig: { url: 'http://127.0.0.1:9/hook' }, sealedSecrets: null,
      sourceIds: null, consentCategories: null, enabled: true,
    });
    expect(await directory.connected(r.workspaceId, r.sourceId)).toEqual([]); // cached
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await directory.connected(r.workspaceId, r.sourceId)).map((d) => d.id)).toEqual([created.id]);
  });
});
