import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable, type TestSchema } from '../../../test/support/postgres.js';
import { OwnSchemaPostgresDialect } from './current-schema-introspector.js';
import { createPostgresPool } from './postgres-store.js';

const available = await postgresAvailable();

/**
 * A database shared by several installations or test runs, a schema each: while one starts (Kysely's migrator asks
 * the introspector which tables exist), another's schema is dropped. The race is made certain with a repeatable-read
 * snapshot taken before the drop: the catalog rows still show the dropped schema, a lookup by its name no longer
 * finds it (what Kysely's own introspector does with `has_schema_privilege`).
 */
describe.runIf(available)('introspection limited to our own schema', () => {
  let ours: TestSchema;
  let other: TestSchema;
  const open = (dialect: 'own' | 'kysely') => {
    const pool = createPostgresPool({ connectionString: ours.url, schema: ours.schema, poolSize: 2 });
    return new Kysely<unknown>({ dialect: dialect === 'own' ? new OwnSchemaPostgresDialect({ pool }) : new PostgresDialect({ pool }) });
  };
  const withOtherSchemaDroppedMidway = async (db: Kysely<unknown>) =>
    db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      await sql`select 1 from pg_catalog.pg_namespace limit 1`.execute(trx); // the snapshot
      await other.drop();
      return trx.introspection.getTables();
    });

  beforeAll(async () => {
    ours = await createTestSchema('introspect');
    const db = open('own');
    await sql`create table widgets (id bigserial primary key, name text not null, note text default 'x')`.execute(db);
    await sql`create view widget_names as select name from widgets`.execute(db);
    await db.destroy();
  });
  afterAll(async () => {
    await other?.drop();
    await ours?.drop();
  });

  it("lists only our schema's tables and views, with their columns", async () => {
    other = await createTestSchema('introspect_other');
    const db = open('own');
    try {
      expect(await db.introspection.getSchemas()).toEqual([{ name: ours.schema }]);
      const tables = await db.introspection.getTables();
      expect(tables.map((t) => [t.name, t.isView, t.schema])).toEqual([['widget_names', true, ours.schema], ['widgets', false, ours.schema]]);
      const widgets = tables.find((t) => t.name === 'widgets')!;
      expect(widgets.columns.map((c) => [c.name, c.dataType, c.isNullable, c.hasDefaultValue, c.isAutoIncrementing])).toEqual([
        ['id', 'int8', false, true, true],
        ['name', 'text', false, false, false],
        ['note', 'text', true, true, false],
      ]);
    } finally {
      await db.destroy();
    }
  });

  it("is not thrown off by another schema dropped while it reads (Kysely's own introspector is)", async () => {
    other = await createTestSchema('introspect_other');
    const kyselys = open('kysely');
    try {
      await expect(withOtherSchemaDroppedMidway(kyselys)).rejects.toThrow(/schema .* does not exist/);
    } finally {
      await kyselys.destroy();
    }
    other = await createTestSchema('introspect_other');
    const db = open('own');
    try {
      const tables = await withOtherSchemaDroppedMidway(db);
      expect(tables.map((t) => t.name)).toEqual(['widget_names', 'widgets']);
    } finally {
      await db.destroy();
    }
  });
});
