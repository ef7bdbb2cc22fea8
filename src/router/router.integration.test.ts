import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../test/support/mock-server.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import { Keys } from '../core/crypto/keys.js';
import type { DeliveryRecord } from '../core/destination.js';
import type { DeliveryItem, DeliveryOutcome, DestinationType } from '../destinations/destination.js';
import { createDestinationHttp, type DestinationHttpClient } from '../destinations/http/destination-http.js';
import { destinationType } from '../destinations/registry.js';
import { SqliteQueue } from '../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { truncateIp } from '../core/privacy/truncate-ip.js';
import { Router } from './router.js';

const WORKSPACE = 'ws_router_test';
const logger = pino({ level: 'silent' });
const keys = new Keys('router-test-secret-key-0123456789abcdef');
const fastRetries = { baseDelayMs: 50, maxDelayMs: 200, windowMs: 60_000 };

/** A destination type of this test: records what deliver() receives; `mode: "http"` sends through the guarded client. */
function recorderType(): DestinationType<{ url?: string; mode?: string }> & { received: DeliveryItem[]; closed: number } {
  const state = { received: [] as DeliveryItem[], closed: 0 };
  return Object.assign(state, {
    type: 'recorder',
    displayName: 'Recorder',
    configSchema: Type.Object({ url: Type.Optional(Type.String()), mode: Type.Optional(Type.String()) }),
    secretFields: [],
    maxBatchSize: 10,
    async deliver(items: readonly DeliveryItem[], config: { url?: string; mode?: string }, context: Parameters<DestinationType<unknown>['deliver']>[2]) {
      state.received.push(...items);
      // No try/catch here on purpose: what the guarded client throws reaches the router's lane.
      if (config.mode === 'http') await context.http.send({ method: 'POST', url: config.url!, headers: {}, body: '{}' });
      return { kind: 'ok' as const };
    },
    async close() {
      state.closed += 1;
    },
  });
}

let dir: string;
let store: SqlStore;
let queue: SqliteQueue;
let http: DestinationHttpClient;
let router: Router | undefined;
let mock: MockServer | undefined;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-router-'));
  const file = path.join(dir, 'sluice.db');
  store = await openSqliteStore({ file });
  queue = new SqliteQueue(file);
  // No private address allowed: loopback destinations are refused by the guard.
  http = createDestinationHttp({ allowPrivate: [] });
});

afterEach(async () => {
  await router?.stop();
  router = undefined;
  await mock?.close();
  mock = undefined;
  await http.close();
  await queue.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function destination(type: string, publicConfig: Record<string, unknown>, sealedSecrets: string | null = null) {
  return store.destinations.create({ workspaceId: WORKSPACE, name: `${type}-${Math.random()}`, type, publicConfig, sealedSecrets, sourceIds: null, consentCategories: null, enabled: true });
}

async function publish(destinationId: string, messageId: string, sourceId = 'src_web', userId = 'user-12345') {
  const event = { type: 'track', event: 'Order Completed', userId, messageId, properties: { total: 1 }, context: {}, integrations: {}, timestamp: '2026-11-30T12:00:00.000Z', originalTimestamp: '2026-11-30T12:00:00.000Z', receivedAt: '2026-11-30T12:00:00.000Z', version: 2 };
  await store.deliveries.record([{ workspaceId: WORKSPACE, destinationId, messageId, sourceId, status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
  await queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId, sourceId, messageId, partitionKey: userId, json: JSON.stringify(event), receivedAt: Date.now() }]);
}

function startRouter(types: (name: string) => DestinationType<unknown> | undefined = destinationType, policy = fastRetries, laneMaxPending?: number): Router {
  router = new Router({ store, queue, keys, http, logger, policy, types, ...(laneMaxPending !== undefined && { laneMaxPending }) });
  void router.reload();
  return router;
}

async function delivery(destinationId: string, messageId: string) {
  const [row] = await store.deliveries.list({ workspaceId: WORKSPACE, destinationId, messageId, limit: 1 });
  return row;
}

describe('router', () => {
  it("passes each job's sourceId to deliver()", async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'src-1', 'src_web');
    await publish(d.id, 'src-2', 'src_server');
    await eventually(async () => (recorder.received.length === 2 ? true : undefined));
    expect(recorder.received.map((i) => [i.messageId, i.sourceId])).toEqual([['src-1', 'src_web'], ['src-2', 'src_server']]);
    await eventually(async () => ((await delivery(d.id, 'src-2'))?.status === 'delivered' ? true : undefined));
  });

  it('logs a delivery the destination took only in part as delivered, with the reason and the note saying what was left out', async () => {
    const partial = Object.assign(recorderType(), {
      async deliver(): Promise<DeliveryOutcome> {
        return { kind: 'ok', reason: 'properties_left_out', note: 'sent without "shoe_size": create it and replay' };
      },
    });
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (partial as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'partial-1');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'partial-1');
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'delivered', reason: 'properties_left_out', lastError: 'sent without "shoe_size": create it and replay' });
  });

  it('reads the event of a job queued by reference just before sending it: as stored then, and not at all once it is gone', async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const at = '2026-11-30T12:00:00.000Z';
    const event = (messageId: string, userId: string) =>
      ({ type: 'track', event: 'Order Completed', userId, messageId, properties: { total: 1 }, context: { ip: '203.0.113.77' }, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, version: 2 }) as const;
    const [kept, erased] = await store.events.insertMany([
      { workspaceId: WORKSPACE, sourceId: 'src_web', event: event('ref-kept', 'user-a') },
      { workspaceId: WORKSPACE, sourceId: 'src_web', event: event('ref-erased', 'user-b') },
    ]);
    // As the processor queues them: the stored event named, its JSON handed over too (the embedded queue keeps only the reference).
    for (const stored of [kept!, erased!]) {
      await store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: d.id, messageId: stored.event.messageId, sourceId: 'src_web', status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
      await queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: d.id, sourceId: 'src_web', messageId: stored.event.messageId, partitionKey: stored.event.userId!, json: JSON.stringify(stored.event), storedSeq: stored.seq, receivedAt: Date.now() }]);
    }
    // While they wait: retention truncates the stored IPs, and the second person's events are erased.
    await store.retention.truncateIpsBefore(WORKSPACE, Date.now(), 100, truncateIp);
    await store.subjectData.deleteEventBatch(WORKSPACE, { userIds: ['user-b'], anonymousIds: [] }, 100);

    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(d.id, 'ref-kept'))?.status === 'delivered' ? true : undefined));
    expect(recorder.received.map((i) => i.messageId)).toEqual(['ref-kept']);
    expect(JSON.parse(recorder.received[0]!.json!)).toMatchObject({ messageId: 'ref-kept', context: { ip: '203.0.113.0' } });
    await eventually(async () => ((await queue.waiting(d.id)) === 0 ? true : undefined));
    // The erased event's job is finished without a row coming back (its rows went with the person's events).
    expect(await delivery(d.id, 'ref-erased')).toBeUndefined();
    expect(recorder.received).toHaveLength(1);
  });

  it('sends nothing of a batch whose referenced events cannot be read, and retries it like a failed delivery', async () => {
    const storedPayloads = store.events.storedPayloads.bind(store.events);
    let failuresLeft = 1;
    store.events.storedPayloads = async (refs) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('database is locked');
      }
      return storedPayloads(refs);
    };
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const at = '2026-11-30T12:00:00.000Z';
    const event = { type: 'track', event: 'Order Completed', userId: 'user-r', messageId: 'ref-unreadable', properties: {}, context: {}, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, version: 2 } as const;
    const [stored] = await store.events.insertMany([{ workspaceId: WORKSPACE, sourceId: 'src_web', event }]);
    await queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: d.id, sourceId: 'src_web', messageId: event.messageId, partitionKey: 'user-r', json: JSON.stringify(event), storedSeq: stored!.seq, receivedAt: Date.now() }]);
    const record = store.deliveries.record.bind(store.deliveries);
    const written: { status: string; attempts: number; lastError: string | null }[] = [];
    store.deliveries.record = async (records) => {
      written.push(...records.map(({ status, attempts, lastError }) => ({ status, attempts, lastError })));
      return record(records);
    };
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(d.id, 'ref-unreadable'))?.status === 'delivered' ? true : undefined));
    // The first attempt could not read the event: nothing sent, the delivery retrying with the reason; the second sent it.
    expect(written).toEqual([
      { status: 'retrying', attempts: 1, lastError: 'reading the events or the privacy check before delivery failed: database is locked' },
      { status: 'delivered', attempts: 2, lastError: null },
    ]);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['ref-unreadable']);
  });

  it('fails a delivery refused by the address guard at once, without retrying (thrown by the type)', async () => {
    mock = await startMockServer(() => ({ status: 200 }));
    const recorder = recorderType();
    const d = await destination('recorder', { mode: 'http', url: `${mock.url}/hook` });
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'refused-1');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'refused-1');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'failed', attempts: 1, reason: 'destination_address_refused' });
    expect(row.lastError).toMatch(/127\.0\.0\.1/);
    await new Promise((r) => setTimeout(r, 400)); // several retry delays of this policy
    expect(recorder.received).toHaveLength(1);
    expect(mock.received).toHaveLength(0);
  });

  it('fails a catalog delivery refused by the address guard at once, without retrying (HTTP mapping)', async () => {
    mock = await startMockServer(() => ({ status: 200, body: { code: 200 } }));
    const d = await destination('amplitude', { baseUrl: mock.url }, keys.encrypt(JSON.stringify({ apiKey: 'KEY123' })));
    startRouter();
    await publish(d.id, 'refused-amp');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'refused-amp');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'failed', attempts: 1, reason: 'destination_address_refused' });
    await new Promise((r) => setTimeout(r, 400));
    expect((await delivery(d.id, 'refused-amp'))?.attempts).toBe(1);
    expect(mock.received).toHaveLength(0);
  });

  it('closes each destination type once when it stops', async () => {
    const recorder = recorderType();
    const a = await destination('recorder', {});
    const b = await destination('recorder', {});
    const r = startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await r.reload();
    expect(r.lane(a.id)).toBeDefined();
    expect(r.lane(b.id)).toBeDefined();
    expect(recorder.closed).toBe(0);
    await r.stop();
    router = undefined;
    expect(recorder.closed).toBe(1);
  });

  it("writes the outcomes of a fast destination's backlog together, and a slow destination's after each batch", async () => {
    const writes: number[] = [];
    const record = store.deliveries.record.bind(store.deliveries);
    store.deliveries.record = async (records) => {
      writes.push(records.length);
      return record(records);
    };
    const fast = recorderType();
    const slow = Object.assign(recorderType(), { type: 'slow-recorder' });
    const deliverSlowly = slow.deliver.bind(slow);
    slow.deliver = async (...args: Parameters<typeof slow.deliver>) => {
      await new Promise((r) => setTimeout(r, 120));
      return deliverSlowly(...args);
    };
    const f = await destination('recorder', {});
    for (let i = 0; i < 35; i++) await publish(f.id, `fast-${i}`);
    writes.length = 0; // the 'queued' rows written by publish()
    startRouter((name) => (name === 'recorder' ? (fast as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(f.id, 'fast-34'))?.status === 'delivered' ? true : undefined));
    // Four batches of at most 10 (the type's maxBatchSize), their 35 outcomes in fewer writes (one, unless the
    // machine is so loaded that the four batches took more than 100 ms).
    expect(fast.received.map((i) => i.messageId)).toEqual(Array.from({ length: 35 }, (_, i) => `fast-${i}`));
    expect(writes.reduce((a, b) => a + b, 0)).toBe(35);
    expect(writes.length).toBeLessThan(4);
    await router!.stop();
    router = undefined;

    const s = await destination('slow-recorder', {});
    for (let i = 0; i < 25; i++) await publish(s.id, `slow-${i}`);
    writes.length = 0;
    startRouter((name) => (name === 'slow-recorder' ? (slow as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(s.id, 'slow-24'))?.status === 'delivered' ? true : undefined));
    expect(writes).toEqual([10, 10, 5]);
  });

  it("lets other users flow while one user's backlog waits behind its retrying event, more than the lane holds in memory, and then sends that backlog in order", async () => {
    let heavyFails = true;
    const sent: string[] = []; // messageIds the destination took, in order
    const attemptsOfFirst: number[] = [];
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        // As the webhook does: after a user's event failed, that user's later events of the batch are held, not sent.
        let heavyBlocked = false;
        return {
          kind: 'per_item' as const,
          results: items.map((item) => {
            if (item.messageId === 'heavy-0') attemptsOfFirst.push(Date.now());
            if (item.messageId === 'heavy-0' && heavyFails) {
              heavyBlocked = true;
              return { kind: 'retry' as const, reason: 'http_503', error: 'HTTP 503' };
            }
            if (heavyBlocked && item.messageId.startsWith('heavy-')) return { kind: 'retry' as const, reason: 'held_for_user', error: 'waiting for heavy-0' };
            sent.push(item.messageId);
            return { kind: 'ok' as const };
          }),
        };
      },
    });
    const d = await destination('recorder', {});
    // 300 events of one user behind its first, which fails; the lane holds 100 jobs. Then two other users' events.
    for (let i = 0; i < 300; i++) await publish(d.id, `heavy-${i}`, 'src_web', 'heavy');
    await publish(d.id, 'light-a', 'src_web', 'user-a');
    await publish(d.id, 'light-b', 'src_web', 'user-b');
    const r = startRouter((name) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined), { ...fastRetries, maxDelayMs: 100 }, 100);
    await eventually(async () => (sent.includes('light-a') && sent.includes('light-b') ? true : undefined));
    // Delivered while the heavy user's first event still fails: its backlog was set aside instead of filling the lane.
    expect(heavyFails).toBe(true);
    expect(sent.filter((m) => m.startsWith('heavy-'))).toEqual([]);
    expect(r.lane(d.id)!.state.setAside).toBe(1);
    expect(r.lane(d.id)!.state.pending).toBeLessThan(100);
    expect((await delivery(d.id, 'heavy-0'))?.status).toBe('retrying');

    heavyFails = false;
    await eventually(async () => (sent.filter((m) => m.startsWith('heavy-')).length === 300 ? true : undefined));
    // Each once, in the order they were sent, and the lane is back to normal.
    expect(sent.filter((m) => m.startsWith('heavy-'))).toEqual(Array.from({ length: 300 }, (_, i) => `heavy-${i}`));
    expect(attemptsOfFirst.length).toBeGreaterThan(1);
    await eventually(async () => ((await delivery(d.id, 'heavy-299'))?.status === 'delivered' ? true : undefined));
    expect(r.lane(d.id)!.state).toMatchObject({ setAside: 0, pending: 0, retrying: 0 });
    expect(await queue.deliveryConsumer(d.id).backlog()).toBe(0);
  });

  it("carries a retrying job's state over a restart: it waits for its next attempt and keeps its attempts and retry window", async () => {
    const attemptsAt: number[] = [];
    let answer: 'slow-down' | 'busy' | 'ok' = 'slow-down';
    const flaky = Object.assign(recorderType(), {
      async deliver(): Promise<{ kind: 'ok' } | { kind: 'retry'; error: string; afterMs?: number }> {
        attemptsAt.push(Date.now());
        if (answer === 'slow-down') return { kind: 'retry', error: 'HTTP 429', afterMs: 1500 };
        if (answer === 'busy') return { kind: 'retry', error: 'HTTP 503' };
        return { kind: 'ok' };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const policy = { ...fastRetries, maxDelayMs: 5000 }; // lets the 1.5 s Retry-After through
    const d = await destination('recorder', {});
    await publish(d.id, 'restarted-1');
    startRouter(types, policy);
    const first = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'retrying' ? r : undefined;
    });
    expect(first.attempts).toBe(1);
    // Timed from when the attempt started (just before the destination was called).
    expect(first.firstAttemptAt).toBeLessThanOrEqual(attemptsAt[0]!);
    expect(attemptsAt[0]! - first.firstAttemptAt!).toBeLessThan(100);
    expect(first.nextAttemptAt! - attemptsAt[0]!).toBeGreaterThanOrEqual(1500);

    // Restart: a new router (new lanes, new queue consumers) over the same store and queue.
    await router!.stop();
    answer = 'busy';
    // A slower backoff from here: the second attempt's `retrying` row stays at least 1 s (equal jitter of 2 s) before
    // the third attempt, so the check below sees it even on a loaded machine (at 50 ms it could be overtaken).
    startRouter(types, { ...policy, baseDelayMs: 1000 });
    await eventually(async () => (attemptsAt.length >= 2 ? true : undefined));
    // Not at once (an earlier version retried every retrying job the moment it started): at its next attempt.
    expect(attemptsAt[1]).toBeGreaterThanOrEqual(first.nextAttemptAt!);
    const second = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'retrying' && r.attempts === 2 ? r : undefined;
    });
    expect(second.firstAttemptAt).toBe(first.firstAttemptAt); // the retry window still starts at the first attempt
    answer = 'ok';
    const done = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(done.attempts).toBe(3);
  });

  it("reads back the retry state of a restarted job's own event, not of another source's event with the same messageId", async () => {
    const receivedAt: { sourceId: string | undefined; at: number }[] = [];
    const recorder = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<{ kind: 'ok' }> {
        for (const item of items) receivedAt.push({ sourceId: item.sourceId, at: Date.now() });
        return { kind: 'ok' };
      },
    });
    const d = await destination('recorder', {});
    // Queued before the router starts (handed out as `redelivered`): web's delivery was retrying, app's never tried.
    await publish(d.id, 'shared-1', 'src_web', 'user-web');
    await publish(d.id, 'shared-1', 'src_app', 'user-app');
    const now = Date.now();
    await store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: d.id, messageId: 'shared-1', sourceId: 'src_web', status: 'retrying', attempts: 3, reason: null, lastError: 'HTTP 503', updatedAt: now, nextAttemptAt: now + 1500, firstAttemptAt: now - 1000 }]);
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    const of = async (sourceId: string) => (await store.deliveries.list({ workspaceId: WORKSPACE, destinationId: d.id, messageId: 'shared-1', sourceId, limit: 1 }))[0];
    const app = await eventually(async () => ((await of('src_app'))?.status === 'delivered' ? of('src_app') : undefined));
    const web = await eventually(async () => ((await of('src_web'))?.status === 'delivered' ? of('src_web') : undefined));
    expect(app?.attempts).toBe(1);
    expect(web?.attempts).toBe(4);
    expect(receivedAt.find((r) => r.sourceId === 'src_app')!.at).toBeLessThan(now + 1500);
    expect(receivedAt.find((r) => r.sourceId === 'src_web')!.at).toBeGreaterThanOrEqual(now + 1500);
  });

  it('pauses the whole destination when it refuses a batch with Retry-After, and only the user when one item is throttled', async () => {
    const calls: { at: number; ids: string[] }[] = [];
    let answer: 'slow-down' | 'throttle-one' | 'ok' = 'slow-down';
    const limited = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        calls.push({ at: Date.now(), ids: items.map((i) => i.messageId) });
        if (answer === 'slow-down') {
          answer = 'ok';
          return { kind: 'retry', error: 'HTTP 429', afterMs: 1000 };
        }
        if (answer === 'throttle-one') {
          answer = 'ok';
          // A per-item answer (Amplitude's throttled users): only that user's item is to wait.
          return { kind: 'per_item', results: items.map((i) => (i.messageId === 'throttled-1' ? { kind: 'retry', error: 'throttled user', afterMs: 5000 } : { kind: 'ok' })) };
        }
        return { kind: 'ok' };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (limited as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    await publish(d.id, 'limited-1', 'src_web', 'user-a');
    // What the delivery log says at the moment the pause is written: the backlog API reads both.
    const statusWhenPaused: (string | undefined)[] = [];
    const recordPause = store.deliveries.pause.bind(store.deliveries);
    store.deliveries.pause = async (...args: Parameters<typeof recordPause>) => {
      statusWhenPaused.push((await delivery(d.id, 'limited-1'))?.status);
      return recordPause(...args);
    };
    startRouter(types, { ...fastRetries, maxDelayMs: 5000 });
    await eventually(async () => (calls.length >= 1 ? true : undefined));
    // The pause is recorded (the backlog API shows it; a lane started meanwhile keeps it).
    const pause = await eventually(() => store.deliveries.pauseOf(WORKSPACE, d.id));
    expect(pause.reason).toBe('HTTP 429');
    expect(pause.until - calls[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pause.until - calls[0]!.at).toBeLessThan(1500);
    // Never a pause without the delivery it holds back: the outcome is written first.
    expect(statusWhenPaused).toEqual(['retrying']);
    // Another user's event, queued while the destination asked to wait: not sent before the second is up.
    await publish(d.id, 'other-user-1', 'src_web', 'user-b');
    await eventually(async () => ((await delivery(d.id, 'other-user-1'))?.status === 'delivered' ? true : undefined));
    const sentOther = calls.find((c) => c.ids.includes('other-user-1'))!;
    expect(sentOther.at - calls[0]!.at).toBeGreaterThanOrEqual(990);
    await eventually(async () => ((await delivery(d.id, 'limited-1'))?.status === 'delivered' ? true : undefined));

    // One throttled item of a per-item answer holds back its user only.
    answer = 'throttle-one';
    await publish(d.id, 'throttled-1', 'src_web', 'user-c');
    await eventually(async () => ((await delivery(d.id, 'throttled-1'))?.status === 'retrying' ? true : undefined));
    const throttledAt = Date.now();
    await publish(d.id, 'unthrottled-1', 'src_web', 'user-d');
    await eventually(async () => ((await delivery(d.id, 'unthrottled-1'))?.status === 'delivered' ? true : undefined));
    expect(calls.find((c) => c.ids.includes('unthrottled-1'))!.at - throttledAt).toBeLessThan(2000);
  });

  it("logs a job held behind its user's earlier retrying job without a next-attempt time of its own, and sends it once that one is delivered", async () => {
    const calls: string[][] = [];
    let failFirst = 2;
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        calls.push(items.map((i) => i.messageId));
        if (items[0]?.messageId !== 'held-1' || failFirst === 0) return { kind: 'ok' };
        failFirst -= 1;
        // The first event of the user is refused; the second, in the same request, is held back unsent behind it.
        return { kind: 'per_item', results: items.map((i) => (i.messageId === 'held-1' ? { kind: 'retry', reason: 'http_503', error: 'HTTP 503' } : { kind: 'retry', reason: 'held_for_user', error: 'not sent: an earlier event of the user failed' })) };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    await publish(d.id, 'held-1', 'src_web', 'user-h');
    await publish(d.id, 'held-2', 'src_web', 'user-h');
    startRouter(types, { ...fastRetries, baseDelayMs: 400, maxDelayMs: 1000 });
    await eventually(async () => ((await delivery(d.id, 'held-2'))?.status === 'retrying' ? true : undefined));
    const [first, second] = [await delivery(d.id, 'held-1'), await delivery(d.id, 'held-2')];
    expect(first).toMatchObject({ status: 'retrying', reason: 'http_503' });
    expect(first!.nextAttemptAt).toBeGreaterThan(first!.updatedAt);
    expect(second).toMatchObject({ status: 'retrying', reason: 'held_for_user' });
    expect(second).not.toHaveProperty('nextAttemptAt');
    // Once the first is delivered, the second goes: after it, never before.
    await eventually(async () => ((await delivery(d.id, 'held-2'))?.status === 'delivered' ? true : undefined), 10_000);
    expect(await delivery(d.id, 'held-1')).toMatchObject({ status: 'delivered' });
    const lastWithFirst = calls.map((ids) => ids.includes('held-1')).lastIndexOf(true);
    const resentSecond = calls.map((ids, i) => (ids.includes('held-2') ? i : -1)).filter((i) => i > 0);
    expect(resentSecond).toHaveLength(1);
    expect(resentSecond[0]).toBeGreaterThan(lastWithFirst);
  });

  it("backs off each event by its own failed attempts, not by the times it was held back behind its user's earlier failures", async () => {
    // Every event of the user is refused once, the first time it is really sent; the user's later events in the
    // same call are held back unsent. Each event failed once, so each waits the first backoff step (at most base).
    const refusedOnce = new Set<string>();
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        const first = items[0]!.messageId;
        if (refusedOnce.has(first)) return { kind: 'ok' };
        refusedOnce.add(first);
        return { kind: 'per_item', results: items.map((i) => (i.messageId === first ? { kind: 'retry', reason: 'http_503', error: 'HTTP 503' } : { kind: 'retry', reason: 'held_for_user', error: 'not sent: an earlier event of the user failed' })) };
      },
    });
    const written: DeliveryRecord[] = [];
    const record = store.deliveries.record.bind(store.deliveries);
    store.deliveries.record = async (records) => {
      written.push(...records);
      return record(records);
    };
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    const ids = ['bo-1', 'bo-2', 'bo-3', 'bo-4', 'bo-5'];
    for (const id of ids) await publish(d.id, id, 'src_web', 'user-bo');
    const policy = { ...fastRetries, baseDelayMs: 50, maxDelayMs: 10_000 };
    startRouter(types, policy);
    await eventually(async () => ((await delivery(d.id, 'bo-5'))?.status === 'delivered' ? true : undefined), 30_000);
    const failures = written.filter((r) => r.status === 'retrying' && r.reason === 'http_503');
    expect(failures.map((r) => r.messageId)).toEqual(ids);
    for (const failure of failures) expect(failure.nextAttemptAt! - failure.updatedAt, failure.messageId).toBeLessThanOrEqual(policy.baseDelayMs);
    // The log still counts the requests each event was part of, held back ones included (docs/destinations.md).
    expect((await delivery(d.id, 'bo-5'))!.attempts).toBe(6);
  });

  it('keeps a pause the destination asked for before the router started (a restart)', async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const until = Date.now() + 1500;
    await store.deliveries.pause(WORKSPACE, d.id, until, 'HTTP 429');
    await publish(d.id, 'after-restart-1');
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined), fastRetries);
    await eventually(async () => ((await delivery(d.id, 'after-restart-1'))?.status === 'delivered' ? true : undefined));
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['after-restart-1']);
  });

  it('reports each failed write of outcomes to the delivery log, tries again, and delivers nothing twice', async () => {
    const record = store.deliveries.record.bind(store.deliveries);
    let failuresLeft = 2;
    store.deliveries.record = async (records) => {
      if (records.some((r) => r.status === 'delivered') && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('disk full');
      }
      return record(records);
    };
    const failures: string[] = [];
    const recorder = recorderType();
    const d = await destination('recorder', {});
    await publish(d.id, 'logged-1');
    router = new Router({
      store, queue, keys, http, logger, policy: fastRetries,
      types: (name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined),
      observer: { onRecordFailure: (destination, error) => failures.push(`${destination.id}: ${(error as Error).message}`) },
    });
    await router.reload();
    await eventually(async () => ((await delivery(d.id, 'logged-1'))?.status === 'delivered' ? true : undefined));
    expect(failures).toEqual([`${d.id}: disk full`, `${d.id}: disk full`]);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['logged-1']);
  });

  it("stops a deleted destination's lane, discards its jobs and drops the deliveries it left retrying", async () => {
    const recorder = recorderType();
    const throttled = Object.assign(recorder, { deliver: async (items: readonly DeliveryItem[]) => (recorder.received.push(...items), { kind: 'retry' as const, error: 'HTTP 503', afterMs: 60_000 }) });
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (throttled as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'left-retrying');
    await eventually(async () => ((await delivery(d.id, 'left-retrying'))?.status === 'retrying' ? true : undefined));
    // Deleted as the API deletes it, after the lane wrote its state (the API's own drop came too early for it).
    await store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    await router!.reload();
    expect(router!.lane(d.id)).toBeUndefined();
    expect(await delivery(d.id, 'left-retrying')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
    expect(await queue.waiting(d.id)).toBe(0);
  });

  it('discards what a processor batch in flight queued for a deleted destination after its lane stopped, and the jobs of one deleted while disabled', async () => {
    const recorder = recorderType();
    const live = await destination('recorder', {});
    const disabled = await destination('recorder', {});
    await store.destinations.update(WORKSPACE, disabled.id, { enabled: false });
    await publish(disabled.id, 'waited-while-disabled');
    router = new Router({ store, queue, keys, http, logger, policy: fastRetries, deletedSweepsMs: [100, 300], types: (name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined) });
    await router.reload();
    expect(router.lane(live.id)).toBeDefined();
    expect(router.lane(disabled.id)).toBeUndefined();

    for (const d of [live, disabled]) await store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    await router.reload();
    expect(router.lane(live.id)).toBeUndefined();
    // The disabled one had no lane: its jobs are discarded all the same.
    expect(await queue.waiting(disabled.id)).toBe(0);
    expect(await delivery(disabled.id, 'waited-while-disabled')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });

    // A processor batch that read the destinations before the deletion queues a job (and its `queued` row) now.
    await publish(live.id, 'queued-after-deletion');
    expect(await queue.waiting(live.id)).toBe(1);
    await eventually(async () => ((await queue.waiting(live.id)) === 0 ? true : undefined), 5_000, 20);
    expect(await delivery(live.id, 'queued-after-deletion')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
    expect(recorder.received).toEqual([]);
  });

  it('discards, when it starts, the jobs of a destination deleted while no router ran', async () => {
    await store.workspaces.create({ id: WORKSPACE, name: 'Router test' });
    const d = await destination('recorder', {});
    await publish(d.id, 'queued-before-deletion');
    await store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    expect(await queue.waiting(d.id)).toBe(1);
    startRouter();
    await eventually(async () => ((await queue.waiting(d.id)) === 0 ? true : undefined), 5_000, 20);
    expect(await delivery(d.id, 'queued-before-deletion')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
  });
});
