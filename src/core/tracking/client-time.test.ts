import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { parseClientTime } from './client-time.js';

function refusal(value: unknown): SluiceError {
  try {
    parseClientTime(value, 'timestamp');
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('parseClientTime', () => {
  it.each([
    // What Segment's libraries send, kept as it is.
    ['2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00.000Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['2000-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z'],
    // Other RFC 3339 / ISO-8601 forms JSON encoders write (Python isoformat, PHP date('c'), Go, .NET "o").
    ['2026-11-30T10:00:00+01:00', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30T10:00:00.123456+01:00', '2026-11-30T09:00:00.123Z'],
    ['2026-11-30T04:30:00-0430', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30T10:00:00+01', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30T09:00:00.1234567Z', '2026-11-30T09:00:00.123Z'],
    ['2026-11-30T09:00:00.5Z', '2026-11-30T09:00:00.500Z'],
    ['2026-11-30t09:00:00z', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30 09:00:00Z', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30T09:00Z', '2026-11-30T09:00:00.000Z'],
    ['2026-12-31T23:30:00-01:00', '2027-01-01T00:30:00.000Z'],
    // No offset: UTC (never the server's time zone); a date alone is its midnight UTC.
    ['2026-11-30T09:00:00', '2026-11-30T09:00:00.000Z'],
    ['2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['0050-02-28T00:00:00Z', '0050-02-28T00:00:00.000Z'],
    // Whole epoch milliseconds.
    [1764493200000, '2025-11-30T09:00:00.000Z'],
    [1e11, '1973-03-03T09:46:40.000Z'],
  ] as const)('reads %j as %s', (value, iso) => {
    expect(parseClientTime(value, 'timestamp')).toBe(iso);
  });

  it.each([undefined, null, ''])('takes %j as absent', (value) => {
    expect(parseClientTime(value, 'timestamp')).toBeUndefined();
  });

  it.each([
    // Days that do not exist are refused, not rolled over into the next month.
    ['2020-02-30T00:00:00.000Z', 'names a day that does not exist (February 2020 has 29 days)'],
    ['2020-02-31', 'names a day that does not exist (February 2020 has 29 days)'],
    ['2026-02-29T00:00:00.000Z', 'February 2026 has 28 days'],
    ['2100-02-29T12:00:00Z', 'February 2100 has 28 days'],
    ['2026-04-31T00:00:00.000Z', 'April 2026 has 30 days'],
    ['2026-11-00T00:00:00.000Z', 'November 2026 has 30 days'],
    ['2026-13-01T00:00:00.000Z', 'has month 13, which does not exist'],
    ['2026-11-30T24:00:00Z', 'time of day out of range'],
    ['2026-11-30T23:60:00Z', 'time of day out of range'],
    ['2026-11-30T23:59:60Z', 'time of day out of range'],
    ['2026-11-30T09:00:00+25:00', 'time zone offset out of range'],
    // Not ISO-8601: read by Date in the server's time zone or as a guess, so refused.
    ['01/02/2020', 'is not an ISO-8601 date'],
    ['0', 'is not an ISO-8601 date'],
    ['1764493200000', 'is not an ISO-8601 date'],
    ['yesterday', 'is not an ISO-8601 date'],
    ['Mon, 30 Nov 2026 09:00:00 GMT', 'is not an ISO-8601 date'],
    ['2026-11-30T09:00:00.000Z ', 'is not an ISO-8601 date'],
    ['+002026-11-30T09:00:00.000Z', 'is not an ISO-8601 date'],
    ['   ', 'is not an ISO-8601 date'],
    // Numbers that are not epoch milliseconds from 1973 on: placeholders, seconds, fractions.
    [-1, 'placeholders such as 0 and -1 are refused'],
    [0, 'placeholders such as 0 and -1 are refused'],
    [1764493200, 'whole milliseconds since 1970'],
    [1764493200000.5, 'whole milliseconds since 1970'],
    [Number.MAX_SAFE_INTEGER, 'whole milliseconds since 1970'],
    [true, 'must be an ISO-8601 string, got boolean'],
    [{}, 'must be an ISO-8601 string, got object'],
    [[], 'must be an ISO-8601 string, got array'],
  ] as const)('refuses %j with invalid_timestamp: %s', (value, why) => {
    const error = refusal(value);
    expect(error.code).toBe('invalid_timestamp');
    expect(error.status).toBe(400);
    expect(error.message).toContain(why);
    expect(error.message.startsWith('timestamp ')).toBe(true);
    // Every message says what to send instead.
    expect(error.message).toMatch(/2026-11-30T09:00:00\.000Z/);
  });

  it('quotes at most 64 characters of what was sent', () => {
    expect(refusal('x'.repeat(10_000)).message.length).toBeLessThan(300);
  });
});
