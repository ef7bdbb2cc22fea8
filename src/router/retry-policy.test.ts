import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, nextAttemptAt, retryDelayMs } from './retry-policy.js';

describe('retry policy', () => {
  it('starts around a second, doubles, and caps at five minutes', () => {
    const max = () => 1;
    const min = () => 0;
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, undefined, max)).toBe(1000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, undefined, min)).toBe(500);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 2, undefined, max)).toBe(2000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 30, undefined, max)).toBe(300_000);
  });

  it('answers whole milliseconds (the delivery log stores the next attempt time as an integer)', () => {
    for (const r of [0.123, 0.5, 0.987]) {
      expect(Number.isInteger(retryDelayMs(DEFAULT_RETRY_POLICY, 1, undefined, () => r))).toBe(true);
      expect(Number.isInteger(nextAttemptAt(DEFAULT_RETRY_POLICY, 0, 2, 1000, undefined))).toBe(true);
    }
  });

  it('honours Retry-After as a floor', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 7000, () => 0)).toBe(7000);
  });

  it('gives up once the window would be exceeded', () => {
    const first = 0;
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, first, 3, 1000)).toBeGreaterThan(1000);
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, first, 40, 4 * 3600_000 - 1000)).toBeUndefined();
  });
});
