import type { JsonObject, JsonValue, SegmentEvent } from '../../protocol/segment-event.js';
import { eventTableName, snakeCase, truncateIdentifier } from './warehouse-naming.js';

/** Column types Sluice creates. Dynamic columns get text, double precision or boolean (see inferType). */
export type ColumnType = 'text' | 'double precision' | 'boolean' | 'timestamptz';
export type CellValue = string | number | boolean;

export interface Cell {
  readonly type: ColumnType;
  readonly value: CellValue;
}

/** One row for one table; `cells` always holds `id`. Columns are in insertion order. */
export interface WarehouseRow {
  readonly table: string;
  readonly cells: Map<string, Cell>;
}

/** Columns of every event table, in Segment's naming (uuid_ts is filled by the database at load time). */
export const STANDARD_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['id', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['received_at', 'timestamptz'],
  ['sent_at', 'timestamptz'],
  ['original_timestamp', 'timestamptz'],
  ['timestamp', 'timestamptz'],
];

/** Columns of `users` (one row per userId, one column per trait). */
export const USER_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['id', 'text'],
  ['received_at', 'timestamptz'],
];

/** Objects nested deeper than this are stored as JSON text in one column instead of more columns. */
const MAX_FLATTEN_DEPTH = 8;

/**
 * The rows one event becomes in Segment's warehouse schema:
 * - track: a row in `tracks` (standard columns, `event`, `event_text`, `context_*`) and one in the event's
 *   own table (the same plus one column per property);
 * - identify: `identifies` (traits as columns) and, with a userId, the latest traits in `users`;
 * - page / screen: `pages` / `screens` (`name`, `category`, properties as columns);
 * - group: `groups` (`group_id`, traits as columns); alias: `aliases` (`previous_id`).
 * Nested objects are flattened with `_` (`product_name`), lists are stored as JSON text, nulls are skipped.
 * A property whose column would clash with a standard or context column is written as `properties_<name>`
 * (traits: `traits_<name>`).
 */
export function rowsForEvent(event: SegmentEvent, messageId: string): { rows: WarehouseRow[]; user?: WarehouseRow } {
  const base = new Map<string, Cell>();
  base.set('id', { type: 'text', value: clean(messageId) });
  text(base, 'user_id', event.userId);
  text(base, 'anonymous_id', event.anonymousId);
  time(base, 'received_at', event.receivedAt);
  time(base, 'sent_at', event.sentAt);
  time(base, 'original_timestamp', event.originalTimestamp);
  time(base, 'timestamp', event.timestamp);

  const context = new Map<string, Cell>();
  if (isObject(event.context)) flatten(context, 'context', event.context, 'context', 1, RESERVED_COLUMNS[event.type]);

  switch (event.type) {
    case 'track': {
      const name = typeof event.event === 'string' ? event.event : '';
      const named: TextColumns = [
        ['event', eventTableName(name)],
        ['event_text', name],
      ];
      const tracks = standardRow(base, named, context);
      const own = standardRow(base, named, context);
      flatten(own, '', isObject(event.properties) ? event.properties : {}, 'properties', 0, RESERVED_COLUMNS.track);
      return { rows: [{ table: 'tracks', cells: tracks }, { table: eventTableName(name), cells: own }] };
    }
    case 'identify': {
      const traits = isObject(event.traits) ? event.traits : {};
      const cells = standardRow(base, [], context);
      flatten(cells, '', traits, 'traits', 0, RESERVED_COLUMNS.identify);
      const rows: WarehouseRow[] = [{ table: 'identifies', cells }];
      if (typeof event.userId === 'string' && event.userId !== '') {
        const user = new Map<string, Cell>();
        user.set('id', { type: 'text', value: clean(event.userId) });
        time(user, 'received_at', event.receivedAt);
        flatten(user, '', traits, 'traits', 0, RESERVED_COLUMNS.users);
        return { rows, user: { table: 'users', cells: user } };
      }
      return { rows };
    }
    case 'page':
    case 'screen': {
      const extra: TextColumns = event.type === 'page' ? [['name', event.name], ['category', event.category]] : [['name', event.name]];
      const cells = standardRow(base, extra, context);
      flatten(cells, '', isObject(event.properties) ? event.properties : {}, 'properties', 0, RESERVED_COLUMNS[event.type]);
      return { rows: [{ table: event.type === 'page' ? 'pages' : 'screens', cells }] };
    }
    case 'group': {
      const cells = standardRow(base, [['group_id', event.groupId]], context);
      flatten(cells, '', isObject(event.traits) ? event.traits : {}, 'traits', 0, RESERVED_COLUMNS.group);
      return { rows: [{ table: 'groups', cells }] };
    }
    case 'alias':
      return { rows: [{ table: 'aliases', cells: standardRow(base, [['previous_id', event.previousId]], context) }] };
  }
}

type TextColumns = ReadonlyArray<readonly [string, JsonValue | undefined]>;

/**
 * A row's first cells: the standard columns, the table's own text columns (`event`, `name`, ...), then the
 * context columns. (Plain functions rather than closures per event: this runs for every event.)
 */
function standardRow(base: ReadonlyMap<string, Cell>, extra: TextColumns, context: ReadonlyMap<string, Cell>): Map<string, Cell> {
  const cells = new Map(base);
  for (const [column, value] of extra) text(cells, column, value);
  for (const [column, cell] of context) cells.set(column, cell);
  return cells;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** PostgreSQL text cannot hold NUL characters. */
function clean(value: string): string {
  return value.includes('\u0000') ? value.replace(/\u0000/g, '') : value;
}

function text(cells: Map<string, Cell>, column: string, value: JsonValue | undefined): void {
  if (typeof value === 'string' && value !== '') cells.set(column, { type: 'text', value: clean(value) });
}

/** The shape ingest normalizes timestamps to; anything else is parsed and re-serialized. */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function time(cells: Map<string, Cell>, column: string, value: JsonValue | undefined): void {
  if (typeof value !== 'string') return;
  if (CANONICAL_ISO.test(value)) cells.set(column, { type: 'timestamptz', value });
  else if (Number.isFinite(Date.parse(value))) cells.set(column, { type: 'timestamptz', value: new Date(value).toISOString() });
}

/** The type a first value gives a new column. */
export function inferCell(value: JsonValue): Cell | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return { type: 'text', value: clean(value) };
  if (typeof value === 'number') return Number.isFinite(value) ? { type: 'double precision', value } : undefined;
  if (typeof value === 'boolean') return { type: 'boolean', value };
  return { type: 'text', value: clean(JSON.stringify(value)) };
}

type Root = 'properties' | 'traits' | 'context';

function flatten(cells: Map<string, Cell>, prefix: string, object: JsonObject, root: Root, depth: number, reserved: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(object)) {
    const part = snakeCase(key);
    const column = truncateIdentifier(prefix ? `${prefix}_${part}` : part);
    if (isObject(value) && depth < MAX_FLATTEN_DEPTH) {
      flatten(cells, column, value, root, depth + 1, reserved);
      continue;
    }
    const cell = inferCell(value);
    if (!cell) continue;
    // A property or trait never takes a standard or context column: `id` is written as `properties_id`.
    const clash = root !== 'context' && (reserved.has(column) || column.startsWith('context_'));
    cells.set(clash ? truncateIdentifier(`${root}_${column}`) : column, cell);
  }
}

const BASE_RESERVED = ['id', 'user_id', 'anonymous_id', 'received_at', 'sent_at', 'original_timestamp', 'timestamp', 'uuid_ts'];

/** Standard columns per table kind, which properties and traits must not overwrite. */
export const RESERVED_COLUMNS = {
  track: new Set([...BASE_RESERVED, 'event', 'event_text']),
  identify: new Set(BASE_RESERVED),
  page: new Set([...BASE_RESERVED, 'name', 'category']),
  screen: new Set([...BASE_RESERVED, 'name', 'category']),
  group: new Set([...BASE_RESERVED, 'group_id']),
  alias: new Set([...BASE_RESERVED, 'previous_id']),
  users: new Set(['id', 'received_at', 'uuid_ts']),
} as const;
