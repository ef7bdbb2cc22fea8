import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * What a member sees of their console sessions (`GET /api/v1/me/sessions`): when each was last used (`last_used_at`,
 * noted at most once a minute) and the browser it was opened in (`user_agent`, as sent at login). Sessions opened
 * before have neither (null) until they are used again. Both dialects.
 */
export const sessionActivity: SchemaMigration = {
  name: '1140-session-activity',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sessions').addColumn('last_used_at', 'bigint').execute();
    await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
  },
};
