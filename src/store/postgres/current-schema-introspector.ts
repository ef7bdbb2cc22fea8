import { PostgresDialect, sql, type ColumnMetadata, type DatabaseIntrospector, type DatabaseMetadata, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

interface ColumnRow {
  table_name: string;
  relkind: string;
  column_name: string;
  data_type: string;
  data_type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto_increment: boolean;
}

/**
 * Kysely's introspection (what its Migrator asks before migrating: does our schema exist, do the migration tables)
 * limited to the connection's own schema (`current_schema()`, the `schema` Sluice was configured with).
 *
 * Kysely's own PostgreSQL introspector reads every schema of the database and calls `has_schema_privilege` on each
 * name. In a database shared by several installations or test runs (a schema each), a schema dropped by another
 * while that query runs makes it fail, `schema "…" does not exist` (SQLSTATE 3F000), and the start failed with it.
 * Here only the catalog rows of our schema are read, by OID, so another schema coming or going is never looked at.
 */
export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string | null }>`select current_schema() as name`.execute(this.db);
    return rows.flatMap((row) => (row.name === null ? [] : [{ name: row.name }]));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as table_name, c.relkind, a.attname as column_name, t.typname as data_type,
             tn.nspname as data_type_schema, a.attnotnull as not_null, a.atthasdef as has_default,
             (a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid), '') like 'nextval(%') as auto_increment
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_catalog.pg_type t on t.oid = a.atttypid
      join pg_catalog.pg_namespace tn on tn.oid = t.typnamespace
      left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, { isView: boolean; columns: ColumnMetadata[] }>();
    const schema = (await this.getSchemas())[0]?.name;
    for (const row of rows) {
      const table = tables.get(row.table_name) ?? { isView: row.relkind === 'v', columns: [] };
      table.columns.push({ name: row.column_name, dataType: row.data_type, dataTypeSchema: row.data_type_schema, isNullable: !row.not_null, hasDefaultValue: row.has_default, isAutoIncrementing: row.auto_increment });
      tables.set(row.table_name, table);
    }
    return [...tables].map(([name, table]) => ({ name, isView: table.isView, columns: table.columns, ...(schema !== undefined && { schema }) }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** Kysely's PostgreSQL dialect with introspection limited to our own schema (`CurrentSchemaIntrospector`). */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
