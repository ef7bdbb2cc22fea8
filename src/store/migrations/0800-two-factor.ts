import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/** TOTP second factor per member (secret sealed with the installation key) and single-use recovery codes (hashed). */
export const twoFactor: SchemaMigration = {
  name: '0800-two-factor',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('member_two_factor')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('sealed_secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('enabled_at', 'bigint')
      .addColumn('last_step', 'bigint')
      .addPrimaryKeyConstraint('member_two_factor_pk', ['workspace_id', 'member_id'])
      .execute();
    await db.schema
      .createTable('member_recovery_codes')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addPrimaryKeyConstraint('member_recovery_codes_pk', ['workspace_id', 'member_id', 'code_hash'])
      .execute();
  },
};
