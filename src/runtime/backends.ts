import { existsSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import type { DeliveryQueue, Queue } from '../queue/queue.js';
import { SqliteQueue } from '../queue/sqlite/sqlite-queue.js';
import { sqliteFile, sqliteQueueFile } from '../store/sqlite/sqlite-database.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { SqlStore } from '../store/sql/sql-store.js';

/**
 * Opens the store the configuration selects; migrations run only where `migrate` is set (once, at boot).
 * `commits: 'progress'`: the pipeline threads' embedded store, which flushes on `flushWrites()` instead of at
 * every commit (openSqliteStore); PostgreSQL commits are durable either way.
 */
export async function openStore(config: SluiceConfig, options: { migrate: boolean; commits?: 'durable' | 'progress'; logger?: Pick<Logger, 'warn'> }): Promise<SqlStore> {
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('../store/postgres/postgres-store.js');
    const logger = options.logger;
    return openPostgresStore({
      connectionString: config.databaseUrl,
      migrate: options.migrate,
      poolSize: config.databasePoolSize,
      onConnectionLost: (error) => logger?.warn({ err: error }, 'lost a PostgreSQL connection; a new one is opened when next needed'),
    });
  }
  // The delivery queue is the embedded one (unless SLUICE_QUEUE_URL): the delivery log reads `queued` from it (decision 0108).
  return openSqliteStore({
    file: sqliteFile(config.dataDir),
    migrate: options.migrate,
    ...(options.commits && { commits: options.commits }),
    ...(!config.queueUrl && { queueFile: sqliteQueueFile(config.dataDir) }),
  });
}

/**
 * Opens the queue the configuration selects. `consumer`: the processor's side, whose embedded commits record
 * progress (see SqliteQueue's `commits`); the publishers (the Tracking API) commit durably.
 */
export async function openQueue(config: SluiceConfig, options: { consumer?: boolean } = {}): Promise<Queue> {
  if (config.queueUrl) {
    const { JetStreamQueue } = await import('../queue/nats/jetstream-queue.js');
    return JetStreamQueue.open({ url: config.queueUrl, prefix: config.queuePrefix, replicas: config.queueReplicas, ackWaitMs: config.queueAckWaitMs });
  }
  // With SLUICE_INBOX_WRITER=thread the writer thread starts at the first publish: consumers never start one.
  if (options.consumer) return new SqliteQueue(sqliteQueueFile(config.dataDir), { commits: 'progress' });
  return new SqliteQueue(sqliteQueueFile(config.dataDir), { writer: config.inboxWriter });
}

/**
 * Opens the store of an installation that exists, for the commands that read it (`audit verify`, `report`,
 * `replay`): a SLUICE_DATA_DIR or SLUICE_DATABASE_URL pointing at the wrong place must be an error, not a
 * new, empty installation created on the spot (whose audit log is "intact" and whose reports are empty).
 */
export async function openInstalledStore(config: SluiceConfig): Promise<SqlStore> {
  if (!config.databaseUrl && !existsSync(sqliteFile(config.dataDir))) {
    throw new SluiceError('invalid_config', `No Sluice data in ${config.dataDir} (no sluice.db there): set SLUICE_DATA_DIR to the data directory of your Sluice (the default is ./data, relative to the current directory).`);
  }
  // Looked at before migrating: a wrong database (another application's) is refused without Sluice's tables
  // created in it.
  const probe = await openStore(config, { migrate: false });
  let installed: boolean;
  try {
    installed = (await probe.installation.get('bootstrap_claim')) !== undefined;
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    installed = false;
  } finally {
    await probe.close();
  }
  if (!installed) {
    const where = config.databaseUrl ? 'The database of SLUICE_DATABASE_URL' : `The data directory ${config.dataDir} (SLUICE_DATA_DIR)`;
    throw new SluiceError('invalid_config', `${where} holds no Sluice installation yet (\`sluice start\` has never run on it): check the setting, or start Sluice first.`);
  }
  return openStore(config, { migrate: true });
}

/** A query on a table the database does not have (SQLite's "no such table", PostgreSQL's 42P01). */
function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && message.includes('no such table'));
}

/** Applies pending migrations to the configured store and closes it; returns the names applied. */
export async function migrateStore(config: SluiceConfig): Promise<string[]> {
  const { migrateToLatest } = await import('../store/migrations/migrate.js');
  const store = await openStore(config, { migrate: false });
  try {
    return await migrateToLatest(store.db as unknown as Kysely<unknown>, store.dialect);
  } finally {
    await store.close();
  }
}

/**
 * Opens the delivery queues (processor fan-out -> router). Embedded: tables in the SQLite file (`pipeline`:
 * the processor's and the router's connection, committing progress). Scale mode:
 * JetStream, partitioned per user, shared by the router processes (`onError` gets the lease and
 * acknowledgement trouble the queue survives, for the log).
 */
export async function openDeliveryQueue(config: SluiceConfig, options: { onError?: (error: unknown) => void; pipeline?: boolean } = {}): Promise<DeliveryQueue> {
  if (config.queueUrl) {
    const { JetStreamDeliveryQueue } = await import('../queue/nats/jetstream-delivery-queue.js');
    return JetStreamDeliveryQueue.open({
      url: config.queueUrl,
      prefix: config.queuePrefix,
      replicas: config.queueReplicas,
      ackWaitMs: config.queueAckWaitMs,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  // The processor and the router record progress; a replay or a manual retry from the API commits durably.
  return new SqliteQueue(sqliteQueueFile(config.dataDir), { commits: options.pipeline ? 'progress' : 'durable' });
}
