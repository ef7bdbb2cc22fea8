import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable } from '../../../test/support/postgres.js';
import { eventually } from '../../../test/support/start-test-sluice.js';
import { openPostgresStore } from './postgres-store.js';

/**
 * A PostgreSQL restart, failover or terminated backend drops the pool's idle connections. The pool then emits
 * 'error'; without a listener that ended the whole process (an operator saw api, ingest and jobs exit). The store
 * reports it and carries on with new connections.
 */
const available = await postgresAvailable();

/**
 * A store on a schema of its own whose connections carry a unique application_name, so `kill()` terminates exactly
 * its backends (from a separate admin connection); `lost` collects what the store reported.
 */
async function storeToKill(name: string) {
  const schema = await createTestSchema(name);
  const application = `sluice_lost_${randomBytes(4).toString('hex')}`;
  const url = new URL(schema.url);
  url.searchParams.set('application_name', application);
  const lost: Error[] = [];
  const store = await openPostgresStore({ connectionString: url.toString(), schema: schema.schema, poolSize: 2, onConnectionLost: (error) => lost.push(error) });
  const admin = new pg.Client({ connectionString: schema.url });
  await admin.connect();
  return {
    store,
    lost,
    kill: () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]),
    close: async () => {
      await admin.end();
      await store.close();
      await schema.drop();
    },
  };
}

describe.runIf(available)('PostgreSQL store when its connections are dropped', () => {
  it('reports each lost idle connection and answers the next query on a new one', async () => {
    const { store, lost, kill, close } = await storeToKill('lost');
    try {
      const workspace = await store.workspaces.create({ name: 'Before' });
      const killed = await kill();
      expect(killed.rowCount).toBeGreaterThan(0);
      await eventually(async () => (lost.length > 0 ? true : undefined), 10_000);
      expect(lost[0]!.message).toMatch(/terminat/i);
      expect((await store.workspaces.get(workspace.id))?.name).toBe('Before');
    } finally {
      await close();
    }
  });
  it('survives a connection dropped while a transaction holds it between two statements', async () => {
    // A checked-out connection has no pool listener: its 'error' event (the backend terminated between two of a
    // transaction's statements, as in a PostgreSQL restart while the processor's batch transaction awaits NATS)
    // used to be an uncaught exception that killed the processor's worker thread, or a whole api or jobs process.
    const { store, lost, kill, close } = await storeToKill('lost_busy');
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const workspace = await store.workspaces.create({ name: 'Before' });
      const outcome = await store.db
        .transaction()
        .execute(async (trx) => {
          await sql`SELECT 1`.execute(trx);
          const killed = await kill();
          expect(killed.rowCount).toBeGreaterThan(0);
          // Not a query: the connection is checked out and idle while the backend goes away.
          await eventually(async () => (lost.length > 0 || uncaught.length > 0 ? true : undefined), 10_000);
          await sql`SELECT 1`.execute(trx);
          return 'committed';
        })
        .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      expect(uncaught).toEqual([]);
      expect(outcome).not.toBe('committed');
      expect(lost[0]!.message).toMatch(/terminat/i);
      expect((await store.workspaces.get(workspace.id))?.name).toBe('Before');
    } finally {
      process.off('uncaughtException', onUncaught);
      await close();
    }
  });
});
