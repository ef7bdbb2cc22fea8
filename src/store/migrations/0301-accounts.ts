import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** Members, console sessions, one-time account links, privacy-policy versions and their acceptances. */
export const accounts: SchemaMigration = {
  name: '0301-accounts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('members')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('must_reset_password', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('profile_locked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('product_emails_opt_out', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('last_login_at', 'bigint')
      .execute();
    await db.schema.createIndex('members_workspace_email').on('members').columns(['workspace_id', 'email']).unique().execute();
    await db.schema.createIndex('members_email').on('members').columns(['email']).execute();
    await db.schema
      .createTable('sessions')
      .addColumn('secret_hash', 'text', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text')
      .execute();
    await db.schema.createIndex('sessions_member').on('sessions').columns(['member_id']).execute();
    await db.schema
      .createTable('account_links')
      .addColumn('secret_hash', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createTable('policy_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('text', 'text')
      .addColumn('url', 'text')
      .addColumn('effective_at', 'bigint', (c) => c.notNull())
      .addColumn('material', 'integer', (c) => c.notNull())
      .addColumn('published_at', 'bigint', (c) => c.notNull())
      .addColumn('published_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('policy_versions_workspace_version').on('policy_versions').columns(['workspace_id', 'version']).unique().execute();
    await db.schema
      .createTable('policy_acceptances')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('policy_version_id', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addPrimaryKeyConstraint('policy_acceptances_pk', ['member_id', 'policy_version_id'])
      .execute();
  },
};
