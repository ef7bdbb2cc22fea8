import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Destination filters as a field of destinations (JSON list, null = none), and per-minute delivery counters
 * (`GET /api/v1/stats`): one row per destination, minute, status and reason, incremented as the delivery log
 * is written.
 */
export const destinationFiltersAndCounters: SchemaMigration = {
  name: '0820-destination-filters-and-counters',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('destinations').addColumn('filters', 'text').execute();
    await db.schema
      .createTable('delivery_counters')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('destination_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('delivery_counters_pk', ['destination_id', 'minute', 'status', 'reason'])
      .execute();
    await db.schema.createIndex('delivery_counters_minute').on('delivery_counters').columns(['minute']).execute();
  },
};
