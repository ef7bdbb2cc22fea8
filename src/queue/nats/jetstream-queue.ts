import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { sleep } from '../../core/sleep.js';
import type { ConsumeOptions, InboxMessage, InboxRecord, Queue } from '../queue.js';
import { decodeInbox, encodedSize, encodeInbox } from './inbox-codec.js';
import { ensureDurableConsumer, ensureStream, workQueueStream, type JetStreamSettings } from './jetstream-setup.js';
import { jetStreamNames, type JetStreamNames } from './jetstream-names.js';
import { connectNats } from './nats-connection.js';

export interface JetStreamQueueOptions extends JetStreamSettings {
  url: string;
  prefix: string;
  /** Connection name shown by `nats server report connections`. */
  clientName?: string;
}

interface PendingPublish {
  records: readonly InboxRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Inbox messages a consumer buffers. Each carries one group-committed batch of records. */
const FETCH_MESSAGES = 64;
const CONSUME_EXPIRES_MS = 5000;
/** Records in one inbox sequence slot: `seq = streamSeq * SEQ_SLOT + index`, monotonic per stream. */
const SEQ_SLOT = 100_000;
/** Leave headroom under the server's max_payload for headers and framing. */
const PAYLOAD_HEADROOM = 0.9;
/** Header telling consumers how many records a message carries (to size their pulls). */
const RECORDS_HEADER = 'Sluice-Records';

/**
 * The queues on NATS JetStream (scale mode).
 *
 * Publishing: every publish of one event-loop turn becomes one JetStream message (group commit, as in the
 * embedded queue), split only at the server's max payload. `publishInbox` resolves when JetStream has
 * acknowledged storage (PubAck: on disk on a quorum of replicas), which is what a 200 promises.
 *
 * Consuming: one durable pull consumer shared by every processor process; each message is acknowledged
 * explicitly after the handler has committed, kept alive with `working()` while the handler runs, and
 * redelivered after the ack wait if its process dies. Redelivered records are deduplicated downstream by
 * (sourceId, messageId).
 */
export class JetStreamQueue implements Queue {
  private pending: PendingPublish[] = [];
  private flushScheduled = false;
  private closed = false;
  private publishedMessages = 0;
  private publishedRecords = 0;
  private readonly maxPayload: number;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly names: JetStreamNames,
    private readonly settings: JetStreamSettings,
  ) {
    this.maxPayload = Math.floor(nc.info?.max_payload ?? 1024 * 1024) * PAYLOAD_HEADROOM;
  }

  /** Connects and makes sure the inbox stream and its durable consumer exist. */
  static async open(options: JetStreamQueueOptions): Promise<JetStreamQueue> {
    const names = jetStreamNames(options.prefix);
    const nc = await connectNats(options.url, options.clientName ?? `sluice-${process.pid}`);
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStream(jsm, workQueueStream(names.inboxStream, [names.inboxSubject], options));
      await ensureDurableConsumer(jsm, names.inboxStream, { durable_name: names.inboxConsumer, max_ack_pending: 1000 }, options);
      return new JetStreamQueue(nc, jetstream(nc), jsm, names, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** The underlying connection (the change feed relay shares it). */
  get connection(): NatsConnection {
    return this.nc;
  }

  publishInbox(records: readonly InboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Publishes the publishes of this turn as few messages as the payload limit allows; settles each. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    const chunks: PendingPublish[][] = [];
    let current: PendingPublish[] = [];
    let size = 0;
    for (const p of group) {
      const bytes = p.records.reduce((n, r) => n + encodedSize(r), 0);
      if (current.length > 0 && size + bytes > this.maxPayload) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(p);
      size += bytes;
    }
    if (current.length > 0) chunks.push(current);
    await Promise.all(chunks.map((chunk) => this.publishChunk(chunk)));
  }

  private async publishChunk(chunk: PendingPublish[]): Promise<void> {
    // A single publish whose records exceed the payload on their own is split on its own.
    const records = chunk.flatMap((p) => p.records);
    const parts: InboxRecord[][] = [];
    let part: InboxRecord[] = [];
    let size = 0;
    for (const r of records) {
      const bytes = encodedSize(r);
      if (part.length > 0 && size + bytes > this.maxPayload) {
        parts.push(part);
        part = [];
        size = 0;
      }
      part.push(r);
      size += bytes;
    }
    if (part.length > 0) parts.push(part);
    try {
      await Promise.all(
        parts.map((p) => {
          const h = headers();
          h.set(RECORDS_HEADER, String(p.length));
          return this.js.publish(this.names.inboxSubject, encodeInbox(p), { headers: h });
        }),
      );
      this.publishedMessages += parts.length;
      this.publishedRecords += records.length;
    } catch (error) {
      for (const p of chunk) p.reject(error);
      return;
    }
    for (const p of chunk) p.resolve();
  }

  async consumeInbox(handler: (batch: InboxMessage[]) => Promise<void>, options: ConsumeOptions): Promise<void> {
    const consumer = await this.js.consumers.get(this.names.inboxStream, this.names.inboxConsumer);
    const { signal } = options;
    if (signal.aborted || this.closed) return;
    // consume() keeps a small buffer of pulled messages; a batch is whatever has arrived (up to batchSize
    // records), so a lone event is handled at once instead of waiting for a full pull.
    const iterator = await consumer.consume({ max_messages: FETCH_MESSAGES, expires: CONSUME_EXPIRES_MS });
    const stop = () => void iterator.close();
    signal.addEventListener('abort', stop, { once: true });
    let batch: JsMsg[] = [];
    let records = 0;
    try {
      for await (const m of iterator) {
        batch.push(m);
        records += Number(m.headers?.get(RECORDS_HEADER) || 1);
        if (records >= options.batchSize || iterator.getPending() === 0) {
          const taken = batch;
          batch = [];
          records = 0;
          await this.handle(taken, handler, options);
        }
        if (signal.aborted || this.closed) break;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      // Hand back what was pulled but not handled, so another process gets it now rather than after ack wait.
      for (const m of batch) {
        try {
          m.nak();
        } catch {
          // connection gone: redelivered after the ack wait
        }
      }
      await iterator.close().catch(() => undefined);
    }
  }

  private async handle(messages: JsMsg[], handler: (batch: InboxMessage[]) => Promise<void>, options: ConsumeOptions): Promise<void> {
    const batch: InboxMessage[] = [];
    const valid: JsMsg[] = [];
    for (const m of messages) {
      let records: InboxRecord[];
      try {
        records = decodeInbox(m.data);
      } catch (error) {
        // A message no code version can read would be redelivered for ever: end it, loudly.
        options.onError?.(new Error(`inbox message ${m.seq} is unreadable and was terminated: ${String(error)}`));
        m.term('unreadable');
        continue;
      }
      valid.push(m);
      records.forEach((r, i) => batch.push({ ...r, seq: m.seq * SEQ_SLOT + i, ...(m.redelivered ? { redelivered: true } : {}) }));
    }
    if (valid.length === 0) return;
    // Keep the messages ours while the handler runs longer than part of the ack wait.
    const keepAlive = setInterval(() => {
      if (this.closed) return clearInterval(keepAlive);
      try {
        for (const m of valid) m.working();
      } catch {
        // the connection is down: JetStream will redeliver after the ack wait, and dedupe absorbs it
      }
    }, Math.max(100, Math.floor(this.settings.ackWaitMs / 3)));
    try {
      await handler(batch);
    } catch (error) {
      clearInterval(keepAlive);
      options.onError?.(error);
      const delay = options.retryDelayMs ?? 1000;
      for (const m of valid) m.nak(delay);
      await sleep(delay, options.signal).catch(() => undefined);
      return;
    }
    clearInterval(keepAlive);
    for (const m of valid) m.ack();
    await this.nc.flush();
  }

  /**
   * Unacknowledged inbox records, estimated: JetStream counts messages, and each message carries a batch,
   * so pending messages are multiplied by the records per message this process has published (1 if none).
   */
  async inboxBacklog(): Promise<number> {
    const info = await this.jsm.consumers.info(this.names.inboxStream, this.names.inboxConsumer);
    const perMessage = this.publishedMessages === 0 ? 1 : this.publishedRecords / this.publishedMessages;
    return Math.round((info.num_pending + info.num_ack_pending) * perMessage);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) await this.flush();
    this.closed = true;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
