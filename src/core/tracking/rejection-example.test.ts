import { describe, expect, it } from 'vitest';
import { rejectionExampleOf, rejectionMessageOf } from './rejection-example.js';

describe('rejectionExampleOf', () => {
  it('keeps the type, event name and messageId, and every key with the JSON type of its value, never a value', () => {
    const sent = {
      type: 'track',
      event: 'Order Completed',
      messageId: 'node-next-1700000000000-abc',
      userId: 'ada@example.com',
      timestamp: 'yesterday',
      properties: { price: 12.5, gift: false, coupon: null, items: [{ sku: 'SKU-1', qty: 2 }], 'bob@example.com': 'x' },
      context: { traits: { email: 'ada@example.com', phone: '+44 20 7946 0958' } },
    };
    const example = rejectionExampleOf(sent);
    expect(example).toEqual({
      type: 'track',
      event: 'Order Completed',
      messageId: 'node-next-1700000000000-abc',
      shape: {
        type: 'string',
        event: 'string',
        messageId: 'string',
        userId: 'string',
        timestamp: 'string',
        properties: { price: 'number', gift: 'boolean', coupon: 'null', items: [{ sku: 'string', qty: 'number' }], '<email>': 'string' },
        context: { traits: { email: 'string', phone: 'string' } },
      },
    });
    const kept = JSON.stringify(example);
    for (const value of ['ada@example.com', 'bob@example.com', '7946', 'SKU-1', 'yesterday', '12.5']) expect(kept).not.toContain(value);
  });

  it('describes what is not an object, and bounds depth and width', () => {
    expect(rejectionExampleOf('hello')).toEqual({ shape: 'string' });
    expect(rejectionExampleOf([1, 2])).toEqual({ shape: ['number'] });
    expect(rejectionExampleOf({ type: 'ada@example.com' })).toEqual({ type: '<email>', shape: { type: 'string' } });
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(JSON.stringify(rejectionExampleOf(deep).shape)).toBe('{"a":{"b":{"c":{"d":{"e":{"f":"object"}}}}}}');
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
    const shape = rejectionExampleOf(wide).shape as Record<string, unknown>;
    expect(Object.keys(shape)).toHaveLength(51);
    expect(shape['…']).toBe('10 more keys');
  });
});

describe('rejectionMessageOf', () => {
  it('keeps the field names a message quotes and replaces every value the client sent', () => {
    expect(rejectionMessageOf('"type" must be one of track, identify; got "ada@example.com".')).toBe('"type" must be one of track, identify; got "…".');
    expect(rejectionMessageOf('timestamp "Grace Hopper 078-05-1120" is not an ISO-8601 date: send an ISO-8601 date-time.')).toBe('timestamp "…" is not an ISO-8601 date: send an ISO-8601 date-time.');
    expect(rejectionMessageOf('The body is not valid JSON: unexpected token at line 1, column 40 (position 39, near "\\"ssn\\":\\"078-05-1120\\" oops}}").')).toBe('The body is not valid JSON: unexpected token at line 1, column 40 (position 39, near "…").');
    expect(rejectionMessageOf('A group call needs a non-empty "groupId" string.')).toBe('A group call needs a non-empty "groupId" string.');
  });

  it('hides an email address or international phone number outside quotes', () => {
    expect(rejectionMessageOf('no profile for ada@example.com or +44 20 7946 0958')).toBe('no profile for <email> or <phone>');
  });
});
