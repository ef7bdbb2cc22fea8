import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAvailable, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { inTransaction } from './pg-transaction.js';
import { warehousePool } from './warehouse-pools.js';

/**
 * A customer's warehouse restarting (or its backend terminated) while a delivery's transaction holds a connection:
 * the connection's 'error' event had no listener while checked out, an uncaught exception that ended the router's
 * worker thread. The delivery fails as an outage (retried) and the pool carries on with new connections.
 */
const available = await postgresAvailable();

describe.runIf(available)('warehouse pool when a connection in use is dropped', () => {
  it('fails the transaction without an uncaught exception and answers the next query on a new connection', async () => {
    // A connection string of its own: the cached pool is this test's alone (ended at the end).
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', 'sluice_warehouse_pool_test');
    const pool = warehousePool(url.toString());
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await inTransaction(pool, async (client) => {
        await client.query('SELECT 1');
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((resolve) => setTimeout(resolve, 500));
        await client.query('SELECT 1');
        return 'committed';
      }).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      expect(uncaught).toEqual([]);
      expect(outcome).not.toBe('committed');
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await pool.end();
    }
  });
});
