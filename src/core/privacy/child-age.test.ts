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
  ])('%j -> %s', (event, age) => {
    expect(ageOfEvent(event as Parameters<typeof ageOfEvent>[0], now)).toBe(age);
  });
});
