import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** Restriction of processing (GDPR 18) and limits on sensitive data (CPRA 1798.121), per identifier. */
export const subjectRestrictions: SchemaMigration = {
  name: '0601-subject-restrictions',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('subject_restrictions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('identifier', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('subject_restrictions_pk', ['workspace_id', 'kind', 'identifier'])
      .execute();
  },
};
