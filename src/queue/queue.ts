/**
 * The queues between stages. Two implementations: tables in the embedded SQLite file (`queue/sqlite`) and
 * NATS JetStream streams (`queue/nats`). Delivery is at least once: a consumer's handler may see a message
 * again after a crash, so every stage is idempotent (events are deduplicated by messageId).
 *
 * @example
 *   await queue.publishInbox([{ workspaceId, sourceId, json }]); // resolves once durable
 *   await queue.consumeInbox(async (batch) => { ... }, { batchSize: 500, signal });
 */
export interface Queue {
  /** Appends records to the inbox; resolves only once they are durably stored. */
  publishInbox(records: readonly InboxRecord[]): Promise<void>;
  /**
   * Calls `handler` with batches of inbox messages in order until `signal` aborts. A batch is acknowledged
   * after the handler resolves; if it throws, the same batch is offered again after a pause.
   */
  consumeInbox(handler: (batch: InboxMessage[]) => Promise<void>, options: ConsumeOptions): Promise<void>;
  /** Messages published but not yet acknowledged by the processor. */
  inboxBacklog(): Promise<number>;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  batchSize: number;
  signal: AbortSignal;
  /** Called when the handler throws; the batch is retried after `retryDelayMs`. */
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

export interface InboxRecord {
  workspaceId: string;
  sourceId: string;
  /** The normalized Segment event, serialized. */
  json: string;
  signals?: RequestSignals;
}

export interface InboxMessage extends InboxRecord {
  /** Position in the inbox (monotonic per queue). */
  seq: number;
}
