import { describe, expect, it } from 'vitest';
import { readableDay, readableTime } from './subject-wording.js';

describe('readableTime', () => {
  it('writes a moment as a person reads it, in UTC, to the minute', () => {
    expect(readableTime(Date.parse('2026-12-04T16:57:51.325Z'))).toBe('4 December 2026 at 16:57 UTC');
    expect(readableTime(Date.parse('2027-01-09T03:05:00Z'))).toBe('9 January 2027 at 03:05 UTC');
  });

  it('writes a day with its month in words, so no reader takes 2026-12-04 for 12 April', () => {
    expect(readableDay(Date.parse('2026-12-04T23:59:00Z'))).toBe('4 December 2026');
  });
});
