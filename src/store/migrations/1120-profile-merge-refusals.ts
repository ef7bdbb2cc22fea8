import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The links merge protection refused for a profile (`merge_refusals`, JSON, null when none): why two profiles
 * stayed apart, shown on the profile. Profiles of before start with none (refusals were not recorded). Both dialects.
 */
export const profileMergeRefusals: SchemaMigration = {
  name: '1120-profile-merge-refusals',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('profiles').addColumn('merge_refusals', 'text').execute();
  },
};
