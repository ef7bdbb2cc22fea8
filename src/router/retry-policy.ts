/**
 * When to try a failed delivery again: exponential backoff with jitter, from ~1 s doubling up to 5 min,
 * honouring a destination's Retry-After, and giving up once the retry window (default 4 h, Segment's)
 * would be exceeded.
 */
export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** From the first attempt; a retry that would start later than this fails the delivery. */
  readonly windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 5 * 60_000, windowMs: 4 * 3600_000 };

/**
 * Delay before attempt `attempts + 1` after `attempts` failures: base x 2^(attempts-1), capped, with
 * "equal jitter" (between half and all of it) so retries of many events do not arrive in lockstep. A
 * Retry-After from the destination is a floor. Whole milliseconds (the next attempt's time is stored).
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs)));
}

/** Next attempt time, or undefined when the window is spent (the delivery fails). */
export function nextAttemptAt(policy: RetryPolicy, firstAttemptAt: number, attempts: number, now: number, retryAfterMs?: number): number | undefined {
  const at = now + retryDelayMs(policy, attempts, retryAfterMs);
  return at - firstAttemptAt > policy.windowMs ? undefined : at;
}
