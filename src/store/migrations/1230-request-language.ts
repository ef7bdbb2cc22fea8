import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * A privacy request remembers the language it was filed in (`language`, ISO 639-1: `core/i18n/languages.ts`):
 * every email to the data subject about it is written in that language (decision 0407). Requests filed before
 * were answered in English, and stay so.
 */
export const requestLanguage: SchemaMigration = {
  name: '1230-request-language',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('privacy_requests').addColumn('language', 'text', (c) => c.notNull().defaultTo('en')).execute();
  },
};
