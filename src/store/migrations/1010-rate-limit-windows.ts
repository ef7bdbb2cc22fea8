import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Fixed-window counters of the public privacy intake's rate limits (requests per IP and per email address, code
 * checks per IP), kept in the store so that every API process counts against the same limit. Keys are HMACs of
 * the limited value (an email address or an IP is personal data; the table never holds one). Both dialects.
 */
export const rateLimitWindows: SchemaMigration = {
  name: '1010-rate-limit-windows',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_limit_windows')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limit_windows_start').on('rate_limit_windows').columns(['window_start']).execute();
  },
};
