import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { MIGRATIONS } from './index.js';
import type { SqlDialectName } from './migration.js';

/** Applies every pending migration; throws with the failing migration's name. Returns those applied. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialectName): Promise<string[]> {
  // Kysely looks for its migration tables in every schema; pin them to ours (PostgreSQL databases shared by
  // several installations or test runs, each in its own schema).
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const provider: MigrationProvider = {
    async getMigrations() {
      const result: Record<string, Migration> = {};
      for (const migration of MIGRATIONS) {
        result[migration.name] = { up: (k) => migration.up(k as Kysely<unknown>, dialect) };
      }
      return result;
    },
  };
  // Work lands from several branches at once; a migration that sorts before one already applied still runs.
  const migrator = new Migrator({ db, provider, migrationTableName: 'sluice_migrations', migrationLockTableName: 'sluice_migration_lock', allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
