import { describe, expect, it } from 'vitest';
import { readableDay, readableTime } from './subject-wording.js';

describe('readableTime', () => {
  it('writes a moment as a person reads it, in UTC, to the minute', () => {
    expect(readableTime(Date.parse('2026-12-04T16:57:51.325Z'))).toBe('4 December 2026 at 16:57 UTC');
    expect(readableTime(Date.parse('2027-01-09T03:05:00Z'))).toBe('9 January 2027 at 03:05 UTC');
  });

  it.each([
    ['en', '4 December 2026 at 16:57 UTC'],
    ['de', '4. Dezember 2026 um 16:57 UTC'],
    ['fr', '4 décembre 2026 à 16:57 UTC'],
    ['es', '4 de diciembre de 2026 a las 16:57 UTC'],
    ['it', '4 dicembre 2026 alle ore 16:57 UTC'],
    ['nl', '4 december 2026 om 16:57 UTC'],
    ['pt', '4 de dezembro de 2026 às 16:57 UTC'],
  ] as const)('in %s: %s', (language, expected) => {
    expect(readableTime(Date.parse('2026-12-04T16:57:51.325Z'), language)).toBe(expected);
  });
});

describe('readableDay', () => {
  it('writes a day with its month in words, so no reader takes 2026-12-04 for 12 April, and says the day is UTC', () => {
    expect(readableDay(Date.parse('2026-12-04T23:59:00Z'))).toBe('4 December 2026 (UTC)');
    expect(readableDay(Date.parse('2026-12-04T23:59:00Z'), 'de')).toBe('4. Dezember 2026 (UTC)');
    expect(readableDay(Date.parse('2026-12-04T23:59:00Z'), 'fr')).toBe('4 décembre 2026 (UTC)');
  });
});
