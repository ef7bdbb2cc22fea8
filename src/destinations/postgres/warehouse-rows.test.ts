import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { eventTableName, snakeCase, truncateIdentifier } from './warehouse-naming.js';
import { rowsForEvent } from './warehouse-rows.js';

describe('snakeCase', () => {
  it.each([
    ['Order Completed', 'order_completed'],
    ['productName', 'product_name'],
    ['ProductName', 'product_name'],
    ['product_name', 'product_name'],
    ['HTTPServer', 'http_server'],
    ['userID', 'user_id'],
    ['  Spaces  and--dashes ', 'spaces_and_dashes'],
    ['$price', 'price'],
    ['3d Model', '_3d_model'],
    ['!!!', '_'],
    ['Größe', 'größe'],
    ['x'.repeat(80), 'x'.repeat(63)],
  ])('%s -> %s', (input, expected) => {
    expect(snakeCase(input)).toBe(expected);
  });

  it('cuts names to 63 UTF-8 bytes without splitting a character', () => {
    expect(truncateIdentifier('日'.repeat(21))).toBe('日'.repeat(21)); // 63 bytes: kept
    expect(truncateIdentifier('日'.repeat(22))).toBe('日'.repeat(21));
    expect(truncateIdentifier(`a${'ä'.repeat(40)}`)).toBe(`a${'ä'.repeat(31)}`); // 1 + 62 bytes
    expect(truncateIdentifier('🎉'.repeat(16))).toBe('🎉'.repeat(15)); // 4 bytes each, 2 UTF-16 units
    expect(truncateIdentifier('x'.repeat(21))).toBe('x'.repeat(21));
  });

  it('keeps event tables off the standard tables', () => {
    expect(eventTableName('Order Completed')).toBe('order_completed');
    expect(eventTableName('Identifies')).toBe('identifies_event');
    expect(eventTableName('users')).toBe('users_event');
    expect(eventTableName('')).toBe('unnamed_event');
  });
});

const base = {
  messageId: 'm1',
  userId: 'u1',
  anonymousId: 'a1',
  context: { library: { name: 'analytics.js', version: '2.0' }, ip: '1.2.3.4', page: { url: 'https://x.example/' } },
  integrations: {},
  originalTimestamp: '2026-01-01T00:00:00.000Z',
  timestamp: '2026-01-01T00:00:01.000Z',
  receivedAt: '2026-01-01T00:00:02.000Z',
  sentAt: '2026-01-01T00:00:00.500Z',
  version: 2,
} as const;

function columns(event: Partial<SegmentEvent>): Array<[string, Record<string, unknown>]> {
  const { rows, user } = rowsForEvent({ ...base, ...event } as SegmentEvent, 'm1');
  return [...rows, ...(user ? [user] : [])].map((r) => [r.table, Object.fromEntries([...r.cells].map(([k, c]) => [k, c.value]))]);
}

describe('rowsForEvent', () => {
  it('maps a track call to tracks and its own table, properties flattened with _', () => {
    const [[tracks, t], [own, o]] = columns({
      type: 'track',
      event: 'Order Completed',
      properties: { total: 12.5, product: { name: 'Lamp', tags: ['a'] }, coupon: null, id: 'p-1', 'Gift Wrap': true },
    }) as [[string, Record<string, unknown>], [string, Record<string, unknown>]];
    expect(tracks).toBe('tracks');
    expect(t).toEqual({
      id: 'm1',
      user_id: 'u1',
      anonymous_id: 'a1',
      received_at: '2026-01-01T00:00:02.000Z',
      sent_at: '2026-01-01T00:00:00.500Z',
      original_timestamp: '2026-01-01T00:00:00.000Z',
      timestamp: '2026-01-01T00:00:01.000Z',
      event: 'order_completed',
      event_text: 'Order Completed',
      context_library_name: 'analytics.js',
      context_library_version: '2.0',
      context_ip: '1.2.3.4',
      context_page_url: 'https://x.example/',
    });
    expect(own).toBe('order_completed');
    expect(o).toMatchObject({ ...t, total: 12.5, product_name: 'Lamp', product_tags: '["a"]', properties_id: 'p-1', gift_wrap: true });
    expect(o).not.toHaveProperty('coupon');
    expect(o.id).toBe('m1');
  });

  it('maps identify to identifies and the latest traits of users', () => {
    expect(columns({ type: 'identify', traits: { email: 'a@b.c', plan: 'pro', address: { city: 'Oslo' } } })).toEqual([
      ['identifies', expect.objectContaining({ id: 'm1', user_id: 'u1', email: 'a@b.c', plan: 'pro', address_city: 'Oslo' })],
      ['users', { id: 'u1', received_at: '2026-01-01T00:00:02.000Z', email: 'a@b.c', plan: 'pro', address_city: 'Oslo' }],
    ]);
    expect(columns({ type: 'identify', userId: null, traits: { plan: 'x' } }).map(([t]) => t)).toEqual(['identifies']);
  });

  it('maps page, screen, group and alias', () => {
    expect(columns({ type: 'page', name: 'Home', category: 'Docs', properties: { title: 'Welcome', name: 'clash' } })[0]).toEqual([
      'pages',
      expect.objectContaining({ name: 'Home', category: 'Docs', title: 'Welcome', properties_name: 'clash' }),
    ]);
    expect(columns({ type: 'screen', name: 'Cart', properties: { items: 2 } })[0]).toEqual(['screens', expect.objectContaining({ name: 'Cart', items: 2 })]);
    expect(columns({ type: 'group', groupId: 'g1', traits: { name: 'Acme', employees: 10 } })[0]).toEqual(['groups', expect.objectContaining({ group_id: 'g1', name: 'Acme', employees: 10 })]);
    expect(columns({ type: 'alias', previousId: 'a1' })[0]).toEqual(['aliases', expect.objectContaining({ previous_id: 'a1', user_id: 'u1' })]);
  });

  it('strips NUL characters PostgreSQL text cannot hold', () => {
    const [, o] = columns({ type: 'track', event: 'X', properties: { note: 'a\u0000b' } })[1] as [string, Record<string, unknown>];
    expect(o.note).toBe('ab');
  });
});
