import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Pipeline alerts (src/alerts/processing-alerts.ts): episodes of the whole installation's processing falling behind
 * (events accepted long ago still waiting in the inbox: no processor running, one failing on every batch, more traffic
 * than the processors handle). Not a destination's, so a table of its own. At most one open episode per kind: the
 * partial unique index makes opening one a claim, as for destination alerts. Both dialects.
 */
export const pipelineAlerts: SchemaMigration = {
  name: '1060-pipeline-alerts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pipeline_alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('waiting_since', 'bigint', (c) => c.notNull())
      .addColumn('backlog', 'integer', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .addColumn('resolution', 'text')
      .execute();
    await db.schema.createIndex('pipeline_alerts_open').on('pipeline_alerts').column('kind').unique().where(sql.ref('resolved_at'), 'is', null).execute();
    await db.schema.createIndex('pipeline_alerts_opened').on('pipeline_alerts').column('opened_at').execute();
  },
};
