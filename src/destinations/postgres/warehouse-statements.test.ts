import { describe, expect, it } from 'vitest';
import type { CellValue } from './warehouse-rows.js';
import { loadStatements, type TableLoad } from './warehouse-statements.js';

const types = new Map([
  ['id', 'text'],
  ['received_at', 'timestamptz'],
  ['price', 'double precision'],
  ['gift', 'boolean'],
]);

/** A table's rows as the loader hands them over: one array per column over the union of the rows' columns. */
function load(table: string, rows: Array<Record<string, CellValue>>, extra: Partial<TableLoad> & { columnTypes?: ReadonlyMap<string, string> } = {}): TableLoad {
  const { columnTypes = types, ...rest } = extra;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return {
    table,
    columns,
    types: columns.map((c) => columnTypes.get(c) ?? 'text'),
    arrays: columns.map((c) => rows.map((r) => r[c] ?? null)),
    upsert: false,
    ...rest,
  };
}

describe('loadStatements', () => {
  it('loads a batch with one statement: one array parameter per column, typed, nulls where a row lacks the column', () => {
    const statements = loadStatements('wh', [
      load('tracks', [{ id: 'a', price: 1.5 }, { id: 'b', gift: true }]),
      load('order_completed', [{ id: 'a', received_at: '2026-01-01T00:00:00.000Z' }]),
    ]);
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement!.tables).toEqual(['tracks', 'order_completed']);
    expect(statement!.values).toEqual([['a', 'b'], [1.5, null], [null, true], ['a'], ['2026-01-01T00:00:00.000Z']]);
    expect(statement!.text).toBe(
      'with w0 as (insert into "wh"."tracks" ("id", "price", "gift") select * from unnest($1::text[], $2::double precision[], $3::boolean[]) on conflict ("id") do nothing) ' +
        'insert into "wh"."order_completed" ("id", "received_at") select * from unnest($4::text[], $5::timestamptz[]) on conflict ("id") do nothing',
    );
  });

  it('leaves out tables without rows', () => {
    const [statement] = loadStatements('wh', [load('tracks', [{ id: 'a' }]), load('pages', [])]);
    expect(statement!.text).toBe('insert into "wh"."tracks" ("id") select * from unnest($1::text[]) on conflict ("id") do nothing');
    expect(statement!.values).toEqual([['a']]);
  });

  it('upserts users: newer received_at wins per column, received_at keeps the latest', () => {
    const [statement] = loadStatements('wh', [load('users', [{ id: 'u1', received_at: '2026-01-01T00:00:00.000Z', price: 2 }], { upsert: true })]);
    expect(statement!.text).toContain('insert into "wh"."users" as u ("id", "received_at", "price") select * from unnest(');
    expect(statement!.text).toContain('on conflict ("id") do update set "received_at" = greatest(u."received_at", excluded."received_at"), "price" = case when');
    expect(statement!.text).toMatch(/"uuid_ts" = now\(\)$/);
  });

  it('sends a char column without a length as bpchar[] (a cast to character would cut values to one character)', () => {
    const [statement] = loadStatements('wh', [load('t', [{ id: 'a', code: 'abc' }], { columnTypes: new Map([['id', 'text'], ['code', 'character']]) })]);
    expect(statement!.text).toContain('unnest($1::text[], $2::bpchar[])');
  });

  it('splits a batch over more statements when its columns exceed the parameter limit, never splitting a table', () => {
    const loads = ['a', 'b', 'c'].map((t) => load(t, [{ id: '1', price: 1, gift: false }]));
    const statements = loadStatements('wh', loads, 7);
    expect(statements.map((s) => s.tables)).toEqual([['a', 'b'], ['c']]);
    expect(statements[1]!.text).toContain('unnest($1::text[], $2::double precision[], $3::boolean[])');
    // A table wider than the limit still goes whole into a statement of its own.
    expect(loadStatements('wh', loads, 2).map((s) => s.tables)).toEqual([['a'], ['b'], ['c']]);
  });
});
