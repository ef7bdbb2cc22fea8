import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';

// 64-bit integers (our epoch-millisecond times and sequence numbers) fit a JS number exactly up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Opens (and optionally migrates) the PostgreSQL store. */
export async function openPostgresStore(options: { connectionString: string; migrate?: boolean; poolSize?: number }): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, 'postgres');
  return new SqlStore(db, 'postgres');
}
