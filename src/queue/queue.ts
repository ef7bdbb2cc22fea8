import type { SubjectIdentifier } from '../core/privacy/subject.js';
import type { StoredRequest } from '../core/tracking/stored-request.js';
import type { SegmentEvent } from '../protocol/segment-event.js';

/**
 * The queues between stages. Two implementations: tables in the embedded SQLite file (`queue/sqlite`) and
 * NATS JetStream streams (`queue/nats`). Delivery is at least once: a consumer's handler may see a message
 * again after a crash, so every stage is idempotent (events are deduplicated by messageId).
 *
 * @example
 *   await queue.publishInbox([{ kind: 'request', workspaceId, sourceId, request }]); // resolves once durable
 *   await queue.consumeInbox(async (batch) => { ... }, { batchSize: 500, signal });
 */
export interface Queue {
  /** Appends records to the inbox; resolves only once they are durably stored. */
  publishInbox(records: readonly InboxRecord[]): Promise<void>;
  /**
   * Calls `handler` with batches of inbox messages in order until `signal` aborts. A batch is acknowledged
   * after the handler resolves and, if it returned an {@link InboxBatchOutcome}, after its `durable` resolves; if
   * either fails, the same batch is offered again after a pause. `stillHeld()`
   * turns false once this consumer may no longer work on the batch (JetStream: the lease of one of its
   * partitions may have expired, so another processor may be handling the same messages): the handler stops
   * before its next write, and the batch is not acknowledged here.
   */
  consumeInbox(handler: InboxHandler, options: ConsumeOptions): Promise<void>;
  /** Messages published but not yet acknowledged by the processor. */
  inboxBacklog(): Promise<number>;
  /**
   * A mark of the inbox as it is now, for {@link Queue.inboxPassed}: the privacy-request executor takes one
   * after writing a suppression, so it can wait for the batches that were being processed before it.
   */
  inboxMark(): Promise<number>;
  /** Whether every message published before `mark` was taken has been processed (acknowledged). */
  inboxPassed(mark: number): Promise<boolean>;
  /**
   * Removes what the processor has processed from the inbox now, instead of in its own time: the requests as
   * received hold people's data, and an erasure must not leave a copy behind (a deletion calls it once the
   * pipeline has passed its mark). Returns the messages removed.
   */
  forgetProcessed(): Promise<number>;
  /**
   * Why the inbox cannot take messages right now (its server connection is down), or undefined. The Tracking
   * API answers `503 storage_unavailable` at once while it is set, and `/health` reports it.
   */
  unavailable(): string | undefined;
  close(): Promise<void>;
}

/**
 * The per-destination delivery queues between the processor's fan-out and the router. Implemented by
 * `SqliteQueue` (embedded); the JetStream implementation subscribes per destination (subjects partitioned by
 * a hash of `partitionKey` keep per-user order) and acks per job.
 *
 * @example
 *   await deliveries.publishDeliveries(jobs); // resolves once durable
 *   const consumer = deliveries.deliveryConsumer(destinationId);
 */
export interface DeliveryQueue {
  /**
   * Appends delivery jobs (one per event and destination, from the processor's fan-out, a replay or a manual
   * retry); resolves once they are durable. Jobs of one destination with the same `partitionKey` must be
   * consumed in publish order (per-user ordering); different keys may be consumed in any order.
   */
  publishDeliveries(jobs: readonly DeliveryJobRecord[]): Promise<void>;
  /**
   * The consumer of one destination's jobs (the router runs one per destination, so a slow destination never
   * holds up another). Only one consumer per destination at a time in a process.
   */
  deliveryConsumer(destinationId: string): DeliveryConsumer;
  /** Discards every job of a destination (it was deleted). */
  purgeDeliveries(destinationId: string): Promise<void>;
  /**
   * Jobs of a destination published and not yet acknowledged, handed out or not: what it has still to be sent
   * (its backlog). Read without consuming (any process may ask).
   */
  waiting(destinationId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Reads one destination's delivery jobs. Jobs are handed out once per consumer, in publish order; a job
 * not acknowledged before the consumer goes away (crash, restart) is handed out again to the next one.
 *
 * @example
 *   const consumer = queue.deliveryConsumer(destinationId);
 *   const jobs = await consumer.fetch(100, { signal, waitMs: 250 }); // [] after waitMs when idle
 *   // ... deliver, retry as long as the policy allows ...
 *   await consumer.ack(finishedJobs); // delivered, failed or dropped: never handed out again
 */
export interface DeliveryConsumer {
  /** Up to `max` jobs not yet handed to this consumer, oldest first; waits up to `waitMs` for the first. */
  fetch(max: number, options: { signal: AbortSignal; waitMs: number }): Promise<DeliveryJob[]>;
  /** Marks jobs finished. */
  ack(jobs: readonly DeliveryJob[]): Promise<void>;
  /** Jobs published and not yet acknowledged. */
  backlog(): Promise<number>;
  /**
   * Optional (queues shared by several router processes): false once a job handed out may no longer be
   * delivered by this consumer, because its partition is moving to another router. The lane then drops it
   * undelivered and reports it through `giveBack`; the next holder delivers it.
   */
  owns?(job: DeliveryJob): boolean;
  /** Jobs dropped undelivered after `owns` returned false. */
  giveBack?(jobs: readonly DeliveryJob[]): Promise<void>;
  /**
   * Optional (both queues have it; a consumer otherwise reads forward only): the jobs of one partition key with a
   * seq in (`afterSeq`, `upToSeq`] that were handed out and not acknowledged, oldest first, at most `max`. Lets the
   * router set aside a user's jobs held behind that user's retrying one (forgotten in memory, left in the queue) and
   * read them again once it is done, so they do not fill its memory and stop every other user.
   */
  reread?(partitionKey: string, afterSeq: number, upToSeq: number, max: number): Promise<DeliveryJob[]>;
}

/** One event to deliver to one destination. */
export interface DeliveryJobRecord {
  workspaceId: string;
  destinationId: string;
  sourceId: string;
  messageId: string;
  /** Ordering key (the profile, else userId or anonymousId): per-key order is kept per destination. */
  partitionKey: string;
  /** The event as it leaves for this destination (after consent, filters and PII policy), serialized. */
  json: string;
  /**
   * The stored event's seq when `json` is its stored payload unchanged (the common case: no PII rule or
   * consent change for this destination). A queue may keep this reference instead of the JSON (the embedded
   * queue does: the event is not written, read and zeroed a second time); the router then reads the payload
   * from the store just before sending: what leaves is the event as stored then (its IP truncated by retention
   * meanwhile, say), and an event erased meanwhile is not sent.
   */
  storedSeq?: number;
  /**
   * The stored event this job delivers (its seq), whether the job keeps the event's JSON or refers to it: the
   * embedded queue finds an event's jobs by it (decision 0108). Absent in jobs an earlier version queued, and where
   * the fan-out had no stored event at hand (an event of a batch handed out again that was erased meanwhile).
   */
  eventSeq?: number;
  /** When the event was received (epoch ms), for latency figures. */
  receivedAt: number;
  /**
   * The delivery log holds no row for this job: the embedded fan-out queued it without one (decision 0108), so its
   * first outcome may be kept in a delivered run (decision 0109). Absent on replays' and retries' jobs (they write
   * `queued` rows) and wherever the log keeps a row per job.
   */
  unlogged?: true;
  /**
   * The identifiers the event names (`identifiersOfEvent` of the event as it leaves), for the router's last
   * privacy check without parsing `json`. Absent in jobs an earlier version queued: the router reads `json`.
   */
  subject?: SubjectIdentifier[];
}

export interface DeliveryJob extends Omit<DeliveryJobRecord, 'json'> {
  /** Position in the destination's queue (monotonic per queue). */
  seq: number;
  /**
   * The event as it leaves, serialized; absent when the queue kept only `storedSeq` (the router reads the
   * stored payload before sending, and sets it here).
   */
  json?: string;
  /**
   * The job may have been handed out before: to a router that stopped or died without finishing it, or to
   * another router process whose partition moved here. The router reads its retry state back from the
   * delivery log. Absent on a first handout (the embedded queue also marks what was queued before it opened).
   */
  redelivered?: boolean;
}

/** Handles a batch of inbox messages (see {@link Queue.consumeInbox}). */
export type InboxHandler = (batch: InboxMessage[], stillHeld: () => boolean) => Promise<void | InboxBatchOutcome>;

/**
 * A batch the handler is done with whose writes become durable later (the processor's store flush): the queue
 * acknowledges it once `durable` resolves, and offers it again if it rejects. The embedded inbox hands out the next
 * batch meanwhile, so the flush overlaps the next batch's work (decision 0110); JetStream waits for it before it
 * acknowledges, as for a handler that resolves only then.
 */
export interface InboxBatchOutcome {
  durable: Promise<void>;
}

export interface ConsumeOptions {
  batchSize: number;
  signal: AbortSignal;
  /**
   * Called when the handler throws (the batch is retried after `retryDelayMs`), and for trouble the queue
   * survives (JetStream: a lost partition lease, an acknowledgement not confirmed, an unreadable message).
   */
  onError?: (error: unknown) => void;
  retryDelayMs?: number;
}

/** Privacy-relevant facts of the HTTP request an event came in (not part of the Segment event). */
export interface RequestSignals {
  /** `Sec-GPC: 1` was on the request. */
  gpc?: boolean;
  /** `DNT: 1` was on the request. */
  dnt?: boolean;
  /** Country from the deployment's proxy header, when configured. */
  country?: string;
  /** User-Agent of the request. */
  userAgent?: string;
}

/**
 * What the inbox takes: a Tracking API request as received (the Tracking API's records: validated, stored
 * as sent, normalized by the processor; decision 0004), or one event already normalized (events Sluice
 * produces itself, e.g. a privacy request's consent change).
 */
export type InboxRecord = InboxRequestRecord | InboxEventRecord;

export interface InboxRequestRecord {
  kind: 'request';
  workspaceId: string;
  sourceId: string;
  request: StoredRequest;
  signals?: RequestSignals;
}

export interface InboxEventRecord {
  kind?: 'event';
  workspaceId: string;
  sourceId: string;
  /** The normalized Segment event, serialized. */
  json: string;
  signals?: RequestSignals;
  /**
   * Ordering key (`orderingKeyOf`: userId, else anonymousId), when the publisher has the parsed event at
   * hand; queues that partition the inbox by user (JetStream) read it from `json` otherwise.
   */
  partitionKey?: string;
}

/** Events a record holds. */
export function eventsOf(record: InboxRecord): number {
  return record.kind === 'request' ? record.request.events : 1;
}

/** One normalized event handed to the processor. */
export interface InboxMessage {
  /** Position in the inbox (monotonic per queue). */
  seq: number;
  workspaceId: string;
  sourceId: string;
  /** The normalized event: a fresh object each time the message is handed out (stages may change it). */
  event: SegmentEvent;
  signals?: RequestSignals;
  /**
   * The message may have been handed to a consumer before (retried after an error, redelivered after a crash,
   * or, in the embedded queue, already in the inbox when this consumer started). The processor then routes an
   * event it already stored again, since the crash may have come between the store write and the fan-out.
   */
  redelivered?: boolean;
}
