import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';

export function rateLimitContract({ store }: StoreContractContext): void {
  describe('rate limit windows', () => {
    it('counts concurrent hits in one window, starts a new one once it ran out, and prunes old windows', async () => {
      const key = `k-${randomUUID()}`;
      const other = `k-${randomUUID()}`;
      const t0 = 10_000_000;
      // Twenty hits at once, as from several API processes.
      const windows = await Promise.all(Array.from({ length: 20 }, () => store().rateLimits.hit(key, 60_000, t0)));
      expect(windows.map((w) => w.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(windows.map((w) => w.windowStart))).toEqual(new Set([t0]));
      expect(await store().rateLimits.hit(other, 60_000, t0 + 1)).toEqual({ windowStart: t0 + 1, count: 1 });
      expect(await store().rateLimits.hit(key, 60_000, t0 + 59_999)).toEqual({ windowStart: t0, count: 21 });
      expect(await store().rateLimits.hit(key, 60_000, t0 + 60_000)).toEqual({ windowStart: t0 + 60_000, count: 1 });
      expect(await store().rateLimits.prune(t0 + 60_000)).toBeGreaterThanOrEqual(1);
      expect(await store().rateLimits.hit(other, 60_000, t0 + 2)).toEqual({ windowStart: t0 + 2, count: 1 }); // pruned: a fresh window
      expect(await store().rateLimits.hit(key, 60_000, t0 + 60_001)).toEqual({ windowStart: t0 + 60_000, count: 2 }); // kept
    });
  });
}
