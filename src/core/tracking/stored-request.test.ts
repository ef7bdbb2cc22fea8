import { describe, expect, it } from 'vitest';
import { expandStoredRequest, generatedMessageId, type StoredRequest } from './stored-request.js';

const REQUEST_ID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

describe('generatedMessageId', () => {
  it('is the request id for the first event and a distinct UUID-shaped id for each later one', () => {
    expect(generatedMessageId(REQUEST_ID, 0)).toBe(`api-${REQUEST_ID}`);
    expect(generatedMessageId(REQUEST_ID, 1)).toBe('api-f47ac10b-58cc-4372-a567-0e02b2c3d47a');
    const ids = new Set(Array.from({ length: 2500 }, (_, i) => generatedMessageId(REQUEST_ID, i)));
    expect(ids.size).toBe(2500);
    for (const id of ids) expect(id).toMatch(/^api-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('wraps within the last 48 bits', () => {
    expect(generatedMessageId('00000000-0000-4000-8000-ffffffffffff', 2)).toBe('api-00000000-0000-4000-8000-000000000001');
  });
});

describe('expandStoredRequest', () => {
  const batch = (skip?: number[]): StoredRequest => ({
    endpoint: 'batch',
    body: Buffer.from(JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track' }, { type: 'alias', userId: 'u', previousId: 'p', messageId: 'm' }], sentAt: '2026-11-30T12:00:00.000Z' })),
    receivedAt: Date.parse('2026-11-30T12:00:01.000Z'),
    ip: '198.51.100.4',
    requestId: REQUEST_ID,
    events: 2,
    ...(skip ? { skip } : {}),
  });

  it('normalizes the events the Tracking API accepted, the same way every time', () => {
    const first = expandStoredRequest(batch([1]));
    const again = expandStoredRequest(batch([1]));
    expect(first.failed).toEqual([]);
    expect(first.events.map((e) => e.messageId)).toEqual([`api-${REQUEST_ID}`, 'm']);
    expect(again.events).toEqual(first.events);
    expect(first.events[0]).toMatchObject({ type: 'track', receivedAt: '2026-11-30T12:00:01.000Z', sentAt: '2026-11-30T12:00:00.000Z', context: { ip: '198.51.100.4' } });
  });

  it('replaces U+0000 (which PostgreSQL text cannot hold) in every string and key, and leaves other bodies as parsed', () => {
    const body = '{"userId":"u\\u00001","event":"Paid\\u0000","properties":{"k\\u0000ey":["a\\u0000b",1,null],"__proto__":{"x":"\\u0000"},"literal":"\\\\u0000"}}';
    const { events, failed } = expandStoredRequest({ endpoint: 'track', body, receivedAt: 0, requestId: REQUEST_ID, events: 1 });
    expect(failed).toEqual([]);
    expect(events[0]).toMatchObject({ userId: 'u\ufffd1', event: 'Paid\ufffd' });
    const properties = events[0]!.properties as Record<string, unknown>;
    expect(properties['k\ufffdey']).toEqual(['a\ufffdb', 1, null]);
    // A "__proto__" key stays a field; an escaped backslash followed by "u0000" is text, not U+0000.
    expect(Object.getOwnPropertyDescriptor(properties, '__proto__')?.value).toEqual({ x: '\ufffd' });
    expect(properties.literal).toBe('\\u0000');
  });

  it('reports, instead of losing silently, events that no longer pass validation', () => {
    const { events, failed } = expandStoredRequest(batch());
    expect(events).toHaveLength(2);
    expect(failed).toEqual([expect.objectContaining({ index: 1, code: 'no_user_anon_id' })]);
    const single = expandStoredRequest({ endpoint: 'track', body: '{"userId":"u"}', receivedAt: 0, requestId: REQUEST_ID, events: 1 });
    expect(single).toEqual({ events: [], failed: [expect.objectContaining({ index: 0, code: 'event_not_string' })] });
  });

  it('keeps acknowledged events whose whitespace-only ids and names the current rules refuse (an earlier version accepted them)', () => {
    const body = JSON.stringify({ batch: [{ type: 'track', userId: '  ', event: 'A' }, { type: 'track', userId: 'u', event: ' ' }, { type: 'group', userId: 'u', groupId: '\t' }] });
    const { events, failed } = expandStoredRequest({ endpoint: 'batch', body, receivedAt: Date.parse('2026-11-30T12:00:01.000Z'), requestId: REQUEST_ID, events: 3 });
    expect(failed).toEqual([]);
    expect(events.map((e) => [e.type, e.userId, e.event ?? e.groupId])).toEqual([['track', '  ', 'A'], ['track', 'u', ' '], ['group', 'u', '\t']]);
    // What today's rules accept reads as they read it: a blank userId beside an anonymousId is left out.
    const today = expandStoredRequest({ endpoint: 'track', body: JSON.stringify({ userId: '  ', anonymousId: 'a1', event: 'A' }), receivedAt: 0, requestId: REQUEST_ID, events: 1 });
    expect(today.events[0]).toMatchObject({ anonymousId: 'a1' });
    expect(JSON.parse(JSON.stringify(today.events[0]))).not.toHaveProperty('userId');
  });

  it('keeps an acknowledged event whose time the current rules refuse (an earlier version accepted it), with the time it was received', () => {
    const body = JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'A', timestamp: '2020-02-30T00:00:00.000Z' }, { type: 'track', userId: 'u', event: 'B', timestamp: '01/02/2020', sentAt: 'soon' }] });
    const { events, failed } = expandStoredRequest({ endpoint: 'batch', body, receivedAt: Date.parse('2026-11-30T12:00:01.000Z'), requestId: REQUEST_ID, events: 2 });
    expect(failed).toEqual([]);
    expect(events.map((e) => [e.event, e.timestamp, e.originalTimestamp])).toEqual([
      ['A', '2026-11-30T12:00:01.000Z', '2026-11-30T12:00:01.000Z'],
      ['B', '2026-11-30T12:00:01.000Z', '2026-11-30T12:00:01.000Z'],
    ]);
  });
});
