import type pg from 'pg';
import { inTransaction } from './pg-transaction.js';
import { quoteIdent, textSiblingName } from './warehouse-naming.js';
import type { Cell, CellValue, ColumnType, WarehouseRow } from './warehouse-rows.js';
import { loadStatements, MAX_PARAMS, type TableLoad } from './warehouse-statements.js';
import { STANDARD_COLUMNS, USER_COLUMNS } from './warehouse-rows.js';

/** PostgreSQL allows 1,600 columns per table; Sluice stops adding at this many and reports what it skipped. */
export const MAX_COLUMNS_PER_TABLE = 1000;

export interface LoadReport {
  /** Columns not created because a table reached MAX_COLUMNS_PER_TABLE. */
  readonly skippedColumns: readonly string[];
}

/**
 * Writes rows into one schema of one database, creating tables and columns as events need them.
 *
 * Column types: a new column takes the type of the first non-null value seen (string -> text, number ->
 * double precision, boolean -> boolean, list -> text holding JSON). Later values keep that type when they
 * convert without loss (anything into text; numeric strings into numbers; "true"/"false" into booleans;
 * ISO dates into timestamps); a value that does not convert is written to a sibling text column
 * `<column>_text` instead (`_text2`, ... when that one cannot take it), so nothing is lost and no load fails on
 * a type change.
 *
 * A batch is loaded by one statement (warehouse-statements.ts): per table an `INSERT ... SELECT FROM
 * unnest(<one array per column>) ON CONFLICT (id) DO NOTHING`, the tables joined as CTEs, so a batch is one
 * round trip and atomic, and a re-delivered event never duplicates a row. `users` is upserted: for each trait
 * the value of the newer identify (by received_at) wins, and an older identify only fills traits the row
 * does not have yet.
 */
export class WarehouseLoader {
  /** table -> column -> PostgreSQL type, as read from information_schema. */
  private readonly tables = new Map<string, Map<string, string>>();
  private schemaReady = false;
  private ddlChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    /** Bind parameters per statement; a batch needing more is loaded by several statements in one transaction. */
    private readonly maxParams = MAX_PARAMS,
  ) {}

  /** Forgets what it knows of the schema (after an error, or when tables may have changed under us). */
  invalidate(): void {
    this.tables.clear();
    this.schemaReady = false;
  }

  async load(rows: readonly WarehouseRow[], users: readonly WarehouseRow[]): Promise<LoadReport> {
    const byTable = new Map<string, WarehouseRow[]>();
    for (const row of rows) {
      const list = byTable.get(row.table) ?? [];
      list.push(row);
      byTable.set(row.table, list);
    }
    const mergedUsers = mergeUsers(users);
    if (mergedUsers.length) byTable.set('users', mergedUsers);

    const skipped: string[] = [];
    const loads = await this.serialized(async () => {
      if (!this.schemaReady) {
        await this.pool.query(`create schema if not exists ${quoteIdent(this.schema)}`).catch(ignoreRace);
        this.schemaReady = true;
      }
      const out: TableLoad[] = [];
      for (const [table, tableRows] of byTable) {
        const columns = await this.ensureTable(table);
        const wanted = new Map<string, ColumnType>();
        for (const row of tableRows) for (const [column, cell] of row.cells) if (!columns.has(column) && !wanted.has(column)) wanted.set(column, cell.type);
        if (wanted.size) skipped.push(...(await this.ensureColumns(table, columns, wanted)));
        const converted = toColumns(tableRows, columns);
        const siblings = new Map<string, ColumnType>();
        for (const column of converted.names) if (!columns.has(column)) siblings.set(column, 'text');
        if (siblings.size) skipped.push(...(await this.ensureColumns(table, columns, siblings)));
        // Columns skipped for the cap are left out; types are read now (another load may invalidate the cache).
        const kept = converted.names.flatMap((column, i) => (columns.has(column) ? [i] : []));
        out.push({
          table,
          columns: kept.map((i) => converted.names[i]!),
          types: kept.map((i) => columns.get(converted.names[i]!)!),
          arrays: kept.map((i) => converted.arrays[i]!),
          upsert: table === 'users',
        });
      }
      return out;
    });

    const statements = loadStatements(this.schema, loads, this.maxParams);
    if (statements.length === 1) {
      // One statement is atomic on its own: no transaction round trips.
      await this.pool.query(statements[0]!.text, statements[0]!.values as unknown[]);
    } else if (statements.length > 1) {
      await inTransaction(this.pool, async (client) => {
        for (const statement of statements) await client.query(statement.text, statement.values as unknown[]);
      });
    }
    return { skippedColumns: [...new Set(skipped)] };
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const next = this.ddlChain.then(run, run);
    this.ddlChain = next.catch(() => undefined);
    return next;
  }

  private qualified(table: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
  }

  private async ensureTable(table: string): Promise<Map<string, string>> {
    const known = this.tables.get(table);
    if (known) return known;
    const standard = table === 'users' ? USER_COLUMNS : STANDARD_COLUMNS;
    const definitions = standard.map(([name, type]) => `${quoteIdent(name)} ${type}${name === 'id' ? ' primary key' : ''}`);
    definitions.push(`"uuid_ts" timestamptz not null default now()`);
    await this.pool.query(`create table if not exists ${this.qualified(table)} (${definitions.join(', ')})`).catch(ignoreRace);
    return this.readColumns(table);
  }

  private async readColumns(table: string): Promise<Map<string, string>> {
    const result = await this.pool.query<{ column_name: string; data_type: string }>(
      'select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2',
      [this.schema, table],
    );
    const columns = new Map(result.rows.map((r) => [r.column_name, r.data_type === 'timestamp with time zone' ? 'timestamptz' : r.data_type]));
    this.tables.set(table, columns);
    return columns;
  }

  /** Adds missing columns (refreshing `columns` in place); returns the ones skipped for the column cap. */
  private async ensureColumns(table: string, columns: Map<string, string>, wanted: ReadonlyMap<string, ColumnType>): Promise<string[]> {
    const missing = [...wanted].filter(([column]) => !columns.has(column));
    if (!missing.length) return [];
    const room = Math.max(0, MAX_COLUMNS_PER_TABLE - columns.size);
    const adding = missing.slice(0, room);
    const skipped = missing.slice(room).map(([column]) => `${table}.${column}`);
    if (adding.length) {
      const clauses = adding.map(([column, type]) => `add column if not exists ${quoteIdent(column)} ${type}`);
      await this.pool.query(`alter table ${this.qualified(table)} ${clauses.join(', ')}`).catch(ignoreRace);
      const fresh = await this.readColumns(table);
      columns.clear();
      for (const [column, type] of fresh) columns.set(column, type);
      this.tables.set(table, columns);
    }
    return skipped;
  }
}

/** One users row per id: traits of later identifies (by received_at) override earlier ones in the batch. */
function mergeUsers(users: readonly WarehouseRow[]): WarehouseRow[] {
  const byId = new Map<string, Map<string, Cell>>();
  const ordered = [...users].sort((a, b) => String(a.cells.get('received_at')?.value ?? '').localeCompare(String(b.cells.get('received_at')?.value ?? '')));
  for (const row of ordered) {
    const id = String(row.cells.get('id')?.value);
    const merged = byId.get(id) ?? new Map<string, Cell>();
    for (const [column, cell] of row.cells) merged.set(column, cell);
    byId.set(id, merged);
  }
  return [...byId.values()].map((cells) => ({ table: 'users', cells }));
}

const INTEGER_TYPES = new Set(['bigint', 'integer', 'smallint']);
const NUMBER_TYPES = new Set(['double precision', 'real', 'numeric', ...INTEGER_TYPES]);
const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const NUMERIC_TEXT = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Fits rows' cells to the table's column types (the rule in the class comment), as one array per column over
 * the union of the rows' columns (null where a row has no value). A cell that does not convert moves to
 * `<column>_text` (the name cut to fit 63 bytes; `_text2`, ... when that column exists and cannot take it either,
 * e.g. a number property named `<column>_text`), which may be a column the table does not have yet. Columns without a type (skipped for
 * the column cap) are left out. A later cell for the same column of a row overwrites an earlier one.
 */
export function toColumns(rows: readonly WarehouseRow[], columns: ReadonlyMap<string, string>): { names: string[]; arrays: Array<Array<CellValue | null>> } {
  const index = new Map<string, number>();
  const names: string[] = [];
  const arrays: Array<Array<CellValue | null>> = [];
  const count = rows.length;
  const put = (column: string, r: number, value: CellValue) => {
    let at = index.get(column);
    if (at === undefined) {
      at = names.length;
      index.set(column, at);
      names.push(column);
      arrays.push(new Array<CellValue | null>(count).fill(null));
    }
    arrays[at]![r] = value;
  };
  for (let r = 0; r < count; r++) {
    for (const [column, cell] of rows[r]!.cells) {
      const type = columns.get(column);
      if (type === undefined) continue; // skipped for the column cap
      const value = convertValue(cell, type);
      if (value !== undefined) {
        put(column, r, value);
        continue;
      }
      const sibling = siblingFor(column, cell, columns);
      if (sibling) put(sibling.name, r, sibling.value);
    }
  }
  return { names, arrays };
}

/** How many `_text`, `_text2`, ... columns are tried for a value before it is left out. */
const MAX_SIBLING_ATTEMPTS = 5;

/**
 * Where a value that does not fit `column` goes: the first of `<column>_text`, `<column>_text2`, ... that is not
 * the column itself and either does not exist yet (it is created as text) or takes the value (a property of that
 * name may have created it as a number first). Undefined only when none of them does.
 */
function siblingFor(column: string, cell: Cell, columns: ReadonlyMap<string, string>): { name: string; value: CellValue } | undefined {
  for (let attempt = 1; attempt <= MAX_SIBLING_ATTEMPTS; attempt++) {
    const name = textSiblingName(column, attempt);
    if (name === column) continue;
    const type = columns.get(name);
    if (type === undefined) return { name, value: String(cell.value) };
    const value = convertValue(cell, type);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

function convertValue(cell: Cell, type: string): CellValue | undefined {
  const { value } = cell;
  if (cell.type === type) return value;
  if (TEXT_TYPES.has(type)) return String(value);
  if (NUMBER_TYPES.has(type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && NUMERIC_TEXT.test(value.trim()) ? Number(value) : undefined;
    if (n === undefined || !Number.isFinite(n)) return undefined;
    if (INTEGER_TYPES.has(type) && !Number.isSafeInteger(n)) return undefined;
    return n;
  }
  if (type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return undefined;
  }
  if (type === 'timestamptz' || type === 'timestamp without time zone' || type === 'date') {
    return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(Date.parse(value)) ? value : undefined;
  }
  if (type === 'jsonb' || type === 'json') return JSON.stringify(value);
  return undefined;
}

/** Concurrent `create ... if not exists` from two processes can still collide in the catalog; the object exists then. */
function ignoreRace(error: unknown): void {
  const code = (error as { code?: string }).code;
  if (code === '23505' || code === '42P07' || code === '42P06' || code === '42701') return;
  throw error;
}
