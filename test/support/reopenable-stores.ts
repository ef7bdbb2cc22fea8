import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTestSchema, postgresAvailable } from './postgres.js';

/** One store's data: `store()` opens it (again, after a close: a restart), `drop()` removes it. */
export interface ReopenableStore {
  readonly store: () => Promise<SqlStore>;
  readonly drop: () => Promise<void>;
}

/** The embedded store and PostgreSQL's, for `describe.skipIf(kind.skip)` (PostgreSQL skipped loudly when missing, never under CI). */
export interface StoreKind {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly skip: boolean;
  readonly open: () => Promise<ReopenableStore>;
}

/**
 * Both stores, each opened on fresh data (a temporary directory, a new PostgreSQL schema named after `name`) that a test
 * can open again to stand for a restart.
 *
 * @example
 *   for (const kind of await reopenableStores('alert_outbox')) describe.skipIf(kind.skip)(`... (${kind.name})`, () => { ... });
 */
export async function reopenableStores(name: string): Promise<StoreKind[]> {
  const usePostgres = await postgresAvailable();
  return [
    {
      name: 'SQLite',
      skip: false,
      open: async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), `sluice-${name.replace(/_/g, '-')}-`));
        return { store: () => openSqliteStore({ file: path.join(dir, 'sluice.db') }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'PostgreSQL',
      skip: !usePostgres,
      open: async () => {
        const schema = await createTestSchema(name);
        return { store: () => openPostgresStore({ connectionString: schema.url, schema: schema.schema, poolSize: 2 }), drop: () => schema.drop() };
      },
    },
  ];
}
