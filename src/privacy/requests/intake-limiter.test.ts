import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../core/errors.js';
import { IntakeLimiter } from './intake-limiter.js';

describe('IntakeLimiter', () => {
  it('allows max hits per key and window, then answers too_many_requests with the seconds to wait', () => {
    let now = 1_000_000;
    const limiter = new IntakeLimiter(() => now);
    const limit = { max: 3, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) limiter.hit('ip:a', limit);
    limiter.hit('ip:b', limit);
    let thrown: unknown;
    now += 15_000;
    try {
      limiter.hit('ip:a', limit);
    } catch (error) {
      thrown = error;
    }
    expect(isSluiceError(thrown) && thrown.code).toBe('too_many_requests');
    expect(isSluiceError(thrown) && thrown.details).toEqual({ retryAfterSeconds: 45 });
    now += 45_000;
    expect(() => limiter.hit('ip:a', limit)).not.toThrow();
  });
});
