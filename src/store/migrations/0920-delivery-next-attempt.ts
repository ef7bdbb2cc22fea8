import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The delivery log says when a `retrying` delivery is tried next (`next_attempt_at`, epoch ms; null in every
 * other state). On SQLite the log lives in its own file, whose schema `delivery-log-file.ts` keeps (it adds the
 * column to a file created before); the store file holds the tables only until they are moved there at boot.
 */
export const deliveryNextAttempt: SchemaMigration = {
  name: '0920-delivery-next-attempt',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'sqlite') {
      const present = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'`.execute(db);
      if (Number(present.rows[0]?.n ?? 0) === 0) return;
    }
    await db.schema.alterTable('deliveries').addColumn('next_attempt_at', 'bigint').execute();
  },
};
