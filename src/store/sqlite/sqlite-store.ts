import { isMainThread } from 'node:worker_threads';
import { Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';
import { SqliteImmediateDialect } from './immediate-transactions.js';
import { SqliteBulkWrites } from './sqlite-bulk-writes.js';
import { AttachedQueueDeliveries } from './attached-queue-deliveries.js';
import { deliveryLogFileOf, moveDeliveryLogOutOfStore, openDeliveryLogDatabase } from './delivery-log-file.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { withStatementCache } from './statement-cache.js';
import { WalFlusher } from './wal-flusher.js';

/**
 * Opens (and, unless told not to, migrates) the embedded SQLite store: the store file, and the delivery log in
 * its own file beside it (delivery-log-file.ts), moved there from the store file once when an earlier version
 * kept it inside.
 *
 * `commits`: 'durable' (the default) flushes every commit to disk before it returns (synchronous=FULL).
 * 'progress' is for the pipeline threads, whose writes are derived from the inbox and redone from it after a
 * crash: commits skip the flush (synchronous=NORMAL) and `flushWrites()` flushes the store file's log once,
 * off the thread (WalFlusher), which the processor does per batch before the inbox may forget the batch (a
 * batch's identity, consent and event writes cost one flush instead of one per transaction). The delivery log
 * is not flushed by it: its states are progress too (see decision 0005), made durable by the checkpointer's
 * next checkpoint (SQLite flushes the log before checkpointing).
 *
 * `yieldForLocks` (by default on the main thread, which answers HTTP): the store's connections run with a busy timeout of
 * 0, and a write that finds another connection (the processor's, the router's) holding a file's write lock tries again
 * after a timer (lock-wait.ts) instead of SQLite sleeping in the thread: under load those transactions held the store
 * file for up to a second, and the Tracking API answered nothing while a heartbeat or a counter write waited for them.
 * The pipeline threads keep SQLite's own busy wait (they do nothing else meanwhile).
 *
 * `queueFile`: the embedded queue's file, when this installation's delivery queue is that file: a `queued` delivery
 * is then read from the queue's jobs (on a reading connection with both files, AttachedQueueDeliveries) instead of
 * being written as a row per event and destination by the fan-out (decision 0108).
 */
export async function openSqliteStore(options: { file: string; migrate?: boolean; commits?: 'durable' | 'progress'; queueFile?: string; yieldForLocks?: boolean }): Promise<SqlStore> {
  const progress = options.commits === 'progress';
  const yieldForLocks = options.yieldForLocks ?? isMainThread;
  const database = openSqliteDatabase(options.file, { synchronous: progress ? 'normal' : 'full' });
  const db = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: withStatementCache(database) }, { yieldForLocks }) });
  const logFile = deliveryLogFileOf(options.file);
  if (options.migrate !== false) {
    await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
    moveDeliveryLogOutOfStore(database, logFile);
  }
  const logDatabase = openDeliveryLogDatabase(logFile, { synchronous: progress ? 'normal' : 'full' });
  const log = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: withStatementCache(logDatabase) }, { yieldForLocks }) });
  // After the migrations and the moves above, which ran with SQLite's own busy wait (nothing else runs at start).
  if (yieldForLocks) for (const connection of [database, logDatabase]) connection.pragma('busy_timeout = 0');
  const queued = options.queueFile === undefined ? undefined : new AttachedQueueDeliveries({ log: logFile, queue: options.queueFile, store: options.file });
  return new SqlStore(db, 'sqlite', new SqliteBulkWrites(database, logDatabase), log, progress ? new WalFlusher(options.file) : undefined, queued);
}
