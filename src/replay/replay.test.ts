import { describe, expect, it } from 'vitest';
import { waitingSince } from './replay.js';

describe('waitingSince', () => {
  const now = 1_000_000;
  it('is the creation (last update) of a running replay no runner has claimed', () => {
    expect(waitingSince({ status: 'running', leaseUntil: null, updatedAt: now - 5000 }, now)).toBe(now - 5000);
  });
  it('is undefined while a runner holds the lease, and when the replay has finished', () => {
    expect(waitingSince({ status: 'running', leaseUntil: now + 30_000, updatedAt: now - 100 }, now)).toBeUndefined();
    for (const status of ['completed', 'cancelled', 'failed'] as const) expect(waitingSince({ status, leaseUntil: null, updatedAt: now - 5000 }, now)).toBeUndefined();
  });
  it('is when the lease ran out for a runner that died or released it', () => {
    expect(waitingSince({ status: 'running', leaseUntil: now - 2000, updatedAt: now - 62_000 }, now)).toBe(now - 2000);
  });
});
