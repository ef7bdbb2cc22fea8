import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Delivery alerts of a second kind: a destination falling behind (its oldest delivery not yet tried has waited too
 * long: a slow endpoint, a long Retry-After, no router running), beside a destination failing. Episodes get a `kind`
 * (existing ones are `failing`), and what a falling-behind episode saw when it opened: how many deliveries waited and
 * since when the oldest. One open episode per destination and kind: the partial unique index is rebuilt on the three
 * columns, so opening stays a claim. Both dialects.
 */
export const destinationAlertKinds: SchemaMigration = {
  name: '1040-destination-alert-kinds',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('destination_alerts').addColumn('kind', 'text', (c) => c.notNull().defaultTo('failing')).execute();
    await db.schema.alterTable('destination_alerts').addColumn('waiting', 'integer').execute();
    await db.schema.alterTable('destination_alerts').addColumn('oldest_waiting_at', 'bigint').execute();
    await db.schema.dropIndex('destination_alerts_open').execute();
    await db.schema
      .createIndex('destination_alerts_open')
      .on('destination_alerts')
      .columns(['workspace_id', 'destination_id', 'kind'])
      .unique()
      .where(sql.ref('resolved_at'), 'is', null)
      .execute();
  },
};
