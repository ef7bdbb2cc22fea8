import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import { isSluiceError } from '../../core/errors.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { IntakeLimiter } from './intake-limiter.js';

const keys = new Keys('intake-limiter-test-secret-0123456789abcdef');
let dir: string;
let store: SqlStore;
let now: number;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-limiter-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  now = 1_000_000;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A limiter as one API process holds it, on the shared store. */
const limiter = () => new IntakeLimiter({ rateLimits: store.rateLimits, hash: (key) => keys.sign(key), now: () => now });

async function refusal(hit: Promise<void>): Promise<unknown> {
  return hit.then(() => undefined, (error: unknown) => error);
}

describe('IntakeLimiter', () => {
  it('allows max hits per key and window, then answers too_many_requests with the seconds to wait', async () => {
    const one = limiter();
    const limit = { max: 3, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) await one.hit('ip:a', limit);
    await one.hit('ip:b', limit);
    now += 15_000;
    const thrown = await refusal(one.hit('ip:a', limit));
    expect(isSluiceError(thrown) && thrown.code).toBe('too_many_requests');
    expect(isSluiceError(thrown) && thrown.details).toEqual({ retryAfterSeconds: 45 });
    now += 45_000;
    await expect(one.hit('ip:a', limit)).resolves.toBeUndefined();
  });

  it('counts the hits of every process on the store against one limit, and keeps no IP or address in it', async () => {
    const [a, b, c] = [limiter(), limiter(), limiter()];
    const limit = { max: 3, windowMs: 3_600_000 };
    const results = await Promise.all([a, b, c, a, b, c].map((l) => refusal(l.hit('submit-email:ws_1:ada@example.com', limit))));
    expect(results.filter((r) => r === undefined)).toHaveLength(3);
    expect(results.filter((r) => isSluiceError(r) && r.code === 'too_many_requests')).toHaveLength(3);
    const rows = await store.db.selectFrom('rate_limit_windows').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('ada');
    // Windows over an hour old are deleted by the next limiter that prunes (every ten minutes).
    now += 3_600_001;
    await limiter().hit('verify-ip:203.0.113.9', { max: 20, windowMs: 600_000 });
    expect(await store.db.selectFrom('rate_limit_windows').selectAll().execute()).toHaveLength(1);
  });
});
