import path from 'node:path';
import { RUNS_TABLE } from './delivered-runs.js';
import { addMissingColumns, openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';

/** The embedded delivery log's file, beside the store's file (`deliveries.db` in the data directory). */
export function deliveryLogFileOf(storeFile: string): string {
  return path.join(path.dirname(storeFile), 'deliveries.db');
}

/**
 * The delivery log's tables on SQLite, as migrations 0101, 0820, 0900, 0920, 0940 and 0970 leave them on PostgreSQL, and the
 * delivered runs, which only the embedded log keeps (delivered-runs.ts). On SQLite
 * they live in a file of their own, created here (not by the migrations, which created them in the store file
 * before, see `moveDeliveryLogOutOfStore`): a later change to these tables changes this schema for SQLite.
 */
const DELIVERIES_TABLE = `(
    workspace_id TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    last_error TEXT,
    updated_at BIGINT NOT NULL,
    next_attempt_at BIGINT,
    first_attempt_at BIGINT,
    CONSTRAINT deliveries_pk PRIMARY KEY (message_id, source_id, destination_id)
  )`;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS deliveries ${DELIVERIES_TABLE};
  CREATE INDEX IF NOT EXISTS deliveries_destination_status ON deliveries (destination_id, status, updated_at);
  CREATE TABLE IF NOT EXISTS delivery_counters (
    workspace_id TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    minute BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL,
    CONSTRAINT delivery_counters_pk PRIMARY KEY (destination_id, minute, status, reason)
  );
  ${RUNS_TABLE}
  CREATE INDEX IF NOT EXISTS delivery_counters_minute ON delivery_counters (minute);
  CREATE TABLE IF NOT EXISTS destination_pauses (
    destination_id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    paused_until BIGINT NOT NULL,
    reason TEXT NOT NULL
  );
`;

/**
 * Opens the embedded delivery log (creating its tables). Why a file of its own: the processor writes events
 * and the identity graph to the store file, and the processor and the router both write the delivery log. In
 * one file, every router write made SQLite drop the processor's whole page cache at its next transaction (WAL
 * mode keeps no per-page validity; measured: +40 % CPU per inserted event with random ids) and the two
 * threads queued for the file's single write lock; apart, the store file has one busy writer.
 */
export function openDeliveryLogDatabase(file: string, options: { synchronous?: 'full' | 'normal' } = {}): SqliteDatabase {
  const db = openSqliteDatabase(file, options);
  db.exec(SCHEMA);
  // Columns added after the file was first created (each as its migration adds it on PostgreSQL).
  addMissingColumns(db, 'deliveries', ['next_attempt_at', 'first_attempt_at'], 'BIGINT');
  rekeyBySource(db);
  return db;
}

/** Is the log keyed by (message_id, destination_id), as before migration 0970 (source_id not in the key)? */
function keyedWithoutSource(db: SqliteDatabase): boolean {
  return db.prepare("SELECT pk FROM pragma_table_info('deliveries') WHERE name = 'source_id'").pluck().get() === 0;
}

/**
 * Migration 0970 on a file an earlier version created: the table rebuilt with the key (message_id, source_id,
 * destination_id), every row kept, in one transaction (a crash half way leaves the old table). Every thread
 * opens the file: the key is checked again once the write lock is held, so a second connection that waited
 * for it finds the work done.
 */
function rekeyBySource(db: SqliteDatabase): void {
  if (!keyedWithoutSource(db)) return;
  const columns = 'workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at, next_attempt_at, first_attempt_at';
  db.transaction(() => {
    if (!keyedWithoutSource(db)) return;
    db.exec(`
      CREATE TABLE deliveries_rekeyed ${DELIVERIES_TABLE};
      INSERT INTO deliveries_rekeyed (${columns}) SELECT ${columns} FROM deliveries;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_rekeyed RENAME TO deliveries;
      CREATE INDEX deliveries_destination_status ON deliveries (destination_id, status, updated_at);
    `);
  }).immediate();
}

const TABLES = ['deliveries', 'delivery_counters'];

/** The columns a table has in both databases (the store file's migrations added the same ones as the log file's schema). */
function sharedColumns(store: SqliteDatabase, table: string): string {
  const columnsIn = (schema: string) => new Set(store.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(table, schema) as string[]);
  const inLog = columnsIn('delivery_log');
  return [...columnsIn('main')].filter((column) => inLog.has(column)).join(', ');
}

/**
 * Moves the delivery log an earlier version kept in the store file into its own file, then drops it from the
 * store file; runs when the store is opened with its migrations (once, at boot). Idempotent: a move cut short
 * by a crash copies again without duplicating (rows already there are kept). Returns the rows moved.
 */
export function moveDeliveryLogOutOfStore(store: SqliteDatabase, logFile: string): number {
  const present = TABLES.filter((name) => store.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined);
  if (present.length === 0) return 0;
  openDeliveryLogDatabase(logFile).close();
  store.prepare('ATTACH DATABASE ? AS delivery_log').run(logFile);
  try {
    let moved = 0;
    store.transaction(() => {
      for (const table of present) {
        // Every column both have: a retrying delivery keeps its retry state (next and first attempt).
        const columns = sharedColumns(store, table);
        moved += store.prepare(`INSERT INTO delivery_log.${table} (${columns}) SELECT ${columns} FROM main.${table} WHERE true ON CONFLICT DO NOTHING`).run().changes;
        store.exec(`DROP TABLE main.${table}`);
      }
    }).immediate();
    return moved;
  } finally {
    store.exec('DETACH DATABASE delivery_log');
  }
}
