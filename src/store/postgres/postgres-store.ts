import { Kysely } from 'kysely';
import { OwnSchemaPostgresDialect } from './current-schema-introspector.js';
import pg from 'pg';
import { SluiceError } from '../../core/errors.js';
import { migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';

// 64-bit integers (our epoch-millisecond times and sequence numbers) fit a JS number exactly up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface PostgresStoreOptions {
  connectionString: string;
  /** Applies pending migrations before returning (default true). */
  migrate?: boolean;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
  /**
   * Schema the store lives in (sets `search_path` on every connection). Unset: the server's default
   * (`public`). Tests use a fresh schema per run.
   */
  schema?: string;
  /**
   * Told when a pooled connection fails, idle or in use (the server restarted or failed over, an idle timeout,
   * a terminated backend). The pool drops that connection and opens a new one when next needed; without a
   * listener the connection's 'error' event would end the process (or worker thread).
   */
  onConnectionLost?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A pg pool for the store (exported so `sluice migrate` and tests open the same kind of pool). */
export function createPostgresPool(options: PostgresStoreOptions): pg.Pool {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`PostgreSQL schema name "${options.schema}" is not valid: use lower-case letters, digits and _ (at most 63).`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // Every connection keeps a listener of its own, also while checked out: one dropped between two statements of a
  // transaction (the server restarted while the processor's batch awaited NATS) emits 'error' with nobody listening
  // otherwise, an uncaught exception that ended the worker thread or the process. Its query fails, and the pool
  // discards the connection when it is released.
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionLost?.(error)));
  // The pool repeats an idle connection's error, which that connection's own listener has reported already.
  pool.on('error', () => undefined);
  return pool;
}

/** The database a connection string names, for messages: host, port and database, never the credentials. */
function databaseOf(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** PostgreSQL's SQLSTATE for "database ... does not exist" (invalid_catalog_name). */
const MISSING_DATABASE = '3D000';

/**
 * A server that answers but has no database of the URL's name: the operator has to create it (Sluice creates its
 * tables, not the database), so say how, with the URL's own host, port, user and name (never its password).
 */
function missingDatabase(connectionString: string): SluiceError {
  let host = 'HOST';
  let port = '5432';
  let user = 'USER';
  let name = 'DATABASE';
  try {
    const url = new URL(connectionString);
    host = url.hostname || host;
    port = url.port || port;
    user = decodeURIComponent(url.username) || user;
    name = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  } catch {
    // not a URL (a key=value string): the placeholders stand
  }
  const quoted = `"${name.replaceAll('"', '""')}"`;
  return new SluiceError(
    'database_not_found',
    `PostgreSQL at ${host}:${port} has no database named ${quoted} (SLUICE_DATABASE_URL). Create it once, as a user allowed to (e.g. the postgres superuser): \`createdb -h ${host} -p ${port} -O ${user} ${quoted}\`, or in psql \`CREATE DATABASE ${quoted} OWNER ${user};\`; or correct the database name at the end of the URL. Sluice creates its tables itself at start.`,
  );
}

/**
 * Opens (and optionally migrates) the PostgreSQL store. A database that cannot be reached when the process
 * starts is `database_unreachable`, naming it (a stack trace of ECONNREFUSED told an operator nothing); a server
 * without the URL's database is `database_not_found`, saying how to create it;
 * once running, a lost connection is replaced (`onConnectionLost`).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const pool = createPostgresPool(options);
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  try {
    await pool.query('SELECT 1').catch((error: unknown) => {
      if ((error as { code?: unknown } | null)?.code === MISSING_DATABASE) throw missingDatabase(options.connectionString);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SluiceError('database_unreachable', `Could not connect to PostgreSQL at ${databaseOf(options.connectionString)} (SLUICE_DATABASE_URL): ${reason}. Is it running, and does the URL name the right host, port, database, user and password?`);
    });
    if (options.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlStore(db, 'postgres');
}
