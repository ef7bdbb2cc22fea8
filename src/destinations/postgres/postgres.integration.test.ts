import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../../../test/support/postgres.js';
import type { DestinationContext } from '../destination.js';
import { createDestinationHttp } from '../http/destination-http.js';
import { closeWarehousePools, postgres } from './index.js';
import { WarehouseLoader } from './warehouse-loader.js';
import { warehousePool } from './warehouse-pools.js';
import { rowsForEvent } from './warehouse-rows.js';

const available = await postgresAvailable();

function event(type: SegmentEvent['type'], messageId: string, fields: Partial<SegmentEvent> = {}): SegmentEvent {
  return {
    type,
    messageId,
    userId: 'u1',
    anonymousId: 'anon-1',
    context: { library: { name: 'analytics-node', version: '3.1.0' }, ip: '10.1.2.3' },
    integrations: {},
    originalTimestamp: '2026-03-01T10:00:00.000Z',
    timestamp: '2026-03-01T10:00:00.000Z',
    receivedAt: '2026-03-01T10:00:01.000Z',
    sentAt: '2026-03-01T10:00:00.500Z',
    version: 2,
    ...fields,
  };
}

describe.skipIf(!available)('postgres warehouse destination', () => {
  let schema: TestSchema;
  let client: pg.Client;
  const http = createDestinationHttp({ allowPrivate: [] });
  const context: DestinationContext = { http, logger: pino({ level: 'silent' }), signal: new AbortController().signal };
  let config: { connectionString: string; schema: string };

  beforeAll(async () => {
    schema = await createTestSchema('warehouse');
    config = { connectionString: schema.url, schema: schema.schema };
    client = new pg.Client({ connectionString: schema.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await closeWarehousePools();
    await http.close();
    await schema?.drop();
  });

  const deliver = (...events: SegmentEvent[]) => postgres.deliver(events.map((e) => ({ messageId: e.messageId, event: e })), config, context);
  const rows = async (sql: string, params: unknown[] = []) => (await client.query(sql.replaceAll('$schema', `"${schema.schema}"`), params)).rows;
  const columnTypes = async (table: string) =>
    Object.fromEntries(
      (await rows('select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2', [schema.schema, table])).map((r) => [r.column_name, r.data_type]),
    );

  it('loads track calls into tracks and the event table, nested properties flattened, context flattened', async () => {
    const result = await deliver(
      event('track', 't1', { event: 'Order Completed', properties: { total: 99.5, product: { name: 'Lamp', sku: 'L-1' }, tags: ['a', 'b'], gift: true } }),
      event('track', 't2', { event: 'Order Completed', properties: { total: 10, product: { name: 'Desk' } } }),
    );
    expect(result).toEqual({ kind: 'ok' });
    expect(await rows('select id, user_id, anonymous_id, event, event_text, context_library_name, context_ip from $schema.tracks order by id')).toEqual([
      { id: 't1', user_id: 'u1', anonymous_id: 'anon-1', event: 'order_completed', event_text: 'Order Completed', context_library_name: 'analytics-node', context_ip: '10.1.2.3' },
      { id: 't2', user_id: 'u1', anonymous_id: 'anon-1', event: 'order_completed', event_text: 'Order Completed', context_library_name: 'analytics-node', context_ip: '10.1.2.3' },
    ]);
    expect(await rows('select id, total, product_name, product_sku, tags, gift from $schema.order_completed order by id')).toEqual([
      { id: 't1', total: 99.5, product_name: 'Lamp', product_sku: 'L-1', tags: '["a","b"]', gift: true },
      { id: 't2', total: 10, product_name: 'Desk', product_sku: null, tags: null, gift: null },
    ]);
    const [times] = await rows('select received_at, sent_at, original_timestamp, "timestamp", uuid_ts from $schema.order_completed where id = $1', ['t1']);
    expect(times.received_at).toEqual(new Date('2026-03-01T10:00:01.000Z'));
    expect(times.sent_at).toEqual(new Date('2026-03-01T10:00:00.500Z'));
    expect(times.uuid_ts).toBeInstanceOf(Date);
    expect(await columnTypes('order_completed')).toMatchObject({
      id: 'text',
      total: 'double precision',
      gift: 'boolean',
      product_name: 'text',
      received_at: 'timestamp with time zone',
      uuid_ts: 'timestamp with time zone',
    });
  });

  it('never duplicates a row when an event is delivered again (alone or inside a batch)', async () => {
    const first = event('track', 'dup-1', { event: 'Signed Up', properties: { plan: 'pro' } });
    expect(await deliver(first)).toEqual({ kind: 'ok' });
    expect(await deliver(first, event('track', 'dup-2', { event: 'Signed Up' }), first)).toEqual({ kind: 'ok' });
    expect(await rows('select id from $schema.signed_up order by id')).toEqual([{ id: 'dup-1' }, { id: 'dup-2' }]);
    expect(await rows(`select id from $schema.tracks where id like 'dup-%' order by id`)).toEqual([{ id: 'dup-1' }, { id: 'dup-2' }]);
  });

  it('keeps values with tabs, newlines, backslashes, quotes, braces, commas, "NULL" and unicode exactly', async () => {
    const awkward = {
      tab: 'a\tb',
      newline: 'line 1\nline 2\r\n',
      backslash: 'C:\\path\\to \\N \\x41',
      quotes: `it's "quoted"`,
      braces: '{a,b},{"c"}',
      null_word: 'NULL',
      empty: '',
      spaces: '  padded  ',
      unicode: 'Größe 🎉 日本語 \u2028',
      list: ['x\ty', 'NULL', null, '{}'],
    };
    expect(await deliver(event('track', 'esc-1', { event: 'Escaped', properties: awkward }))).toEqual({ kind: 'ok' });
    const [row] = await rows('select tab, newline, backslash, quotes, braces, null_word, empty, spaces, unicode, list from $schema.escaped');
    expect(row).toEqual({ ...awkward, list: JSON.stringify(awkward.list) });
  });

  it('writes each id once when a batch repeats it, skips ids already loaded, and loads the rest of that batch', async () => {
    const a = event('track', 'cnt-1', { event: 'Counted', properties: { n: 1 } });
    const b = event('track', 'cnt-2', { event: 'Counted', properties: { n: 2 } });
    expect(await deliver(a, a, b, a)).toEqual({ kind: 'ok' });
    // cnt-2 is there already (with n 2): the redelivery with another value changes nothing.
    expect(await deliver(event('track', 'cnt-2', { event: 'Counted', properties: { n: 20 } }), event('track', 'cnt-3', { event: 'Counted', properties: { n: 3 } }))).toEqual({ kind: 'ok' });
    expect(await rows('select id, n from $schema.counted order by id')).toEqual([
      { id: 'cnt-1', n: 1 },
      { id: 'cnt-2', n: 2 },
      { id: 'cnt-3', n: 3 },
    ]);
    expect(await rows(`select count(*)::int as n from $schema.tracks where id like 'cnt-%'`)).toEqual([{ n: 3 }]);
  });

  it('loads a batch too wide for one statement with several statements in one transaction', async () => {
    // Every table of this batch has 3-14 columns: a limit of 20 parameters needs several statements.
    const pool = warehousePool(schema.url);
    const loader = new WarehouseLoader(pool, schema.schema, 20);
    const transactions = vi.spyOn(pool, 'connect');
    const batch = [
      event('track', 'wide-1', { event: 'Wide A', properties: { a: 1 } }),
      event('track', 'wide-2', { event: 'Wide B', properties: { b: 'two' } }),
      event('identify', 'wide-3', { userId: 'wide-user', traits: { plan: 'pro' } }),
    ];
    const mapped = batch.map((e) => rowsForEvent(e, e.messageId));
    const report = await loader.load(
      mapped.flatMap((m) => m.rows),
      mapped.flatMap((m) => (m.user ? [m.user] : [])),
    );
    expect(report).toEqual({ skippedColumns: [] });
    // pool.query() checks a client out with a callback; the loader's own transaction calls connect() bare.
    expect(transactions.mock.calls.filter((args: unknown[]) => args.length === 0)).toHaveLength(1);
    transactions.mockRestore();
    expect(await rows(`select id from $schema.tracks where id like 'wide-%' order by id`)).toEqual([{ id: 'wide-1' }, { id: 'wide-2' }]);
    expect(await rows('select id, a from $schema.wide_a')).toEqual([{ id: 'wide-1', a: 1 }]);
    expect(await rows(`select id, plan from $schema.users where id = 'wide-user'`)).toEqual([{ id: 'wide-user', plan: 'pro' }]);
  });

  it('adds columns for new properties and handles type changes without losing values', async () => {
    await deliver(event('track', 'ty-1', { event: 'Typed', properties: { amount: 5, label: 'x', flag: true } }));
    await deliver(event('track', 'ty-2', { event: 'Typed', properties: { amount: '7.5', label: 42, flag: 'false', extra: 'new' } }));
    await deliver(event('track', 'ty-3', { event: 'Typed', properties: { amount: 'lots', flag: 3 } }));
    expect(await rows('select id, amount, amount_text, label, flag, flag_text, extra from $schema.typed order by id')).toEqual([
      { id: 'ty-1', amount: 5, amount_text: null, label: 'x', flag: true, flag_text: null, extra: null },
      { id: 'ty-2', amount: 7.5, amount_text: null, label: '42', flag: false, flag_text: null, extra: 'new' },
      { id: 'ty-3', amount: null, amount_text: 'lots', label: null, flag: null, flag_text: '3', extra: null },
    ]);
  });

  it('loads a type change of a 63-byte property, and of one whose _text column a number property made, instead of refusing the batch', async () => {
    const long = `${'long_property_name_'.repeat(3)}${'x'.repeat(20)}`; // 77 characters: the column is cut to 63 bytes
    const column = long.slice(0, 63);
    expect(await deliver(event('track', 'lc-1', { event: 'Long Column', properties: { [long]: 1, price: 2, price_text: 3 } }))).toEqual({ kind: 'ok' });
    const changed = await deliver(
      event('track', 'lc-2', { event: 'Long Column', properties: { [long]: 'now text', price: 'free' } }),
      event('track', 'lc-3', { event: 'Long Column', properties: { [long]: 4 } }),
    );
    expect(changed).toEqual({ kind: 'ok' });
    const siblingOfLong = `${column.slice(0, 58)}_text`;
    expect(await rows(`select id, "${column}" as n, "${siblingOfLong}" as t, price, price_text, price_text2 from $schema.long_column order by id`)).toEqual([
      { id: 'lc-1', n: 1, t: null, price: 2, price_text: 3, price_text2: null },
      { id: 'lc-2', n: null, t: 'now text', price: null, price_text: null, price_text2: 'free' },
      { id: 'lc-3', n: 4, t: null, price: null, price_text: null, price_text2: null },
    ]);
  });

  it('keeps the latest traits per userId in users: newer identify wins per trait, older only fills gaps', async () => {
    const at = (iso: string) => ({ receivedAt: iso, timestamp: iso, originalTimestamp: iso });
    await deliver(
      event('identify', 'id-1', { userId: 'person-1', traits: { email: 'old@x.example', plan: 'free' }, ...at('2026-03-02T00:00:00.000Z') }),
      event('identify', 'id-2', { userId: 'person-1', traits: { plan: 'pro', company: { name: 'Acme' } }, ...at('2026-03-03T00:00:00.000Z') }),
    );
    expect(await rows(`select id, email, plan, company_name from $schema.users where id = 'person-1'`)).toEqual([
      { id: 'person-1', email: 'old@x.example', plan: 'pro', company_name: 'Acme' },
    ]);
    // A late, older identify: it must not overwrite newer traits, but fills a trait never seen.
    await deliver(event('identify', 'id-0', { userId: 'person-1', traits: { plan: 'trial', age: 41 }, ...at('2026-03-01T00:00:00.000Z') }));
    await deliver(event('identify', 'id-3', { userId: 'person-1', traits: { email: 'new@x.example' }, ...at('2026-03-04T00:00:00.000Z') }));
    expect(await rows(`select id, email, plan, company_name, age, received_at from $schema.users where id = 'person-1'`)).toEqual([
      { id: 'person-1', email: 'new@x.example', plan: 'pro', company_name: 'Acme', age: 41, received_at: new Date('2026-03-04T00:00:00.000Z') },
    ]);
    expect(await rows(`select count(*)::int as n from $schema.identifies where user_id = 'person-1'`)).toEqual([{ n: 4 }]);
  });

  it('loads page, screen, group and alias calls into their tables', async () => {
    expect(
      await deliver(
        event('page', 'p-1', { name: 'Pricing', category: 'Docs', properties: { url: 'https://x.example/pricing', title: 'Pricing' } }),
        event('screen', 's-1', { name: 'Cart', properties: { items: 3 } }),
        event('group', 'g-1', { groupId: 'acme', traits: { name: 'Acme Inc', employees: 120 } }),
        event('alias', 'al-1', { previousId: 'anon-1', userId: 'u1' }),
      ),
    ).toEqual({ kind: 'ok' });
    expect(await rows('select id, name, category, url, title from $schema.pages')).toEqual([{ id: 'p-1', name: 'Pricing', category: 'Docs', url: 'https://x.example/pricing', title: 'Pricing' }]);
    expect(await rows('select id, name, items from $schema.screens')).toEqual([{ id: 's-1', name: 'Cart', items: 3 }]);
    expect(await rows('select id, group_id, name, employees from $schema.groups')).toEqual([{ id: 'g-1', group_id: 'acme', name: 'Acme Inc', employees: 120 }]);
    expect(await rows('select id, previous_id, user_id from $schema.aliases')).toEqual([{ id: 'al-1', previous_id: 'anon-1', user_id: 'u1' }]);
  });

  it('loads a full batch of 500 events with many tables in one call', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => event('track', `bulk-${i}`, { userId: `bulk-user-${i % 7}`, event: `Bulk Event ${i % 5}`, properties: { n: i, [`p${i % 11}`]: 'v' } }));
    expect(await deliver(...batch)).toEqual({ kind: 'ok' });
    expect(await rows(`select count(*)::int as n from $schema.tracks where id like 'bulk-%'`)).toEqual([{ n: 500 }]);
    expect(await rows('select count(*)::int as n from $schema.bulk_event_3')).toEqual([{ n: 100 }]);
  });

  it('deletes a subject from every table and reports how many rows', async () => {
    await deliver(
      event('identify', 'del-1', { userId: 'gone', anonymousId: 'gone-anon', traits: { email: 'gone@x.example' } }),
      event('track', 'del-2', { userId: null, anonymousId: 'gone-anon', event: 'Viewed' }),
      event('alias', 'del-3', { userId: 'gone', previousId: 'gone-anon' }),
      event('track', 'keep-1', { userId: 'stays', anonymousId: 'stays-anon', event: 'Viewed' }),
      event('identify', 'keep-2', { userId: 'stays', anonymousId: 'stays-anon', traits: { email: 'stays@x.example' } }),
      // Someone else signing in on the subject's device: their rows carry the subject's anonymousId but are theirs.
      event('track', 'keep-3', { userId: 'other', anonymousId: 'gone-anon', event: 'Viewed' }),
      event('alias', 'keep-4', { userId: 'other', previousId: 'gone-anon' }),
      // A logged-out app's placeholder userId is nobody's: the rows are the subject's (their anonymousId).
      event('track', 'del-4', { userId: 'null', anonymousId: 'gone-anon', event: 'Viewed' }),
      event('track', 'del-5', { userId: ' 0 ', anonymousId: 'gone-anon', event: 'Viewed' }),
    );
    const result = await postgres.deleteSubject?.({ workspaceId: 'w', requestId: 'r1', userIds: ['gone'], anonymousIds: ['gone-anon'], emails: ['gone@x.example'] }, config, context);
    expect(result).toEqual({ kind: 'deleted', count: 9, detail: 'aliases: 1, identifies: 1, tracks: 3, users: 1, viewed: 3' });
    const remaining = await rows(`select id from $schema.tracks where id in ('del-2', 'del-4', 'del-5', 'keep-1', 'keep-3') union all select id from $schema.aliases where id in ('del-3', 'keep-4') union all select id from $schema.users where id in ('gone', 'stays') order by id`);
    expect(remaining).toEqual([{ id: 'keep-1' }, { id: 'keep-3' }, { id: 'keep-4' }, { id: 'stays' }]);
  });

  it('retries when the warehouse is unreachable and aborts when the database does not exist', async () => {
    const down = await postgres.deliver([{ messageId: 'x', event: event('track', 'x', { event: 'X' }) }], { connectionString: 'postgres://postgres@127.0.0.1:1/test' }, context);
    expect(down.kind).toBe('retry');
    const url = new URL(schema.url);
    url.pathname = '/sluice_no_such_database_test';
    const missing = await postgres.deliver([{ messageId: 'x', event: event('track', 'x', { event: 'X' }) }], { connectionString: url.toString() }, context);
    expect(missing).toMatchObject({ kind: 'abort', reason: 'warehouse_database_missing' });
  });

  it('validates its config beyond the schema', () => {
    expect(postgres.validateConfig?.({ connectionString: 'mysql://x/y' })).toEqual(['connectionString must be a URL starting with postgres:// or postgresql://.']);
    expect(postgres.validateConfig?.({ connectionString: 'postgres://db.internal:5432/' })).toEqual(['connectionString names no database (postgres://host:5432/DATABASE).']);
    expect(postgres.validateConfig?.({ connectionString: 'postgres://db.internal/wh', schema: 'Web-App' })).toHaveLength(1);
    expect(postgres.validateConfig?.({ connectionString: 'postgres://db.internal/wh', schema: 'web_app' })).toEqual([]);
  });
});
