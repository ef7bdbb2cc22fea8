import { describe, expect, it } from 'vitest';
import { toColumns } from './warehouse-loader.js';
import type { Cell, WarehouseRow } from './warehouse-rows.js';
import { inferCell } from './warehouse-rows.js';

function row(values: Record<string, string | number | boolean>): WarehouseRow {
  return { table: 't', cells: new Map(Object.entries(values).map(([k, v]) => [k, inferCell(v) as Cell])) };
}

const columns = new Map([
  ['id', 'text'],
  ['amount', 'double precision'],
  ['flag', 'boolean'],
  ['label', 'text'],
  ['at', 'timestamptz'],
]);

describe('toColumns', () => {
  it('converts each cell to its column type, one array per column, null where a row has no value', () => {
    const { names, arrays } = toColumns([row({ id: 'a', amount: '7.5', flag: 'false', label: 42 }), row({ id: 'b', at: '2026-01-01T00:00:00Z' })], columns);
    expect(names).toEqual(['id', 'amount', 'flag', 'label', 'at']);
    expect(arrays).toEqual([['a', 'b'], [7.5, null], [false, null], ['42', null], [null, '2026-01-01T00:00:00Z']]);
  });

  it('moves a value that does not convert to <column>_text, and leaves out columns the table lacks (column cap)', () => {
    const { names, arrays } = toColumns([row({ id: 'a', amount: 'lots', flag: 3, not_created: 'x' }), row({ id: 'b', amount: 2 })], columns);
    expect(names).toEqual(['id', 'amount_text', 'flag_text', 'amount']);
    expect(arrays).toEqual([['a', 'b'], ['lots', null], ['3', null], [null, 2]]);
  });

  it('keeps the later value when a row has a property that is also the _text column of another', () => {
    const { names, arrays } = toColumns([row({ id: 'a', amount: 'lots', amount_text: 'given' })], new Map([...columns, ['amount_text', 'text']]));
    expect(names).toEqual(['id', 'amount_text']);
    expect(arrays).toEqual([['a'], ['given']]);
  });

  it('cuts a 63-byte column name so _text fits, and passes over a _text column of another type', () => {
    const long = 'p'.repeat(63);
    const typed = new Map([...columns, [long, 'double precision'], ['amount_text', 'double precision']]);
    const { names, arrays } = toColumns([row({ id: 'a', [long]: 'word', amount: 'lots' }), row({ id: 'b', amount: '2', amount_text: 5 })], typed);
    expect(names).toEqual(['id', `${'p'.repeat(58)}_text`, 'amount_text2', 'amount', 'amount_text']);
    expect(arrays).toEqual([['a', 'b'], ['word', null], ['lots', null], [null, 2], [null, 5]]);
  });
});
