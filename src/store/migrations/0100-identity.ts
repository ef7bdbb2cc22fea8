import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** The identity graph: profiles, the identifiers linked to them, and groups. */
export const identity: SchemaMigration = {
  name: '0100-identity',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('profiles')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('traits', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('trait_times', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('first_seen', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('profiles_workspace').on('profiles').columns(['workspace_id']).execute();
    await db.schema
      .createTable('identities')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('identities_pk', ['workspace_id', 'value', 'kind'])
      .execute();
    await db.schema.createIndex('identities_profile').on('identities').columns(['profile_id']).execute();
    await db.schema
      .createTable('groups')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('traits', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('trait_times', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('groups_pk', ['workspace_id', 'group_id'])
      .execute();
  },
};
