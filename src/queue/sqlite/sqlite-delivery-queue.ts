import { BroadcastChannel } from 'node:worker_threads';
import { threadWriteLock } from '../../store/sqlite/thread-write-lock.js';
import { addMissingColumns, type SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import type { SubjectIdentifier } from '../../core/privacy/subject.js';
import type { DeliveryConsumer, DeliveryJob, DeliveryJobRecord } from '../queue.js';
import { entryOf, JOB_SEQ_SCALE, jobOfEntry, manifestsOf, type ManifestEntry, type ManifestPart } from './manifest-entries.js';
import { isDone, ManifestProgress, PROGRESS_TABLE } from './manifest-progress.js';

interface JobRow {
  seq: number;
  workspace_id: string;
  destination_id: string;
  source_id: string;
  message_id: string;
  partition_key: string;
  received_at: number;
  subject: string | null;
  stored_seq: number | null;
  json: string | null;
  /** A manifest's number of entries (its `json` holds them, manifest-entries.ts); null for a row holding one job. */
  entry_count: number | null;
  /** A lone job's stored event (a manifest's first event seq). */
  event_seq: number | null;
  /** 1: a lone job the fan-out queued without a delivery-log row (`DeliveryJobRecord.unlogged`). */
  unlogged: number | null;
}

/**
 * A job as the table's columns, in INSERT order. A job that names its stored event (`storedSeq`) is kept by
 * that reference alone: the event is not written a second time (nor read, nor zeroed when acknowledged).
 */
function jobValues(job: DeliveryJobRecord, queuedAt: number | null): [string, string, string, string, string, number, string | null, number | null, string | null, number | null, number | null, 1 | null] {
  const subject = job.subject === undefined ? null : JSON.stringify(job.subject);
  return [job.destinationId, job.workspaceId, job.sourceId, job.messageId, job.partitionKey, job.receivedAt, subject, job.storedSeq ?? null, job.storedSeq === undefined ? job.json : null, queuedAt, job.eventSeq ?? job.storedSeq ?? null, job.unlogged ? 1 : null];
}

function jobOf(row: JobRow): DeliveryJob {
  return {
    seq: row.seq * JOB_SEQ_SCALE,
    workspaceId: row.workspace_id,
    destinationId: row.destination_id,
    sourceId: row.source_id,
    messageId: row.message_id,
    partitionKey: row.partition_key,
    receivedAt: row.received_at,
    ...(row.subject !== null && { subject: JSON.parse(row.subject) as SubjectIdentifier[] }),
    ...(row.stored_seq !== null && { storedSeq: row.stored_seq }),
    ...(row.json !== null && { json: row.json }),
    ...(row.event_seq !== null && { eventSeq: row.event_seq }),
    ...(row.unlogged === 1 && { unlogged: true as const }),
  };
}

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS queue_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    subject TEXT,
    stored_seq INTEGER,
    json TEXT,
    queued_at INTEGER,
    event_seq INTEGER,
    unlogged INTEGER,
    CHECK (json IS NOT NULL OR stored_seq IS NOT NULL)
  );
  CREATE INDEX IF NOT EXISTS queue_deliveries_destination ON queue_deliveries (destination_id, seq);
`;
/**
 * Jobs by their stored event: the delivery log reads a queued delivery from here, not from a `queued` row of its own
 * (decision 0108, attached-queue-deliveries.ts). Keyed by the event's seq, which grows as the processor stores events,
 * so its entries are appended and removed at the ends like the jobs' own (a key by messageId, random as clients make
 * them, cost every job an insert and a delete at random places: +10 us of CPU per event, measured).
 */
const EVENT_INDEX = 'CREATE INDEX IF NOT EXISTS queue_deliveries_event ON queue_deliveries (event_seq) WHERE event_seq IS NOT NULL';
/**
 * The jobs that name no stored event: those an earlier version queued with their own JSON (the delivery log names
 * their events once, by the events' key: attached-queue-deliveries.ts), and the rare job whose event was erased
 * before its batch was processed again. Empty as a rule, so it costs the jobs queued since nothing.
 */
const UNNAMED_INDEX = `CREATE INDEX IF NOT EXISTS queue_deliveries_unnamed ON queue_deliveries (seq) WHERE event_seq IS NULL`;

/**
 * Adds `queued_at` (when the job was published, epoch ms) and `event_seq` (its stored event) to a table an earlier
 * version created; its jobs keep null (readers take their `received_at`, and `stored_seq` where they have it).
 */
function addJobColumns(db: SqliteDatabase): void {
  const added = addMissingColumns(db, 'queue_deliveries', ['queued_at', 'event_seq', 'entry_count', 'last_event_seq', 'unlogged'], 'INTEGER');
  if (added.includes('event_seq')) db.exec('UPDATE queue_deliveries SET event_seq = stored_seq WHERE event_seq IS NULL AND stored_seq IS NOT NULL');
}
/**
 * Jobs not yet acknowledged per destination, kept in the same transactions as the jobs themselves, so a
 * destination's backlog is read without counting its rows (a count of a million jobs blocked the thread for
 * ~30 ms, on the thread that also answers the Tracking API).
 */
const COUNTS_TABLE = 'CREATE TABLE queue_delivery_counts (destination_id TEXT PRIMARY KEY, jobs INTEGER NOT NULL) WITHOUT ROWID';
const ADD_TO_COUNT = `INSERT INTO queue_delivery_counts (destination_id, jobs) VALUES (?, ?)
  ON CONFLICT (destination_id) DO UPDATE SET jobs = jobs + excluded.jobs`;

function hasCountsTable(db: SqliteDatabase): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_delivery_counts'").get() !== undefined;
}

/** Creates the counts of a queue file an earlier version wrote (from its rows, once; safe with several connections). */
function ensureCounts(db: SqliteDatabase): void {
  if (hasCountsTable(db)) return;
  db.transaction(() => {
    if (hasCountsTable(db)) return; // another thread's connection created it meanwhile
    db.exec(COUNTS_TABLE);
    db.exec('INSERT INTO queue_delivery_counts (destination_id, jobs) SELECT destination_id, sum(coalesce(entry_count, 1)) FROM queue_deliveries GROUP BY destination_id');
  }).immediate();
}

const INSERT = `INSERT INTO queue_deliveries (destination_id, workspace_id, source_id, message_id, partition_key, received_at, subject, stored_seq, json, queued_at, event_seq, unlogged)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/**
 * A manifest: its columns name the first entry (they are `NOT NULL`), `json` holds the entries, `event_seq` and
 * `last_event_seq` the lowest and highest event seq among them (the delivery log finds an event's entries by them).
 */
const INSERT_MANIFEST = `INSERT INTO queue_deliveries (destination_id, workspace_id, source_id, message_id, partition_key, received_at, json, queued_at, event_seq, last_event_seq, entry_count)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const JOB_COLUMNS = 'seq, workspace_id, destination_id, source_id, message_id, partition_key, received_at, subject, stored_seq, json, entry_count, event_seq, unlogged';

/**
 * Appends jobs an earlier version kept as one JSON text each (`body`, the whole job record with the event as
 * an escaped string inside) to the current table; the move of the queues out of the store file uses it too.
 */
export function insertJobBodies(db: SqliteDatabase, rows: Iterable<{ seq?: number; body: string }>): number {
  const insert = db.prepare(`INSERT INTO queue_deliveries (seq, destination_id, workspace_id, source_id, message_id, partition_key, received_at, subject, stored_seq, json, queued_at, event_seq, unlogged)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // Counted when the counts exist already (a file being moved in); otherwise ensureCounts() counts the rows.
  const addToCount = hasCountsTable(db) ? db.prepare(ADD_TO_COUNT) : undefined;
  let count = 0;
  for (const row of rows) {
    const values = jobValues(JSON.parse(row.body) as DeliveryJobRecord, null);
    insert.run(row.seq ?? null, ...values);
    addToCount?.run(values[0], 1);
    count++;
  }
  return count;
}

/**
 * Rebuilds `queue_deliveries` when an earlier version's layout is found (`isOld` of its column names): renames it
 * to `oldName`, creates the current table, lets `copy` move every job across with its seq, drops the old table
 * and keeps the sequence (the next job continues after the last one ever queued, not after the last one left).
 * In one immediate transaction, checked again inside it: threads opening the file at once rebuild it once.
 */
function rebuildJobTable(db: SqliteDatabase, oldName: string, isOld: (columns: readonly string[]) => boolean, copy: () => void): void {
  const needed = () => {
    const columns = db.prepare("SELECT name FROM pragma_table_info('queue_deliveries')").pluck().all() as string[];
    return columns.length > 0 && isOld(columns);
  };
  if (!needed()) return;
  db.transaction(() => {
    if (!needed()) return; // another thread's connection rebuilt it meanwhile
    const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'queue_deliveries'").pluck().get() as number | undefined;
    db.exec(`ALTER TABLE queue_deliveries RENAME TO ${oldName}; DROP INDEX IF EXISTS queue_deliveries_destination;`);
    db.exec(CREATE_TABLE);
    copy();
    db.exec(`DROP TABLE ${oldName}`);
    if (sequence !== undefined) {
      db.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'queue_deliveries', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'queue_deliveries')").run();
      db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'queue_deliveries'").run(sequence);
    }
  }).immediate();
}

/** Rewrites a table an earlier version created (one `body` JSON text per job) into columns. */
function upgradeJobTable(db: SqliteDatabase): void {
  rebuildJobTable(db, 'queue_deliveries_bodies', (columns) => columns.includes('body'), () => {
    // In pages: a connection cannot write while it iterates a query, and a backlog can be large.
    const page = db.prepare('SELECT seq, body FROM queue_deliveries_bodies WHERE seq > ? ORDER BY seq LIMIT 1000');
    for (let rows = page.all(0) as { seq: number; body: string }[]; rows.length > 0; rows = page.all(rows[rows.length - 1]!.seq) as { seq: number; body: string }[]) {
      insertJobBodies(db, rows);
    }
  });
}

/**
 * Rebuilds a table an earlier version created with the event's JSON required in every row (before jobs could
 * refer to their stored event). One statement: nothing passes through JavaScript, however large the backlog.
 */
function allowJobsByReference(db: SqliteDatabase): void {
  rebuildJobTable(db, 'queue_deliveries_inline', (columns) => !columns.includes('stored_seq'), () =>
    db.exec(`INSERT INTO queue_deliveries (seq, destination_id, workspace_id, source_id, message_id, partition_key, received_at, subject, json)
      SELECT seq, destination_id, workspace_id, source_id, message_id, partition_key, received_at, subject, json FROM queue_deliveries_inline ORDER BY seq`),
  );
}

/** Longest a waiting consumer sleeps before looking again (publishes in this process wake it at once). */
const MAX_IDLE_WAIT_MS = 250;
const WAKE_CHANNEL = 'sluice-delivery-jobs';

/**
 * The embedded delivery queues: one table, ordered by an AUTOINCREMENT key, read per destination through an
 * index on (destination_id, seq). The jobs one publish gives a destination are one row, a manifest of entries
 * (manifest-entries.ts; decision 0108): a job's row costs the processor an insert and the router a read and a
 * delete, so a row per job cost 5-16 % of the pipeline's CPU per event. A lone job is a row of columns. Either
 * way a job carries the event's JSON as one text, so neither side encodes the event a second time (an earlier
 * version's JSON-in-JSON rows are rewritten at open), or, when the event leaves as it was stored, only the stored
 * event's seq (the router reads the payload back). A consumer remembers how far it has read; acknowledging
 * deletes a lone job's row, and marks a manifest's entries finished (a bit each in `queue_manifest_progress`, so a
 * restart hands out only the rest), deleting it with its last.
 * Publishers in any thread of the process wake waiting consumers through a BroadcastChannel, so an idle
 * destination picks up a job within milliseconds without busy polling.
 */
export class SqliteDeliveryQueue {
  private readonly insert;
  private readonly insertManifest;
  private readonly entryCount;
  private readonly progress;
  private readonly purgeProgress;
  private readonly read;
  private readonly readKey;
  private readonly count;
  private readonly addToCount;
  private readonly takeFromCount;
  private readonly purge;
  private readonly purgeCount;
  private readonly remove;
  private readonly lastSeq;
  private readonly lastQueuedAt;
  private readonly wake = new BroadcastChannel(WAKE_CHANNEL);
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly db: SqliteDatabase) {
    upgradeJobTable(db);
    allowJobsByReference(db);
    db.exec(CREATE_TABLE);
    addJobColumns(db);
    db.exec(EVENT_INDEX);
    db.exec(UNNAMED_INDEX);
    ensureCounts(db);
    db.exec(PROGRESS_TABLE);
    this.insert = db.prepare(INSERT);
    this.insertManifest = db.prepare(INSERT_MANIFEST);
    this.lastQueuedAt = db.prepare('SELECT queued_at FROM queue_deliveries ORDER BY seq DESC LIMIT 1').pluck();
    this.read = db.prepare(`SELECT ${JOB_COLUMNS} FROM queue_deliveries WHERE destination_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    // A user's jobs set aside by the router: through the (destination_id, seq) index over the range, which holds only
    // the jobs not acknowledged yet (an index on the partition key too would cost every job an index entry). A
    // manifest's entries are looked at one by one.
    this.readKey = db.prepare(
      `SELECT ${JOB_COLUMNS} FROM queue_deliveries WHERE destination_id = ? AND seq > ? AND seq <= ? AND (partition_key = ? OR entry_count IS NOT NULL) ORDER BY seq LIMIT ?`,
    );
    this.remove = db.prepare('DELETE FROM queue_deliveries WHERE seq = ?');
    this.entryCount = db.prepare<[number], { entry_count: number | null }>('SELECT entry_count FROM queue_deliveries WHERE seq = ?');
    this.progress = new ManifestProgress(db);
    this.purgeProgress = db.prepare('DELETE FROM queue_manifest_progress WHERE seq IN (SELECT seq FROM queue_deliveries WHERE destination_id = ? AND entry_count IS NOT NULL)');
    this.lastSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'queue_deliveries'").pluck();
    this.count = db.prepare('SELECT jobs FROM queue_delivery_counts WHERE destination_id = ?').pluck();
    this.addToCount = db.prepare(ADD_TO_COUNT);
    this.takeFromCount = db.prepare('UPDATE queue_delivery_counts SET jobs = jobs - ? WHERE destination_id = ?');
    this.purge = db.prepare('DELETE FROM queue_deliveries WHERE destination_id = ?');
    this.purgeCount = db.prepare('DELETE FROM queue_delivery_counts WHERE destination_id = ?');
    this.wake.onmessage = (message) => {
      for (const id of (message as unknown as { data: string[] }).data) this.notify(id);
    };
    (this.wake as unknown as { unref?: () => void }).unref?.();
  }

  async publish(jobs: readonly DeliveryJobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    await threadWriteLock.run(() =>
      this.db.transaction(() => {
        // Never before the last job's time (a clock set back): the delivery log lists queued jobs in seq order
        // as in time order (store/sqlite/attached-queue-deliveries.ts).
        const queuedAt = Math.max(Date.now(), Number(this.lastQueuedAt.get() ?? 0));
        // Each destination's jobs in order: one row for one job, else manifests (manifest-entries.ts).
        const byDestination = new Map<string, DeliveryJobRecord[]>();
        for (const job of jobs) {
          const list = byDestination.get(job.destinationId);
          if (list) list.push(job);
          else byDestination.set(job.destinationId, [job]);
        }
        for (const [destinationId, list] of byDestination) {
          for (const part of manifestsOf(list)) {
            if (part.jobs.length === 1) this.insert.run(...jobValues(part.jobs[0]!, queuedAt));
            else this.insertManifestOf(destinationId, part, queuedAt);
          }
          this.addToCount.run(destinationId, list.length);
        }
        // Immediate: the transaction reads before it writes, and a deferred one would then fail at once (not wait) when
        // another connection wrote the file in between.
      }).immediate(),
    );
    const destinations = [...new Set(jobs.map((j) => j.destinationId))];
    for (const id of destinations) this.notify(id);
    this.wake.postMessage(destinations);
  }

  private insertManifestOf(destinationId: string, { jobs, firstEventSeq, lastEventSeq }: ManifestPart, queuedAt: number): void {
    const first = jobs[0]!;
    this.insertManifest.run(destinationId, first.workspaceId, first.sourceId, first.messageId, first.partitionKey, first.receivedAt, JSON.stringify(jobs.map((job) => entryOf(job, first))), queuedAt, firstEventSeq, lastEventSeq, jobs.length);
  }

  /** Jobs of the destination not yet acknowledged (one row of `queue_delivery_counts`). */
  async waiting(destinationId: string): Promise<number> {
    return Number(this.count.get(destinationId) ?? 0);
  }

  async purgeDestination(destinationId: string): Promise<void> {
    await threadWriteLock.run(() =>
      this.db.transaction(() => {
        this.purgeProgress.run(destinationId);
        this.purge.run(destinationId);
        this.purgeCount.run(destinationId);
      })(),
    );
  }

  consumer(destinationId: string): DeliveryConsumer {
    // The last row read; jobs read past what a fetch could take wait in `ahead`, and `handedOut` is the last job
    // handed out (what `reread` may hand out again).
    let position = 0;
    let ahead: DeliveryJob[] = [];
    let handedOut = 0;
    // What was queued before this consumer started may have been handed out before (to a consumer that
    // stopped, or before a crash): marked redelivered.
    const redeliveredUpTo = Number(this.lastSeq.get() ?? 0);
    const mark = (jobs: DeliveryJob[]) => {
      for (const job of jobs) if (Math.floor(job.seq / JOB_SEQ_SCALE) <= redeliveredUpTo) job.redelivered = true;
      return jobs;
    };
    const take = (max: number): DeliveryJob[] => {
      const jobs = ahead.length <= max ? ahead : ahead.slice(0, max);
      ahead = ahead.length <= max ? [] : ahead.slice(max);
      if (jobs.length > 0) handedOut = jobs[jobs.length - 1]!.seq;
      return mark(jobs);
    };
    return {
      fetch: async (max, { signal, waitMs }) => {
        if (ahead.length > 0) return take(max);
        const deadline = Date.now() + waitMs;
        for (;;) {
          // Row by row until `max` jobs: a manifest holds many (what does not fit waits in `ahead`). Rows are read
          // as they are needed (`iterate`, not `all`): with a backlog of manifests, reading `max` rows at once copied
          // every queued manifest's entries out of SQLite on each fetch to use the first.
          let readAny = false;
          for (const row of this.read.iterate(destinationId, position, max) as IterableIterator<JobRow>) {
            readAny = true;
            position = row.seq;
            this.jobsOfRows([row], ahead);
            if (ahead.length >= max) break;
          }
          if (ahead.length > 0) return take(max);
          if (readAny) continue; // manifests whose entries were all finished (erased)
          const left = deadline - Date.now();
          if (left <= 0 || signal.aborted) return [];
          await this.waitFor(destinationId, Math.min(left, MAX_IDLE_WAIT_MS), signal);
        }
      },
      ack: async (jobs: readonly DeliveryJob[]) => {
        if (jobs.length === 0) return;
        await threadWriteLock.run(() =>
          this.db.transaction(() => {
            // Only what this call finished is taken off the count (a job acknowledged twice counts once).
            const removed = this.finish(jobs);
            if (removed > 0) this.takeFromCount.run(removed, destinationId);
            // Immediate: it reads a manifest's progress before it writes, and a deferred transaction would then fail at
            // once (not wait) when the processor published meanwhile.
          }).immediate(),
        );
      },
      backlog: () => this.waiting(destinationId),
      reread: async (partitionKey, afterSeq, upToSeq, max) => {
        const upTo = Math.min(upToSeq, handedOut);
        const lastRow = Math.floor(upTo / JOB_SEQ_SCALE);
        const jobs: DeliveryJob[] = [];
        // Page by page over the rows of the range: a manifest may hold none of the user's jobs.
        for (let afterRow = Math.floor(afterSeq / JOB_SEQ_SCALE) - 1; jobs.length < max; ) {
          const rows = this.readKey.all(destinationId, afterRow, lastRow, partitionKey, max) as JobRow[];
          if (rows.length === 0) break;
          afterRow = rows[rows.length - 1]!.seq;
          for (const job of this.jobsOfRows(rows, [])) if (job.partitionKey === partitionKey && job.seq > afterSeq && job.seq <= upTo) jobs.push(job);
        }
        return mark(jobs.slice(0, max));
      },
    };
  }

  /** Appends to `jobs` the jobs of rows read in order: a row's one job, or a manifest's entries not finished yet. */
  private jobsOfRows(rows: readonly JobRow[], jobs: DeliveryJob[]): DeliveryJob[] {
    for (const row of rows) {
      if (row.entry_count === null) {
        jobs.push(jobOf(row));
        continue;
      }
      const entries = JSON.parse(row.json!) as (ManifestEntry | null)[];
      const done = this.progress.done(row.seq, entries.length);
      entries.forEach((entry, place) => {
        if (entry !== null && (done === undefined || !isDone(done, place))) jobs.push(jobOfEntry(entry, row, place, row.destination_id));
      });
    }
    return jobs;
  }

  /**
   * Marks jobs finished, in the caller's transaction: a row holding one job is deleted; a manifest's entries are
   * marked done (`queue_manifest_progress`), and the manifest deleted with its last. Returns how many jobs this
   * call finished (one already finished, or whose row is gone, counts nothing).
   */
  private finish(jobs: readonly DeliveryJob[]): number {
    const byRow = new Map<number, number[]>();
    for (const job of jobs) {
      const row = Math.floor(job.seq / JOB_SEQ_SCALE);
      const places = byRow.get(row);
      if (places) places.push(job.seq % JOB_SEQ_SCALE);
      else byRow.set(row, [job.seq % JOB_SEQ_SCALE]);
    }
    let finished = 0;
    for (const [row, places] of byRow) {
      const found = this.entryCount.get(row);
      if (found === undefined) continue;
      if (found.entry_count === null) finished += this.remove.run(row).changes;
      else finished += this.progress.finish(row, found.entry_count, places);
    }
    return finished;
  }

  close(): void {
    this.wake.close();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  private notify(destinationId: string): void {
    const set = this.waiters.get(destinationId);
    if (!set) return;
    this.waiters.delete(destinationId);
    for (const wake of set) wake();
  }

  private waitFor(destinationId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(destinationId);
      if (!set) {
        set = new Set();
        this.waiters.set(destinationId, set);
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set!.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}
