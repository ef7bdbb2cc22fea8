import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A version number per kind of configuration change (the ChangeFeed's topics), bumped by every change made
 * through the API before it returns. A processor reads them at the start of each batch, so a change applies
 * to every event accepted after the call returned, however late the change's broadcast arrives.
 */
export const configVersions: SchemaMigration = {
  name: '0910-config-versions',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('config_versions')
      .addColumn('topic', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
  },
};
