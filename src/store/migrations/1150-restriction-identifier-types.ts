import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Restrictions (GDPR 18) and limits on sensitive data (CPRA 1798.121) keep the kind of each identifier they hold
 * (`identifier_type`: `userId`, `anonymousId` or `email`), and are matched by kind and value: a userId that
 * happens to equal a restricted anonymousId or email is another identifier. The key becomes (workspace, kind,
 * identifier_type, identifier), so one value may be held as two kinds. Rows stored before keep
 * `identifier_type = ''`: their kind is not known, so they hold for the value under any kind, as they did.
 * SQLite cannot change a table's primary key, so it rebuilds the table in one transaction; PostgreSQL adds the
 * column and swaps the constraint.
 */
export const restrictionIdentifierTypes: SchemaMigration = {
  name: '1150-restriction-identifier-types',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'postgres') {
      await db.schema.alterTable('subject_restrictions').addColumn('identifier_type', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('subject_restrictions').dropConstraint('subject_restrictions_pk').execute();
      await db.schema.alterTable('subject_restrictions').addPrimaryKeyConstraint('subject_restrictions_pk', ['workspace_id', 'kind', 'identifier_type', 'identifier']).execute();
      return;
    }
    await db.transaction().execute(async (trx) => {
      await trx.schema
        .createTable('subject_restrictions_typed')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('identifier_type', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('subject_restrictions_pk', ['workspace_id', 'kind', 'identifier_type', 'identifier'])
        .execute();
      await sql`INSERT INTO subject_restrictions_typed (workspace_id, kind, identifier_type, identifier, request_id, created_at)
        SELECT workspace_id, kind, '', identifier, request_id, created_at FROM subject_restrictions`.execute(trx);
      await trx.schema.dropTable('subject_restrictions').execute();
      await trx.schema.alterTable('subject_restrictions_typed').renameTo('subject_restrictions').execute();
    });
  },
};
