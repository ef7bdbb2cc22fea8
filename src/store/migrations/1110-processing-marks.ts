import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * The processing alerts' marks of the inbox (src/alerts/processing-alerts.ts), kept in the store instead of the jobs
 * process's memory: a restarted jobs process goes on judging from the marks taken before it, instead of waiting the
 * whole limit again. One row per mark the processor has not passed yet, and the newest. Both dialects.
 */
export const processingMarks: SchemaMigration = {
  name: '1110-processing-marks',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('processing_marks')
      .addColumn('mark', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addColumn('marking_since', 'bigint', (c) => c.notNull())
      .execute();
  },
};
