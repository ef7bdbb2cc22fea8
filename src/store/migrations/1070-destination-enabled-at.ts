import type { Kysely } from 'kysely';
import type { SchemaMigration } from './migration.js';

/**
 * Since when a destination has been enabled without a break (`enabled_at`): set when it is created enabled or enabled
 * again, cleared when it is disabled. A destination disabled for a while and enabled again has what waited meanwhile
 * in its queue; delivery alerts judge falling behind from when it was enabled, not from when its oldest event was
 * queued. Destinations enabled now count from their last update (the best known). Both dialects.
 */
export const destinationEnabledAt: SchemaMigration = {
  name: '1070-destination-enabled-at',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('destinations').addColumn('enabled_at', 'bigint').execute();
    const destinations = db as unknown as Kysely<{ destinations: { enabled_at: number | null; updated_at: number; enabled: number } }>;
    await destinations.updateTable('destinations').set((eb) => ({ enabled_at: eb.ref('updated_at') })).where('enabled', '=', 1).execute();
  },
};
