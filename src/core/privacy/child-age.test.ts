import { describe, expect, it } from 'vitest';
import { ageOfEvent } from './child-age.js';

const now = new Date('2026-11-30T12:00:00Z');

describe('ageOfEvent', () => {
  it.each([
    [{ traits: { age: 12 } }, 12],
    [{ traits: { age: '15' } }, 15],
    [{ traits: { birthday: '2010-12-01' } }, 15],
    [{ traits: { birthday: '2010-11-30T00:00:00Z' } }, 16],
    [{ context: { traits: { birthday: '2014-01-01' } } }, 12],
    [{ traits: { age: 'unknown' } }, undefined],
    [{ traits: { birthday: 'soon' } }, undefined],
    [{ traits: {} }, undefined],
    [{}, undefined],
    // A group's traits describe the group (an account's age in years), not the person sending the call.
    [{ type: 'group', traits: { age: 3 } }, undefined],
    [{ type: 'group', traits: { age: 3 }, context: { traits: { age: 12 } } }, 12],
    [{ type: 'identify', traits: { age: 12 } }, 12],
  ])('%j -> %s', (event, age) => {
    expect(ageOfEvent(event as Parameters<typeof ageOfEvent>[0], now)).toBe(age);
  });
});
