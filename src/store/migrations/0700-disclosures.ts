import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** Disclosure profiles: what the privacy policy says about each destination, source and the controller. */
export const disclosures: SchemaMigration = {
  name: '0700-disclosures',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('disclosure_profiles')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('resource_name', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('removed_at', 'bigint')
      .addPrimaryKeyConstraint('disclosure_profiles_pk', ['workspace_id', 'resource_type', 'resource_id'])
      .execute();
  },
};
