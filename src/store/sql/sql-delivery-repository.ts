import { sql, type Kysely, type Selectable } from 'kysely';
import type { DeliveryRecord, DeliveryStatus } from '../../core/destination.js';
import type { DeliveryCounter, DeliveryListQuery, DeliveryRepository, EventKey, WaitingSummary } from '../store.js';
import type { BulkWrites, RunnableDelivery } from './bulk-writes.js';
import { chunks } from './chunks.js';
import { messageIdsBySource } from './message-ids-by-source.js';
import { compareToKey, type QueuedDeliveries } from './queued-deliveries.js';
import type { Database, DeliveryCounterTable, DeliveryTable } from './schema.js';

/** Rows per multi-row upsert (9 columns a row, well under SQLite's bound-parameter limit). */
const CHUNK = 500;
const MINUTE = 60_000;

function toRecord(row: Selectable<DeliveryTable>): DeliveryRecord {
  return {
    workspaceId: row.workspace_id,
    destinationId: row.destination_id,
    messageId: row.message_id,
    sourceId: row.source_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    reason: row.reason,
    lastError: row.last_error,
    updatedAt: Number(row.updated_at),
    ...(row.next_attempt_at != null && { nextAttemptAt: Number(row.next_attempt_at) }),
    ...(row.first_attempt_at != null && { firstAttemptAt: Number(row.first_attempt_at) }),
  };
}

/** A record the router marked for a delivered run (decision 0109). */
function isRunnable(r: DeliveryRecord): r is RunnableDelivery {
  return r.runEventSeq !== undefined && r.status === 'delivered';
}

function toRow(r: DeliveryRecord): DeliveryTable {
  return {
    workspace_id: r.workspaceId,
    destination_id: r.destinationId,
    message_id: r.messageId,
    source_id: r.sourceId,
    status: r.status,
    attempts: r.attempts,
    reason: r.reason,
    last_error: r.lastError === null ? null : r.lastError.slice(0, 1000),
    updated_at: r.updatedAt,
    // A bigint column: PostgreSQL refuses a fraction (a computed time that was not rounded).
    next_attempt_at: r.nextAttemptAt === undefined ? null : Math.round(r.nextAttemptAt),
    first_attempt_at: r.firstAttemptAt === undefined ? null : Math.round(r.firstAttemptAt),
  };
}

/** The newer (or, oldest first, the older) of two lists in the delivery list's order, merged, at most `limit`. */
function merged(a: readonly DeliveryRecord[], b: readonly DeliveryRecord[], order: DeliveryListQuery['order'], limit: number): DeliveryRecord[] {
  if (b.length === 0) return [...a];
  const sign = order === 'oldest-first' ? 1 : -1;
  return [...a, ...b].sort((x, y) => sign * compareToKey(x, y)).slice(0, limit);
}

export class SqlDeliveryRepository implements DeliveryRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bulk?: BulkWrites,
    /** The queue's jobs without a row, where the log can read them (the embedded queue). */
    private readonly queued?: QueuedDeliveries,
  ) {}

  /**
   * Whether `queued` is read from the delivery queue instead of rows (decision 0108): the fan-out's `queued`
   * records are then counted, not written ({@link SqlDeliveryRepository.recordFanOut}).
   */
  get queuedFromQueue(): boolean {
    return this.queued !== undefined;
  }

  async recordFanOut(records: readonly DeliveryRecord[]): Promise<void> {
    return this.write(records, this.queuedFromQueue);
  }

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    return this.write(records, false);
  }

  /** `countOnlyQueued`: `queued` records go to the counters only (their jobs stand for them). */
  private async write(records: readonly DeliveryRecord[], countOnlyQueued: boolean): Promise<void> {
    if (records.length === 0) return;
    // Per-minute counters: one row per (destination, minute, status, reason), incremented. Records come in
    // runs of one destination and state (a batch's jobs): the previous record's row is tried first.
    const counts = new Map<string, DeliveryCounterTable>();
    let last: DeliveryCounterTable | undefined;
    for (const r of records) {
      const minute = Math.floor(r.updatedAt / MINUTE) * MINUTE;
      const reason = r.reason ?? '';
      if (last && last.destination_id === r.destinationId && last.minute === minute && last.status === r.status && last.reason === reason) {
        last.count += 1;
        continue;
      }
      const key = `${r.destinationId}\u0000${minute}\u0000${r.status}\u0000${reason}`;
      last = counts.get(key);
      if (last) last.count += 1;
      else counts.set(key, (last = { workspace_id: r.workspaceId, destination_id: r.destinationId, minute, status: r.status, reason, count: 1 }));
    }
    const counterRows = [...counts.values()];
    const written = countOnlyQueued ? records.filter((r) => r.status !== 'queued') : records;
    // The embedded bulk writes upsert row by row, in order: the last state of a (message, source, destination) wins.
    // Where the log's reader reads delivered runs (decision 0109), first-attempt deliveries of jobs without a row go
    // there instead.
    if (this.bulk) {
      if (this.queued === undefined) return this.bulk.recordDeliveries(written.map(toRow), counterRows);
      const rows: DeliveryTable[] = [];
      const delivered: RunnableDelivery[] = [];
      for (const r of written) {
        if (isRunnable(r)) delivered.push(r);
        else rows.push(toRow(r));
      }
      return this.bulk.recordDeliveries(rows, counterRows, delivered);
    }
    // One multi-row upsert may not touch a row twice: the last state of a (message, source, destination) is kept.
    const latest = new Map<string, DeliveryRecord>();
    for (const r of written) latest.set(`${r.messageId}\u0000${r.sourceId}\u0000${r.destinationId}`, r);
    const rows = [...latest.values()].map(toRow);
    const write = async (db: Kysely<Database>) => {
      for (let i = 0; i < counterRows.length; i += CHUNK) {
        await db
          .insertInto('delivery_counters')
          .values(counterRows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['destination_id', 'minute', 'status', 'reason']).doUpdateSet({ count: sql<number>`delivery_counters.count + excluded.count` }))
          .execute();
      }
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insertInto('deliveries')
          .values(rows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['message_id', 'source_id', 'destination_id']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            attempts: eb.ref('excluded.attempts'),
            reason: eb.ref('excluded.reason'),
            last_error: eb.ref('excluded.last_error'),
            updated_at: eb.ref('excluded.updated_at'),
            next_attempt_at: eb.ref('excluded.next_attempt_at'),
            first_attempt_at: eb.ref('excluded.first_attempt_at'),
          })))
          .execute();
      }
    };
    await this.db.transaction().execute(write);
  }

  async counters(workspaceId: string, from: number, to: number, destinationId?: string): Promise<DeliveryCounter[]> {
    let query = this.db.selectFrom('delivery_counters').select(['destination_id', 'minute', 'status', 'reason', 'count']).where('minute', '>=', from).where('minute', '<', to).where('workspace_id', '=', workspaceId);
    if (destinationId !== undefined) query = query.where('destination_id', '=', destinationId);
    const rows = await query.orderBy('minute').execute();
    return rows.map((r) => ({ destinationId: r.destination_id, minute: Number(r.minute), status: r.status as DeliveryStatus, reason: r.reason, count: Number(r.count) }));
  }

  async pruneCounters(before: number): Promise<number> {
    const result = await this.db.deleteFrom('delivery_counters').where('minute', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(q: DeliveryListQuery): Promise<DeliveryRecord[]> {
    let query = this.db.selectFrom('deliveries').selectAll().where('workspace_id', '=', q.workspaceId).where('destination_id', '=', q.destinationId);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.messageId !== undefined) query = query.where('message_id', '=', q.messageId);
    if (q.sourceId !== undefined) query = query.where('source_id', '=', q.sourceId);
    for (const [key, beyond, bound] of [[q.before, '<', '<='], [q.after, '>', '>=']] as const) {
      if (key === undefined) continue;
      // The plain bound is implied by the keyset's OR; without it SQLite reads every row of the destination's status
      // through (destination_id, status, updated_at) for each page (200 pages of 1,000 failed rows: 8.1 s, 1.3 s with it).
      query = query
        .where('updated_at', bound, key.updatedAt)
        .where((eb) => eb.or([
          eb('updated_at', beyond, key.updatedAt),
          eb.and([eb('updated_at', '=', key.updatedAt), eb('message_id', beyond, key.messageId)]),
          // Two sources' events with one messageId, updated in the same millisecond: the sourceId orders them.
          ...(key.sourceId === undefined ? [] : [eb.and([eb('updated_at', '=', key.updatedAt), eb('message_id', '=', key.messageId), eb('source_id', beyond, key.sourceId)])]),
        ]));
    }
    const direction = q.order === 'oldest-first' ? 'asc' : 'desc';
    const rows = (await query.orderBy('updated_at', direction).orderBy('message_id', direction).orderBy('source_id', direction).limit(q.limit).execute()).map(toRecord);
    if (this.queued === undefined || (q.status !== undefined && q.status !== 'queued' && q.status !== 'delivered')) return rows;
    return merged(rows, await this.queued.list(q), q.order, q.limit);
  }

  async retrying(workspaceId: string, destinationId: string, events: readonly EventKey[]): Promise<DeliveryRecord[]> {
    const found: DeliveryRecord[] = [];
    for (const [sourceId, messageIds] of messageIdsBySource(events)) {
      for (const part of chunks(messageIds)) {
        // The status is checked here, not in SQL: with `status = ?` SQLite walks every retrying delivery of the
        // destination through (destination_id, status, ...) instead of probing the primary key
        // (message_id, source_id, destination_id) once per messageId (at most one row each).
        const rows = await this.db
          .selectFrom('deliveries')
          .selectAll()
          .where('message_id', 'in', part)
          .where('source_id', '=', sourceId)
          .where('destination_id', '=', destinationId)
          .execute();
        for (const row of rows) if (row.status === 'retrying' && row.workspace_id === workspaceId) found.push(toRecord(row));
      }
    }
    return found;
  }

  async forget(workspaceId: string, events: readonly EventKey[]): Promise<number> {
    let deleted = 0;
    for (const [sourceId, messageIds] of messageIdsBySource(events)) {
      for (const part of chunks(messageIds)) {
        // The primary key (message_id, source_id, destination_id) leads with the messageId and the source.
        const result = await this.db.deleteFrom('deliveries').where('message_id', 'in', part).where('source_id', '=', sourceId).where('workspace_id', '=', workspaceId).executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
    }
    // Where a queued delivery is its job (decision 0108), the job goes too: an erased event is not listed as queued,
    // and a job that kept the event's JSON does not keep a copy of it; so do deliveries kept in delivered runs (0109).
    if (this.queued) deleted += await this.queued.forget(this.db, workspaceId, events);
    return deleted;
  }

  async pause(workspaceId: string, destinationId: string, until: number, reason: string): Promise<void> {
    await this.db
      .insertInto('destination_pauses')
      .values({ destination_id: destinationId, workspace_id: workspaceId, paused_until: until, reason })
      .onConflict((oc) =>
        oc.column('destination_id').doUpdateSet({ paused_until: (eb) => eb.ref('excluded.paused_until'), reason: (eb) => eb.ref('excluded.reason') }).where('destination_pauses.paused_until', '<', (eb) => eb.ref('excluded.paused_until')),
      )
      .execute();
  }

  async pauseOf(workspaceId: string, destinationId: string): Promise<{ until: number; reason: string } | undefined> {
    const row = await this.db.selectFrom('destination_pauses').select(['paused_until', 'reason']).where('destination_id', '=', destinationId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    return row ? { until: Number(row.paused_until), reason: row.reason } : undefined;
  }

  async countWithStatus(workspaceId: string, destinationId: string, status: DeliveryStatus, before?: number): Promise<number> {
    const rows = await this.countRows(workspaceId, destinationId, status, before);
    if (this.queued === undefined || status !== 'queued' || before !== undefined) return rows;
    // The queue's count, less the jobs a row stands for: those being retried, and replays' and retries' `queued`
    // rows (a job acknowledged right after its outcome was written may count once more for a moment).
    const retrying = await this.countRows(workspaceId, destinationId, 'retrying');
    return Math.max(rows, (await this.queued.jobs(destinationId)) - retrying);
  }

  private async countRows(workspaceId: string, destinationId: string, status: DeliveryStatus, before?: number): Promise<number> {
    let query = this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('destination_id', '=', destinationId)
      .where('status', '=', status)
      .where('workspace_id', '=', workspaceId);
    if (before !== undefined) query = query.where('updated_at', '<', before);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async waitingSummary(workspaceId: string, destinationId: string): Promise<WaitingSummary> {
    // Both through (destination_id, status, updated_at): the oldest queued row is the first entry of its range;
    // retrying rows are few (one per person whose delivery waits for a retry).
    const oldestQueued = await this.db
      .selectFrom('deliveries')
      .select('updated_at')
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'queued')
      .where('workspace_id', '=', workspaceId)
      .orderBy('updated_at')
      .limit(1)
      .executeTakeFirst();
    const retrying = await this.db
      .selectFrom('deliveries')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min(eb.fn.coalesce('first_attempt_at', 'updated_at')).as('since')])
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'retrying')
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    const queuedRowAt = oldestQueued === undefined ? undefined : Number(oldestQueued.updated_at);
    const queuedJobAt = await this.queued?.oldestQueuedAt(workspaceId, destinationId);
    return {
      oldestQueuedAt: queuedRowAt === undefined || queuedJobAt === undefined ? (queuedRowAt ?? queuedJobAt) : Math.min(queuedRowAt, queuedJobAt),
      retrying: Number(retrying.n),
      oldestRetryingSince: retrying.since === null ? undefined : Number(retrying.since),
    };
  }

  async countFor(workspaceId: string, events: readonly EventKey[]): Promise<number> {
    let total = 0;
    for (const [sourceId, messageIds] of messageIdsBySource(events)) {
      for (const part of chunks(messageIds)) {
        const row = await this.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('message_id', 'in', part)
          .where('source_id', '=', sourceId)
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        total += Number(row.n);
      }
    }
    // Deliveries kept in delivered runs count as rows here (an erasure's proof that none is left).
    if (this.queued) total += await this.queued.countDelivered(workspaceId, events);
    return total;
  }

  async dropWaiting(workspaceId: string, destinationId: string, drop: { reason: string; message: string; at: number }): Promise<number> {
    const minute = Math.floor(drop.at / MINUTE) * MINUTE;
    return this.db.transaction().execute(async (db) => {
      // Queued jobs without a row first (the update below would take their new rows for the destination's own).
      const fromJobs = (await this.queued?.dropAll(db, workspaceId, destinationId, drop)) ?? 0;
      // Through (destination_id, status, updated_at): the destination's queued and retrying rows only.
      const result = await db
        .updateTable('deliveries')
        .set({ status: 'dropped', reason: drop.reason, last_error: drop.message, updated_at: drop.at, next_attempt_at: null, first_attempt_at: null })
        .where('destination_id', '=', destinationId)
        .where('status', 'in', ['queued', 'retrying'])
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      const dropped = fromJobs + Number(result.numUpdatedRows);
      if (dropped > 0) {
        await db
          .insertInto('delivery_counters')
          .values({ workspace_id: workspaceId, destination_id: destinationId, minute, status: 'dropped', reason: drop.reason, count: dropped })
          .onConflict((oc) => oc.columns(['destination_id', 'minute', 'status', 'reason']).doUpdateSet({ count: sql<number>`delivery_counters.count + excluded.count` }))
          .execute();
      }
      return dropped;
    });
  }

  async forMessage(workspaceId: string, messageId: string, sourceId?: string): Promise<DeliveryRecord[]> {
    let query = this.db.selectFrom('deliveries').selectAll().where('workspace_id', '=', workspaceId).where('message_id', '=', messageId);
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
    const rows = (await query.orderBy('source_id').orderBy('destination_id').execute()).map(toRecord);
    if (this.queued === undefined) return rows;
    const jobs = (await this.queued.forMessages(workspaceId, [messageId])).filter((r) => sourceId === undefined || r.sourceId === sourceId);
    if (jobs.length === 0) return rows;
    return [...rows, ...jobs].sort((a, b) => (a.sourceId === b.sourceId ? (a.destinationId < b.destinationId ? -1 : 1) : a.sourceId < b.sourceId ? -1 : 1));
  }
}
