import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateUpTo, migrationDatabases } from '../../../test/support/migration-databases.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { bannerContent, bannerVersionOf } from '../../core/consent/banner-content.js';
import { BANNER_TEXTS } from '../../core/consent/banner-texts.js';
import { SqlConsentRepository } from '../sql/sql-consent-repository.js';
import type { Database } from '../sql/schema.js';
import { consentBannerTexts } from './1160-consent-banner-texts.js';
import type { SqlDialectName } from './migration.js';

/**
 * Migration 1160: ledger entries recorded before it keep their proof and name no banner; afterwards each banner
 * wording is kept once under its hash and a choice names the one it was made on.
 */
const available = await postgresAvailable();
const databases = migrationDatabases();

async function check(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  await migrateUpTo(db, dialect, consentBannerTexts);
  await sql`insert into consent_ledger (workspace_id, subject_type, subject, at, categories, source, gpc, policy_version) values ('ws_1', 'anonymousId', 'a1', 100, '{"analytics":true}', 'event', 0, '2026-01')`.execute(db);
  await consentBannerTexts.up(db, dialect);

  const consent = new SqlConsentRepository(db as Kysely<Database>);
  const content = bannerContent(BANNER_TEXTS.en, [{ id: 'analytics', name: 'Analytics', description: 'Counts visits.' }], '2026-12');
  const version = bannerVersionOf(content);
  await consent.rememberBanner('ws_1', version, content, 1_000);
  await consent.rememberBanner('ws_1', version, content, 2_000); // served again: kept once, first time kept
  await consent.append([{ workspaceId: 'ws_1', subject: { type: 'anonymousId', value: 'a1' }, at: 200, categories: { analytics: false }, source: 'event', gpc: false, policyVersion: '2026-12', bannerVersion: version }]);

  const history = await consent.history('ws_1', [{ type: 'anonymousId', value: 'a1' }], 10);
  expect(history.map((h) => [h.at, h.policyVersion, h.bannerVersion])).toEqual([[100, '2026-01', null], [200, '2026-12', version]]);
  expect(await consent.banners('ws_1', [version, version, 'f'.repeat(64)])).toEqual([{ version, content, firstServedAt: 1_000 }]);
  expect(await consent.banners('ws_2', [version])).toEqual([]); // per workspace
}

describe('migration 1160: consent banner texts', () => {
  it('on SQLite', async () => {
    await check(await databases.sqlite(), 'sqlite');
  });

  it.runIf(available)('on PostgreSQL', async () => {
    await check(await databases.postgres('banner_texts'), 'postgres');
  });
});
