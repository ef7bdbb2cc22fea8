import pg from 'pg';
import { WarehouseLoader } from './warehouse-loader.js';

interface PoolEntry {
  readonly pool: pg.Pool;
  readonly loaders: Map<string, WarehouseLoader>;
}

/** One pool per warehouse connection string (so per destination), kept for the life of the process. */
const pools = new Map<string, PoolEntry>();

/** Connections per warehouse: deliveries of one destination are few and batched. */
const POOL_SIZE = 4;

function entryFor(connectionString: string): PoolEntry {
  let entry = pools.get(connectionString);
  if (!entry) {
    const pool = new pg.Pool({ connectionString, max: POOL_SIZE, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000, application_name: 'sluice-warehouse' });
    // A connection lost, idle or in use by a delivery's transaction (the warehouse restarted), must not crash the
    // router: its query fails (the delivery is retried), the pool discards it and the next query reconnects. A
    // checked-out connection has no pool listener, hence one of its own on every connection.
    pool.on('connect', (client) => client.on('error', () => undefined));
    pool.on('error', () => undefined);
    entry = { pool, loaders: new Map() };
    pools.set(connectionString, entry);
  }
  return entry;
}

/** The cached pool of a warehouse (deletions use it directly). */
export function warehousePool(connectionString: string): pg.Pool {
  return entryFor(connectionString).pool;
}

/** The cached loader (pool + known table columns) of one schema of one warehouse. */
export function warehouseLoader(connectionString: string, schema: string): WarehouseLoader {
  const entry = entryFor(connectionString);
  let loader = entry.loaders.get(schema);
  if (!loader) {
    loader = new WarehouseLoader(entry.pool, schema);
    entry.loaders.set(schema, loader);
  }
  return loader;
}

/** Closes every warehouse pool (shutdown). Safe to call more than once. */
export async function closeWarehousePools(): Promise<void> {
  const entries = [...pools.values()];
  pools.clear();
  await Promise.all(entries.map((e) => e.pool.end().catch(() => undefined)));
}
