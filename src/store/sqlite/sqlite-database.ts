import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

/** The embedded database file inside a data directory. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'sluice.db');
}

/**
 * The embedded queues' file inside a data directory (the inbox and the delivery queues). A file of its own,
 * so an inbox commit (the Tracking API's 200) never waits for SQLite's write lock behind the processor's or
 * the router's store transactions (decision 0002).
 */
export function sqliteQueueFile(dataDir: string): string {
  return path.join(dataDir, 'queue.db');
}

/** Log pages past which a commit checkpoints by itself (the checkpointer thread normally keeps the log far smaller). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Opens the embedded database with the settings every connection needs: WAL (readers never block the
 * writer), synchronous=FULL (a committed transaction is on disk: the durability rule), a busy timeout so
 * the threads sharing the file wait for each other instead of failing, secure_delete (deleted rows zeroed).
 * `synchronous: 'normal'` is only for connections whose commits record pipeline progress that may be redone
 * (see SqliteQueue's `commits`).
 */
export function openSqliteDatabase(file: string, options: { readonly?: boolean; synchronous?: 'full' | 'normal' } = {}): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { readonly: options.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  // A deleted row's bytes are overwritten with zeros, on its page and on pages it frees: an erased person's data
  // does not linger in the file's free space (decision 0403).
  db.pragma('secure_delete = ON');
  // Checkpoints are the checkpointer thread's job (wal-checkpointer.ts); a connection checkpoints by itself
  // only past this many pages of log (40 MB; SQLite's default is 1,000), e.g. a command-line tool running alone.
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  return db;
}

/**
 * Adds the columns a table lacks (nullable, of `type`) to a file an earlier version created; returns those it lacked.
 * Safe with several threads opening the file at once: a column another connection added meanwhile is left as it is.
 */
export function addMissingColumns(db: SqliteDatabase, table: string, columns: readonly string[], type: string): string[] {
  const present = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]);
  const missing = columns.filter((column) => !present.has(column));
  for (const column of missing) {
    try {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    } catch (error) {
      // Another thread's connection added it between the check and the change.
      if (!String(error).includes('duplicate column')) throw error;
    }
  }
  return missing;
}
