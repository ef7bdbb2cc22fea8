import { setImmediate as nextTurn } from 'node:timers/promises';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { DeliveryRecord } from '../../core/destination.js';
import type { DeliveryListQuery } from '../destination-repository.js';
import { chunks } from '../sql/chunks.js';
import { messageIdsBySource } from '../sql/message-ids-by-source.js';
import { compareToKey, type QueuedDeliveries } from '../sql/queued-deliveries.js';
import type { Database } from '../sql/schema.js';
import type { EventKey } from '../store.js';
import { ENTRY, entrySourceId, entryWorkspaceId, JOB_SEQ_SCALE, MAX_MANIFEST_EVENT_SPAN, type ManifestEntry, type ManifestRowKeys } from '../../queue/sqlite/manifest-entries.js';
import { ManifestProgress } from '../../queue/sqlite/manifest-progress.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { threadWriteLock } from './thread-write-lock.js';
import { entriesOf, MAX_RUN_EVENT_SPAN, recordOfEntry, RUN_ENTRY, type RunRow } from './delivered-runs.js';

/** The schema names the embedded queue's file and the store's file are attached under, on the reading connection. */
const QUEUE_SCHEMA = 'queue';
const STORE_SCHEMA = 'store';
/** The queue's index of the jobs that name no stored event (created by the queue when it opens, sqlite-delivery-queue.ts). */
const UNNAMED_JOBS_INDEX = 'queue_deliveries_unnamed';
/** Jobs per page when a deleted destination's queued jobs become `dropped` rows. */
const DROP_PAGE = 500;

/** A queued job as the readers see it: a row holding one job, or one entry of a manifest. */
interface QueuedJob {
  seq: number;
  workspace_id: string;
  destination_id: string;
  message_id: string;
  source_id: string;
  at: number;
}

/** A row of the queue's table as the readers read it: one job, or a manifest (manifest-entries.ts), read when reached. */
interface JobRow extends QueuedJob {
  manifest: 0 | 1;
}

/** A manifest's row as an event's lookup reads it. */
interface ManifestRow extends ManifestRowKeys {
  destination_id: string;
  at: number;
  json: string;
}

/** When a job was queued: `queued_at`, or for a job an earlier version queued, when its event was received. */
const QUEUED_AT = 'coalesce(j.queued_at, j.received_at)';
const ROW_COLUMNS = `j.seq, j.workspace_id, j.destination_id, j.message_id, j.source_id, ${QUEUED_AT} AS at, j.entry_count IS NOT NULL AS manifest`;
/** A delivered run's columns as the readers read them (delivered-runs.ts). */
const RUN_COLUMNS = 'r.seq, r.workspace_id, r.destination_id, r.source_id, r.delivered_at, r.first_event_seq, r.last_event_seq, r.entries';
/** Rows of the destination's jobs read at a time (a manifest row holds a batch's jobs). */
const ROW_PAGE = 64;
/** Queued jobs a walk examines between two turns of the event loop (about 6 ms of key lookups). */
const YIELD_EVERY = 1000;
/** Delivered runs read at a time (a run holds a router batch's deliveries, up to 1,000 for the webhook). */
const RUN_PAGE = 4;

function recordOf(job: QueuedJob): DeliveryRecord {
  return {
    workspaceId: job.workspace_id,
    destinationId: job.destination_id,
    messageId: job.message_id,
    sourceId: job.source_id,
    status: 'queued',
    attempts: 0,
    reason: null,
    lastError: null,
    updatedAt: Number(job.at),
  };
}

/** A manifest's entry as a queued job (its seq: the row's times JOB_SEQ_SCALE plus its place). */
function jobOfEntry(row: ManifestRowKeys & { destination_id: string; at: number }, entry: ManifestEntry, place: number): QueuedJob {
  return {
    seq: row.seq * JOB_SEQ_SCALE + place,
    workspace_id: entryWorkspaceId(entry, row),
    destination_id: row.destination_id,
    message_id: entry[ENTRY.messageId],
    source_id: entrySourceId(entry, row),
    at: row.at,
  };
}

/** ` AND` conditions keeping `column` (epoch ms) within a page's bounds: at most `atMost`, at least `atLeast`. */
function timeBounds(column: string, bounds: { atMost?: number | undefined; atLeast?: number | undefined }): string {
  return `${bounds.atMost === undefined ? '' : ` AND ${column} <= ${Number(bounds.atMost)}`}${bounds.atLeast === undefined ? '' : ` AND ${column} >= ${Number(bounds.atLeast)}`}`;
}

/**
 * The jobs of rows in their order (`newestFirst`: a manifest's entries last first), erased entries left out, made as they
 * are asked for: a manifest holds a processor batch's jobs (thousands), and a reader that stops at the first job it
 * wants (the oldest queued one) parses one manifest, not the page's. Building every job of a page of 64 manifests first
 * took 1.5-2 s on the thread that answers the Tracking API, at each delivery alert check of a destination with a
 * backlog.
 */
function* jobsOfRows(rows: readonly JobRow[], newestFirst: boolean, manifestJson: (seq: number) => string | undefined): Generator<QueuedJob> {
  for (const row of rows) {
    if (!row.manifest) {
      yield { seq: row.seq * JOB_SEQ_SCALE, workspace_id: row.workspace_id, destination_id: row.destination_id, message_id: row.message_id, source_id: row.source_id, at: row.at };
      continue;
    }
    // Read now, not with the page: the router may have finished the manifest's last job and deleted it meanwhile.
    const json = manifestJson(row.seq);
    if (json === undefined) continue;
    const entries = JSON.parse(json) as (ManifestEntry | null)[];
    for (let i = 0; i < entries.length; i++) {
      const place = newestFirst ? entries.length - 1 - i : i;
      const entry = entries[place];
      if (entry === null || entry === undefined) continue;
      yield jobOfEntry(row, entry, place);
    }
  }
}

/**
 * {@link QueuedDeliveries} read from the embedded queue's table (`queue_deliveries`): the jobs not yet acknowledged
 * that the delivery log has no row for. The queue's table is small (acknowledged jobs are deleted); an event's jobs
 * are found through the event's seq (`event_seq`, indexed), the event through the store's key (source_id, message_id).
 * Jobs an earlier version queued without `event_seq` get it from their event's key the first time the queue is
 * found ready ({@link AttachedQueueDeliveries.nameEarlierJobsEvents}); a job whose event is no longer stored keeps
 * none, and is listed and counted, not found by event.
 *
 * Also the deliveries kept in delivered runs (`delivered_runs` in the log's file, decision 0109): listed, found by
 * event (through `first_event_seq`) and counted as `delivered` records where no row outranks them; they are removed by
 * `forget`, which reads here and writes them on the log's own connection, in its transaction.
 *
 * Read on a connection of its own, to the delivery log's file with the queue's and the store's files attached: never on the log's
 * writing connection, whose `BEGIN IMMEDIATE` would then take the queue file's write lock too, so every outcome the
 * router writes would wait for the queue's writers and theirs for it. This one reads (autocommit statements), and
 * writes only that one naming, and an erasure's removal of queued jobs, to the queue's file alone.
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
    const newestFirst = q.order !== 'oldest-first';
    const sign = newestFirst ? -1 : 1;
    const inPage = (r: DeliveryRecord) => (q.before === undefined || compareToKey(r, q.before) < 0) && (q.after === undefined || compareToKey(r, q.after) > 0);
    if (q.messageId !== undefined) {
      // One event's: found by event, not by walking the destination's backlog.
      const found = (await this.forMessages(q.workspaceId, [q.messageId])).filter((r) => r.destinationId === q.destinationId && (q.sourceId === undefined || r.sourceId === q.sourceId) && (q.status === undefined || r.status === q.status));
      return found.filter(inPage).sort((a, b) => sign * compareToKey(a, b)).slice(0, q.limit);
    }
    const records: DeliveryRecord[] = [];
    if ((q.status === undefined || q.status === 'queued') && (await this.hasQueue())) {
      // In seq order, which is the order of `queued_at` (the queue never stamps a job earlier than the one before):
      // through the (destination_id, seq) index, without sorting the destination's whole backlog. The last millisecond
      // read may have more jobs than fit, which the list orders by messageId: all of them.
      const found: QueuedJob[] = [];
      for await (const job of this.queuedJobs(q.destinationId, q.workspaceId, { newestFirst, atMost: q.before?.updatedAt, atLeast: q.after?.updatedAt })) {
        if (q.sourceId !== undefined && job.source_id !== q.sourceId) continue;
        if (found.length >= q.limit && job.at !== found[found.length - 1]!.at) break;
        found.push(job);
      }
      records.push(...found.map(recordOf));
    }
    if (q.status === undefined || q.status === 'delivered') {
      // In the order of their time, through (destination_id, delivered_at); a run's entries share its time, and the
      // last time read may have more than fit: all of them.
      const found: DeliveryRecord[] = [];
      for (const record of this.deliveredRecords(q.destinationId, q.workspaceId, { newestFirst, atMost: q.before?.updatedAt, atLeast: q.after?.updatedAt })) {
        if ((q.sourceId !== undefined && record.sourceId !== q.sourceId) || !inPage(record)) continue;
        if (found.length >= q.limit && record.updatedAt !== found[found.length - 1]!.updatedAt) break;
        found.push(record);
      }
      records.push(...found);
    }
    return records.filter(inPage).sort((a, b) => sign * compareToKey(a, b)).slice(0, q.limit);
  }

  async forMessages(workspaceId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]> {
    if (messageIds.length === 0) return [];
    const queueReady = await this.hasQueue();
    const jobs: QueuedJob[] = [];
    const delivered: DeliveryRecord[] = [];
    for (const part of chunks(messageIds)) {
      // The events through their key (source_id, message_id), over the workspace's sources (a condition on the events'
      // workspace_id would let SQLite walk the workspace's events instead); their jobs by event_seq. Unordered (a few).
      const events = this.database
        .prepare(`SELECT e.seq FROM ${STORE_SCHEMA}.events e WHERE e.source_id IN (SELECT id FROM ${STORE_SCHEMA}.sources WHERE workspace_id = ?) AND e.message_id IN (${part.map(() => '?').join(', ')})`)
        .pluck()
        .all(workspaceId, ...part) as number[];
      for (const eventSeq of events) {
        if (queueReady) jobs.push(...this.jobsOfEvent(workspaceId, eventSeq));
        delivered.push(...this.deliveredOfEvent(workspaceId, eventSeq));
      }
    }
    const hasRow = this.hasRow();
    // A job queued twice (an inbox batch processed again after a crash) is one delivery; one still queued is what the
    // pair waits for.
    const byPair = new Map<string, DeliveryRecord>();
    for (const record of [...delivered, ...jobs.map(recordOf)]) {
      if (!hasRow(record.messageId, record.sourceId, record.destinationId)) byPair.set(`${record.messageId}\u0000${record.sourceId}\u0000${record.destinationId}`, record);
    }
    return [...byPair.values()];
  }

  async jobs(destinationId: string): Promise<number> {
    if (!(await this.hasQueue())) return 0;
    const row = (await sql<{ jobs: number }>`SELECT jobs FROM ${sql.raw(QUEUE_SCHEMA)}.queue_delivery_counts WHERE destination_id = ${destinationId}`.execute(this.log)).rows[0];
    return Number(row?.jobs ?? 0);
  }

  async oldestQueuedAt(workspaceId: string, destinationId: string): Promise<number | undefined> {
    if (!(await this.hasQueue())) return undefined;
    // The first job in seq order without a row: the jobs before it are being retried (one per person whose delivery failed).
    for await (const job of this.queuedJobs(destinationId, workspaceId, { newestFirst: false })) return Number(job.at);
    return undefined;
  }

  async dropAll(log: Kysely<Database>, workspaceId: string, destinationId: string, drop: { reason: string; message: string; at: number }): Promise<number> {
    if (!(await this.hasQueue())) return 0;
    let dropped = 0;
    // Read here a page at a time, written on `log` (in its transaction); a pair that has a row meanwhile keeps it.
    const write = async (page: QueuedJob[]) => {
      const result = await log
        .insertInto('deliveries')
        .values(page.map((r) => ({ workspace_id: r.workspace_id, destination_id: r.destination_id, message_id: r.message_id, source_id: r.source_id, status: 'dropped', attempts: 0, reason: drop.reason, last_error: drop.message, updated_at: drop.at, next_attempt_at: null, first_attempt_at: null })))
        .onConflict((oc) => oc.columns(['message_id', 'source_id', 'destination_id']).doNothing())
        .executeTakeFirst();
      dropped += Number(result.numInsertedOrUpdatedRows ?? 0);
    };
    let page: QueuedJob[] = [];
    for await (const job of this.queuedJobs(destinationId, workspaceId, { newestFirst: false })) {
      page.push(job);
      if (page.length === DROP_PAGE) {
        await write(page);
        page = [];
      }
    }
    if (page.length > 0) await write(page);
    return dropped;
  }

  async forget(log: Kysely<Database>, workspaceId: string, events: readonly EventKey[]): Promise<number> {
    if (events.length === 0) return 0;
    const seqs = this.eventSeqsOf(workspaceId, events);
    const jobs = (await this.hasQueue()) ? await this.forgetJobs(workspaceId, seqs) : 0;
    return jobs + (await log.transaction().execute((trx) => this.forgetDelivered(trx, workspaceId, seqs)));
  }

  /** The queued jobs of these stored events, removed from the queue's file. */
  private forgetJobs(workspaceId: string, seqs: readonly number[]): Promise<number> {
    // The queue's own rule for its counts (sqlite-delivery-queue.ts): they move in the jobs' transaction. A job the
    // router holds is acknowledged later as one already finished (it counts nothing then); it is not sent, its event
    // being gone (decision 0105), or is stopped by the delivery gate (an erased person is suppressed).
    return threadWriteLock.run(() =>
      this.database.transaction(() => {
        const removed = new Map<string, number>();
        const count = (destinationId: string, n: number) => removed.set(destinationId, (removed.get(destinationId) ?? 0) + n);
        const single = this.database.prepare(`DELETE FROM ${QUEUE_SCHEMA}.queue_deliveries WHERE event_seq = ? AND entry_count IS NULL RETURNING destination_id`).pluck();
        const erased = new Set(seqs);
        const manifests = new Map<number, { destination: string; entries: (ManifestEntry | null)[] }>();
        for (const seq of seqs) {
          for (const destinationId of single.all(seq) as string[]) count(destinationId, 1);
          for (const row of this.manifestsAround(workspaceId, seq)) if (!manifests.has(row.seq)) manifests.set(row.seq, { destination: row.destination_id, entries: JSON.parse(row.json) as (ManifestEntry | null)[] });
        }
        // An erased event's entries: overwritten with null in place (the router may hold the jobs, by their place), and
        // marked finished, so the manifest keeps neither its identifiers nor any JSON of its own, and is gone with its last.
        const progress = new ManifestProgress(this.database, QUEUE_SCHEMA);
        for (const [rowSeq, { destination, entries }] of manifests) {
          const places: number[] = [];
          entries.forEach((entry, place) => {
            if (entry === null || !erased.has(entry[ENTRY.eventSeq] ?? -1)) return;
            entries[place] = null;
            places.push(place);
          });
          if (places.length > 0) count(destination, progress.finish(rowSeq, entries.length, places, JSON.stringify(entries)));
        }
        const takeFromCount = this.database.prepare(`UPDATE ${QUEUE_SCHEMA}.queue_delivery_counts SET jobs = jobs - ? WHERE destination_id = ?`);
        for (const [destinationId, n] of removed) takeFromCount.run(n, destinationId);
        return [...removed.values()].reduce((a, b) => a + b, 0);
      })(),
    );
  }

  /**
   * The destination's jobs that the delivery log has no row for, in seq order (or the reverse), read a page of rows
   * at a time through (destination_id, seq); `atMost` / `atLeast` bound when they were queued. Each job costs a lookup
   * of the log's key, and jobs with a row can be many before the first without (a failing destination's retried
   * jobs, one per person): the walk lets the thread's other work run every YIELD_EVERY jobs (it runs on the thread
   * that answers the Tracking API; 10,000 retried jobs took about 130 ms).
   */
  private async *queuedJobs(destinationId: string, workspaceId: string, options: { newestFirst: boolean; atMost?: number | undefined; atLeast?: number | undefined }): AsyncGenerator<QueuedJob> {
    const page = this.database.prepare(
      `SELECT ${ROW_COLUMNS} FROM ${QUEUE_SCHEMA}.queue_deliveries j WHERE j.destination_id = ? AND j.workspace_id = ? AND j.seq ${options.newestFirst ? '<' : '>'} ?${timeBounds(QUEUED_AT, options)}
       ORDER BY j.seq ${options.newestFirst ? 'DESC' : 'ASC'} LIMIT ${ROW_PAGE}`,
    );
    const hasRow = this.hasRow();
    let examined = 0;
    for (let after = options.newestFirst ? Number.MAX_SAFE_INTEGER : 0; ; ) {
      const rows = page.all(destinationId, workspaceId, after) as JobRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.seq;
      for (const job of jobsOfRows(rows, options.newestFirst, this.manifestJson)) {
        if (!hasRow(job.message_id, job.source_id, job.destination_id)) yield job;
        if (++examined % YIELD_EVERY === 0) await nextTurn();
      }
    }
  }

  /** An event's jobs: the rows holding one job for it (by `event_seq`), and its entries in the manifests around it. */
  private jobsOfEvent(workspaceId: string, eventSeq: number): QueuedJob[] {
    const rows = this.database.prepare(`SELECT ${ROW_COLUMNS} FROM ${QUEUE_SCHEMA}.queue_deliveries j WHERE j.event_seq = ? AND j.entry_count IS NULL AND j.workspace_id = ?`).all(eventSeq, workspaceId) as JobRow[];
    const jobs = [...jobsOfRows(rows, false, this.manifestJson)];
    for (const row of this.manifestsAround(workspaceId, eventSeq)) {
      const entries = JSON.parse(row.json) as (ManifestEntry | null)[];
      entries.forEach((entry, place) => {
        if (entry === null || entry[ENTRY.eventSeq] !== eventSeq) return;
        jobs.push(jobOfEntry(row, entry, place));
      });
    }
    return jobs;
  }

  /**
   * The manifests whose events' range holds `eventSeq`: through the index on `event_seq` (a manifest's lowest), over
   * at most MAX_MANIFEST_EVENT_SPAN seqs below it, then `last_event_seq`.
   */
  private manifestsAround(workspaceId: string, eventSeq: number): ManifestRow[] {
    return this.database
      .prepare(
        `SELECT j.seq, j.workspace_id, j.source_id, j.destination_id, ${QUEUED_AT} AS at, j.json FROM ${QUEUE_SCHEMA}.queue_deliveries j
         WHERE j.event_seq BETWEEN ? AND ? AND j.last_event_seq >= ? AND j.entry_count IS NOT NULL AND j.workspace_id = ?`,
      )
      .all(eventSeq - MAX_MANIFEST_EVENT_SPAN, eventSeq, eventSeq, workspaceId) as ManifestRow[];
  }

  /**
   * The destination's deliveries kept in delivered runs (decision 0109) that have no row of their own, newest first (or
   * oldest), a page of runs at a time through (destination_id, delivered_at); `atMost` / `atLeast` bound their time.
   */
  private *deliveredRecords(destinationId: string, workspaceId: string, options: { newestFirst: boolean; atMost?: number | undefined; atLeast?: number | undefined }): Generator<DeliveryRecord> {
    const [beyond, direction] = options.newestFirst ? ['<', 'DESC'] : ['>', 'ASC'];
    const page = this.database.prepare(
      `SELECT ${RUN_COLUMNS} FROM main.delivered_runs r WHERE r.destination_id = ? AND r.workspace_id = ?
         AND r.delivered_at ${beyond}= ? AND (r.delivered_at ${beyond} ? OR r.seq ${beyond} ?)${timeBounds('r.delivered_at', options)}
       ORDER BY r.delivered_at ${direction}, r.seq ${direction} LIMIT ${RUN_PAGE}`,
    );
    const hasRow = this.hasRow();
    for (let at = options.newestFirst ? Number.MAX_SAFE_INTEGER : -1, after = at; ; ) {
      const runs = page.all(destinationId, workspaceId, at, at, after) as RunRow[];
      if (runs.length === 0) return;
      at = Number(runs[runs.length - 1]!.delivered_at);
      after = runs[runs.length - 1]!.seq;
      for (const run of runs) {
        for (const entry of entriesOf(run)) {
          if (entry === null) continue;
          const record = recordOfEntry(run, entry);
          if (!hasRow(record.messageId, record.sourceId, record.destinationId)) yield record;
        }
      }
    }
  }

  /** An event's deliveries kept in delivered runs (whether a row outranks them is the caller's to check). */
  private deliveredOfEvent(workspaceId: string, eventSeq: number): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    for (const run of this.runsAround(workspaceId, eventSeq)) {
      for (const entry of entriesOf(run)) if (entry !== null && entry[RUN_ENTRY.eventSeq] === eventSeq) records.push(recordOfEntry(run, entry));
    }
    return records;
  }

  /** The runs whose events' range holds `eventSeq`: through `first_event_seq`, over at most MAX_RUN_EVENT_SPAN seqs below it. */
  private runsAround(workspaceId: string, eventSeq: number): RunRow[] {
    return this.database
      .prepare(`SELECT ${RUN_COLUMNS} FROM main.delivered_runs r WHERE r.first_event_seq BETWEEN ? AND ? AND r.last_event_seq >= ? AND r.workspace_id = ?`)
      .all(eventSeq - MAX_RUN_EVENT_SPAN, eventSeq, eventSeq, workspaceId) as RunRow[];
  }

  /** The stored events' seqs of these keys (events no longer stored have none). */
  private eventSeqsOf(workspaceId: string, events: readonly EventKey[]): number[] {
    const seqs: number[] = [];
    for (const [sourceId, messageIds] of messageIdsBySource(events)) {
      for (const part of chunks(messageIds)) {
        seqs.push(
          ...(this.database
            .prepare(`SELECT e.seq FROM ${STORE_SCHEMA}.events e WHERE e.source_id = ? AND e.message_id IN (${part.map(() => '?').join(', ')}) AND e.workspace_id = ?`)
            .pluck()
            .all(sourceId, ...part, workspaceId) as number[]),
        );
      }
    }
    return seqs;
  }

  /** The deliveries of these stored events kept in delivered runs, removed on `log` (in its transaction). */
  private async forgetDelivered(log: Kysely<Database>, workspaceId: string, seqs: readonly number[]): Promise<number> {
    const erased = new Set(seqs);
    const runs = new Map<number, RunRow>();
    for (const seq of erased) for (const run of this.runsAround(workspaceId, seq)) runs.set(run.seq, run);
    let removed = 0;
    // Read here, written on `log` in its transaction (which holds the log's write lock: no run changes between). An
    // erased event's entries become null; a run left with none goes.
    for (const run of runs.values()) {
      const entries = entriesOf(run);
      let blanked = 0;
      entries.forEach((entry, place) => {
        if (entry === null || !erased.has(entry[RUN_ENTRY.eventSeq])) return;
        entries[place] = null;
        blanked++;
      });
      if (blanked === 0) continue;
      removed += blanked;
      if (entries.every((entry) => entry === null)) await sql`DELETE FROM delivered_runs WHERE seq = ${run.seq}`.execute(log);
      else await sql`UPDATE delivered_runs SET entries = ${JSON.stringify(entries)} WHERE seq = ${run.seq}`.execute(log);
    }
    return removed;
  }

  async countDelivered(workspaceId: string, events: readonly EventKey[]): Promise<number> {
    let count = 0;
    for (const seq of new Set(this.eventSeqsOf(workspaceId, events))) count += this.deliveredOfEvent(workspaceId, seq).length;
    return count;
  }

  /** A manifest row's entries (its JSON) when a reader reaches it; undefined once the row is gone (all its jobs finished). */
  private readonly manifestJson = (seq: number): string | undefined => {
    this.manifestJsonStatement ??= this.database.prepare(`SELECT json FROM ${QUEUE_SCHEMA}.queue_deliveries WHERE seq = ?`).pluck();
    return this.manifestJsonStatement.get(seq) as string | undefined;
  };
  private manifestJsonStatement: ReturnType<SqliteDatabase['prepare']> | undefined;

  /** Whether the delivery log has a row for a job's (message, source, destination): an outcome, so not queued. */
  private hasRow(): (messageId: string, sourceId: string, destinationId: string) => boolean {
    const row = this.database.prepare('SELECT 1 FROM main.deliveries d WHERE d.message_id = ? AND d.source_id = ? AND d.destination_id = ?').pluck();
    return (messageId, sourceId, destinationId) => row.get(messageId, sourceId, destinationId) !== undefined;
  }

  /**
   * Whether the queue's file has its table yet, as this version writes it (the file is attached before the queue
   * opens it, which creates or upgrades the table): until then, nothing is queued in it. Checked until it has; the
   * first time it has, the events of the jobs an earlier version queued are named.
   */
  private async hasQueue(): Promise<boolean> {
    if (this.ready) return true;
    const columns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('queue_deliveries', ${QUEUE_SCHEMA})`.execute(this.log)).rows.map((r) => r.name);
    const tables = await sql`SELECT 1 FROM ${sql.raw(QUEUE_SCHEMA)}.sqlite_master WHERE (type = 'index' AND name = ${UNNAMED_JOBS_INDEX}) OR (type = 'table' AND name = 'queue_manifest_progress')`.execute(this.log);
    if (!['queued_at', 'event_seq', 'entry_count', 'last_event_seq'].every((c) => columns.includes(c)) || tables.rows.length < 2) return false;
    this.nameEarlierJobsEvents();
    this.ready = true;
    return true;
  }

  /**
   * Gives the jobs an earlier version queued with their own JSON (no `event_seq`) the seq of their stored event, found
   * by the events' key (source_id, message_id), so they are found by event like the jobs queued since: the event
   * lookup and access answers show them as queued, and an erasure or the retention sweep removes them with the
   * event's rows (before, they stayed in `queue.db`, their copy of the event included, until the router's gate
   * stopped them). A job whose event is not stored (erased before its batch was processed again) keeps none, and so
   * does a manifest none of whose entries names an event. Through the queue's index of the jobs without one, so with
   * none left it reads one empty page. Returns how many.
   * Not under the thread's write lock: it writes only the queue's file, whose connections in this thread never hold
   * its lock across an `await`, so it cannot wait for a transaction of its own thread (and reads may run inside one).
   */
  nameEarlierJobsEvents(): number {
    return this.database
      .prepare(
        `UPDATE ${QUEUE_SCHEMA}.queue_deliveries INDEXED BY ${UNNAMED_JOBS_INDEX}
         SET event_seq = (SELECT e.seq FROM ${STORE_SCHEMA}.events e WHERE e.source_id = queue_deliveries.source_id AND e.message_id = queue_deliveries.message_id)
         WHERE event_seq IS NULL AND entry_count IS NULL
           AND EXISTS (SELECT 1 FROM ${STORE_SCHEMA}.events e WHERE e.source_id = queue_deliveries.source_id AND e.message_id = queue_deliveries.message_id)`,
      )
      .run().changes;
  }
}
