import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Proof of what a consent banner showed (GDPR Art. 7(1)): `consent_banner_texts` keeps each distinct wording of a
 * workspace's banner (its texts, the categories with their names and descriptions, the policy version it named)
 * once, under the SHA-256 of that content (`version`), and `consent_ledger.banner_version` names the wording a
 * choice was made on (null for choices made elsewhere, and for those recorded before). Both dialects.
 */
export const consentBannerTexts: SchemaMigration = {
  name: '1160-consent-banner-texts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('consent_banner_texts')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('first_served_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_banner_texts_pk', ['workspace_id', 'version'])
      .execute();
    await db.schema.alterTable('consent_ledger').addColumn('banner_version', 'text').execute();
  },
};
