import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

const COLUMNS = sql.raw('workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at, next_attempt_at, first_attempt_at');

/**
 * The delivery log keyed by (message_id, source_id, destination_id) instead of (message_id, destination_id).
 * Events are deduplicated per source (the store's `(source_id, message_id)`): two sources may each send an
 * event with the same messageId, both are stored and both are delivered, and under the old key the second
 * one's delivery state overwrote the first one's. message_id stays first, so the key still serves the lookups
 * by message that migration 0900 made it for; with the source next, a lookup that knows the event's source
 * (the router's retry states, a deletion's rows) probes the key with both.
 *
 * Existing rows are kept as they are: under the old key each (message, destination) had one row, which the
 * new key keeps. SQLite cannot change a table's primary key, so it rebuilds the table (here when the log is
 * still in the store file; in its own file `delivery-log-file.ts` does the same when it opens it);
 * PostgreSQL swaps the constraint.
 */
export const deliveryLogKeyedBySource: SchemaMigration = {
  name: '0970-delivery-log-keyed-by-source',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'postgres') {
      // The migrator runs PostgreSQL migrations in a transaction (transactional DDL): the log is never without a key.
      await db.schema.alterTable('deliveries').dropConstraint('deliveries_pk').execute();
      await db.schema.alterTable('deliveries').addPrimaryKeyConstraint('deliveries_pk', ['message_id', 'source_id', 'destination_id']).execute();
      return;
    }
    // On SQLite the log lives in its own file (delivery-log-file.ts); the store file holds it only until it is moved there at boot.
    const present = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'`.execute(db);
    if (Number(present.rows[0]?.n ?? 0) === 0) return;
    // One transaction (Kysely runs SQLite migrations outside one): a crash half way leaves the old table.
    await db.transaction().execute(async (trx) => {
      await trx.schema
        .createTable('deliveries_rekeyed')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .addColumn('last_error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('first_attempt_at', 'bigint')
        .addPrimaryKeyConstraint('deliveries_pk', ['message_id', 'source_id', 'destination_id'])
        .execute();
      await sql`INSERT INTO deliveries_rekeyed (${COLUMNS}) SELECT ${COLUMNS} FROM deliveries`.execute(trx);
      await trx.schema.dropTable('deliveries').execute();
      await trx.schema.alterTable('deliveries_rekeyed').renameTo('deliveries').execute();
      await trx.schema.createIndex('deliveries_destination_status').on('deliveries').columns(['destination_id', 'status', 'updated_at']).execute();
    });
  },
};
