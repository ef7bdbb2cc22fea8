import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Which token a rotated token was replaced by (`replaced_by`, null until it is rotated), so that a token already
 * rotated, whose old secret still works through its overlap, is not rotated again into yet another secret
 * (`POST /api/v1/tokens/:id/rotate` answers 409 naming the replacement). Tokens rotated before have none. Both dialects.
 */
export const tokenReplacements: SchemaMigration = {
  name: '1190-token-replacements',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('api_tokens').addColumn('replaced_by', 'text').execute();
  },
};
