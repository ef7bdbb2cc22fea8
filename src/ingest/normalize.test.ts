import { describe, expect, it } from 'vitest';
import { SluiceError } from '../core/errors.js';
import { nestingDepth, normalizeEvent, normalizeRequest } from './normalize.js';

const facts = { receivedAt: new Date('2026-11-30T12:00:10.000Z'), ip: '203.0.113.7' };

function rejection(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('normalizeEvent', () => {
  it('corrects the timestamp for client clock skew and keeps the original', () => {
    const { event } = normalizeEvent(
      { userId: 'u1', event: 'Order Completed', timestamp: '2026-11-30T11:00:00.000Z', sentAt: '2026-11-30T11:00:05.000Z' },
      'track',
      facts,
    );
    expect(event.originalTimestamp).toBe('2026-11-30T11:00:00.000Z');
    expect(event.sentAt).toBe('2026-11-30T11:00:05.000Z');
    expect(event.receivedAt).toBe('2026-11-30T12:00:10.000Z');
    // receivedAt - (sentAt - originalTimestamp) = 12:00:10 - 5 s
    expect(event.timestamp).toBe('2026-11-30T12:00:05.000Z');
  });

  it('uses originalTimestamp when no timestamp is given, and the server time when neither is', () => {
    expect(normalizeEvent({ userId: 'u', originalTimestamp: '2026-01-01T00:00:00Z' }, 'identify', facts).event.timestamp).toBe('2026-01-01T00:00:00.000Z');
    const { event } = normalizeEvent({ userId: 'u' }, 'identify', facts);
    expect(event.timestamp).toBe(facts.receivedAt.toISOString());
    expect(event.originalTimestamp).toBe(facts.receivedAt.toISOString());
  });

  it('generates a messageId when missing and keeps one that is given', () => {
    expect(normalizeEvent({ userId: 'u' }, 'identify', facts).event.messageId).toMatch(/^api-[0-9a-f-]{36}$/);
    expect(normalizeEvent({ userId: 'u', messageId: 'm-1' }, 'identify', facts).event.messageId).toBe('m-1');
  });

  it('refuses a messageId over 100 characters', () => {
    expect(rejection(() => normalizeEvent({ userId: 'u', messageId: 'x'.repeat(101) }, 'identify', facts)).code).toBe('message_id_too_long');
  });

  it('sets context.ip from the request only when the client did not', () => {
    expect(normalizeEvent({ userId: 'u' }, 'identify', facts).event.context.ip).toBe('203.0.113.7');
    expect(normalizeEvent({ userId: 'u', context: { ip: '198.51.100.1' } }, 'identify', facts).event.context.ip).toBe('198.51.100.1');
  });

  it('takes the type from the endpoint, sets version 2 and removes the writeKey', () => {
    const { event, json } = normalizeEvent({ userId: 'u', type: 'identify', event: 'X', writeKey: 'secret' }, 'track', facts);
    expect(event.type).toBe('track');
    expect(event.version).toBe(2);
    expect(json).not.toContain('secret');
  });

  it.each([
    [{ event: 'x' }, 'track', 'no_user_anon_id'],
    [{ userId: 'u' }, 'track', 'event_not_string'],
    [{ userId: 'u', event: 42 }, 'track', 'event_not_string'],
    [{ userId: 'u', event: 'x', properties: [] }, 'track', 'properties_not_object'],
    [{ userId: 'u', traits: 'a' }, 'identify', 'traits_not_object'],
    [{ userId: 'u', context: 1 }, 'identify', 'context_not_object'],
    [{ userId: 'u', integrations: 'all' }, 'identify', 'integrations_not_object'],
    [{ userId: 'u' }, 'group', 'missing_group_id'],
    [{ userId: 'u' }, 'alias', 'missing_previous_id'],
    [{ userId: { id: 1 } }, 'identify', 'invalid_field'],
    [{ userId: 'u', timestamp: 'yesterday' }, 'identify', 'invalid_timestamp'],
    [{ userId: 'u', name: 5 }, 'page', 'invalid_field'],
  ] as const)('rejects %j on %s with %s', (raw, type, code) => {
    expect(rejection(() => normalizeEvent(raw, type, facts)).code).toBe(code);
  });

  it('normalizes client times that are not in the canonical ISO form, and keeps those that are', () => {
    const at = (timestamp: string | number) => normalizeEvent({ userId: 'u', timestamp }, 'identify', facts).event.originalTimestamp;
    expect(at('2026-11-30T11:00:00.000Z')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2026-11-30T12:00:00+01:00')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2026-11-30T11:00:00Z')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
    expect(at(Date.parse('2026-11-30T11:00:00.000Z'))).toBe('2026-11-30T11:00:00.000Z');
    expect(rejection(() => at('2026-13-01T00:00:00.000Z')).code).toBe('invalid_timestamp');
  });

  it('keeps the client\'s other top-level fields as sent, and fields other types require when given', () => {
    const { event, json } = normalizeEvent(
      { userId: 'u', channel: 'server', _metadata: { bundled: ['X'] }, event: 'kept', properties: { a: 1 }, version: 1, receivedAt: 'forged', writeKey: 'wk' },
      'identify',
      facts,
    );
    expect(event.channel).toBe('server');
    expect(event._metadata).toEqual({ bundled: ['X'] });
    expect(event.event).toBe('kept');
    expect(event.properties).toEqual({ a: 1 });
    expect(event.traits).toEqual({});
    expect(event.version).toBe(2);
    expect(event.receivedAt).toBe(facts.receivedAt.toISOString());
    const stored = JSON.parse(json) as Record<string, unknown>;
    expect(stored).not.toHaveProperty('writeKey');
    expect(stored).not.toHaveProperty('groupId');
    expect(stored).not.toHaveProperty('sentAt');
    expect(stored.channel).toBe('server');
  });

  it('accepts numeric userIds as strings', () => {
    expect(normalizeEvent({ userId: 42 }, 'identify', facts).event.userId).toBe('42');
  });

  it('rejects an event over 32 KB', () => {
    const error = rejection(() => normalizeEvent({ userId: 'u', event: 'big', properties: { blob: 'x'.repeat(33 * 1024) } }, 'track', facts));
    expect(error.code).toBe('event_too_large');
    expect(error.status).toBe(413);
  });

  it('rejects nesting deeper than 64 levels and accepts 64', () => {
    const nest = (depth: number) => {
      let value: Record<string, unknown> = {};
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    // properties itself is level 1 inside the event
    expect(() => normalizeEvent({ userId: 'u', event: 'x', properties: nest(63) }, 'track', facts)).not.toThrow();
    expect(rejection(() => normalizeEvent({ userId: 'u', event: 'x', properties: nest(70) }, 'track', facts)).code).toBe('nesting_too_deep');
  });
});

describe('nestingDepth', () => {
  it('counts objects and arrays', () => {
    expect(nestingDepth({ a: 1 }, 64)).toBe(0);
    expect(nestingDepth({ a: { b: [{}] } }, 64)).toBe(3);
  });
});

describe('normalizeRequest', () => {
  it('merges batch-level context and integrations into each item, the item winning', () => {
    const { accepted } = normalizeRequest(
      {
        batch: [
          { type: 'track', userId: 'u', event: 'A', context: { locale: 'fr' } },
          { type: 'identify', anonymousId: 'a', integrations: { Mixpanel: true } },
        ],
        context: { locale: 'en', library: { name: 'x' } },
        integrations: { All: false, Mixpanel: false },
      },
      'batch',
      facts,
    );
    expect(accepted.map((a) => a.event.context.locale)).toEqual(['fr', 'en']);
    expect(accepted[0]!.event.context.library).toEqual({ name: 'x' });
    expect(accepted[1]!.event.integrations).toEqual({ All: false, Mixpanel: true });
  });

  it('applies the batch sentAt to items without their own', () => {
    const { accepted } = normalizeRequest(
      { batch: [{ type: 'track', userId: 'u', event: 'A', timestamp: '2026-11-30T11:59:00.000Z' }], sentAt: '2026-11-30T12:00:00.000Z' },
      'batch',
      facts,
    );
    expect(accepted[0]!.event.timestamp).toBe('2026-11-30T11:59:10.000Z');
  });

  it('keeps the valid events of a batch and reports the invalid ones by index', () => {
    const { accepted, rejected } = normalizeRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track' }, { type: 'nope', userId: 'u' }] }, 'batch', facts);
    expect(accepted).toHaveLength(1);
    expect(rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'no_user_anon_id' }),
      expect.objectContaining({ index: 2, code: 'invalid_type' }),
    ]);
  });

  it.each([
    [{ batch: [] }, 'empty_batch'],
    [{ batch: {} }, 'invalid_body'],
    [[], 'invalid_body'],
    [{ batch: Array.from({ length: 2501 }, () => ({ type: 'identify', userId: 'u' })) }, 'batch_too_many_events'],
  ])('rejects a malformed batch (%#) with %s', (body, code) => {
    expect(rejection(() => normalizeRequest(body, 'batch', facts)).code).toBe(code);
  });
});
