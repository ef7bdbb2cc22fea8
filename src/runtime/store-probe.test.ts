import { describe, expect, it } from 'vitest';
import { StoreProbe } from './store-probe.js';

describe('StoreProbe', () => {
  it('asks the store once per maxAge however often it is probed, and reports an outage with its reason', async () => {
    let now = 0;
    let pings = 0;
    let failing: Error | undefined;
    const probe = new StoreProbe(async () => {
      pings += 1;
      if (failing) throw failing;
    }, { maxAgeMs: 2_000, timeoutMs: 1_000, now: () => now });
    expect(await Promise.all([probe.unavailable(), probe.unavailable(), probe.unavailable()])).toEqual([undefined, undefined, undefined]);
    expect(pings).toBe(1);
    failing = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    now = 1_000;
    expect(await probe.unavailable()).toBeUndefined(); // the answer of a second ago
    expect(pings).toBe(1);
    now = 2_000;
    expect(await probe.unavailable()).toBe("PostgreSQL (SLUICE_DATABASE_URL) cannot be reached (for 0 s: connect ECONNREFUSED 127.0.0.1:5432); this process's work waits until it answers again");
    now = 7_000;
    expect(await probe.unavailable()).toMatch(/^PostgreSQL \(SLUICE_DATABASE_URL\) cannot be reached \(for 5 s: /);
    expect(pings).toBe(3);
    failing = undefined;
    now = 9_000;
    expect(await probe.unavailable()).toBeUndefined();
  });

  it('counts a store that does not answer within the timeout as out of reach', async () => {
    const probe = new StoreProbe(() => new Promise<void>(() => undefined), { maxAgeMs: 2_000, timeoutMs: 20 });
    expect(await probe.unavailable()).toMatch(/no answer within 20 ms/);
  });
});
