import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres/current-schema-introspector.js';
import { afterEach } from 'vitest';
import type { SchemaMigration, SqlDialectName } from '../../src/store/migrations/migration.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { createPostgresPool } from '../../src/store/postgres/postgres-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { createTestSchema } from './postgres.js';

/**
 * Empty databases for a migration test, one per dialect, dropped after each test: a fresh SQLite file, and a
 * fresh schema on the test PostgreSQL (the caller checks `postgresAvailable()` first).
 *
 * @example
 *   const databases = migrationDatabases();
 *   it('on SQLite', async () => check(await databases.sqlite(), 'sqlite'));
 */
export function migrationDatabases(): { sqlite: () => Promise<Kysely<unknown>>; postgres: (label: string) => Promise<Kysely<unknown>> } {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return {
    async sqlite() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-migration-'));
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqliteDatabase(path.join(dir, 'sluice.db')) }) });
      cleanups.push(async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      });
      return db;
    },
    async postgres(label) {
      const schema = await createTestSchema(label);
      const db = new Kysely<unknown>({ dialect: new OwnSchemaPostgresDialect({ pool: createPostgresPool({ connectionString: schema.url, schema: schema.schema, poolSize: 2 }) }) });
      cleanups.push(async () => {
        await db.destroy();
        await schema.drop();
      });
      return db;
    },
  };
}

/** Applies every migration before `migration`: the schema as that migration finds it. */
export async function migrateUpTo(db: Kysely<unknown>, dialect: SqlDialectName, migration: SchemaMigration): Promise<void> {
  for (const earlier of MIGRATIONS) {
    if (earlier.name === migration.name) break;
    await earlier.up(db, dialect);
  }
}
