import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { DestinationFilter } from './destination-filters.js';
import { applyFilters, sampleBucket, validateFilters } from './destination-filters.js';

function track(messageId: string, event = 'Order Completed'): SegmentEvent {
  return {
    type: 'track',
    messageId,
    userId: 'u1',
    event,
    properties: { total: 10, email: 'a@b.c', product: { name: 'Lamp', sku: 'L1' }, coupon: 'X' },
    traits: { email: 'a@b.c', plan: 'pro' },
    context: { ip: '1.2.3.4', library: { name: 'analytics.js', version: '1' } },
    integrations: {},
    originalTimestamp: '2026-01-01T00:00:00.000Z',
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
    version: 2,
  };
}

describe('validateFilters', () => {
  it('accepts well-formed filters of every action', () => {
    const filters: DestinationFilter[] = [
      { if: 'event = "A"', action: 'drop' },
      { if: 'type = "page"', action: 'sample', percent: 12.5 },
      { if: 'true', action: 'drop_properties', properties: ['context.ip', 'email'] },
      { if: 'contains(event, "Order")', action: 'allow_properties', properties: ['total', 'product.name'] },
      { if: 'event = "B"', action: 'drop', name: 'No B', enabled: false },
      { if: 'event = "C"', action: 'drop', enabled: true },
    ];
    expect(validateFilters(filters)).toEqual([]);
  });

  it.each([
    [{}, 'filters', 'filters must be a list of filters'],
    [[null], 'filters[0]', 'filters[0] must be an object with "if" and "action".'],
    [[{ if: 'event = ', action: 'drop' }], 'filters[0].if', "filters[0].if is not valid FQL: line 1, column 9: expected a value after '=', found end of input."],
    [[{ if: 42, action: 'drop' }], 'filters[0].if', 'filters[0].if must be an FQL expression as a string'],
    [[{ if: 'true', action: 'explode' }], 'filters[0].action', 'filters[0].action must be one of drop, sample, drop_properties, allow_properties.'],
    [[{ if: 'true', action: 'sample' }], 'filters[0].percent', 'filters[0].percent must be a number from 0 to 100'],
    [[{ if: 'true', action: 'sample', percent: 101 }], 'filters[0].percent', 'filters[0].percent must be a number from 0 to 100'],
    [[{ if: 'true', action: 'drop', percent: 5 }], 'filters[0].percent', 'filters[0].percent only applies to the sample action.'],
    [[{ if: 'true', action: 'drop_properties' }], 'filters[0].properties', 'filters[0].properties must be a non-empty list of field names'],
    [[{ if: 'true', action: 'drop_properties', properties: [] }], 'filters[0].properties', 'must be a non-empty list'],
    [[{ if: 'true', action: 'drop_properties', properties: [''] }], 'filters[0].properties', 'must be a non-empty list'],
    [[{ if: 'true', action: 'allow_properties', properties: ['context.ip'] }], 'filters[0].properties[0]', 'allow_properties keeps fields of properties and traits'],
    [[{ if: 'true', action: 'drop', properties: ['x'] }], 'filters[0].properties', 'only applies to drop_properties and allow_properties'],
    [[{ if: 'true', action: 'drop', when: 'x' }], 'filters[0].when', 'filters[0].when is not a filter field: expected if, action, percent, properties, name or enabled.'],
    [[{ if: 'true', action: 'drop', name: '  ' }], 'filters[0].name', 'filters[0].name must be a non-empty text of at most 100 characters'],
    [[{ if: 'true', action: 'drop', name: 'x'.repeat(101) }], 'filters[0].name', 'at most 100 characters'],
    [[{ if: 'true', action: 'drop', name: 7 }], 'filters[0].name', 'must be a non-empty text'],
    [[{ if: 'true', action: 'drop', enabled: 'false' }], 'filters[0].enabled', 'filters[0].enabled must be true or false'],
    [Array.from({ length: 51 }, () => ({ if: 'true', action: 'drop' })), 'filters', 'the limit is 50'],
  ])('rejects %j at %s', (filters, path, message) => {
    const problems = validateFilters(filters);
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)?.message).toContain(message);
  });

  it('gives the position of an FQL error on the second line of the second filter', () => {
    const problems = validateFilters([{ if: 'true', action: 'drop' }, { if: 'event = "A" and\n  lowercase(event', action: 'drop' }]);
    expect(problems).toEqual([
      {
        path: 'filters[1].if',
        message: "filters[1].if is not valid FQL: line 2, column 18: expected ',' or ')' in the arguments of lowercase(), found end of input.",
        position: { offset: 33, line: 2, column: 18 },
      },
    ]);
  });

  it("refuses a typeof() comparison that can never hold, such as Segment's 'bool', with the literal's position", () => {
    expect(validateFilters([{ if: "type = 'track' and\n typeof(properties.vip) = 'bool'", action: 'drop' }])).toEqual([
      {
        path: 'filters[0].if',
        message:
          "filters[0].if is not valid FQL: line 2, column 27: typeof() never answers \"bool\": it answers 'string', 'number', 'boolean', 'list', 'object', 'null' (Segment writes 'bool'; here it is 'boolean').",
        position: { offset: 45, line: 2, column: 27 },
      },
    ]);
    expect(validateFilters([{ if: "typeof(properties.tags) in ['list', 'array']", action: 'drop' }])[0]?.message).toContain('typeof() never answers "array"');
    expect(validateFilters([{ if: "typeof(properties.vip) = 'boolean' or 'null' = typeof(x)", action: 'drop' }])).toEqual([]);
  });

  it('still runs a stored filter that a save-time check would now refuse (saved before the check)', () => {
    expect(applyFilters(track('m1'), [{ if: "typeof(properties.total) = 'bool'", action: 'drop' }]).kind).toBe('continue');
  });
});

describe('applyFilters', () => {
  it('continues with the same event when nothing matches', () => {
    const event = track('m1');
    expect(applyFilters(event, [{ if: 'event = "Other"', action: 'drop' }])).toEqual({ kind: 'continue', event });
  });

  it('drops a matching event with reason filter and the index of the filter', () => {
    const decision = applyFilters(track('m1'), [{ if: 'event = "Other"', action: 'drop' }, { if: 'properties.total >= 10', action: 'drop' }]);
    expect(decision).toMatchObject({ kind: 'drop', reason: 'filter', filterIndex: 1 });
  });

  it('names the filter that dropped an event by its place counted from 1 and its name', () => {
    expect(applyFilters(track('m1'), [{ if: 'event = "Other"', action: 'drop' }, { if: 'properties.total >= 10', action: 'drop' }])).toMatchObject({ message: 'Dropped by filter 2 (properties.total >= 10).' });
    expect(applyFilters(track('m1'), [{ if: 'true', action: 'drop', name: 'No orders' }])).toMatchObject({ message: 'Dropped by filter 1 "No orders" (true).' });
    expect(applyFilters(track('m1'), [{ if: 'true', action: 'sample', percent: 0, name: 'Tenth' }])).toMatchObject({ message: 'Not in the 0% sample of filter 1 "Tenth" (true).' });
  });

  it('skips a filter switched off (enabled: false), whatever its action', () => {
    const event = track('m1');
    const off = (filter: DestinationFilter): DestinationFilter => ({ ...filter, enabled: false });
    expect(applyFilters(event, [off({ if: 'true', action: 'drop' }), off({ if: 'true', action: 'sample', percent: 0 }), off({ if: 'true', action: 'allow_properties', properties: ['total'] })])).toEqual({ kind: 'continue', event });
    expect(applyFilters(event, [off({ if: 'true', action: 'drop' }), { if: 'true', action: 'drop', enabled: true }])).toMatchObject({ kind: 'drop', filterIndex: 1 });
  });

  it('removes listed fields (properties, traits, context paths and bare names) without touching the input', () => {
    const event = track('m1');
    const decision = applyFilters(event, [{ if: 'true', action: 'drop_properties', properties: ['email', 'context.ip', 'product.sku', 'properties.coupon'] }]);
    expect(decision.kind).toBe('continue');
    if (decision.kind !== 'continue') return;
    expect(decision.event.properties).toEqual({ total: 10, product: { name: 'Lamp' } });
    expect(decision.event.traits).toEqual({ plan: 'pro' });
    expect(decision.event.context).toEqual({ library: { name: 'analytics.js', version: '1' } });
    expect(event.properties?.email).toBe('a@b.c');
    expect(event.context.ip).toBe('1.2.3.4');
  });

  it('keeps only the allowed fields of properties and traits, nested ones included', () => {
    const decision = applyFilters(track('m1'), [{ if: 'true', action: 'allow_properties', properties: ['total', 'product.name', 'traits.plan'] }]);
    if (decision.kind !== 'continue') throw new Error('dropped');
    expect(decision.event.properties).toEqual({ total: 10, product: { name: 'Lamp' } });
    expect(decision.event.traits).toEqual({ plan: 'pro' });
    expect(decision.event.context.ip).toBe('1.2.3.4');
  });

  it('evaluates every condition against the event as it arrived', () => {
    const decision = applyFilters(track('m1'), [
      { if: 'true', action: 'drop_properties', properties: ['total'] },
      { if: 'properties.total = 10', action: 'drop' },
    ]);
    expect(decision).toMatchObject({ kind: 'drop', filterIndex: 1 });
  });

  it('samples deterministically by messageId, close to the percentage', () => {
    const filters: DestinationFilter[] = [{ if: 'true', action: 'sample', percent: 30 }];
    const ids = Array.from({ length: 4000 }, (_, i) => `msg-${i}`);
    const first = ids.map((id) => applyFilters(track(id), filters).kind);
    const again = ids.map((id) => applyFilters(track(id), filters).kind);
    expect(again).toEqual(first);
    const kept = first.filter((k) => k === 'continue').length / ids.length;
    expect(kept).toBeGreaterThan(0.27);
    expect(kept).toBeLessThan(0.33);
    expect(applyFilters(track('x'), [{ if: 'true', action: 'sample', percent: 0 }]).kind).toBe('drop');
    expect(applyFilters(track('x'), [{ if: 'true', action: 'sample', percent: 100 }]).kind).toBe('continue');
  });

  it('samples only matching events', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    const decisions = ids.map((id) => applyFilters(track(id, 'Page Viewed'), [{ if: 'event = "Order Completed"', action: 'sample', percent: 0 }]));
    expect(decisions.every((d) => d.kind === 'continue')).toBe(true);
  });

  it('puts each messageId in a stable bucket in [0, 100)', () => {
    expect(sampleBucket('abc')).toBe(sampleBucket('abc'));
    expect(sampleBucket('abc')).toBeGreaterThanOrEqual(0);
    expect(sampleBucket('abc')).toBeLessThan(100);
    expect(sampleBucket('abc')).not.toBe(sampleBucket('abd'));
  });
});
