import { sql, type Kysely } from 'kysely';
import type { SchemaMigration, SqlDialectName } from './migration.js';

const COLUMNS = sql.raw('workspace_id, destination_id, message_id, source_id, status, attempts, reason, last_error, updated_at');

/**
 * The delivery log keyed by (message_id, destination_id) instead of (destination_id, message_id), without its
 * second index on (workspace_id, message_id). The key has the same columns, so the log's upserts are
 * unchanged; with message_id first it also serves the lookups by message (an event's deliveries, the access
 * export's join on the subject's events) that needed the second index. Every delivery inserts its row with
 * a random message id, and each index it lands in costs a random B-tree page: on SQLite that index was about
 * a third of the CPU of writing a delivery's row. The per-destination list keeps its index on
 * (destination_id, status, updated_at).
 *
 * SQLite cannot change a table's primary key, so it rebuilds the table; PostgreSQL swaps the constraint.
 */
export const deliveryLogKeyedByMessage: SchemaMigration = {
  name: '0900-delivery-log-keyed-by-message',
  async up(db: Kysely<unknown>, dialect: SqlDialectName) {
    if (dialect === 'postgres') {
      await db.schema.alterTable('deliveries').dropConstraint('deliveries_pk').execute();
      await db.schema.alterTable('deliveries').addPrimaryKeyConstraint('deliveries_pk', ['message_id', 'destination_id']).execute();
      await db.schema.dropIndex('deliveries_message').execute();
      return;
    }
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
        .addPrimaryKeyConstraint('deliveries_pk', ['message_id', 'destination_id'])
        .execute();
      await sql`INSERT INTO deliveries_rekeyed (${COLUMNS}) SELECT ${COLUMNS} FROM deliveries`.execute(trx);
      await trx.schema.dropTable('deliveries').execute();
      await trx.schema.alterTable('deliveries_rekeyed').renameTo('deliveries').execute();
      await trx.schema.createIndex('deliveries_destination_status').on('deliveries').columns(['destination_id', 'status', 'updated_at']).execute();
    });
  },
};
