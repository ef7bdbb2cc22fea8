import { sleep } from '../../core/sleep.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import type { ConsumeOptions, DeliveryConsumer, DeliveryJobRecord, DeliveryQueue, InboxMessage, InboxRecord, Queue } from '../queue.js';
import { SqliteDeliveryQueue } from './sqlite-delivery-queue.js';

interface PendingPublish {
  records: readonly InboxRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface InboxRow {
  seq: number;
  workspace_id: string;
  source_id: string;
  body: string;
  signals: string | null;
}

const INBOX_CONSUMER = 'processor';
/** Flush at once when this many events wait, rather than at the end of the event-loop turn. */
const MAX_GROUP_EVENTS = 20_000;
const IDLE_POLL_MS = 15;
const TRUNCATE_EVERY = 50;

/**
 * The embedded queues: append-only tables in the same SQLite file as the store.
 *
 * Publishing uses group commit: every publish in one event-loop turn shares one transaction and one fsync,
 * so a 200 can wait for the disk without costing a disk flush per request. The inbox key is a sequential
 * integer (AUTOINCREMENT, never reused after truncation), so appends hit the right edge of the B-tree; the
 * consumer keeps its position in `queue_offsets` and truncates what it has acknowledged.
 */
export class SqliteQueue implements Queue, DeliveryQueue {
  private readonly db: SqliteDatabase;
  private pending: PendingPublish[] = [];
  private pendingEvents = 0;
  private flushScheduled = false;
  private closed = false;
  private readonly insert;
  private readonly readBatch;
  private readonly readOffset;
  private readonly writeOffset;
  private readonly lastSeq;
  private readonly truncate;
  private readonly deliveries: SqliteDeliveryQueue;

  constructor(file: string) {
    this.db = openSqliteDatabase(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS queue_inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        body TEXT NOT NULL,
        signals TEXT
      );
      CREATE TABLE IF NOT EXISTS queue_offsets (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL);
    `);
    this.insert = this.db.prepare('INSERT INTO queue_inbox (workspace_id, source_id, body, signals) VALUES (?, ?, ?, ?)');
    this.readBatch = this.db.prepare('SELECT seq, workspace_id, source_id, body, signals FROM queue_inbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.readOffset = this.db.prepare('SELECT position FROM queue_offsets WHERE consumer = ?').pluck();
    this.writeOffset = this.db.prepare('INSERT INTO queue_offsets (consumer, position) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position');
    this.lastSeq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'queue_inbox'").pluck();
    this.truncate = this.db.prepare('DELETE FROM queue_inbox WHERE seq <= ?');
    this.deliveries = new SqliteDeliveryQueue(this.db);
  }

  publishInbox(records: readonly InboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      this.pendingEvents += records.length;
      if (this.pendingEvents >= MAX_GROUP_EVENTS) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes every pending publish in one transaction (one fsync), then settles their promises. */
  private flush(): void {
    this.flushScheduled = false;
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    this.pendingEvents = 0;
    try {
      this.db.transaction(() => {
        for (const { records } of group) {
          for (const r of records) this.insert.run(r.workspaceId, r.sourceId, r.json, r.signals ? JSON.stringify(r.signals) : null);
        }
      })();
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    for (const p of group) p.resolve();
  }

  async consumeInbox(handler: (batch: InboxMessage[]) => Promise<void>, options: ConsumeOptions): Promise<void> {
    let position = Number(this.readOffset.get(INBOX_CONSUMER) ?? 0);
    // What was in the inbox before this consumer started may have been handed out before a crash.
    let redeliveredUpTo = Number(this.lastSeq.get() ?? 0);
    let batches = 0;
    while (!options.signal.aborted) {
      const rows = this.readBatch.all(position, options.batchSize) as InboxRow[];
      if (rows.length === 0) {
        await sleep(IDLE_POLL_MS, options.signal);
        continue;
      }
      const batch: InboxMessage[] = rows.map((row) => ({
        seq: row.seq,
        workspaceId: row.workspace_id,
        sourceId: row.source_id,
        json: row.body,
        ...(row.signals ? { signals: JSON.parse(row.signals) as InboxMessage['signals'] } : {}),
        ...(row.seq <= redeliveredUpTo ? { redelivered: true } : {}),
      }));
      try {
        await handler(batch);
      } catch (error) {
        redeliveredUpTo = Math.max(redeliveredUpTo, rows[rows.length - 1]!.seq);
        options.onError?.(error);
        await sleep(options.retryDelayMs ?? 1000, options.signal);
        continue;
      }
      position = rows[rows.length - 1]!.seq;
      this.writeOffset.run(INBOX_CONSUMER, position);
      if (++batches % TRUNCATE_EVERY === 0) this.truncate.run(position);
    }
  }

  async inboxBacklog(): Promise<number> {
    const last = Number(this.lastSeq.get() ?? 0);
    const position = Number(this.readOffset.get(INBOX_CONSUMER) ?? 0);
    return Math.max(0, last - position);
  }

  publishDeliveries(jobs: readonly DeliveryJobRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    return this.deliveries.publish(jobs);
  }

  deliveryConsumer(destinationId: string): DeliveryConsumer {
    return this.deliveries.consumer(destinationId);
  }

  purgeDeliveries(destinationId: string): Promise<void> {
    return this.deliveries.purgeDestination(destinationId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.deliveries.close();
    this.db.close();
  }
}
