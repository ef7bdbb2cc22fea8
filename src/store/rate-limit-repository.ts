/** A fixed window's count after a hit. */
export interface RateLimitWindow {
  /** When the window began (epoch ms). */
  readonly windowStart: number;
  /** Hits in the window, this one included. */
  readonly count: number;
}

/**
 * Fixed-window hit counters shared by every process on the store (the public privacy intake's rate limits).
 * Callers pass keys that hold no personal data (HMACs of an IP or an email address).
 */
export interface RateLimitRepository {
  /**
   * Counts one hit on `key`, atomically: in the current window if it began less than `windowMs` before `now`,
   * else in a new window starting at `now`. Concurrent hits from several processes are all counted.
   */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitWindow>;
  /** Deletes windows that began before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
