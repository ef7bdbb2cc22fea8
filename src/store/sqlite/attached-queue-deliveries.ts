import { Kysely, SqliteDialect, sql, type RawBuilder } from 'kysely';
import type { DeliveryRecord } from '../../core/destination.js';
import type { DeliveryListQuery } from '../destination-repository.js';
import { chunks } from '../sql/chunks.js';
import { messageIdsBySource } from '../sql/message-ids-by-source.js';
import { compareToKey, type QueuedDeliveries } from '../sql/queued-deliveries.js';
import type { Database } from '../sql/schema.js';
import type { EventKey } from '../store.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { threadWriteLock } from './thread-write-lock.js';

/** The schema names the embedded queue's file and the store's file are attached under, on the reading connection. */
const QUEUE_SCHEMA = 'queue';
const STORE_SCHEMA = 'store';
/** The queue's index of the jobs that name no stored event (created by the queue when it opens, sqlite-delivery-queue.ts). */
const UNNAMED_JOBS_INDEX = 'queue_deliveries_unnamed';
/** Jobs per page when a deleted destination's queued jobs become `dropped` rows. */
const DROP_PAGE = 500;

interface JobRow {
  seq: number;
  workspace_id: string;
  destination_id: string;
  message_id: string;
  source_id: string;
  at: number;
}

/** A job (aliased `j`) the delivery log has no row for: still queued (a row is written at its first outcome). */
const NO_ROW = sql`NOT EXISTS (SELECT 1 FROM main.deliveries d WHERE d.message_id = j.message_id AND d.source_id = j.source_id AND d.destination_id = j.destination_id)`;
/** When a job was queued: `queued_at`, or for a job an earlier version queued, when its event was received. */
const QUEUED_AT = sql`coalesce(j.queued_at, j.received_at)`;
const COLUMNS = sql`j.seq, j.workspace_id, j.destination_id, j.message_id, j.source_id, ${QUEUED_AT} AS at`;

function recordOf(row: JobRow): DeliveryRecord {
  return {
    workspaceId: row.workspace_id,
    destinationId: row.destination_id,
    messageId: row.message_id,
    sourceId: row.source_id,
    status: 'queued',
    attempts: 0,
    reason: null,
    lastError: null,
    updatedAt: Number(row.at),
  };
}

/**
 * {@link QueuedDeliveries} read from the embedded queue's table (`queue_deliveries`): the jobs not yet acknowledged
 * that the delivery log has no row for. The queue's table is small (acknowledged jobs are deleted); an event's jobs
 * are found through the event's seq (`event_seq`, indexed), the event through the store's key (source_id, message_id).
 * Jobs an earlier version queued without `event_seq` get it from their event's key the first time the queue is
 * found ready ({@link AttachedQueueDeliveries.nameEarlierJobsEvents}); a job whose event is no longer stored keeps
 * none, and is listed and counted, not found by event.
 *
 * Read on a connection of its own, to the delivery log's file with the queue's and the store's files attached: never on the log's
 * writing connection, whose `BEGIN IMMEDIATE` would then take the queue file's write lock too, so every outcome the
 * router writes would wait for the queue's writers and theirs for it. This one reads (autocommit statements), and
 * writes only that one naming, to the queue's file alone.
 */
export class AttachedQueueDeliveries implements QueuedDeliveries {
  private ready = false;
  private readonly database: SqliteDatabase;
  private readonly log: Kysely<Database>;

  constructor(files: { log: string; queue: string; store: string }) {
    this.database = openSqliteDatabase(files.log);
    // It reads a few pages per call: a small cache (the log's own connections have 32 MB each).
    this.database.pragma('cache_size = -4000');
    this.database.prepare(`ATTACH DATABASE ? AS ${QUEUE_SCHEMA}`).run(files.queue);
    // The events, to find an event's jobs (by its seq: the queue keeps no index by messageId).
    this.database.prepare(`ATTACH DATABASE ? AS ${STORE_SCHEMA}`).run(files.store);
    this.log = new Kysely<Database>({ dialect: new SqliteDialect({ database: this.database }) });
  }

  async close(): Promise<void> {
    await this.log.destroy();
    // Kysely closes the connection only if it ever ran a query on it (its driver opens lazily).
    if (this.database.open) this.database.close();
  }

  async list(q: DeliveryListQuery): Promise<DeliveryRecord[]> {
    if (!(await this.hasQueue())) return [];
    const newestFirst = q.order !== 'oldest-first';
    const sign = newestFirst ? -1 : 1;
    const inPage = (r: DeliveryRecord) => (q.before === undefined || compareToKey(r, q.before) < 0) && (q.after === undefined || compareToKey(r, q.after) > 0);
    if (q.messageId !== undefined) {
      // One event's: found by event, not by walking the destination's backlog.
      const jobs = (await this.forMessages(q.workspaceId, [q.messageId])).filter((r) => r.destinationId === q.destinationId && (q.sourceId === undefined || r.sourceId === q.sourceId));
      return jobs.filter(inPage).sort((a, b) => sign * compareToKey(a, b)).slice(0, q.limit);
    }
    const filters: RawBuilder<unknown>[] = [sql`j.destination_id = ${q.destinationId}`, sql`j.workspace_id = ${q.workspaceId}`, NO_ROW];
    if (q.sourceId !== undefined) filters.push(sql`j.source_id = ${q.sourceId}`);
    if (q.before !== undefined) filters.push(sql`${QUEUED_AT} <= ${q.before.updatedAt}`);
    if (q.after !== undefined) filters.push(sql`${QUEUED_AT} >= ${q.after.updatedAt}`);
    const where = sql.join(filters, sql` AND `);
    // In seq order, which is the order of `queued_at` (the queue never stamps a job earlier than the one before):
    // through the (destination_id, seq) index, without sorting the destination's whole backlog.
    const rows = (await sql<JobRow>`SELECT ${COLUMNS} FROM ${sql.raw(QUEUE_SCHEMA)}.queue_deliveries j WHERE ${where}
      ORDER BY j.seq ${sql.raw(newestFirst ? 'DESC' : 'ASC')} LIMIT ${q.limit}`.execute(this.log)).rows;
    // The last millisecond read may have more jobs than fit, which the list orders by messageId: all of them.
    const last = rows[rows.length - 1];
    if (rows.length === q.limit && last !== undefined) {
      const seen = new Set(rows.map((r) => r.seq));
      const more = (await sql<JobRow>`SELECT ${COLUMNS} FROM ${sql.raw(QUEUE_SCHEMA)}.queue_deliveries j WHERE ${where} AND ${QUEUED_AT} = ${last.at}`.execute(this.log)).rows;
      for (const row of more) if (!seen.has(row.seq)) rows.push(row);
    }
    return rows.map(recordOf).filter(inPage).sort((a, b) => sign * compareToKey(a, b)).slice(0, q.limit);
  }

  async forMessages(workspaceId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]> {
    if (messageIds.length === 0 || !(await this.hasQueue())) return [];
    const found: DeliveryRecord[] = [];
    for (const part of chunks(messageIds)) {
      // The events through their key (source_id, message_id), over the workspace's sources (a condition on the events'
      // workspace_id would let SQLite walk the workspace's events instead); their jobs by event_seq. Unordered (a few).
      const rows = (await sql<JobRow>`SELECT ${COLUMNS} FROM ${sql.raw(STORE_SCHEMA)}.events e JOIN ${sql.raw(QUEUE_SCHEMA)}.queue_deliveries j ON j.event_seq = e.seq
        WHERE e.source_id IN (SELECT id FROM ${sql.raw(STORE_SCHEMA)}.sources WHERE workspace_id = ${workspaceId}) AND e.message_id IN (${sql.join(part)})
        AND j.workspace_id = ${workspaceId} AND ${NO_ROW}`.execute(this.log)).rows;
      found.push(...rows.map(recordOf));
    }
    // A job queued twice (an inbox batch processed again after a crash) is one delivery.
    const byPair = new Map<string, DeliveryRecord>();
    for (const r of found) byPair.set(`${r.messageId}\u0000${r.sourceId}\u0000${r.destinationId}`, r);
    return [...byPair.values()];
  }

  async jobs(destinationId: string): Promise<number> {
    if (!(await this.hasQueue())) return 0;
    const row = (await sql<{ jobs: number }>`SELECT jobs FROM ${sql.raw(QUEUE_SCHEMA)}.queue_delivery_counts WHERE destination_id = ${destinationId}`.execute(this.log)).rows[0];
    return Number(row?.jobs ?? 0);
  }

  async oldestQueuedAt(workspaceId: string, destinationId: string): Promise<number | undefined> {
    if (!(await this.hasQueue())) return undefined;
    // The first job in seq order without a row: the jobs before it are the few being retried.
    const row = (await sql<{ at: number }>`SELECT ${QUEUED_AT} AS at FROM ${sql.raw(QUEUE_SCHEMA)}.queue_deliveries j
      WHERE j.destination_id = ${destinationId} AND j.workspace_id = ${workspaceId} AND ${NO_ROW} ORDER BY j.seq LIMIT 1`.execute(this.log)).rows[0];
    return row === undefined ? undefined : Number(row.at);
  }

  async dropAll(log: Kysely<Database>, workspaceId: string, destinationId: string, drop: { reason: string; message: string; at: number }): Promise<number> {
    if (!(await this.hasQueue())) return 0;
    let dropped = 0;
    // Read here a page at a time, written on `log` (in its transaction); a pair that has a row meanwhile keeps it.
    for (let afterSeq = 0; ; ) {
      const rows = (await sql<JobRow>`SELECT ${COLUMNS} FROM ${sql.raw(QUEUE_SCHEMA)}.queue_deliveries j
        WHERE j.destination_id = ${destinationId} AND j.workspace_id = ${workspaceId} AND j.seq > ${afterSeq} AND ${NO_ROW} ORDER BY j.seq LIMIT ${DROP_PAGE}`.execute(this.log)).rows;
      if (rows.length === 0) return dropped;
      afterSeq = rows[rows.length - 1]!.seq;
      const result = await log
        .insertInto('deliveries')
        .values(rows.map((r) => ({ workspace_id: r.workspace_id, destination_id: r.destination_id, message_id: r.message_id, source_id: r.source_id, status: 'dropped', attempts: 0, reason: drop.reason, last_error: drop.message, updated_at: drop.at, next_attempt_at: null, first_attempt_at: null })))
        .onConflict((oc) => oc.columns(['message_id', 'source_id', 'destination_id']).doNothing())
        .executeTakeFirst();
      dropped += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
  }

  async forget(workspaceId: string, events: readonly EventKey[]): Promise<number> {
    if (events.length === 0 || !(await this.hasQueue())) return 0;
    const bySource = messageIdsBySource(events);
    // The queue's own rule for its counts (sqlite-delivery-queue.ts): they move in the jobs' transaction. A job the
    // router holds is acknowledged later as one already gone (it counts nothing then); it is not sent, its event
    // being gone (decision 0105), or is stopped by the delivery gate (an erased person is suppressed).
    return threadWriteLock.run(() =>
      this.database.transaction(() => {
        const removed = new Map<string, number>();
        for (const [sourceId, messageIds] of bySource) {
          for (const part of chunks(messageIds)) {
            const gone = this.database
              .prepare(`DELETE FROM ${QUEUE_SCHEMA}.queue_deliveries WHERE event_seq IN (SELECT e.seq FROM ${STORE_SCHEMA}.events e WHERE e.source_id = ? AND e.message_id IN (${part.map(() => '?').join(', ')}) AND e.workspace_id = ?) RETURNING destination_id`)
              .pluck()
              .all(sourceId, ...part, workspaceId) as string[];
            for (const destinationId of gone) removed.set(destinationId, (removed.get(destinationId) ?? 0) + 1);
          }
        }
        const takeFromCount = this.database.prepare(`UPDATE ${QUEUE_SCHEMA}.queue_delivery_counts SET jobs = jobs - ? WHERE destination_id = ?`);
        for (const [destinationId, n] of removed) takeFromCount.run(n, destinationId);
        return [...removed.values()].reduce((a, b) => a + b, 0);
      })(),
    );
  }

  /**
   * Whether the queue's file has its table yet, as this version writes it (the file is attached before the queue
   * opens it, which creates or upgrades the table): until then, nothing is queued in it. Checked until it has; the
   * first time it has, the events of the jobs an earlier version queued are named.
   */
  private async hasQueue(): Promise<boolean> {
    if (this.ready) return true;
    const columns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('queue_deliveries', ${QUEUE_SCHEMA})`.execute(this.log)).rows.map((r) => r.name);
    const unnamedIndex = await sql`SELECT 1 FROM ${sql.raw(QUEUE_SCHEMA)}.sqlite_master WHERE type = 'index' AND name = ${UNNAMED_JOBS_INDEX}`.execute(this.log);
    if (!columns.includes('queued_at') || !columns.includes('event_seq') || unnamedIndex.rows.length === 0) return false;
    this.nameEarlierJobsEvents();
    this.ready = true;
    return true;
  }

  /**
   * Gives the jobs an earlier version queued with their own JSON (no `event_seq`) the seq of their stored event, found
   * by the events' key (source_id, message_id), so they are found by event like the jobs queued since: the event
   * lookup and access answers show them as queued, and an erasure or the retention sweep removes them with the
   * event's rows (before, they stayed in `queue.db`, their copy of the event included, until the router's gate
   * stopped them). A job whose event is not stored (erased before its batch was processed again) keeps none.
   * Through the queue's index of the jobs without one, so with none left it reads one empty page. Returns how many.
   * Not under the thread's write lock: it writes only the queue's file, whose connections in this thread never hold
   * its lock across an `await`, so it cannot wait for a transaction of its own thread (and reads may run inside one).
   */
  nameEarlierJobsEvents(): number {
    return this.database
      .prepare(
        `UPDATE ${QUEUE_SCHEMA}.queue_deliveries INDEXED BY ${UNNAMED_JOBS_INDEX}
         SET event_seq = (SELECT e.seq FROM ${STORE_SCHEMA}.events e WHERE e.source_id = queue_deliveries.source_id AND e.message_id = queue_deliveries.message_id)
         WHERE event_seq IS NULL
           AND EXISTS (SELECT 1 FROM ${STORE_SCHEMA}.events e WHERE e.source_id = queue_deliveries.source_id AND e.message_id = queue_deliveries.message_id)`,
      )
      .run().changes;
  }
}
