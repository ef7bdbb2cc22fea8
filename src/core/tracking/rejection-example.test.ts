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
  it('hides an email address or international phone number quoted from what was sent', () => {
    expect(rejectionMessageOf('"type" must be one of track, identify; got "ada@example.com".')).toBe('"type" must be one of track, identify; got "<email>".');
    expect(rejectionMessageOf('"type" must be one of track, identify; got "+44 20 7946 0958".')).toBe('"type" must be one of track, identify; got "<phone>".');
  });
});
