import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import { threadWriteLock } from './thread-write-lock.js';

/**
 * Kysely's SQLite driver, but every transaction starts with `BEGIN IMMEDIATE` (see {@link SqliteImmediateDialect})
 * and holds this thread's write lock until it ends (see thread-write-lock.ts).
 */
class ImmediateTransactionDriver extends SqliteDriver {
  private releaseLock: (() => void) | undefined;

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const release = await threadWriteLock.acquire();
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      release();
      throw error;
    }
    this.releaseLock = release;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      this.unlock();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.unlock();
    }
  }

  private unlock(): void {
    const release = this.releaseLock;
    this.releaseLock = undefined;
    release?.();
  }
}

/**
 * Kysely's SqliteDialect with write transactions taken at their start. Several connections write the embedded
 * file (the main thread, the inbox writer, processor and router threads). A plain `BEGIN` reads first and asks
 * for the write lock at its first write; if another connection committed in between, SQLite refuses at once
 * with SQLITE_BUSY_SNAPSHOT, without waiting for the busy timeout, and the request fails. `BEGIN IMMEDIATE`
 * takes the write lock up front, waiting for it under the busy timeout like any single write.
 */
export class SqliteImmediateDialect extends SqliteDialect {
  private readonly dialectConfig: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.dialectConfig = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.dialectConfig);
  }
}
