import { Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';
import { SqliteImmediateDialect } from './immediate-transactions.js';
import { SqliteBulkWrites } from './sqlite-bulk-writes.js';
import { deliveryLogFileOf, moveDeliveryLogOutOfStore, openDeliveryLogDatabase } from './delivery-log-file.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { withStatementCache } from './statement-cache.js';

/**
 * Opens (and, unless told not to, migrates) the embedded SQLite store: the store file, and the delivery log in
 * its own file beside it (delivery-log-file.ts), moved there from the store file once when an earlier version
 * kept it inside.
 */
export async function openSqliteStore(options: { file: string; migrate?: boolean }): Promise<SqlStore> {
  const database = openSqliteDatabase(options.file);
  const db = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: withStatementCache(database) }) });
  const logFile = deliveryLogFileOf(options.file);
  if (options.migrate !== false) {
    await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
    moveDeliveryLogOutOfStore(database, logFile);
  }
  const logDatabase = openDeliveryLogDatabase(logFile);
  const log = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: withStatementCache(logDatabase) }) });
  return new SqlStore(db, 'sqlite', new SqliteBulkWrites(database, logDatabase), log);
}
