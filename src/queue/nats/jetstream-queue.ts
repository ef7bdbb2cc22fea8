import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { SluiceError } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';
import { expandStoredRequest } from '../../core/tracking/stored-request.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { ConsumeOptions, InboxEventRecord, InboxHandler, InboxMessage, InboxRecord, Queue } from '../queue.js';
import { decodeInbox, encodedSize, encodeInbox } from './inbox-codec.js';
import { orderingKeyOf, orderingKeyOfJson } from '../ordering-key.js';
import { deleteConsumerIfPresent, ensureStream, openJetStream, workQueueStream, type JetStreamSettings } from './jetstream-setup.js';
import { jetStreamNames, type JetStreamNames } from './jetstream-names.js';
import { INBOX_PARTITIONS, partitionOf } from './partition.js';
import { PartitionedConsumer } from './partitioned-consumer.js';
import { PartitionLeases } from './partition-leases.js';

export interface JetStreamQueueOptions extends JetStreamSettings {
  url: string;
  prefix: string;
  /** Connection name shown by `nats server report connections`. */
  clientName?: string;
  /** Inbox partitions (tests only; production uses INBOX_PARTITIONS). */
  partitions?: number;
}

interface PendingPublish {
  records: readonly InboxRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Messages carrying some of its records and not yet acknowledged by JetStream. */
  parts: number;
  failed?: unknown;
}

/** One record of an inbox message, at its inbox position. */
interface ReceivedRecord extends InboxEventRecord {
  seq: number;
  redelivered?: boolean;
}

/** One inbox message handed to this processor: one partition's records of one group commit. */
interface InboxItem {
  readonly seq: number;
  readonly records: ReceivedRecord[];
}

/** The records a publish puts on the stream: a Tracking API request is normalized here, one record per event. */
function eventRecordsOf(record: InboxRecord): InboxEventRecord[] {
  if (record.kind !== 'request') return [record];
  const { events, failed } = expandStoredRequest(record.request);
  if (failed.length > 0) {
    // The Tracking API validated this request a moment ago with the same rules: this is a bug, not bad input.
    throw new Error(`a request accepted by the Tracking API failed normalization: ${failed[0]!.message}`);
  }
  return events.map((event) => {
    const r: InboxEventRecord = { workspaceId: record.workspaceId, sourceId: record.sourceId, json: JSON.stringify(event), partitionKey: orderingKeyOf(event) };
    if (record.signals) r.signals = record.signals;
    return r;
  });
}

/** The message the processor sees: the event decoded afresh for every attempt (stages may change it). */
function messageOf(record: ReceivedRecord, redelivered: boolean): InboxMessage {
  const message: InboxMessage = { seq: record.seq, workspaceId: record.workspaceId, sourceId: record.sourceId, event: JSON.parse(record.json) as SegmentEvent };
  if (record.signals) message.signals = record.signals;
  if (redelivered || record.redelivered) message.redelivered = true;
  return message;
}

/** Inbox messages one partition's pull keeps buffered (each carries up to a group commit of records). */
const PULL_MESSAGES = 32;
/** Inbox messages received and not yet handed out, over all partitions. */
const MAX_BUFFERED = 256;
/** Unacknowledged inbox messages one partition may have out. */
const PARTITION_MAX_ACK_PENDING = 1000;
/** Longest one fetch waits for the first message before looking at the abort signal again. */
const FETCH_WAIT_MS = 1000;
/** Records in one inbox sequence slot: `seq = streamSeq * SEQ_SLOT + index`, monotonic per stream. */
const SEQ_SLOT = 100_000;
/** Leave headroom under the server's max_payload for headers and framing. */
const PAYLOAD_HEADROOM = 0.9;
/** Header telling how many records a message carries. */
const RECORDS_HEADER = 'Sluice-Records';

/**
 * The inbox on NATS JetStream (scale mode), partitioned by user (docs/decisions/0503).
 *
 * Publishing: every publish of one event-loop turn is grouped (group commit, as in the embedded queue), its
 * records split by partition (`partitionOf(workspace, userId ?? anonymousId)`, INBOX_PARTITIONS subjects),
 * and each partition's records become one JetStream message, split only at the server's max payload.
 * `publishInbox` resolves when JetStream has acknowledged storage of every message holding its records
 * (PubAck: on disk on a quorum of replicas), which is what a 200 promises.
 *
 * Consuming: each processor process holds the leases of a share of the partitions and consumes them in
 * stream order through a {@link PartitionedConsumer}, the same machinery the routers use for delivery jobs:
 * one processor per partition at a time, so a user's batches are stored and fanned out in order. A batch is
 * acknowledged (confirmed) after the handler resolved, i.e. after the store commit and the fan-out publish;
 * a handler that throws gets the same batch again (marked redelivered) and nothing behind it of those
 * partitions meanwhile. A dead processor's partitions move to the others once its leases expire, starting
 * at their first unacknowledged message; records its consumer may have handed out are marked redelivered
 * (deduplicated by (sourceId, messageId) in the store, fanned out again).
 */
export class JetStreamQueue implements Queue {
  private pending: PendingPublish[] = [];
  private flushScheduled = false;
  private closed = false;
  private publishedMessages = 0;
  private publishedRecords = 0;
  private readonly maxPayload: number;
  /** When the client lost its connection to NATS (undefined while connected). */
  private disconnectedSince: number | undefined;
  private readonly leases: PartitionLeases;
  private readonly consumers = new Set<PartitionedConsumer<InboxItem>>();
  /** Settles when this process's last inbox consumer has given its leases back. */
  private lastConsumerClosed: Promise<void> = Promise.resolve();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly names: JetStreamNames,
    private readonly settings: JetStreamSettings,
    private readonly partitions: number,
  ) {
    this.maxPayload = Math.floor(nc.info?.max_payload ?? 1024 * 1024) * PAYLOAD_HEADROOM;
    this.leases = new PartitionLeases(js, jsm, names, randomBytes(6).toString('hex'));
    void this.watchConnection();
  }

  /** Keeps `disconnectedSince` current from the client's status events (it reconnects by itself). */
  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.disconnectedSince ??= Date.now();
      else if (status.type === 'reconnect') this.disconnectedSince = undefined;
    }
  }

  unavailable(): string | undefined {
    if (this.nc.isClosed()) return 'the connection to NATS is closed';
    if (this.disconnectedSince === undefined) return undefined;
    return `the connection to NATS was lost ${Math.round((Date.now() - this.disconnectedSince) / 1000)} s ago and is being re-established`;
  }

  /** Connects and makes sure the inbox and leases streams exist (and the pre-0503 shared consumer does not). */
  static async open(options: JetStreamQueueOptions): Promise<JetStreamQueue> {
    const names = jetStreamNames(options.prefix);
    const { nc, js, jsm } = await openJetStream(options.url, options.clientName ?? `sluice-${process.pid}`, async (jsm) => {
      await ensureStream(jsm, workQueueStream(names.inboxStream, [names.inboxWildcard], options));
      // A work-queue stream refuses partition consumers next to an unfiltered one.
      await deleteConsumerIfPresent(jsm, names.inboxStream, names.legacyInboxConsumer);
      await PartitionLeases.ensureStream(jsm, names, options);
    });
    return new JetStreamQueue(nc, js, jsm, names, options, options.partitions ?? INBOX_PARTITIONS);
  }

  /** The underlying connection (the change feed relay shares it). */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** This process's identity in leases and membership. */
  get memberId(): string {
    return this.leases.memberId;
  }

  /** Inbox partitions this process consumes now (for tests). */
  get consumedPartitions(): number[] {
    return [...this.consumers].flatMap((c) => c.partitions).sort((a, b) => a - b);
  }

  publishInbox(records: readonly InboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, resolve, reject, parts: 0 });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Publishes the publishes of this turn: per partition, as few messages as the payload limit allows, in
   * publish order (one connection keeps it, so a user's records get increasing stream sequences). Each
   * publish settles once every message holding its records is acknowledged (or rejects on the first failure).
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    const byPartition = new Map<number, { record: InboxEventRecord; from: PendingPublish }[]>();
    for (const p of group) {
      let records: InboxEventRecord[];
      try {
        records = p.records.flatMap(eventRecordsOf);
      } catch (error) {
        p.reject(error);
        continue;
      }
      for (const record of records) {
        const partition = partitionOf(record.workspaceId, record.partitionKey ?? orderingKeyOfJson(record.json), this.partitions);
        let list = byPartition.get(partition);
        if (!list) byPartition.set(partition, (list = []));
        list.push({ record, from: p });
      }
    }
    const messages: { partition: number; records: InboxEventRecord[]; from: Set<PendingPublish> }[] = [];
    for (const [partition, list] of byPartition) {
      let current: (typeof messages)[number] = { partition, records: [], from: new Set() };
      let size = 0;
      for (const { record, from } of list) {
        const bytes = encodedSize(record);
        if (current.records.length > 0 && size + bytes > this.maxPayload) {
          messages.push(current);
          current = { partition, records: [], from: new Set() };
          size = 0;
        }
        current.records.push(record);
        current.from.add(from);
        size += bytes;
      }
      messages.push(current);
    }
    for (const m of messages) for (const p of m.from) p.parts += 1;
    const settle = (p: PendingPublish) => {
      p.parts -= 1;
      if (p.parts === 0) {
        if (p.failed === undefined) p.resolve();
        else p.reject(p.failed);
      }
    };
    await Promise.all(
      messages.map(async (m) => {
        const h = headers();
        h.set(RECORDS_HEADER, String(m.records.length));
        try {
          await this.js.publish(this.names.inboxSubject(m.partition), encodeInbox(m.records), { headers: h });
          this.publishedMessages += 1;
          this.publishedRecords += m.records.length;
        } catch (error) {
          // No PubAck: the server may not have the events. Answered as an outage (503, retry), never as a bug.
          const reason = error instanceof Error ? error.message : String(error);
          for (const p of m.from) p.failed ??= new SluiceError('storage_unavailable', `The queue (NATS JetStream) did not confirm the events (${reason}); they were not accepted: send them again in a few seconds.`, { retryAfterSeconds: 5 });
        }
        for (const p of m.from) settle(p);
      }),
    );
  }

  async consumeInbox(handler: InboxHandler, options: ConsumeOptions): Promise<void> {
    const { signal } = options;
    if (signal.aborted || this.closed) return;
    const consumer = new PartitionedConsumer<InboxItem>({
      nc: this.nc,
      js: this.js,
      jsm: this.jsm,
      leases: this.leases,
      stream: this.names.inboxStream,
      group: this.names.inboxGroup,
      partitions: this.partitions,
      subject: (p) => this.names.inboxSubject(p),
      subjects: this.names.inboxWildcard,
      durable: (p) => this.names.inboxConsumer(p),
      decode: (msg, seen) => ({
        seq: msg.seq,
        records: decodeInbox(msg.data).map((r, i) => ({ ...r, seq: msg.seq * SEQ_SLOT + i, ...(seen ? { redelivered: true } : {}) })),
      }),
      weight: (item) => item.records.length,
      pullMessages: PULL_MESSAGES,
      maxBuffered: MAX_BUFFERED,
      maxAckPending: PARTITION_MAX_ACK_PENDING,
      leaseMs: this.settings.ackWaitMs,
      after: this.lastConsumerClosed,
      holder: 'processor',
      onError: (error) => options.onError?.(error),
    });
    this.consumers.add(consumer);
    try {
      while (!signal.aborted && !this.closed) {
        const items = await consumer.fetch(options.batchSize, { signal, waitMs: FETCH_WAIT_MS });
        if (items.length > 0) await this.handle(consumer, items, handler, options);
      }
    } finally {
      this.consumers.delete(consumer);
      const closed = consumer.close();
      this.lastConsumerClosed = closed.catch(() => undefined);
      await closed;
    }
  }

  /**
   * Runs the handler on the records of `items` until it resolves (and the outcome it returned is durable), then
   * acknowledges them. A failed batch is
   * offered again (marked redelivered) after the retry delay, with nothing newer of its partitions in between;
   * items whose partition was lost meanwhile are dropped from it (their next holder handles them). The
   * handler's `stillHeld()` is false once one of the batch's partitions is lost or its lease may have expired.
   */
  private async handle(consumer: PartitionedConsumer<InboxItem>, items: InboxItem[], handler: InboxHandler, options: ConsumeOptions): Promise<void> {
    let batch = items;
    for (let attempt = 0; ; attempt++) {
      const lost = batch.filter((item) => !consumer.owns(item));
      if (lost.length > 0) {
        await consumer.giveBack(lost);
        batch = batch.filter((item) => !lost.includes(item));
      }
      if (batch.length === 0) return;
      const messages = batch.flatMap((item) => item.records.map((r) => messageOf(r, attempt > 0)));
      const attempted = batch;
      const stillHeld = () => attempted.every((item) => consumer.owns(item));
      try {
        const outcome = await handler(messages, stillHeld);
        if (outcome) await outcome.durable;
      } catch (error) {
        // Given up because a partition was lost (the consumer reported it): the rest of the batch goes on at once.
        if (!stillHeld()) continue;
        options.onError?.(error);
        await sleep(options.retryDelayMs ?? 1000, options.signal).catch(() => undefined);
        if (options.signal.aborted || this.closed) return void (await consumer.giveBack(batch));
        continue;
      }
      await consumer.ack(batch);
      return;
    }
  }

  /**
   * Unacknowledged inbox records, estimated: JetStream counts messages, and each message carries a batch,
   * so the messages left in the work-queue stream are multiplied by the records per message this process
   * has published (1 if none).
   */
  async inboxBacklog(): Promise<number> {
    const info = await this.jsm.streams.info(this.names.inboxStream);
    const perMessage = this.publishedMessages === 0 ? 1 : this.publishedRecords / this.publishedMessages;
    return Math.round(info.state.messages * perMessage);
  }

  /** The inbox stream's last sequence: work-queue retention removes a message once a processor acknowledged it. */
  async inboxMark(): Promise<number> {
    return (await this.jsm.streams.info(this.names.inboxStream)).state.last_seq;
  }

  /** Nothing at or below the mark is left in the stream (its partitions are acknowledged in any order). */
  async inboxPassed(mark: number): Promise<boolean> {
    const { state } = await this.jsm.streams.info(this.names.inboxStream);
    return state.messages === 0 || state.first_seq > mark;
  }

  /** Nothing to do: the inbox stream's work-queue retention removes a message as soon as it is acknowledged. */
  async forgetProcessed(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) await this.flush();
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => undefined)));
    await this.nc.drain().catch(() => this.nc.close());
  }
}
