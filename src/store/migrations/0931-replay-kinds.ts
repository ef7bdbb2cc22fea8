import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A replay is either of a time range (`range`, paged by `after_seq`) or of a destination's failed deliveries
 * (`failed`: "retry all failed", paged by `cursor`, the last delivery-log row read as JSON
 * `{"updatedAt", "messageId"}`).
 */
export const replayKinds: SchemaMigration = {
  name: '0931-replay-kinds',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('replays').addColumn('kind', 'text', (c) => c.notNull().defaultTo('range')).execute();
    await db.schema.alterTable('replays').addColumn('cursor', 'text').execute();
  },
};
