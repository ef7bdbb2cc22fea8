import { afterEach, describe, expect, it } from 'vitest';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../../test/support/nats.js';
import { eventually } from '../../../test/support/start-test-sluice.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { sleep } from '../../core/sleep.js';
import type { DeliveryJob, DeliveryJobRecord, InboxMessage, InboxRecord } from '../queue.js';
import { JetStreamDeliveryQueue } from './jetstream-delivery-queue.js';
import { JetStreamQueue } from './jetstream-queue.js';
import { partitionOf } from './partition.js';

const available = await natsAvailable();
/** Lease time of the test routers (the scale test uses 2000, production 30000). */
const LEASE_MS = 1500;
/** The latest a cut-off holder may still work a partition: its last renewal (at the latest the cut) + lease time - 10 %. */
const DEADLINE_MS = LEASE_MS * 0.9;
const PARTITIONS = 4;
const USERS = 24;
const WS = 'ws_lease';
const DESTINATION = 'dst_lease';

function job(user: number, n: number): DeliveryJobRecord {
  return { workspaceId: WS, destinationId: DESTINATION, sourceId: 'src_lease', messageId: `m-${n}`, partitionKey: `user-${user}`, json: JSON.stringify({ n }), receivedAt: Date.now() };
}

const nOf = (j: DeliveryJob) => (JSON.parse(j.json!) as { n: number }).n;
const partitionOfJob = (j: DeliveryJob) => partitionOf(WS, j.partitionKey, PARTITIONS);

interface Handout {
  readonly by: 'a' | 'b';
  readonly at: number;
  readonly job: DeliveryJob;
}

describe.runIf(available)('partition leases of a process cut off from NATS', () => {
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  /** A TCP proxy to NATS (removed after the test) and a fresh stream prefix. */
  async function natsBehindProxy(): Promise<{ proxy: TcpProxy; prefix: string }> {
    const prefix = uniqueQueuePrefix('lease');
    cleanup.push(() => deleteStreams(prefix));
    const upstream = new URL(TEST_QUEUE_URL);
    const proxy = await TcpProxy.start(upstream.hostname, Number(upstream.port || 4222));
    cleanup.push(() => proxy.close());
    return { proxy, prefix };
  }

  it('a router cut off for longer than its lease stops handing out its partitions by its own deadline, takes partitions again once back, and each user keeps their order across the takeover', async () => {
    const { proxy, prefix } = await natsBehindProxy();
    const errorsOfA: { at: number; message: string }[] = [];
    const open = async (url: string, onError?: (error: unknown) => void) => {
      const queue = await JetStreamDeliveryQueue.open({ url, prefix, replicas: 1, ackWaitMs: LEASE_MS, partitions: PARTITIONS, ...(onError && { onError }) });
      cleanup.push(() => queue.close());
      return queue;
    };
    // Router a talks to NATS through the proxy; router b and the publisher (the processors' fan-out) directly.
    const a = await open(proxy.url, (error) => errorsOfA.push({ at: Date.now(), message: String(error) }));
    const b = await open(TEST_QUEUE_URL);
    const publisher = await open(TEST_QUEUE_URL);
    const consumers = { a: a.deliveryConsumer(DESTINATION), b: b.deliveryConsumer(DESTINATION) };

    // Each router works like a lane: takes jobs, delivers those it still owns (recorded as a receiver would see
    // them), hands back the others, and acknowledges without waiting (an ack waits on NATS, the lane goes on).
    const handed: Handout[] = [];
    const delivered: Handout[] = [];
    const controller = new AbortController();
    const route = async (by: 'a' | 'b') => {
      const consumer = consumers[by];
      while (!controller.signal.aborted) {
        const jobs = await consumer.fetch(10, { signal: controller.signal, waitMs: 100 });
        const at = Date.now();
        for (const j of jobs) handed.push({ by, at, job: j });
        const mine = jobs.filter((j) => consumer.owns(j));
        for (const j of mine) delivered.push({ by, at, job: j });
        await consumer.giveBack(jobs.filter((j) => !mine.includes(j)));
        void consumer.ack(mine).catch(() => undefined);
        await sleep(40); // the destination's answer: slower than the queue, so jobs wait in the buffer
      }
    };
    const loops = [route('a'), route('b')];
    cleanup.push(async () => {
      controller.abort();
      await Promise.all(loops);
    });

    // Both routers settle on two partitions each.
    await eventually(async () => (consumers.a.partitions.length === 2 && consumers.b.partitions.length === 2 ? true : undefined), 20_000, 50);

    // A backlog, so that a has more jobs buffered when it is cut off than it can deliver before its deadline.
    const published: DeliveryJobRecord[] = Array.from({ length: 2400 }, (_, n) => job(n % USERS, n));
    await publisher.publishDeliveries(published);
    await eventually(async () => (handed.filter((h) => h.by === 'a').length >= 100 ? true : undefined), 10_000, 10);

    // What a holds as it is cut off (balancing may have moved a partition since both settled, and a renewal delayed
    // by a loaded machine may have cost one before the cut: not what this checks).
    const heldAtCut = [...consumers.a.partitions].sort((x, y) => x - y);
    const cutAt = Date.now();
    proxy.cut();
    await sleep(LEASE_MS * 3); // b takes a's partitions over meanwhile
    const restoredAt = Date.now();
    proxy.restore();

    // Every job is delivered and acknowledged in the end; a takes its share again through the usual balancing.
    await eventually(async () => ((await publisher.waiting(DESTINATION)) === 0 && new Set(delivered.map((d) => d.job.messageId)).size === published.length ? true : undefined), 60_000, 100);
    await eventually(async () => (consumers.a.partitions.length === 2 ? true : undefined), 20_000, 50);
    controller.abort();
    await Promise.all(loops);

    // a noticed by itself, while still cut off, and said when its last renewal succeeded.
    // (Once back, a may lose a partition it took again when a loaded machine delays a renewal past its deadline:
    // that is the same safety at work, reported the same way, and not what this checks. Under a full test run a
    // partition was twice reported lost while cut off, [0, 0, 1, 1], not reproduced alone: the checks below, that
    // nothing was handed out past the deadline and no partition went back and forth, are what would catch a
    // partition taken again during the cut.)
    const lost = errorsOfA.filter((e) => /lost the lease/.test(e.message));
    const lostWhileCut = new Set(lost.filter((e) => e.at >= cutAt && e.at < restoredAt).map((e) => Number(e.message.match(/partition (\d+)/)?.[1])));
    expect(heldAtCut.length).toBeGreaterThan(0);
    expect([...lostWhileCut].sort((x, y) => x - y)).toEqual(heldAtCut);
    for (const e of lost) expect(e.message).toMatch(/last renewed successfully at \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ ms ago\)/);
    // Nothing of its partitions was handed out by a past its deadline while it was cut off ...
    const byAWhileCut = handed.filter((h) => h.by === 'a' && h.at >= cutAt && h.at < restoredAt);
    expect(byAWhileCut.filter((h) => h.at > cutAt + DEADLINE_MS + 20).map((h) => h.at - cutAt)).toEqual([]);
    // ... and no partition went back and forth between the two: after the cut a partition is handed out by
    // a (until its deadline), then by b (the takeover), then perhaps by a again (the rebalance once a is back).
    for (let p = 0; p < PARTITIONS; p++) {
      const holders = handed.filter((h) => h.at >= cutAt && partitionOfJob(h.job) === p).map((h) => h.by);
      const runs = holders.filter((by, i) => i === 0 || holders[i - 1] !== by);
      expect(runs.length, `partition ${p}: ${runs.join(' ')}`).toBeLessThanOrEqual(3);
      if (runs.length === 3) expect(runs).toEqual(['a', 'b', 'a']);
    }
    // Each user's first arrivals are in publish order (repeats of what a had delivered are allowed).
    const seen = new Set<string>();
    const firsts = new Map<string, number[]>();
    for (const d of delivered) {
      if (seen.has(d.job.messageId)) continue;
      seen.add(d.job.messageId);
      firsts.set(d.job.partitionKey, [...(firsts.get(d.job.partitionKey) ?? []), nOf(d.job)]);
    }
    for (const [user, ns] of firsts) expect(ns.every((n, i) => i === 0 || ns[i - 1]! < n), `${user}: ${ns.join(',')}`).toBe(true);
  }, 120_000);

  it('a processor cut off with a batch in hand is told to stop by its own deadline, does not acknowledge the batch, and the next holder handles it first', async () => {
    const { proxy, prefix } = await natsBehindProxy();
    const open = async (url: string) => {
      const queue = await JetStreamQueue.open({ url, prefix, replicas: 1, ackWaitMs: LEASE_MS, partitions: 2 });
      cleanup.push(() => queue.close());
      return queue;
    };
    const record = (n: number): InboxRecord => ({ workspaceId: WS, sourceId: 'src_lease', json: JSON.stringify({ messageId: `m-${n}`, userId: 'u1', n }) });
    const nOfMessage = (m: InboxMessage) => (m.event as unknown as { n: number }).n;
    const controller = new AbortController();
    cleanup.push(async () => controller.abort());

    // Processor a (through the proxy) takes record 1 and is still working on it when it is cut off.
    const a = await open(proxy.url);
    const errorsOfA: string[] = [];
    const handledByA: number[] = [];
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    cleanup.push(async () => finish());
    let inHand: (() => boolean) | undefined;
    void a.consumeInbox(
      async (batch, stillHeld) => {
        handledByA.push(...batch.map(nOfMessage));
        inHand ??= stillHeld;
        await finishing;
      },
      { batchSize: 10, signal: controller.signal, retryDelayMs: 50, onError: (error) => errorsOfA.push(String(error)) },
    );
    await a.publishInbox([record(1)]);
    await eventually(async () => inHand, 10_000, 10);
    expect(inHand!()).toBe(true);

    const cutAt = Date.now();
    proxy.cut();
    // The last time the holder still said it held the partition: read before each look, so a look that was late (a
    // loaded machine's timers) cannot make an answer given in time look late.
    let lastHeldAt = cutAt;
    await eventually(async () => {
      const at = Date.now();
      if (!inHand!()) return true;
      lastHeldAt = at;
      return undefined;
    }, LEASE_MS * 2, 5);
    expect(lastHeldAt - cutAt).toBeLessThanOrEqual(DEADLINE_MS + 20);
    expect(errorsOfA.filter((e) => e.startsWith(`LeaseLostError: processor lost the lease of inbox partition ${partitionOf(WS, 'u1', 2)}: not renewed in time`))).toHaveLength(1);

    // Processor b takes the partition over: record 1 first (marked redelivered), then what came after.
    const b = await open(TEST_QUEUE_URL);
    await b.publishInbox([record(2)]);
    const seenByB: InboxMessage[] = [];
    void b.consumeInbox(async (batch) => void seenByB.push(...batch), { batchSize: 10, signal: controller.signal, retryDelayMs: 50 });
    await eventually(async () => (seenByB.length >= 2 ? true : undefined), LEASE_MS * 4 + 10_000, 20);
    expect(seenByB.map((m) => [nOfMessage(m), m.redelivered ?? false])).toEqual([[1, true], [2, false]]);

    // a gets NATS back and finishes its stale batch: not acknowledged, and nothing is handed to it again.
    proxy.restore();
    finish();
    await eventually(async () => ((await b.inboxBacklog()) === 0 ? true : undefined), 10_000);
    await sleep(LEASE_MS * 2);
    expect(handledByA).toEqual([1]);
    expect(seenByB.map(nOfMessage)).toEqual([1, 2]);
  }, 60_000);
});
