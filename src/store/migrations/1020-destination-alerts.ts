import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Delivery alerts (src/alerts/): one row per episode of a destination failing, opened when most of its recent
 * deliveries failed and resolved when it delivers again (or is disabled, deleted, or alerts are turned off). At most
 * one open episode per destination: the partial unique index makes opening one a claim, so of several jobs
 * processes checking at once only one sends the email. Holds counts, a reason code and the latest error as the delivery log has it (the destination's answer, cut to 300 characters). Both dialects.
 */
export const destinationAlerts: SchemaMigration = {
  name: '1020-destination-alerts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('destination_alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('destination_id', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('top_reason', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('resolved_at', 'bigint')
      .addColumn('resolution', 'text')
      .execute();
    await db.schema
      .createIndex('destination_alerts_open')
      .on('destination_alerts')
      .columns(['workspace_id', 'destination_id'])
      .unique()
      .where(sql.ref('resolved_at'), 'is', null)
      .execute();
    await db.schema.createIndex('destination_alerts_opened').on('destination_alerts').columns(['workspace_id', 'opened_at']).execute();
  },
};
