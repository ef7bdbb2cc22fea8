import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from 'kysely';
import { retryWhileBusy } from './lock-wait.js';
import { threadWriteLock } from './thread-write-lock.js';

/**
 * The connection as the driver hands it out when it yields for locks: a statement refused with SQLITE_BUSY outside a
 * transaction is tried again after a timer (retryWhileBusy) instead of SQLite sleeping in the thread. Inside a
 * transaction (the write lock taken at its `BEGIN IMMEDIATE`) an error goes straight up.
 */
class YieldingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly inTransaction: () => boolean,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction()) return this.inner.executeQuery<R>(compiledQuery);
    return retryWhileBusy(() => this.inner.executeQuery<R>(compiledQuery));
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof YieldingConnection ? connection.inner : connection;
}

/**
 * Kysely's SQLite driver, but every transaction starts with `BEGIN IMMEDIATE` (see {@link SqliteImmediateDialect})
 * and holds this thread's write lock until it ends (see thread-write-lock.ts). With `yieldForLocks` (the connection's
 * busy timeout is 0), a `BEGIN IMMEDIATE` or a statement refused because another connection holds the file's write
 * lock is tried again after a timer (lock-wait.ts); the thread's write lock is let go meanwhile, so this thread's
 * other writes (the inbox's group commits, on another file) go on.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  private releaseLock: (() => void) | undefined;
  private inTransaction = false;

  constructor(
    config: SqliteDialectConfig,
    private readonly yieldForLocks: boolean,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return this.yieldForLocks ? new YieldingConnection(connection, () => this.inTransaction) : connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const begin = async () => {
      const release = await threadWriteLock.acquire();
      try {
        await unwrap(connection).executeQuery(CompiledQuery.raw('begin immediate'));
      } catch (error) {
        release();
        throw error;
      }
      this.releaseLock = release;
    };
    if (this.yieldForLocks) await retryWhileBusy(begin);
    else await begin();
    this.inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(unwrap(connection));
    } finally {
      this.unlock();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(unwrap(connection));
    } finally {
      this.unlock();
    }
  }

  private unlock(): void {
    this.inTransaction = false;
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

  /** `yieldForLocks`: the connection's busy timeout is 0, and waits for another connection's lock go by timer. */
  constructor(
    config: SqliteDialectConfig,
    private readonly options: { yieldForLocks?: boolean } = {},
  ) {
    super(config);
    this.dialectConfig = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.dialectConfig, this.options.yieldForLocks ?? false);
  }
}
