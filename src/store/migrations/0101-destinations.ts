import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** Destinations (config secrets sealed) and the delivery log (state per messageId per destination). */
export const destinations: SchemaMigration = {
  name: '0101-destinations',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('destinations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('secrets', 'text')
      .addColumn('source_ids', 'text')
      .addColumn('consent_categories', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('destinations_workspace').on('destinations').columns(['workspace_id']).execute();
    await db.schema
      .createTable('deliveries')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('destination_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reason', 'text')
      .addColumn('last_error', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('deliveries_pk', ['destination_id', 'message_id'])
      .execute();
    await db.schema.createIndex('deliveries_message').on('deliveries').columns(['workspace_id', 'message_id']).execute();
    await db.schema.createIndex('deliveries_destination_status').on('deliveries').columns(['destination_id', 'status', 'updated_at']).execute();
  },
};
