import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A data subject's events are found through `events_user (user_id, seq)` and `events_anonymous (anonymous_id, seq)`,
 * partial (events without that identifier have no entry), instead of `events_workspace_user` and
 * `events_workspace_anonymous`, which led with the 36-character workspace id: entries about a third as wide, so the
 * processor's insert dirties and splits fewer pages (decision 0111). Lookups compare the workspace on the row
 * (`subjectEvents()`, `sql/subject-events.ts`). Building the indexes reads the whole events table once: on a store of
 * tens of millions of events this migration takes minutes at start. Both dialects.
 */
export const eventsSubjectIndexes: SchemaMigration = {
  name: '1270-events-subject-indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('events_user').on('events').columns(['user_id', 'seq']).where(sql.ref('user_id'), 'is not', null).execute();
    await db.schema.createIndex('events_anonymous').on('events').columns(['anonymous_id', 'seq']).where(sql.ref('anonymous_id'), 'is not', null).execute();
    await db.schema.dropIndex('events_workspace_user').ifExists().execute();
    await db.schema.dropIndex('events_workspace_anonymous').ifExists().execute();
  },
};
