import { SluiceError } from '../../core/errors.js';
import type { RateLimitRepository } from '../../store/store.js';

/** One limit: at most `max` events per key in a fixed window of `windowMs`. */
export interface IntakeLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** The public intake's limits (shared by every process): requests per IP and per email address, code guesses per IP. */
export const SUBJECT_INTAKE_LIMITS = {
  /** New requests from one IP address. */
  submitPerIp: { max: 20, windowMs: 10 * 60_000 },
  /** New requests naming one email address (each sends that address a code): no mail-bombing a stranger. */
  submitPerEmail: { max: 3, windowMs: 60 * 60_000 },
  /** Code checks from one IP address (each code also allows only 3). */
  verifyPerIp: { max: 20, windowMs: 10 * 60_000 },
} as const satisfies Record<string, IntakeLimit>;

/** What the limiter needs: the store's shared counters, and a keyed hash so no counter's key is personal data. */
export interface IntakeLimiterDeps {
  readonly rateLimits: RateLimitRepository;
  /** HMAC of a key (`Keys.sign`): an IP or an email address never reaches the table. */
  readonly hash: (key: string) => string;
  readonly now?: () => number;
}

/** How often a limiter deletes windows too old to matter (each process does, for the whole table). */
const PRUNE_EVERY_MS = 10 * 60_000;
const LONGEST_WINDOW_MS = Math.max(...Object.values(SUBJECT_INTAKE_LIMITS).map((l) => l.windowMs));

/**
 * Fixed-window counters by key for the subject's public endpoints, kept in the store (`rate_limit_windows`), so
 * every API process counts against the same limit: enough to stop a script from mailing codes to strangers or
 * guessing codes, however many processes serve the endpoint. A hit is one upsert on a low-volume endpoint.
 *
 * @example
 *   await limiter.hit('submit-ip:203.0.113.7', SUBJECT_INTAKE_LIMITS.submitPerIp); // throws too_many_requests when over
 */
export class IntakeLimiter {
  private lastPrune = 0;

  constructor(private readonly deps: IntakeLimiterDeps) {}

  /** The subject endpoints' limiter: the store's shared counters, keys hashed with the installation's key. */
  static forSubjects(store: { readonly rateLimits: RateLimitRepository }, keys: { sign(text: string): string }, now?: () => number): IntakeLimiter {
    return new IntakeLimiter({ rateLimits: store.rateLimits, hash: (key) => keys.sign(`intake-rate-limit\u0000${key}`), ...(now && { now }) });
  }

  async hit(key: string, limit: IntakeLimit): Promise<void> {
    const now = this.deps.now?.() ?? Date.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.deps.rateLimits.prune(now - LONGEST_WINDOW_MS);
    }
    // The window's length is part of the key: two limits on one value never share a counter.
    const window = await this.deps.rateLimits.hit(this.deps.hash(`${key}\u0000${limit.windowMs}`), limit.windowMs, now);
    if (window.count > limit.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.windowStart + limit.windowMs - now) / 1000));
      throw new SluiceError('too_many_requests', `Too many privacy requests or code checks from here; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }
}
