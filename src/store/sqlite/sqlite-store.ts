import { Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';
import { SqliteImmediateDialect } from './immediate-transactions.js';
import { SqliteBulkWrites } from './sqlite-bulk-writes.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { withStatementCache } from './statement-cache.js';

/** Opens (and, unless told not to, migrates) the embedded SQLite store. */
export async function openSqliteStore(options: { file: string; migrate?: boolean }): Promise<SqlStore> {
  const database = openSqliteDatabase(options.file);
  const db = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: withStatementCache(database) }) });
  if (options.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
  return new SqlStore(db, 'sqlite', new SqliteBulkWrites(database));
}
