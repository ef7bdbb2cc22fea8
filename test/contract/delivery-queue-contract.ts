import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryConsumer, DeliveryJob, DeliveryJobRecord, DeliveryQueue } from '../../src/queue/queue.js';
import { eventually } from '../support/start-test-sluice.js';

/** One delivery-queue installation under test: instances sharing it stand for router processes. */
export interface DeliveryQueueFixture {
  /** Opens another DeliveryQueue on the same installation (same file, or same NATS prefix). */
  openInstance(): Promise<DeliveryQueue>;
  /** The process holding `queue` dies (kill -9): nothing is released. Defaults to close(). */
  kill?(queue: DeliveryQueue): Promise<void>;
  /** Removes the installation (file, streams). Instances must be closed first. */
  destroy(): Promise<void>;
}

export interface DeliveryQueueContractOptions {
  name: string;
  open(): Promise<DeliveryQueueFixture>;
  /** How long jobs a dead consumer held take to be handed out again, at most (the lease / ack wait). */
  redeliveryMs: number;
  /** Several processes may consume one destination at once (JetStream routers; not the embedded file). */
  sharedConsumers: boolean;
}

const WS = 'ws_dq';

function job(destinationId: string, key: string, n: number): DeliveryJobRecord {
  // Jobs an earlier version queued carry no subject: odd ones stand for them.
  const subject = n % 2 === 0 ? { subject: [{ type: 'userId' as const, value: key }, { type: 'email' as const, value: `${key}@example.com` }] } : {};
  return { workspaceId: WS, destinationId, sourceId: 'src_dq', messageId: `${destinationId}-${key}-${n}`, partitionKey: key, json: JSON.stringify({ key, n, text: 'a "quoted" \\ value' }), receivedAt: 1_700_000_000_000 + n, ...subject };
}

const nOf = (j: DeliveryJob) => (JSON.parse(j.json!) as { n: number }).n;

/** Per ordering key, the `n`s in the order they were handed out. */
function perKey(jobs: readonly DeliveryJob[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const j of jobs) map.set(j.partitionKey, [...(map.get(j.partitionKey) ?? []), nOf(j)]);
  return map;
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

/** Fetches until `count` jobs arrived (or the time is up), acknowledging them unless told not to. */
async function drain(consumer: DeliveryConsumer, count: number, options: { ack?: boolean; timeoutMs?: number; into?: DeliveryJob[] } = {}): Promise<DeliveryJob[]> {
  const got = options.into ?? [];
  const signal = new AbortController().signal;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (got.length < count && Date.now() < deadline) {
    const jobs = await consumer.fetch(count - got.length, { signal, waitMs: 250 });
    got.push(...jobs);
    if (options.ack !== false) await consumer.ack(jobs);
  }
  return got;
}

/**
 * The DeliveryQueue's behaviour (the processor's fan-out -> the router), written once and run against every
 * implementation: embedded SQLite and JetStream.
 */
export function runDeliveryQueueContract(options: DeliveryQueueContractOptions): void {
  describe(`DeliveryQueue contract (${options.name})`, () => {
    let fixture: DeliveryQueueFixture | undefined;
    const instances: DeliveryQueue[] = [];

    async function instance(): Promise<DeliveryQueue> {
      fixture ??= await options.open();
      const queue = await fixture.openInstance();
      instances.push(queue);
      return queue;
    }

    afterEach(async () => {
      await Promise.all(instances.splice(0).map((q) => q.close().catch(() => undefined)));
      await fixture?.destroy();
      fixture = undefined;
    });

    it("hands out one destination's jobs with their fields, each user's in publish order, never another destination's", async () => {
      const queue = await instance();
      const consumer = queue.deliveryConsumer('dst_a');
      const jobs = Array.from({ length: 30 }, (_, i) => job('dst_a', `user-${i % 6}`, i));
      await queue.publishDeliveries(jobs);
      await queue.publishDeliveries([job('dst_b', 'user-0', 100)]);
      const got = await drain(consumer, 30);
      expect(got.map((j) => j.messageId).sort()).toEqual(jobs.map((j) => j.messageId).sort());
      for (const [key, ns] of perKey(got)) expect(increasing(ns), `${key}: ${ns.join(',')}`).toBe(true);
      const first = got.find((j) => j.messageId === 'dst_a-user-0-0')!;
      expect(first).toEqual({ ...jobs[0], seq: expect.any(Number) });
      expect(got.find((j) => j.messageId === 'dst_a-user-1-1')).toEqual({ ...jobs[1], seq: expect.any(Number) });
      expect(new Set(got.map((j) => j.seq)).size).toBe(30);
      expect(got.filter((j) => j.redelivered)).toEqual([]); // handed out for the first time
      const other = await drain(queue.deliveryConsumer('dst_b'), 1);
      expect(other.map((j) => j.messageId)).toEqual(['dst_b-user-0-100']);
    });

    it('hands out a job that names its stored event with that reference, and with its JSON unless the queue kept only the reference', async () => {
      const queue = await instance();
      const byReference = { ...job('dst_a', 'user-r', 0), storedSeq: 4711 };
      await queue.publishDeliveries([byReference, job('dst_a', 'user-r', 1)]);
      const [first, second] = await drain(queue.deliveryConsumer('dst_a'), 2);
      expect(first).toMatchObject({ messageId: byReference.messageId, storedSeq: 4711, partitionKey: 'user-r' });
      if (first!.json !== undefined) expect(first!.json).toBe(byReference.json);
      expect(second!.storedSeq).toBeUndefined();
      expect(nOf(second!)).toBe(1);
    });

    it('waits up to waitMs when idle, and returns a job published during the wait without waiting it out', async () => {
      const queue = await instance();
      const consumer = queue.deliveryConsumer('dst_a');
      const signal = new AbortController().signal;
      const idleStarted = Date.now();
      expect(await consumer.fetch(10, { signal, waitMs: 300 })).toEqual([]);
      expect(Date.now() - idleStarted).toBeGreaterThanOrEqual(250);
      // Let the consumer settle in (JetStream: take its partitions) before timing the wake-up.
      await queue.publishDeliveries([job('dst_a', 'u', 0)]);
      expect(await drain(consumer, 1)).toHaveLength(1);
      const started = Date.now();
      setTimeout(() => void queue.publishDeliveries([job('dst_a', 'u', 1)]), 200);
      const jobs = await consumer.fetch(10, { signal, waitMs: 8000 });
      expect(jobs.map(nOf)).toEqual([1]);
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it('counts published, unacknowledged jobs per destination; acknowledged ones are gone for good', async () => {
      const queue = await instance();
      const consumer = queue.deliveryConsumer('dst_a');
      expect(await consumer.backlog()).toBe(0);
      await queue.publishDeliveries([job('dst_a', 'u1', 1), job('dst_a', 'u2', 2), job('dst_a', 'u1', 3), job('dst_b', 'u1', 4)]);
      expect(await consumer.backlog()).toBe(3);
      expect(await queue.waiting('dst_a')).toBe(3);
      expect(await queue.waiting('dst_b')).toBe(1);
      const got = await drain(consumer, 3, { ack: false });
      expect(await consumer.backlog()).toBe(3); // handed out is not finished
      expect(await queue.waiting('dst_a')).toBe(3);
      await consumer.ack(got.filter((j) => nOf(j) !== 3));
      await eventually(async () => ((await consumer.backlog()) === 1 ? true : undefined), 5000);
      await consumer.ack(got.filter((j) => nOf(j) !== 3)); // acknowledged twice: counted once
      expect(await queue.waiting('dst_a')).toBe(1);
      await consumer.ack(got.filter((j) => nOf(j) === 3));
      await eventually(async () => ((await consumer.backlog()) === 0 ? true : undefined), 5000);
      // Any process may ask, without consuming: another instance of the same installation sees the same.
      expect(await (await instance()).waiting('dst_a')).toBe(0);
      expect(await queue.waiting('dst_b')).toBe(1);
      // A consumer that starts afresh finds nothing of what was acknowledged.
      const again = await queue.deliveryConsumer('dst_a').fetch(10, { signal: new AbortController().signal, waitMs: 1500 });
      expect(again).toEqual([]);
    });

    it('hands the jobs a replaced consumer held unacknowledged to the next one, in order, and not the acknowledged ones', async () => {
      const queue = await instance();
      await queue.publishDeliveries(Array.from({ length: 12 }, (_, i) => job('dst_a', `user-${i % 3}`, i)));
      const first = queue.deliveryConsumer('dst_a');
      const got = await drain(first, 12, { ack: false });
      const done = got.filter((j) => nOf(j) < 6);
      await first.ack(done);
      const next = queue.deliveryConsumer('dst_a'); // e.g. the router reloaded the destination
      const again = await drain(next, 6, { timeoutMs: options.redeliveryMs + 15_000 });
      expect(again.map(nOf).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11]);
      for (const ns of perKey(again).values()) expect(increasing(ns)).toBe(true);
      // The router reads their retry states back.
      expect(again.filter((j) => j.redelivered !== true)).toEqual([]);
    });

    it('gives the jobs a dead process held to the next process after the redelivery time, and only those', async () => {
      const first = await instance();
      await first.publishDeliveries(Array.from({ length: 20 }, (_, i) => job('dst_a', `user-${i % 4}`, i)));
      const consumer = first.deliveryConsumer('dst_a');
      const got = await drain(consumer, 20, { ack: false });
      expect(got).toHaveLength(20);
      await consumer.ack(got.filter((j) => nOf(j) % 2 === 0));
      await (fixture!.kill ? fixture!.kill(first) : first.close());

      const second = await instance();
      const started = Date.now();
      const again = await drain(second.deliveryConsumer('dst_a'), 10, { timeoutMs: options.redeliveryMs + 15_000 });
      expect(Date.now() - started).toBeLessThan(options.redeliveryMs + 15_000);
      expect(again.map(nOf).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
      for (const ns of perKey(again).values()) expect(increasing(ns)).toBe(true);
      expect(again.filter((j) => j.redelivered !== true)).toEqual([]);
    });

    it("discards a deleted destination's jobs and keeps the others'", async () => {
      const queue = await instance();
      await queue.publishDeliveries([job('dst_a', 'u', 1), job('dst_a', 'u', 2), job('dst_b', 'u', 3)]);
      await queue.purgeDeliveries('dst_a');
      expect(await queue.deliveryConsumer('dst_a').backlog()).toBe(0);
      expect(await queue.waiting('dst_a')).toBe(0);
      expect(await queue.waiting('dst_b')).toBe(1);
      expect(await queue.deliveryConsumer('dst_a').fetch(10, { signal: new AbortController().signal, waitMs: 1000 })).toEqual([]);
      expect((await drain(queue.deliveryConsumer('dst_b'), 1)).map(nOf)).toEqual([3]);
    });

    it('refuses to publish after close', async () => {
      const queue = await instance();
      await queue.close();
      await expect(queue.publishDeliveries([job('dst_a', 'u', 1)])).rejects.toThrow(/closed/);
    });

    if (options.sharedConsumers) {
      it('moves partitions to a router that joins: jobs the first one held undelivered go back and the newcomer delivers them in order', async () => {
        const a = await instance();
        await a.publishDeliveries(Array.from({ length: 60 }, (_, i) => job('dst_a', `user-${i % 20}`, i)));
        const first = a.deliveryConsumer('dst_a');
        const held = await drain(first, 60, { ack: false });
        expect(held).toHaveLength(60);
        expect(first.owns && first.giveBack).toBeTruthy(); // a shared queue must let jobs move
        const b = await instance();
        const second = b.deliveryConsumer('dst_a');
        const signal = new AbortController().signal;
        const givenBack = new Set<string>();
        const got: DeliveryJob[] = [];
        await eventually(async () => {
          const moved = held.filter((j) => !givenBack.has(j.messageId) && !first.owns!(j));
          for (const j of moved) givenBack.add(j.messageId);
          if (moved.length > 0) await first.giveBack!(moved);
          const jobs = await second.fetch(60, { signal, waitMs: 100 });
          got.push(...jobs);
          await second.ack(jobs);
          return givenBack.size > 0 && got.length >= givenBack.size ? true : undefined;
        }, options.redeliveryMs * 4 + 15_000, 10);
        expect(got.map((j) => j.messageId).sort()).toEqual([...givenBack].sort());
        expect(got.filter((j) => j.redelivered !== true)).toEqual([]); // the newcomer reads their retry states back
        expect(givenBack.size).toBeLessThan(60); // only the partitions that moved
        for (const [key, ns] of perKey(got)) expect(increasing(ns), `${key}: ${ns.join(',')}`).toBe(true);
        // The first router finishes what it kept; nothing is left over.
        await first.ack(held.filter((j) => !givenBack.has(j.messageId)));
        await eventually(async () => ((await second.backlog()) === 0 ? true : undefined), 10_000);
      });

      it('shares a destination between routers: each job handed out once, each user in order, both get a share', async () => {
        const a = await instance();
        const b = await instance();
        const handed: { by: string; job: DeliveryJob }[] = [];
        const controller = new AbortController();
        const run = async (name: string, consumer: DeliveryConsumer) => {
          while (!controller.signal.aborted) {
            const jobs = await consumer.fetch(50, { signal: controller.signal, waitMs: 100 });
            for (const j of jobs) handed.push({ by: name, job: j });
            await new Promise((r) => setTimeout(r, 5)); // a destination's answer
            await consumer.ack(jobs);
          }
        };
        const loops = [run('a', a.deliveryConsumer('dst_a')), run('b', b.deliveryConsumer('dst_a'))];
        let n = 0;
        try {
          // Publish in waves while the routers settle on an even share.
          const deadline = Date.now() + options.redeliveryMs * 4 + 10_000;
          do {
            await a.publishDeliveries(Array.from({ length: 40 }, () => job('dst_a', `user-${n % 40}`, n++)));
            await new Promise((r) => setTimeout(r, 150));
          } while ((!handed.some((h) => h.by === 'a') || !handed.some((h) => h.by === 'b') || n < 400) && Date.now() < deadline);
          await eventually(async () => (handed.length >= n ? true : undefined), 20_000);
        } finally {
          controller.abort();
          await Promise.all(loops);
        }
        const ids = handed.map((h) => h.job.messageId);
        expect(new Set(ids).size).toBe(n);
        expect(ids).toHaveLength(n);
        for (const [key, ns] of perKey(handed.map((h) => h.job))) expect(increasing(ns), `${key}: ${ns.join(',')}`).toBe(true);
        expect(handed.filter((h) => h.by === 'a').length).toBeGreaterThan(0);
        expect(handed.filter((h) => h.by === 'b').length).toBeGreaterThan(0);
      });
    }
  });
}
