import { describe, expect, it } from 'vitest';
import { maskPersonalData } from './mask-personal-data.js';

const event = { type: 'identify', userId: 'ada@example.com', anonymousId: 'anon-1', traits: { name: 'Ada', age: 36 }, context: { ip: '1.2.3.4', library: { name: 'analytics.js' }, traits: { email: 'x@y.io' } }, properties: { plan: 'pro', Email: 'a@b.co' } };

describe('maskPersonalData', () => {
  it('returns the value unchanged for a role with pii_access', () => {
    expect(maskPersonalData(event, { role: 'engineer' })).toBe(event);
  });

  it('masks traits, personal fields and email-like strings for a viewer, keeping structure and library names', () => {
    expect(maskPersonalData(event, { role: 'viewer' })).toEqual({
      type: 'identify',
      userId: '[masked]',
      anonymousId: 'anon-1',
      traits: { name: '[masked]', age: '[masked]' },
      context: { ip: '[masked]', library: { name: 'analytics.js' }, traits: { email: '[masked]' } },
      properties: { plan: 'pro', Email: '[masked]' },
    });
  });
});
