import { sleep } from '../../core/sleep.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import { threadWriteLock } from '../../store/sqlite/thread-write-lock.js';
import { expandStoredRequest } from '../../core/tracking/stored-request.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { eventsOf, type ConsumeOptions, type DeliveryConsumer, type InboxHandler, type DeliveryJobRecord, type DeliveryQueue, type InboxMessage, type InboxRecord, type Queue } from '../queue.js';
import { createInboxTables, decodeStoredRequest, EVENT_SEPARATOR, InboxAppender, packInboxRows, type InboxRowValues } from './inbox-table.js';
import { InboxWriterThread } from './inbox-writer-thread.js';
import { WalFlusher } from '../../store/sqlite/wal-flusher.js';
import type { InboxWriter } from '../../config/config.js';
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
  /** Text for an events row; a request row's body as received (bytes, or text when it was given as text). */
  body: string | Buffer;
  signals: string | null;
  request: string | null;
}

const INBOX_CONSUMER = 'processor';
/** Flush at once when this many events wait, rather than at the end of the event-loop turn. */
const MAX_GROUP_EVENTS = 20_000;
/** A message's seq is its row's seq times this plus its index in the row. */
const SEQ_PER_ROW = 2 ** 20;

const IDLE_POLL_MS = 15;
/**
 * The consumer deletes the rows it has acknowledged once TRUNCATE_EVERY batches or TRUNCATE_EVENTS events have
 * passed since it last did: rarely enough that small batches do not each pay a write, often enough that one
 * deletion stays small. Counting batches alone, the deletion after a burst took every row of the burst at once
 * (with secure_delete it overwrites all it frees: 0.2-0.4 s holding queue.db's write lock, during which the
 * Tracking API's inbox commits and the router waited; bench/pipeline's first latency phase had p99 150-320 ms).
 */
const TRUNCATE_EVERY = 50;
const TRUNCATE_EVENTS = 4000;
/**
 * Batches handed out whose outcomes may still be becoming durable (the processor's store flush) before the consumer
 * waits for the oldest (decision 0110). On the benchmark machine, under load, an `fdatasync` of the store's log took
 * 150-600 ms (up to 1.2 s) against 150-200 ms of processing per 4,000-event batch: a processor that waited for each
 * batch's flush waited 1-8 % of its time. More ahead means more handed out again after a crash: every batch not yet
 * acknowledged is fanned out again (at least once; the destinations see those events twice, with their messageIds).
 */
export const MAX_UNACKNOWLEDGED_BATCHES = 2;

/**
 * The embedded queues: append-only tables in the same SQLite file as the store.
 *
 * Publishing uses group commit: every publish in one event-loop turn shares one transaction and one fsync,
 * so a 200 can wait for the disk without costing a disk flush per request. Within a group, consecutive events
 * of the same source and request signals share one row (their JSON texts joined by line breaks, up to
 * MAX_ROW_EVENTS): the cost of a row is paid per request or per group, not per event. The row key is a
 * sequential integer (AUTOINCREMENT, never reused after truncation), so appends hit the right edge of the
 * B-tree; the consumer keeps its position (a row) in `queue_offsets` and truncates what it has acknowledged.
 * The backlog in events is the difference of two running totals in `queue_inbox_events` (published, and
 * acknowledged by the processor), so reading it costs two single-row lookups whatever the backlog.
 */
export class SqliteQueue implements Queue, DeliveryQueue {
  private readonly db: SqliteDatabase;
  private pending: PendingPublish[] = [];
  private pendingEvents = 0;
  private flushScheduled = false;
  private closed = false;
  private readonly readBatch;
  private readonly readOffset;
  private readonly writeOffset;
  private readonly lastSeq;
  private readonly truncate;
  private readonly countEvents;
  private readonly eventTotal;
  private readonly deliveries: SqliteDeliveryQueue;
  private readonly appender: InboxAppender;
  /** Set when group commits run on a writer thread (`writer: 'thread'`). */
  private readonly writerThread: InboxWriterThread | undefined;
  /** Set when the WAL is flushed off the thread after each group commit (`writer: 'flush'`). */
  private readonly walFlusher: WalFlusher | undefined;
  private inFlight: Promise<void> | undefined;

  /**
   * `writer`: where a publish's group commit runs. 'main' (the default): on the calling thread, which blocks
   * for the fsync. 'flush': the commit on the calling thread without SQLite's flush, then the WAL flushed in
   * libuv's thread pool (`WalFlusher`) while the caller keeps parsing; the publishes resolve after the flush.
   * 'thread': on a writer thread (started at the first publish), so the caller keeps working meanwhile
   * (decision 0002).
   *
   * `commits`: 'durable' (the default) flushes every commit to disk before it returns (synchronous=FULL): what
   * a 200 promises. 'progress' is for the pipeline threads (the processor's inbox offset and delivery jobs, the
   * router's acknowledgements): their commits skip the flush (synchronous=NORMAL), so they hold the file's
   * write lock for microseconds instead of a disk flush, and the request thread's inbox commits stop waiting
   * behind them. Nothing acknowledged can be lost by it: the file's WAL is one sequence, every durable commit
   * (the next inbox commit) flushes all that came before it, and a power loss can only roll back a suffix of
   * progress commits, which the pipeline redoes (at least once; events are deduplicated by messageId).
   */
  constructor(file: string, options: { writer?: InboxWriter; commits?: 'durable' | 'progress' } = {}) {
    // The `flush` writer commits without SQLite's flush and flushes the WAL itself, off the thread.
    const unflushed = options.commits === 'progress' || options.writer === 'flush';
    this.db = openSqliteDatabase(file, { synchronous: unflushed ? 'normal' : 'full' });
    createInboxTables(this.db);
    // An inbox written before rows held several events (one event per row) starts its totals from its rows.
    this.db
      .prepare(
        `INSERT INTO queue_inbox_events (counter, total)
         SELECT 'published', (SELECT count(*) FROM queue_inbox WHERE seq > coalesce((SELECT position FROM queue_offsets WHERE consumer = ?), 0))
         WHERE NOT EXISTS (SELECT 1 FROM queue_inbox_events WHERE counter = 'published')`,
      )
      .run(INBOX_CONSUMER);
    this.db.prepare(`INSERT OR IGNORE INTO queue_inbox_events (counter, total) VALUES (?, 0)`).run(INBOX_CONSUMER);
    this.readBatch = this.db.prepare('SELECT seq, workspace_id, source_id, body, signals, request FROM queue_inbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.readOffset = this.db.prepare('SELECT position FROM queue_offsets WHERE consumer = ?').pluck();
    this.writeOffset = this.db.prepare('INSERT INTO queue_offsets (consumer, position) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position');
    this.lastSeq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'queue_inbox'").pluck();
    this.countEvents = this.db.prepare('UPDATE queue_inbox_events SET total = total + ? WHERE counter = ?');
    this.eventTotal = this.db.prepare('SELECT total FROM queue_inbox_events WHERE counter = ?').pluck();
    this.truncate = this.db.prepare('DELETE FROM queue_inbox WHERE seq <= ?');
    this.deliveries = new SqliteDeliveryQueue(this.db);
    this.appender = new InboxAppender(this.db);
    this.writerThread = options.writer === 'thread' ? new InboxWriterThread(file) : undefined;
    this.walFlusher = options.writer === 'flush' && options.commits !== 'progress' ? new WalFlusher(file) : undefined;
  }

  publishInbox(records: readonly InboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      for (const record of records) this.pendingEvents += eventsOf(record);
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
    // One group is in flight at a time; the next one grows meanwhile and goes when it is done.
    if (this.inFlight) return;
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    this.pendingEvents = 0;
    const rows = packInboxRows(group.map((p) => p.records));
    // On this thread the write waits for any store transaction of the thread to end (thread-write-lock.ts).
    const commit = this.writerThread ? this.writerThread.append(rows) : this.commitHere(rows);
    this.inFlight = commit
      .then(
        () => {
          for (const p of group) p.resolve();
        },
        (error: unknown) => {
          for (const p of group) p.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        this.flush();
      });
  }

  /** Commits rows on this thread; with the `flush` writer, resolves once the WAL is flushed off the thread. */
  private async commitHere(rows: readonly InboxRowValues[]): Promise<void> {
    await threadWriteLock.run(() => this.appender.appendRows(rows));
    await this.walFlusher?.flush();
  }

  /**
   * Reads ahead of what it has acknowledged: a handler may return its batch's outcome as durable later (the
   * processor's store flush), and the next batches are handed out meanwhile, up to MAX_UNACKNOWLEDGED_BATCHES, so
   * the flush overlaps their work (decision 0110). A batch's position is written once its outcome is durable, and
   * after the positions of the batches before it; if the handler or an outcome fails, reading starts again from the
   * last position written, and everything read since is marked redelivered.
   */
  async consumeInbox(handler: InboxHandler, options: ConsumeOptions): Promise<void> {
    /** The position written (acknowledged), and the one read up to (further while outcomes are pending). */
    let written = Number(this.readOffset.get(INBOX_CONSUMER) ?? 0);
    let position = written;
    // What was in the inbox before this consumer started may have been handed out before a crash.
    let redeliveredUpTo = Number(this.lastSeq.get() ?? 0);
    const sinceTruncate = { batches: 0, events: 0 };
    /** Batches handed out and not yet acknowledged, oldest first: last row, events counted for the backlog, outcome. */
    const pending: { position: number; counted: number; durable: Promise<void>; done: boolean }[] = [];
    /** Acknowledges the oldest pending batch once its outcome is durable; throws (and forgets the rest) if it failed. */
    const acknowledgeOldest = async (): Promise<void> => {
      const batch = pending[0]!;
      try {
        await batch.durable;
      } catch (error) {
        pending.length = 0; // those after it are offered again with it
        throw error;
      }
      pending.shift();
      sinceTruncate.batches++;
      sinceTruncate.events += batch.counted;
      const truncate = sinceTruncate.batches >= TRUNCATE_EVERY || sinceTruncate.events >= TRUNCATE_EVENTS;
      if (truncate) {
        sinceTruncate.batches = 0;
        sinceTruncate.events = 0;
      }
      await threadWriteLock.run(() => {
        this.db.transaction(() => {
          this.writeOffset.run(INBOX_CONSUMER, batch.position);
          this.countEvents.run(batch.counted, INBOX_CONSUMER);
        })();
        if (truncate) this.truncate.run(batch.position);
      });
      written = batch.position;
    };
    const acknowledgeAll = async (): Promise<void> => {
      while (pending.length > 0) await acknowledgeOldest();
    };
    try {
      while (!options.signal.aborted) {
        const batch: InboxMessage[] = [];
        let lastRow = position;
        // Events the rows read count for the backlog (what was published, even if some are left out now).
        let counted = 0;
        for (const row of this.readBatch.iterate(position, options.batchSize) as IterableIterator<InboxRow>) {
          const signals = row.signals ? (JSON.parse(row.signals) as InboxMessage['signals']) : undefined;
          const redelivered = row.seq <= redeliveredUpTo;
          const { events, published } = this.eventsOfRow(row, options);
          counted += published;
          for (let index = 0; index < events.length; index++) {
            const message: InboxMessage = { seq: row.seq * SEQ_PER_ROW + index, workspaceId: row.workspace_id, sourceId: row.source_id, event: events[index]! };
            if (signals) message.signals = signals;
            if (redelivered) message.redelivered = true;
            batch.push(message);
          }
          lastRow = row.seq;
          if (batch.length >= options.batchSize) break;
        }
        try {
          if (lastRow === position) {
            // Nothing new: what was handed out is acknowledged before waiting, so a quiet inbox holds nothing processed;
            // then it reads again at once (rows that came during the flush wait no poll interval).
            if (pending.length > 0) await acknowledgeAll();
            else await sleep(IDLE_POLL_MS, options.signal);
            continue;
          }
          // Rows whose events were all left out still move the position on.
          // One consumer reads the file: nobody else can take the batch over.
          const outcome = batch.length > 0 ? await handler(batch, () => true) : undefined;
          // A handler that returned nothing is done with its batch now.
          const entry = { position: lastRow, counted, durable: outcome ? outcome.durable : Promise.resolve(), done: !outcome };
          if (outcome) {
            outcome.durable.then(
              () => (entry.done = true),
              () => {}, // acknowledgeOldest reports it
            );
          }
          pending.push(entry);
          position = lastRow;
          // Positions are written as outcomes become durable; the oldest is waited for only past the limit.
          while (pending.length > 0 && (pending[0]!.done || pending.length > MAX_UNACKNOWLEDGED_BATCHES)) await acknowledgeOldest();
        } catch (error) {
          redeliveredUpTo = Math.max(redeliveredUpTo, lastRow);
          options.onError?.(error);
          // Batches before a failed handler may still become durable; past a failed outcome, nothing is acknowledged.
          await acknowledgeAll().catch(() => {});
          position = written;
          await sleep(options.retryDelayMs ?? 1000, options.signal);
        }
      }
    } finally {
      // Stopping: what was handed out is acknowledged once durable (or offered again at the next start).
      await acknowledgeAll().catch((error: unknown) => options.onError?.(error));
    }
  }

  /**
   * The normalized events of a row: a request row's body normalized now (decision 0004), an events row's
   * lines parsed. Events of a request that no longer pass validation are reported through `onError` and
   * left out (only possible when the rules changed while the request waited in the inbox).
   */
  private eventsOfRow(row: InboxRow, options: ConsumeOptions): { events: SegmentEvent[]; published: number } {
    if (row.request === null) {
      const text = typeof row.body === 'string' ? row.body : row.body.toString('utf8');
      const events = text.split(EVENT_SEPARATOR).map((line) => JSON.parse(line) as SegmentEvent);
      return { events, published: events.length };
    }
    const request = decodeStoredRequest(row.request, row.body);
    const { events, failed } = expandStoredRequest(request);
    if (failed.length > 0) {
      options.onError?.(new Error(`inbox row ${row.seq}: ${failed.length} event(s) no longer pass validation and are left out; first, at position ${failed[0]!.index}: ${failed[0]!.message}`));
    }
    return { events, published: request.events };
  }

  async inboxBacklog(): Promise<number> {
    const published = Number(this.eventTotal.get('published') ?? 0);
    const processed = Number(this.eventTotal.get(INBOX_CONSUMER) ?? 0);
    return Math.max(0, published - processed);
  }

  /** The events published so far (committed): the one consumer takes them in order, so a count marks a position. */
  async inboxMark(): Promise<number> {
    return Number(this.eventTotal.get('published') ?? 0);
  }

  async inboxPassed(mark: number): Promise<boolean> {
    return Number(this.eventTotal.get(INBOX_CONSUMER) ?? 0) >= mark;
  }

  /** A file on this machine: never unreachable (a failing disk throws on the write itself). */
  unavailable(): string | undefined {
    return undefined;
  }

  /** The rows up to the consumer's position (the consumer itself truncates them every 50 batches). */
  async forgetProcessed(): Promise<number> {
    return threadWriteLock.run(() => {
      const position = Number(this.readOffset.get(INBOX_CONSUMER) ?? 0);
      return position > 0 ? this.truncate.run(position).changes : 0;
    });
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

  waiting(destinationId: string): Promise<number> {
    return this.deliveries.waiting(destinationId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // What was accepted before close is committed before the connections go.
    while (this.inFlight || this.pending.length > 0) {
      this.flush();
      await this.inFlight;
    }
    await this.writerThread?.close();
    this.walFlusher?.close();
    this.deliveries.close();
    this.db.close();
  }
}
