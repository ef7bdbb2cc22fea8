import { sql, type Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The delivery log keeps a `retrying` delivery's retry state: when it is tried next (`next_attempt_at`) and
 * when it was first tried (`first_attempt_at`, where the retry window starts), epoch ms, null in every other
 * state. A router handed such a job again (after a restart, or a partition move in scale mode) carries on from them. On SQLite
 * the log lives in its own file, whose schema `delivery-log-file.ts` keeps (it adds the columns to a file
 * created before); the store file holds the tables only until they are moved there at boot.
 */
export const deliveryRetryState: SchemaMigration = {
  name: '0920-delivery-retry-state',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'sqlite') {
      const present = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'`.execute(db);
      if (Number(present.rows[0]?.n ?? 0) === 0) return;
    }
    await db.schema.alterTable('deliveries').addColumn('next_attempt_at', 'bigint').execute();
    await db.schema.alterTable('deliveries').addColumn('first_attempt_at', 'bigint').execute();
  },
};
