import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { sleep } from '../../core/sleep.js';
import { partitionOf } from './partition.js';
import type { PartitionLeases } from './partition-leases.js';
import { deleteConsumerIfPresent, partitionConsumers } from './jetstream-setup.js';
import { LeaseLostError } from '../queue-trouble.js';

/**
 * Ack wait of a partition's consumer. Recovery after a crash does not depend on it (the next lease holder
 * recreates the consumer and so receives every unacknowledged message at once, in order); it only bounds how
 * often JetStream re-sends messages the live holder is still working on (a retrying user's), which it ignores.
 */
const PARTITION_ACK_WAIT_MS = 5 * 60_000;
/** Longest fetch() sleeps before looking again (arrivals wake it at once). */
const MAX_IDLE_WAIT_MS = 250;
const ACK_ATTEMPTS = 3;
const ACK_TIMEOUT_MS = 5000;
/**
 * Share of the lease time a holder gives up early. The lease ages out on the server `leaseMs` after the server
 * stored our last renewal, which it did after we sent it; so a holder that counts from the moment it sent the
 * renewal, on its own monotonic clock, and stops 10 % early has stopped before anyone else can take the
 * partition, as long as its clock and the server's do not run more than 10 % apart (they differ by parts per
 * million) and the server's wall clock does not jump forward.
 */
const LEASE_SAFETY = 0.1;

export interface PartitionedConsumerDeps<T extends { readonly seq: number }> {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly leases: PartitionLeases;
  /** The work-queue stream holding the group's messages. */
  readonly stream: string;
  /** What is partitioned (a destination id, or the inbox): names the leases and the membership. */
  readonly group: string;
  readonly partitions: number;
  /** Subject of one partition (the partition consumer's filter). */
  subject(partition: number): string;
  /** Every subject of the group (for the backlog). */
  readonly subjects: string;
  /** Base name of one partition's durable consumers (each holding creates `<base>-<lease revision>`). */
  durable(partition: number): string;
  /**
   * Turns a message into the item handed out (`seq` = the message's stream sequence). `seen` is true when an
   * earlier consumer of the partition may have handed it out already (redelivered, or received by the
   * previous holder before a takeover). Throws for a message no code version can read: it is terminated.
   */
  decode(msg: JsMsg, seen: boolean): T;
  /** How much of fetch()'s `max` an item uses (1 when absent): a delivery job is 1, an inbox message its records. */
  weight?(item: T): number;
  /** Messages one partition's pull keeps buffered in the client. */
  readonly pullMessages: number;
  /** Messages received and not yet handed out, over all partitions; the pulls pause above it. */
  readonly maxBuffered: number;
  /** Unacknowledged messages one partition may have out. */
  readonly maxAckPending: number;
  /** Lease time: a dead holder's partitions move to the others after at most this long. */
  readonly leaseMs: number;
  /** Settles when the previous consumer of this group in this process has let go of its leases. */
  readonly after: Promise<void>;
  /** Who holds the leases, for messages ("router", "processor"). */
  readonly holder: string;
  readonly onError: (error: unknown) => void;
}

/** One partition this process holds the lease of. */
interface Owned {
  readonly partition: number;
  leaseSeq: number;
  /** Giving the partition back: nothing more is handed out; the lease goes once the handed-out items are acked. */
  releasing: boolean;
  /** Messages received and not acknowledged (buffered or handed out), by stream sequence. */
  readonly known: Map<number, JsMsg>;
  /** Stream sequences handed out and not acknowledged yet. */
  readonly handed: Set<number>;
  /** Last stream sequence the partition's previous consumer delivered: messages up to it may have been seen. */
  readonly seenUpTo: number;
  messages?: ConsumerMessages;
  stopped: boolean;
  /** When the last successful renewal (or the acquisition) was sent, on the monotonic clock (`performance.now()`). */
  renewedAt: number;
  /** From then on the lease may have expired: nothing of the partition is handed out or acknowledged any more. */
  expiresAt: number;
  /** Drops the partition at `expiresAt` if no renewal came back by then (without waiting for NATS). */
  expiry?: NodeJS.Timeout;
}

/**
 * One process's share of a partitioned group of messages on JetStream: one destination's delivery jobs (a
 * router) or the inbox (a processor).
 *
 * The group's messages are split into partitions by a hash of the user (see `partitionOf`). A process
 * consumes a partition only while it holds the partition's lease ({@link PartitionLeases}), so one user's
 * messages are worked on by one process at a time, in stream order, and the consumer's per-user order (the
 * router lane's order and retry barrier, the processor's batches) holds across processes. The processes
 * consuming a group share its partitions evenly: each takes up to ceil(partitions / members) and gives back
 * its extra ones (after the items it handed out of them are acknowledged) when another process joins.
 *
 * Taking a partition over recreates its durable consumer, which then delivers every message still in the
 * work-queue stream (exactly the unacknowledged ones) in stream order: after a process dies, its partitions
 * resume at their first unacknowledged message as soon as its leases have expired. Messages it had handled
 * without acknowledging are handled again (at least once; everything downstream deduplicates by messageId).
 *
 * A process that cannot renew (cut off from NATS, paused) stops working a partition by its own clock: from
 * the last successful renewal plus the lease time, less a safety margin ({@link LEASE_SAFETY}), nothing of
 * the partition is handed out, `owns()` says no and acknowledgements are skipped, with no NATS round trip
 * needed. It takes partitions again through the usual balancing once NATS answers.
 */
export class PartitionedConsumer<T extends { readonly seq: number }> {
  private readonly owned = new Map<number, Owned>();
  private buffer: { owned: Owned; msg: JsMsg }[] = [];
  /** The partition each handed-out, unacknowledged item came from, by stream sequence. */
  private readonly handedBy = new Map<number, Owned>();
  private readonly waiters = new Set<() => void>();
  private started = false;
  private closed = false;
  private readonly timers: { renew?: NodeJS.Timeout; balance?: NodeJS.Timeout } = {};
  private renewing: Promise<void> = Promise.resolve();
  private balancing: Promise<void> = Promise.resolve();
  private readonly preference: number[];

  constructor(private readonly deps: PartitionedConsumerDeps<T>) {
    // Each process prefers a different order of partitions, so concurrent processes rarely race for the same one.
    const rank = (p: number) => partitionOf(deps.leases.memberId, String(p), 1 << 30);
    this.preference = Array.from({ length: deps.partitions }, (_, p) => p).sort((a, b) => rank(a) - rank(b));
  }

  /** Partitions this process consumes now (for tests and metrics). */
  get partitions(): number[] {
    return [...this.owned.values()].filter((o) => !o.releasing).map((o) => o.partition).sort((a, b) => a - b);
  }

  /**
   * Items not handed out yet, of partitions still ours, each partition in stream order, up to `max` in weight
   * (at least one item); waits up to `waitMs` for the first.
   */
  async fetch(max: number, options: { signal: AbortSignal; waitMs: number }): Promise<T[]> {
    this.start();
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const items = this.take(max);
      if (items.length > 0 || options.signal.aborted || this.closed) return items;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.waitForArrivals(Math.min(left, MAX_IDLE_WAIT_MS), options.signal);
    }
  }

  /** Acknowledges handled items (confirmed by the server); those of partitions lost meanwhile are skipped. */
  async ack(items: readonly T[]): Promise<void> {
    await Promise.all(
      items.map(async (item) => {
        const owned = this.handedBy.get(item.seq);
        this.handedBy.delete(item.seq);
        const msg = owned && this.holds(owned) ? owned.known.get(item.seq) : undefined;
        // The partition was lost meanwhile (lease expired, or may have): its next holder hands the message out again.
        if (!owned || !msg) return;
        await this.ackMessage(msg);
        owned.known.delete(item.seq);
        owned.handed.delete(item.seq);
      }),
    );
    await this.releaseDrained();
  }

  /**
   * False once the item's partition is being given back or was lost, or its lease may have expired by our own
   * clock: it must not be worked on any more.
   */
  owns(item: T): boolean {
    const owned = this.handedBy.get(item.seq);
    return owned !== undefined && !owned.releasing && !owned.stopped && this.holds(owned);
  }

  /** Items dropped unhandled after owns() said no: they stay in the stream for the next holder. */
  async giveBack(items: readonly T[]): Promise<void> {
    for (const item of items) {
      const owned = this.handedBy.get(item.seq);
      this.handedBy.delete(item.seq);
      owned?.handed.delete(item.seq);
      owned?.known.delete(item.seq);
    }
    await this.releaseDrained();
  }

  /**
   * Items handed out earlier and not acknowledged, with a stream sequence in (`afterSeq`, `upToSeq`], that `match`
   * accepts, in stream order, at most `max`: handed out again (the router's jobs set aside behind a retrying one,
   * `DeliveryConsumer.reread`). Only of partitions still ours; a partition being given back still answers, so
   * what is read back can be given back and the partition drained. Decodes the messages in the range again (they
   * stay in memory until acknowledged), so it costs a parse per message there: meant for that rare path.
   */
  handedAgain(afterSeq: number, upToSeq: number, max: number, match: (item: T) => boolean): T[] {
    const found: { owned: Owned; seq: number }[] = [];
    for (const owned of this.owned.values()) {
      if (!this.holds(owned)) continue;
      for (const seq of owned.handed) if (seq > afterSeq && seq <= upToSeq) found.push({ owned, seq });
    }
    found.sort((a, b) => a.seq - b.seq);
    const items: T[] = [];
    for (const { owned, seq } of found) {
      if (items.length >= max) break;
      const msg = owned.known.get(seq);
      if (msg === undefined) continue;
      let item: T;
      try {
        item = this.deps.decode(msg, msg.redelivered || msg.seq <= owned.seenUpTo);
      } catch {
        continue; // decoded once when it was first handed out; a message that cannot be now is left for the next holder
      }
      if (match(item)) items.push(item);
    }
    return items;
  }

  /** Messages of the group published and not yet acknowledged. */
  async backlog(): Promise<number> {
    const info = await this.deps.jsm.streams.info(this.deps.stream, { subjects_filter: this.deps.subjects });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  }

  /** Stops consuming and gives every lease back (items handed out and not acknowledged go to the next holder). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timers.renew);
    clearTimeout(this.timers.balance);
    for (const wake of this.waiters) wake();
    await Promise.all([this.renewing, this.balancing]);
    if (!this.started || this.deps.nc.isClosed()) return void this.stopAll();
    await Promise.all([...this.owned.values()].map((owned) => this.release(owned).catch(this.deps.onError)));
    await this.deps.leases.leave(this.deps.group).catch(this.deps.onError);
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
    const { leases, group } = this.deps;
    await Promise.all([
      leases.heartbeat(group),
      ...[...this.owned.values()].map(async (owned) => {
        const sentAt = performance.now();
        const seq = await leases.renew(group, owned.partition, owned.leaseSeq);
        if (this.owned.get(owned.partition) !== owned) {
          // Dropped (deadline passed, or given back) while the renewal was on its way: free the lease at once
          // rather than leave it to age out with nobody working the partition.
          if (seq !== undefined) await leases.release(group, owned.partition, seq);
        } else if (seq === undefined) {
          this.lapse(owned, 'the renewal was refused, another process holds it now');
        } else {
          owned.leaseSeq = seq;
          this.extend(owned, sentAt);
        }
      }),
    ]);
  }

  /** A renewal (or the acquisition) sent at `sentAt` succeeded: the partition is ours until its new deadline. */
  private extend(owned: Owned, sentAt: number): void {
    owned.renewedAt = sentAt;
    owned.expiresAt = sentAt + this.deps.leaseMs * (1 - LEASE_SAFETY);
    this.watch(owned);
  }

  /** Drops the partition at its deadline unless a renewal moves the deadline first. */
  private watch(owned: Owned): void {
    clearTimeout(owned.expiry);
    owned.expiry = setTimeout(() => {
      if (this.holds(owned)) this.watch(owned); // a timer may fire a moment early
    }, Math.max(1, Math.ceil(owned.expiresAt - performance.now())));
  }

  /**
   * Whether the partition is still ours to work: held, and its deadline not passed by our own clock. Past the
   * deadline it is dropped on the spot (checked here as well as by its timer, which a busy event loop delays).
   */
  private holds(owned: Owned): boolean {
    if (this.owned.get(owned.partition) !== owned) return false;
    if (performance.now() < owned.expiresAt) return true;
    this.lapse(owned, `not renewed in time (a lease lasts ${this.deps.leaseMs} ms; this process stops ${Math.round(this.deps.leaseMs * LEASE_SAFETY)} ms early)`);
    return false;
  }

  /** Drops a partition whose lease is gone or may be, and says when it was last renewed. */
  private lapse(owned: Owned, why: string): void {
    const ago = Math.round(performance.now() - owned.renewedAt);
    const at = new Date(Date.now() - ago).toISOString();
    this.deps.onError(new LeaseLostError(`${this.deps.holder} lost the lease of ${this.deps.group} partition ${owned.partition}: ${why}; last renewed successfully at ${at} (${ago} ms ago). It stopped working on the partition; its unacknowledged messages go to the next holder`));
    this.forget(owned);
  }

  /** Gives back or takes partitions towards an even share: ceil(partitions / processes consuming the group). */
  private async balance(): Promise<void> {
    const { leases, group, partitions } = this.deps;
    const target = Math.ceil(partitions / Math.max(1, await leases.members(group)));
    const active = this.preference.map((p) => this.owned.get(p)).filter((o): o is Owned => o !== undefined && !o.releasing);
    if (active.length > target) {
      for (const owned of active.slice(target)) {
        owned.releasing = true;
        this.stop(owned);
        if (owned.handed.size === 0) await this.release(owned);
      }
    } else if (active.length < target) {
      const leased = await leases.leased(group);
      let have = active.length;
      for (const p of this.preference) {
        if (have >= target || this.closed) break;
        if (leased.has(p) || this.owned.has(p)) continue;
        if (await this.acquire(p)) have += 1;
      }
    }
  }

  private async acquire(partition: number): Promise<boolean> {
    const { leases, group, jsm, stream } = this.deps;
    const sentAt = performance.now();
    const seq = await leases.acquire(group, partition);
    if (seq === undefined) return false;
    // A consumer of our own for this holding, named after the lease's revision: a pull request the previous holder sent
    // just before it let go (still on its way to the server) addresses the previous consumer, so it can never take a
    // message of ours, which would then wait out the ack wait while later ones of its user went ahead.
    const base = this.deps.durable(partition);
    const durable = `${base}-${seq}`;
    let owned: Owned;
    try {
      // What the previous holders may have handed out: everything their consumers delivered.
      const previous = await partitionConsumers(jsm, stream, base);
      const seenUpTo = Math.max(0, ...previous.map((c) => c.delivered.stream_seq));
      owned = { partition, leaseSeq: seq, releasing: false, known: new Map(), handed: new Set(), seenUpTo, stopped: false, renewedAt: sentAt, expiresAt: 0 };
      this.owned.set(partition, owned);
      this.extend(owned, sentAt);
      // A fresh consumer starts at the partition's first unacknowledged message, whatever the last holder did.
      for (const consumer of previous) await deleteConsumerIfPresent(jsm, stream, consumer.name);
      await jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: this.deps.subject(partition),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(PARTITION_ACK_WAIT_MS),
        max_deliver: -1,
        max_ack_pending: this.deps.maxAckPending,
      });
    } catch (error) {
      const failed = this.owned.get(partition);
      if (failed) this.forget(failed);
      await leases.release(group, partition, seq).catch(() => undefined);
      throw error;
    }
    void this.pump(owned, durable).catch((error: unknown) => {
      if (!owned.stopped) this.deps.onError(error);
    });
    return true;
  }

  /** Moves the partition's messages into the buffer, in stream order, until the partition is stopped. */
  private async pump(owned: Owned, durable: string): Promise<void> {
    const consumer = await this.deps.js.consumers.get(this.deps.stream, durable);
    const messages = await consumer.consume({ max_messages: this.deps.pullMessages, expires: 5000 });
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
      while (this.buffer.length >= this.deps.maxBuffered && !owned.stopped) await sleep(20);
    }
  }

  /** Buffered items of partitions still ours, in arrival order (each partition in stream order), up to `max` in weight. */
  private take(max: number): T[] {
    const items: T[] = [];
    let weight = 0;
    let used = 0;
    while (used < this.buffer.length && weight < max) {
      const { owned, msg } = this.buffer[used++]!;
      if (owned.stopped || !this.holds(owned)) continue;
      let item: T;
      try {
        item = this.deps.decode(msg, msg.redelivered || msg.seq <= owned.seenUpTo);
      } catch (error) {
        this.deps.onError(new Error(`message ${msg.seq} of ${this.deps.group} partition ${owned.partition} is unreadable and was terminated: ${String(error)}`));
        msg.term('unreadable');
        owned.known.delete(msg.seq);
        continue;
      }
      owned.handed.add(msg.seq);
      this.handedBy.set(msg.seq, owned);
      items.push(item);
      weight += this.deps.weight?.(item) ?? 1;
    }
    this.buffer = this.buffer.slice(used);
    return items;
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
    // Not confirmed: the message may be handed out again by the partition's next holder (downstream dedupes).
    this.deps.onError(new Error(`acknowledgement of message ${msg.seq} of ${this.deps.group} not confirmed: ${String(last)}`));
  }

  /**
   * Stops handing out and pulling a partition's messages; the buffered ones stay in the stream for the next holder.
   * They leave the buffer when take() comes to them: only pump() (appending) and take() (from the front) change the
   * buffer. Filtering it here replaced it under a take() that was walking it (a partition found lapsed on the way),
   * which then skipped a message of a partition still ours: handed out only after its partition moved, after later
   * messages of its user.
   */
  private stop(owned: Owned): void {
    owned.stopped = true;
    void owned.messages?.close().catch(() => undefined);
  }

  /** Gives back partitions being released once nothing handed out of them is unacknowledged. */
  private async releaseDrained(): Promise<void> {
    for (const owned of [...this.owned.values()]) {
      if (owned.releasing && owned.handed.size === 0) await this.release(owned);
    }
  }

  private async release(owned: Owned): Promise<void> {
    this.forget(owned);
    await this.deps.leases.release(this.deps.group, owned.partition, owned.leaseSeq);
  }

  /** Stops the partition and no longer counts it as ours. */
  private forget(owned: Owned): void {
    this.stop(owned);
    clearTimeout(owned.expiry);
    if (this.owned.get(owned.partition) === owned) this.owned.delete(owned.partition);
  }

  private stopAll(): void {
    for (const owned of [...this.owned.values()]) this.forget(owned);
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
