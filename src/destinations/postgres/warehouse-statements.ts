import { quoteIdent } from './warehouse-naming.js';
import type { CellValue } from './warehouse-rows.js';

/** Bind parameters per statement (PostgreSQL's limit is 65,535; each column of each table takes one). */
export const MAX_PARAMS = 30_000;

/** The rows of one table, converted to its column types, as one array per column (null: no value). */
export interface TableLoad {
  readonly table: string;
  readonly columns: readonly string[];
  /** PostgreSQL type of each column. */
  readonly types: readonly string[];
  /** One array per column, all as long as the table's rows. */
  readonly arrays: ReadonlyArray<ReadonlyArray<CellValue | null>>;
  /** `users`: upsert with newer-wins per column; anything else: insert, skipping ids already there. */
  readonly upsert: boolean;
}

export interface LoadStatement {
  readonly text: string;
  readonly values: ReadonlyArray<ReadonlyArray<CellValue | null>>;
  /** The tables it loads, in order. */
  readonly tables: readonly string[];
}

/**
 * The statements that load `loads`: one per up to `maxParams` columns (a table is never split), usually one
 * per batch. Each table is one `INSERT ... SELECT * FROM unnest($1::text[], $2::double precision[], ...)`
 * (one array parameter per column, so the statement's size and planning cost do not grow with the rows);
 * the tables of one statement but the last are data-modifying CTEs of the last one's INSERT: one round trip,
 * atomic on its own. Nothing is returned: `RETURNING` rows counted per table cost PostgreSQL about a quarter
 * more CPU per event (decision 0201).
 */
export function loadStatements(schema: string, loads: readonly TableLoad[], maxParams = MAX_PARAMS): LoadStatement[] {
  const statements: LoadStatement[] = [];
  let parts: string[] = [];
  let values: Array<ReadonlyArray<CellValue | null>> = [];
  let tables: string[] = [];
  const flush = () => {
    if (!parts.length) return;
    const last = parts.pop()!;
    const ctes = parts.map((sql, i) => `w${i} as (${sql})`);
    statements.push({ text: ctes.length ? `with ${ctes.join(', ')} ${last}` : last, values, tables });
    parts = [];
    values = [];
    tables = [];
  };
  for (const load of loads) {
    const { columns, arrays } = load;
    if (!columns.length || !arrays[0]?.length) continue;
    if (values.length && values.length + columns.length > maxParams) flush();
    const casts = load.types.map((type, i) => `$${values.length + i + 1}::${arrayType(type)}`);
    values.push(...arrays);
    const sql = tableSql(`${quoteIdent(schema)}.${quoteIdent(load.table)}`, columns, casts, load.upsert);
    parts.push(sql);
    tables.push(load.table);
  }
  flush();
  return statements;
}

/**
 * The array type a column's values are sent as. `character` without a length is char(1) in a cast, which
 * would cut values the column itself (bpchar) keeps whole, so it is sent as `bpchar[]`.
 */
function arrayType(columnType: string): string {
  return `${columnType === 'character' ? 'bpchar' : columnType}[]`;
}

function tableSql(qualified: string, columns: readonly string[], casts: readonly string[], upsert: boolean): string {
  const names = columns.map(quoteIdent).join(', ');
  const source = `select * from unnest(${casts.join(', ')})`;
  if (!upsert) return `insert into ${qualified} (${names}) ${source} on conflict ("id") do nothing`;
  // Per column, the newer row (by received_at) wins; the older one only fills columns the other lacks.
  const newer = `(excluded."received_at" is null or u."received_at" is null or excluded."received_at" >= u."received_at")`;
  const sets = columns
    .filter((c) => c !== 'id')
    .map((c) =>
      c === 'received_at'
        ? `"received_at" = greatest(u."received_at", excluded."received_at")`
        : `${quoteIdent(c)} = case when ${newer} then coalesce(excluded.${quoteIdent(c)}, u.${quoteIdent(c)}) else coalesce(u.${quoteIdent(c)}, excluded.${quoteIdent(c)}) end`,
    );
  sets.push(`"uuid_ts" = now()`);
  return `insert into ${qualified} as u (${names}) ${source} on conflict ("id") do update set ${sets.join(', ')}`;
}
