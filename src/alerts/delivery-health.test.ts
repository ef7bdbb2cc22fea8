import { describe, expect, it } from 'vitest';
import type { DeliveryCounter } from '../store/store.js';
import { describeReason, hasRecovered, isFailing, tallyAttempts } from './delivery-health.js';

const settings = { enabled: true, failurePercent: 50, behindMinutes: 30 };
const tally = (delivered: number, failures: number, gaveUp = 0) => ({ delivered, failures, gaveUp, topReason: '' });

describe('delivery health', () => {
  it('tallies attempts of one destination from a minute on: delivered, retried and given-up failures, the commonest reason', () => {
    const at = (minute: number, destinationId: string, status: DeliveryCounter['status'], count: number, reason = ''): DeliveryCounter => ({ destinationId, minute: minute * 60_000, status, reason, count });
    const counters = [
      at(1, 'd', 'retrying', 100), // before the span
      at(5, 'd', 'delivered', 7),
      at(5, 'd', 'retrying', 3),
      at(6, 'd', 'failed', 4, 'http_401'),
      at(6, 'd', 'failed', 1, 'retries_exhausted'),
      at(6, 'd', 'dropped', 50, 'filter'), // not an attempt
      at(6, 'd', 'queued', 9), // not an attempt
      at(6, 'other', 'retrying', 40),
    ];
    expect(tallyAttempts(counters, 'd', 5 * 60_000)).toEqual({ delivered: 7, failures: 8, gaveUp: 5, topReason: 'http_401' });
    expect(tallyAttempts(counters, 'd', 6 * 60_000)).toEqual({ delivered: 0, failures: 5, gaveUp: 5, topReason: 'http_401' });
    expect(tallyAttempts(counters, 'nobody', 0)).toEqual({ delivered: 0, failures: 0, gaveUp: 0, topReason: '' });
  });

  it('does not count events held back unsent as failed attempts, and names the commonest real reason', () => {
    const at = (status: DeliveryCounter['status'], count: number, reason: string): DeliveryCounter => ({ destinationId: 'd', minute: 60_000, status, reason, count });
    const counters = [
      at('delivered', 10, ''),
      at('retrying', 3, 'http_503'),
      at('retrying', 2, 'timeout'),
      at('retrying', 40, 'held_for_user'),
      at('retrying', 30, 'held_for_pause'),
      at('retrying', 20, 'held_for_batch'),
    ];
    expect(tallyAttempts(counters, 'd', 0)).toEqual({ delivered: 10, failures: 5, gaveUp: 0, topReason: 'http_503' });
  });

  it.each([
    // delivered, failures, percent, failing
    [0, 5, 50, true],
    [0, 4, 50, false], // fewer than five failures never alert
    [5, 5, 50, true], // exactly the threshold
    [6, 5, 50, false],
    [1000, 600, 30, true], // 37.5 %
    [1000, 400, 30, false], // 28.6 %
    [1000, 600, 50, false],
    [0, 0, 1, false],
    [0, 100, 100, true],
    [1, 100, 100, false],
  ])('delivered %i, failed %i, threshold %i percent: failing %s', (delivered, failures, failurePercent, failing) => {
    expect(isFailing(tally(delivered, failures), { ...settings, failurePercent })).toBe(failing);
  });

  it.each([
    // delivered, failures, percent, recovered
    [1, 0, 50, true],
    [0, 0, 50, false], // nothing attempted is not recovery
    [0, 3, 50, false],
    [76, 24, 50, true], // 24 % < 25 %
    [75, 25, 50, false], // 25 % is not under half of 50 %
    [10, 1, 10, false], // 9 % is not under 5 %
    [100, 4, 10, true],
  ])('delivered %i, failed %i, threshold %i percent: recovered %s', (delivered, failures, failurePercent, recovered) => {
    expect(hasRecovered(tally(delivered, failures), { ...settings, failurePercent })).toBe(recovered);
  });

  it('reads reason codes as people do', () => {
    expect(describeReason('http_401')).toBe('HTTP 401');
    expect(describeReason('retries_exhausted')).toBe('retries exhausted');
    expect(describeReason('')).toBe('no reason recorded');
  });
});
