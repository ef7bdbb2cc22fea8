import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { sleep } from '../../core/sleep.js';
import type { DeliveryConsumer, DeliveryJob, DeliveryJobRecord } from '../queue.js';
import { deliveryPartition } from './delivery-partition.js';
import type { JetStreamNames } from './jetstream-names.js';
import type { PartitionLeases } from './partition-leases.js';

/** Messages one partition's pull subscription keeps buffered in the client. */
const PULL_MESSAGES = 256;
/** Jobs received and not yet handed to the lane, over all partitions; the pulls pause above it. */
const MAX_BUFFERED = 4096;
/** Longest fetch() sleeps before looking again (arrivals wake it at once). */
const MAX_IDLE_WAIT_MS = 250;
/**
 * Ack wait of a partition's consumer. Recovery after a crash does not depend on it (the next lease holder
 * recreates the consumer and so receives every unacknowledged job at once, in order); it only bounds how
 * often JetStream re-sends jobs the live holder is still working on (a retrying user's), which it ignores.
 */
const PARTITION_ACK_WAIT_MS = 5 * 60_000;
/** Unacknowledged jobs one partition may have out (users waiting behind a retry hold theirs). */
const PARTITION_MAX_ACK_PENDING = 20_000;
const ACK_ATTEMPTS = 3;
const ACK_TIMEOUT_MS = 5000;

export interface PartitionedConsumerDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: JetStreamNames;
  readonly leases: PartitionLeases;
  readonly destinationId: string;
  readonly partitions: number;
  /** Lease time: a dead router's partitions move to the others after at most this long. */
  readonly leaseMs: number;
  /** Settles when the previous consumer of this destination in this process has let go of its leases. */
  readonly after: Promise<void>;
  readonly onError: (error: unknown) => void;
}

/** One partition this router holds the lease of. */
interface Owned {
  readonly partition: number;
  leaseSeq: number;
  /** Giving the partition back: nothing more is handed out; the lease goes once the lane acked its jobs. */
  releasing: boolean;
  /** Messages received and not acknowledged (buffered or handed out), by stream sequence. */
  readonly known: Map<number, JsMsg>;
  /** Stream sequences handed to the lane and not acknowledged yet. */
  readonly handed: Set<number>;
  messages?: ConsumerMessages;
  stopped: boolean;
}

/**
 * One destination's delivery jobs for one router process, on JetStream.
 *
 * The destination's jobs are split into partitions by a hash of the user (see `deliveryPartition`). A router
 * consumes a partition only while it holds the partition's lease ({@link PartitionLeases}), so one user's
 * jobs are worked on by one router at a time and the lane's per-user order and retry barrier hold across
 * processes. The routers consuming a destination share its partitions evenly: each takes up to
 * ceil(partitions / routers) and gives back its extra ones (after the lane has finished the jobs it holds of
 * them) when another router joins.
 *
 * Taking a partition over recreates its durable consumer, which then delivers every job still in the
 * work-queue stream (exactly the unacknowledged ones) in stream order: after a router dies, its partitions
 * resume at their first unacknowledged job as soon as its leases have expired. Jobs it had delivered without
 * acknowledging are delivered again (at least once; receivers deduplicate by messageId).
 */
export class PartitionedDeliveryConsumer implements DeliveryConsumer {
  private readonly owned = new Map<number, Owned>();
  private buffer: { owned: Owned; msg: JsMsg }[] = [];
  /** The partition each handed-out, unacknowledged job came from, by stream sequence. */
  private readonly handedBy = new Map<number, Owned>();
  private readonly waiters = new Set<() => void>();
  private started = false;
  private closed = false;
  private readonly timers: { renew?: NodeJS.Timeout; balance?: NodeJS.Timeout } = {};
  private renewing: Promise<void> = Promise.resolve();
  private balancing: Promise<void> = Promise.resolve();
  private readonly preference: number[];

  constructor(private readonly deps: PartitionedConsumerDeps) {
    // Each router prefers a different order of partitions, so concurrent routers rarely race for the same one.
    const rank = (p: number) => deliveryPartition(deps.leases.memberId, String(p), 1 << 30);
    this.preference = Array.from({ length: deps.partitions }, (_, p) => p).sort((a, b) => rank(a) - rank(b));
  }

  /** Partitions this router consumes now (for tests and metrics). */
  get partitions(): number[] {
    return [...this.owned.values()].filter((o) => !o.releasing).map((o) => o.partition).sort((a, b) => a - b);
  }

  async fetch(max: number, options: { signal: AbortSignal; waitMs: number }): Promise<DeliveryJob[]> {
    this.start();
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const jobs = this.take(max);
      if (jobs.length > 0 || options.signal.aborted || this.closed) return jobs;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.waitForArrivals(Math.min(left, MAX_IDLE_WAIT_MS), options.signal);
    }
  }

  async ack(jobs: readonly DeliveryJob[]): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        const owned = this.handedBy.get(job.seq);
        this.handedBy.delete(job.seq);
        const msg = owned && this.owned.get(owned.partition) === owned ? owned.known.get(job.seq) : undefined;
        // The partition was lost meanwhile (lease expired): its next holder delivers the job again.
        if (!owned || !msg) return;
        await this.ackMessage(msg);
        owned.known.delete(job.seq);
        owned.handed.delete(job.seq);
      }),
    );
    for (const owned of [...this.owned.values()]) {
      if (owned.releasing && owned.handed.size === 0) await this.release(owned);
    }
  }

  /** False once the job's partition is being given back or was lost: the lane must not deliver it. */
  owns(job: DeliveryJob): boolean {
    const owned = this.handedBy.get(job.seq);
    return owned !== undefined && !owned.releasing && !owned.stopped && this.owned.get(owned.partition) === owned;
  }

  /** Jobs the lane dropped undelivered after owns() said no: they stay in the stream for the next holder. */
  async giveBack(jobs: readonly DeliveryJob[]): Promise<void> {
    for (const job of jobs) {
      const owned = this.handedBy.get(job.seq);
      this.handedBy.delete(job.seq);
      owned?.handed.delete(job.seq);
      owned?.known.delete(job.seq);
    }
    for (const owned of [...this.owned.values()]) {
      if (owned.releasing && owned.handed.size === 0) await this.release(owned);
    }
  }

  async backlog(): Promise<number> {
    const info = await this.deps.jsm.streams.info(this.deps.names.deliveriesStream, { subjects_filter: this.deps.names.destinationSubjects(this.deps.destinationId) });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  }

  /** Stops consuming and gives every lease back (jobs handed out and not acknowledged go to the next holder). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timers.renew);
    clearTimeout(this.timers.balance);
    for (const wake of this.waiters) wake();
    await Promise.all([this.renewing, this.balancing]);
    if (!this.started || this.deps.nc.isClosed()) return;
    await Promise.all([...this.owned.values()].map((owned) => this.release(owned).catch(this.deps.onError)));
    await this.deps.leases.leave(this.deps.destinationId).catch(this.deps.onError);
  }

  /**
   * Two loops, each every third of the lease time: renewing (heartbeat and our leases; never behind anything
   * slow, so a busy rebalance cannot let a lease lapse) and balancing (give back or take partitions).
   */
  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const every = Math.max(100, Math.floor(this.deps.leaseMs / 3));
    const schedule = (which: 'renew' | 'balance', step: () => Promise<void>, set: (p: Promise<void>) => void) => {
      const loop = () => {
        if (this.closed) return;
        if (this.deps.nc.isClosed()) return void this.stopAll();
        const run = step().catch((error: unknown) => {
          if (!this.closed && !this.deps.nc.isClosed()) this.deps.onError(error);
        });
        set(run);
        void run.finally(() => {
          if (!this.closed) this.timers[which] = setTimeout(loop, every);
        });
      };
      return loop;
    };
    const renew = schedule('renew', () => this.renew(), (p) => (this.renewing = p));
    const balance = schedule('balance', () => this.balance(), (p) => (this.balancing = p));
    void this.deps.after.then(async () => {
      renew();
      await this.renewing; // our heartbeat counts before the first share is computed
      balance();
    });
  }

  /** Heartbeat, and renew every lease we hold; a lease found taken is dropped at once. */
  private async renew(): Promise<void> {
    const { leases, destinationId } = this.deps;
    await Promise.all([
      leases.heartbeat(destinationId),
      ...[...this.owned.values()].map(async (owned) => {
        const seq = await leases.renew(destinationId, owned.partition, owned.leaseSeq);
        if (seq !== undefined) owned.leaseSeq = seq;
        else if (this.owned.get(owned.partition) === owned) {
          this.deps.onError(new Error(`router lost the lease of ${destinationId} partition ${owned.partition} (not renewed within ${this.deps.leaseMs} ms); its unacknowledged jobs go to the next holder`));
          this.stop(owned);
          this.owned.delete(owned.partition);
        }
      }),
    ]);
  }

  /** Gives back or takes partitions towards an even share: ceil(partitions / routers consuming the destination). */
  private async balance(): Promise<void> {
    const { leases, destinationId, partitions } = this.deps;
    const target = Math.ceil(partitions / Math.max(1, await leases.members(destinationId)));
    const active = this.preference.map((p) => this.owned.get(p)).filter((o): o is Owned => o !== undefined && !o.releasing);
    if (active.length > target) {
      for (const owned of active.slice(target)) {
        owned.releasing = true;
        this.stop(owned);
        if (owned.handed.size === 0) await this.release(owned);
      }
    } else if (active.length < target) {
      const leased = await leases.leased(destinationId);
      let have = active.length;
      for (const p of this.preference) {
        if (have >= target || this.closed) break;
        if (leased.has(p) || this.owned.has(p)) continue;
        if (await this.acquire(p)) have += 1;
      }
    }
  }

  private async acquire(partition: number): Promise<boolean> {
    const { leases, destinationId, names, jsm } = this.deps;
    const seq = await leases.acquire(destinationId, partition);
    if (seq === undefined) return false;
    const owned: Owned = { partition, leaseSeq: seq, releasing: false, known: new Map(), handed: new Set(), stopped: false };
    this.owned.set(partition, owned);
    const durable = names.deliveryConsumer(destinationId, partition);
    try {
      // A fresh consumer starts at the partition's first unacknowledged job, whatever the last holder did.
      await jsm.consumers.delete(names.deliveriesStream, durable).catch((error: unknown) => {
        if (!(error instanceof JetStreamApiError && error.status === 404)) throw error;
      });
      await jsm.consumers.add(names.deliveriesStream, {
        durable_name: durable,
        filter_subject: names.deliverySubject(destinationId, partition),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(PARTITION_ACK_WAIT_MS),
        max_deliver: -1,
        max_ack_pending: PARTITION_MAX_ACK_PENDING,
      });
    } catch (error) {
      this.owned.delete(partition);
      await leases.release(destinationId, partition, seq).catch(() => undefined);
      throw error;
    }
    void this.pump(owned, durable).catch((error: unknown) => {
      if (!owned.stopped) this.deps.onError(error);
    });
    return true;
  }

  /** Moves the partition's messages into the buffer, in stream order, until the partition is stopped. */
  private async pump(owned: Owned, durable: string): Promise<void> {
    const consumer = await this.deps.js.consumers.get(this.deps.names.deliveriesStream, durable);
    const messages = await consumer.consume({ max_messages: PULL_MESSAGES, expires: 5000 });
    owned.messages = messages;
    if (owned.stopped) return void (await messages.close());
    for await (const msg of messages) {
      if (owned.stopped) break;
      if (owned.known.has(msg.seq)) {
        // Re-sent after the ack wait while we still hold it: keep the newest handle for the ack.
        owned.known.set(msg.seq, msg);
        continue;
      }
      owned.known.set(msg.seq, msg);
      this.buffer.push({ owned, msg });
      for (const wake of this.waiters) wake();
      while (this.buffer.length >= MAX_BUFFERED && !owned.stopped) await sleep(20);
    }
  }

  /**
   * Up to `max` buffered jobs of partitions still ours, in arrival order (each partition in stream order).
   */
  private take(max: number): DeliveryJob[] {
    const jobs: DeliveryJob[] = [];
    let used = 0;
    while (used < this.buffer.length && jobs.length < max) {
      const { owned, msg } = this.buffer[used++]!;
      if (owned.stopped || this.owned.get(owned.partition) !== owned) continue;
      let record: DeliveryJobRecord;
      try {
        record = msg.json<DeliveryJobRecord>();
      } catch (error) {
        this.deps.onError(new Error(`delivery job ${msg.seq} of ${this.deps.destinationId} is unreadable and was terminated: ${String(error)}`));
        msg.term('unreadable');
        owned.known.delete(msg.seq);
        continue;
      }
      owned.handed.add(msg.seq);
      this.handedBy.set(msg.seq, owned);
      jobs.push({ ...record, seq: msg.seq });
    }
    this.buffer = this.buffer.slice(used);
    return jobs;
  }

  private async ackMessage(msg: JsMsg): Promise<void> {
    let last: unknown = 'no confirmation';
    for (let attempt = 1; attempt <= ACK_ATTEMPTS; attempt++) {
      try {
        if (await msg.ackAck({ timeout: ACK_TIMEOUT_MS })) return;
      } catch (error) {
        last = error;
      }
    }
    // Not confirmed: the job may be delivered again by the partition's next holder (receivers dedupe).
    this.deps.onError(new Error(`acknowledgement of delivery job ${msg.seq} of ${this.deps.destinationId} not confirmed: ${String(last)}`));
  }

  /** Stops handing out and pulling a partition's jobs; the buffered ones stay in the stream for the next holder. */
  private stop(owned: Owned): void {
    owned.stopped = true;
    void owned.messages?.close().catch(() => undefined);
    this.buffer = this.buffer.filter((b) => b.owned !== owned);
  }

  private async release(owned: Owned): Promise<void> {
    this.stop(owned);
    if (this.owned.get(owned.partition) === owned) this.owned.delete(owned.partition);
    await this.deps.leases.release(this.deps.destinationId, owned.partition, owned.leaseSeq);
  }

  private stopAll(): void {
    for (const owned of this.owned.values()) this.stop(owned);
    this.owned.clear();
  }

  private waitForArrivals(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
