import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Role alerts (src/alerts/role-alerts.ts): episodes of a role (jobs, processor, router, ingest) running in no process of
 * the installation for minutes. At most one open episode per role: the partial unique index makes opening one a claim,
 * as for the other alerts. Both dialects.
 */
export const roleAlerts: SchemaMigration = {
  name: '1090-role-alerts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('role_alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('missing_since', 'bigint', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .execute();
    await db.schema.createIndex('role_alerts_open').on('role_alerts').column('role').unique().where(sql.ref('resolved_at'), 'is', null).execute();
    await db.schema.createIndex('role_alerts_opened').on('role_alerts').column('opened_at').execute();
  },
};
