import { afterEach, describe, expect, it } from 'vitest';
import type { StoredRequest } from '../../src/core/tracking/stored-request.js';
import type { InboxMessage, InboxRecord, Queue } from '../../src/queue/queue.js';
import { eventually } from '../support/start-test-sluice.js';

/** One queue installation under test: instances sharing it stand for processes sharing it. */
export interface QueueFixture {
  /** Opens another Queue on the same installation (same file, or same NATS prefix). */
  openInstance(): Promise<Queue>;
  /** Removes the installation (file, streams). Instances must be closed first. */
  destroy(): Promise<void>;
  /** Makes an instance die as under kill -9: no shutdown code runs (queues shared by processes only). */
  kill?(queue: Queue): Promise<void>;
}

export interface QueueContractOptions {
  name: string;
  /** A fresh, empty installation per test. */
  open(): Promise<QueueFixture>;
  /** How long an unacknowledged message a dead consumer held takes to come back, at most. */
  redeliveryMs: number;
  /** Several consumers may share the inbox concurrently (every JetStream process; not the embedded file). */
  sharedConsumers: boolean;
}

/** Record `n` of a user (one user unless said: order is promised per user, see docs/decisions/0503). */
function record(n: number, signals?: InboxRecord['signals'], userId = 'u1'): InboxRecord {
  return { workspaceId: 'ws_q', sourceId: 'src_q', json: JSON.stringify({ messageId: `m${n}`, userId, n }), ...(signals ? { signals } : {}) };
}

const REQUEST_ID = '6f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f4a5b';
const OTHER_REQUEST_ID = '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d';

/** A Tracking API request as the ingest publishes it. */
function requestRecord(request: StoredRequest): InboxRecord {
  return { kind: 'request', workspaceId: 'ws_q', sourceId: 'src_q', request };
}

const n = (m: InboxMessage) => (m.event as unknown as { n: number }).n;
const userOf = (m: InboxMessage) => String(m.event.userId);

/**
 * The Queue's behaviour, written once and run against every implementation (embedded SQLite, JetStream).
 */
export function runQueueContract(options: QueueContractOptions): void {
  describe(`Queue contract (${options.name})`, () => {
    let fixture: QueueFixture | undefined;
    const instances: Queue[] = [];
    const controllers: AbortController[] = [];

    async function instance(): Promise<Queue> {
      fixture ??= await options.open();
      const queue = await fixture.openInstance();
      instances.push(queue);
      return queue;
    }

    /** Consumes in the background until the test ends; returns what the handler saw. */
    function consume(queue: Queue, onBatch: (batch: InboxMessage[]) => Promise<void> = async () => undefined, batchSize = 100) {
      const controller = new AbortController();
      controllers.push(controller);
      const seen: InboxMessage[] = [];
      const errors: unknown[] = [];
      const done = queue.consumeInbox(
        async (batch) => {
          await onBatch(batch);
          seen.push(...batch);
        },
        { batchSize, signal: controller.signal, retryDelayMs: 50, onError: (e) => errors.push(e) },
      );
      return { seen, errors, done, stop: () => controller.abort() };
    }

    /** A consumer that takes a batch and never finishes it (a process about to die); resolves once it holds one. */
    function takeAndHang(queue: Queue): Promise<void> {
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      void queue.consumeInbox(
        async () => {
          held();
          await new Promise(() => undefined);
        },
        { batchSize: 10, signal: new AbortController().signal },
      );
      return holding;
    }

    afterEach(async () => {
      for (const c of controllers.splice(0)) c.abort();
      await Promise.all(instances.splice(0).map((q) => q.close().catch(() => undefined)));
      await fixture?.destroy();
      fixture = undefined;
    });

    it('delivers published records in order, with their fields and request signals, under increasing seq', async () => {
      const queue = await instance();
      await queue.publishInbox([record(1, { gpc: true, country: 'DE', userAgent: 'UA/1' }), record(2)]);
      await queue.publishInbox([record(3)]);
      const c = consume(queue);
      await eventually(async () => (c.seen.length >= 3 ? true : undefined));
      expect(c.seen.map(n)).toEqual([1, 2, 3]);
      expect(c.seen[0]).toMatchObject({ workspaceId: 'ws_q', sourceId: 'src_q', signals: { gpc: true, country: 'DE', userAgent: 'UA/1' } });
      expect(c.seen[1]!.signals).toBeUndefined();
      const seqs = c.seen.map((m) => m.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(3);
    });

    it('stores a Tracking API request as received and hands out its normalized events, the refused ones left out', async () => {
      const queue = await instance();
      const receivedAt = Date.parse('2026-11-30T12:00:00.000Z');
      const batch = {
        batch: [
          { type: 'track', userId: 'u1', event: 'A', properties: { n: 1 } },
          { type: 'track', event: 'refused at ingest: no userId' },
          { type: 'identify', userId: 'u1', messageId: 'given-id', traits: { n: 2 } },
        ],
        context: { library: { name: 'analytics-node' } },
      };
      await queue.publishInbox([
        requestRecord({ endpoint: 'batch', body: Buffer.from(JSON.stringify(batch)), receivedAt, ip: '203.0.113.9', requestId: REQUEST_ID, skip: [1], events: 2 }),
      ]);
      await queue.publishInbox([record(3)]);
      await queue.publishInbox([requestRecord({ endpoint: 'page', body: JSON.stringify({ userId: 'u1', name: 'Home', properties: { n: 4 }, writeKey: 'wk' }), receivedAt, requestId: OTHER_REQUEST_ID, events: 1 })]);
      expect(await queue.inboxBacklog()).toBe(4);
      const c = consume(queue);
      await eventually(async () => (c.seen.length >= 4 ? true : undefined));
      expect(c.seen.map((m) => [m.event.type, m.event.messageId])).toEqual([
        ['track', `api-${REQUEST_ID}`],
        ['identify', 'given-id'],
        [undefined, 'm3'], // an event record is handed out as published
        ['page', `api-${OTHER_REQUEST_ID}`],
      ]);
      const [track, identify] = c.seen;
      expect(track!.event).toMatchObject({ userId: 'u1', event: 'A', properties: { n: 1 }, receivedAt: '2026-11-30T12:00:00.000Z', context: { ip: '203.0.113.9', library: { name: 'analytics-node' } }, version: 2 });
      expect(identify!.event.traits).toEqual({ n: 2 });
      expect(c.seen[3]!.event).not.toHaveProperty('writeKey');
      expect(c.seen[3]!.event.context).not.toHaveProperty('ip');
      await eventually(async () => ((await queue.inboxBacklog()) === 0 ? true : undefined));
    });

    it('marks the inbox: passed once every message published before the mark is processed, not before', async () => {
      const queue = await instance();
      await queue.publishInbox([record(1)]);
      await queue.publishInbox([record(2)]);
      const mark = await queue.inboxMark();
      await queue.publishInbox([record(3)]); // after the mark: not waited for
      expect(await queue.inboxPassed(mark)).toBe(false);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const c = consume(queue, async (batch) => {
        handled.push(...batch.map((m) => m.event.messageId));
        if (batch.some((m) => m.event.messageId === 'm2')) await held; // the batch holding m2 is in flight
      }, 1);
      await eventually(async () => (handled.includes('m2') ? true : undefined));
      expect(await queue.inboxPassed(mark)).toBe(false); // m2 is being processed, not yet acknowledged
      release();
      await eventually(async () => ((await queue.inboxPassed(mark)) ? true : undefined));
      await eventually(async () => (c.seen.length >= 3 ? true : undefined));
      expect(await queue.inboxPassed(await queue.inboxMark())).toBe(true);
    });

    it('gives a request offered again the same generated messageIds, and fresh events', async () => {
      const queue = await instance();
      const body = JSON.stringify({ batch: [{ type: 'track', userId: 'u1', event: 'A' }, { type: 'track', userId: 'u1', event: 'B' }] });
      await queue.publishInbox([requestRecord({ endpoint: 'batch', body, receivedAt: Date.now(), requestId: REQUEST_ID, events: 2 })]);
      const offers: string[][] = [];
      let calls = 0;
      const c = consume(queue, async (batch) => {
        offers.push(batch.map((m) => `${m.event.messageId} ${m.event.event}`));
        calls += 1;
        if (calls === 1) {
          for (const m of batch) m.event.event = 'changed by a stage';
          throw new Error('store is down');
        }
      });
      await eventually(async () => (c.seen.length >= 2 ? true : undefined));
      const ids = [`api-${REQUEST_ID}`, `api-${REQUEST_ID.slice(0, 24)}${(Number.parseInt(REQUEST_ID.slice(24), 16) + 1).toString(16).padStart(12, '0')}`];
      expect(offers).toEqual([
        [`${ids[0]} A`, `${ids[1]} B`],
        [`${ids[0]} A`, `${ids[1]} B`],
      ]);
    });

    it('resolves publishes made in the same turn together, and an empty publish at once', async () => {
      const queue = await instance();
      await Promise.all(Array.from({ length: 50 }, (_, i) => queue.publishInbox([record(i)])));
      await queue.publishInbox([]);
      const c = consume(queue);
      await eventually(async () => (c.seen.length >= 50 ? true : undefined));
      expect(c.seen.map(n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('counts the backlog of published, unacknowledged records and drains it to zero', async () => {
      const queue = await instance();
      expect(await queue.inboxBacklog()).toBe(0);
      await Promise.all([queue.publishInbox([record(1), record(2)]), queue.publishInbox([record(3)])]);
      expect(await queue.inboxBacklog()).toBe(3);
      const c = consume(queue);
      await eventually(async () => (c.seen.length >= 3 ? true : undefined));
      await eventually(async () => ((await queue.inboxBacklog()) === 0 ? true : undefined));
    });

    it('offers a batch again after the handler throws, and reports the error', async () => {
      const queue = await instance();
      await queue.publishInbox([record(1), record(2)]);
      let calls = 0;
      const c = consume(queue, async () => {
        calls += 1;
        if (calls === 1) throw new Error('store is down');
      });
      await eventually(async () => (c.seen.length >= 2 ? true : undefined));
      expect(c.seen.map(n)).toEqual([1, 2]);
      expect(c.errors.map(String)).toEqual(['Error: store is down']);
      // The second offer says so: the processor then fans out again what the failed attempt may have stored.
      expect(c.seen.every((m) => m.redelivered === true)).toBe(true);
    });

    it('acknowledges a batch once the outcome its handler returned is durable, and offers it again when that fails', async () => {
      const queue = await instance();
      const controller = new AbortController();
      controllers.push(controller);
      const seen: InboxMessage[] = [];
      const errors: unknown[] = [];
      let failFlush!: (error: Error) => void;
      void queue.consumeInbox(
        async (batch) => {
          seen.push(...batch);
          // The first batch's writes are still being flushed when the handler returns; that flush fails.
          if (seen.length === batch.length) return { durable: new Promise<void>((_, reject) => (failFlush = reject)) };
          return { durable: Promise.resolve() };
        },
        { batchSize: 100, signal: controller.signal, retryDelayMs: 50, onError: (e) => errors.push(e) },
      );
      await queue.publishInbox([record(1), record(2)]);
      await eventually(async () => (seen.length >= 2 ? true : undefined));
      await new Promise((r) => setTimeout(r, 100));
      expect(await queue.inboxBacklog()).toBe(2); // not acknowledged while its outcome is pending
      failFlush(new Error('flush failed'));
      await eventually(async () => (seen.length >= 4 ? true : undefined));
      expect(seen.map(n)).toEqual([1, 2, 1, 2]);
      expect(seen.slice(2).every((m) => m.redelivered === true)).toBe(true);
      expect(errors.map(String)).toEqual(['Error: flush failed']);
      await eventually(async () => ((await queue.inboxBacklog()) === 0 ? true : undefined));
    });

    it('does not mark a record redelivered the first time it is handed out', async () => {
      const queue = await instance();
      const c = consume(queue);
      await queue.publishInbox([record(1), record(2)]);
      await eventually(async () => (c.seen.length >= 2 ? true : undefined));
      expect(c.seen.map((m) => m.redelivered ?? false)).toEqual([false, false]);
    });

    it('redelivers what a consumer that died held, and never what was acknowledged', async () => {
      const first = await instance();
      await first.publishInbox([record(1)]);
      const acked = consume(first);
      await eventually(async () => (acked.seen.length >= 1 ? true : undefined));
      await eventually(async () => ((await first.inboxBacklog()) === 0 ? true : undefined));
      acked.stop();
      await acked.done;

      await first.publishInbox([record(2)]);
      // The "dying" consumer takes record 2 and never finishes; then its process goes away.
      await takeAndHang(first);
      await first.close();

      const second = await instance();
      const started = Date.now();
      const c = consume(second);
      await eventually(async () => (c.seen.length >= 1 ? true : undefined), options.redeliveryMs + 10_000);
      expect(Date.now() - started).toBeLessThan(options.redeliveryMs + 10_000);
      expect(c.seen.map(n)).toEqual([2]);
      expect(c.seen[0]!.redelivered).toBe(true);
    });

    it('refuses to publish after close', async () => {
      const queue = await instance();
      await queue.close();
      await expect(queue.publishInbox([record(1)])).rejects.toThrow(/closed/);
    });

    if (options.sharedConsumers) {
      it('shares the inbox between concurrent consumers: each record handled once', async () => {
        const a = await instance();
        const b = await instance();
        const slow = () => new Promise<void>((r) => setTimeout(r, 5));
        const ca = consume(a, slow, 10);
        const cb = consume(b, slow, 10);
        for (let i = 0; i < 20; i++) await a.publishInbox(Array.from({ length: 10 }, (_, j) => record(i * 10 + j)));
        await eventually(async () => (ca.seen.length + cb.seen.length >= 200 ? true : undefined), 20_000);
        const all = [...ca.seen, ...cb.seen].map(n).sort((x, y) => x - y);
        expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i));
      });

      it('after a consumer dies (kill -9), its records come to the next one marked redelivered, before newer records of the same user', async () => {
        const first = await instance();
        const holding = takeAndHang(first);
        await first.publishInbox([record(1), record(2)]);
        await holding;
        await fixture!.kill!(first);

        const second = await instance();
        await second.publishInbox([record(3)]);
        const started = Date.now();
        const c = consume(second);
        await eventually(async () => (c.seen.length >= 3 ? true : undefined), options.redeliveryMs + 10_000);
        expect(Date.now() - started).toBeLessThan(options.redeliveryMs + 10_000);
        expect(c.seen.map(n)).toEqual([1, 2, 3]);
        expect(c.seen.map((m) => m.redelivered ?? false)).toEqual([true, true, false]);
      });

      it('keeps each user\'s records in publish order across concurrent consumers, also while one of them leaves', async () => {
        const a = await instance();
        const b = await instance();
        const handled: InboxMessage[] = [];
        // Each handler records its batch when it finishes (the store commit), one slowly, one fast: two
        // consumers working on one user's records at once would show here as an inversion.
        const finish = (ms: number) => async (batch: InboxMessage[]) => {
          await new Promise<void>((r) => setTimeout(r, ms));
          handled.push(...batch);
        };
        const ca = consume(a, finish(25), 7);
        const cb = consume(b, finish(1), 7);
        const users = Array.from({ length: 12 }, (_, u) => `user-${u}`);
        const rounds = 40;
        for (let r = 0; r < rounds; r++) {
          await (r % 2 === 0 ? a : b).publishInbox(users.map((u, i) => record(r * 100 + i, undefined, u)));
          await new Promise<void>((resolve) => setTimeout(resolve, 10));
          if (r === rounds / 2) {
            // Both have worked before a leaves: its partitions move to b, nothing of them lost or reordered.
            await eventually(async () => (ca.seen.length > 0 && cb.seen.length > 0 ? true : undefined), 10_000);
            ca.stop();
          }
        }
        await eventually(async () => (new Set(handled.map(n)).size >= users.length * rounds ? true : undefined), 30_000);
        expect(cb.seen.length).toBeGreaterThan(0);
        for (const u of users) {
          const order: number[] = [];
          for (const m of handled) if (userOf(m) === u && !order.includes(n(m))) order.push(n(m));
          expect(order, u).toEqual(Array.from({ length: rounds }, (_, r) => r * 100 + users.indexOf(u)));
        }
      });
    }
  });
}
