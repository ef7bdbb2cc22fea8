import { SluiceError } from '../../core/errors.js';

/** One limit: at most `max` events per key in a fixed window of `windowMs`. */
export interface IntakeLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** The public intake's limits (per process): requests per IP and per email address, code guesses per IP. */
export const SUBJECT_INTAKE_LIMITS = {
  /** New requests from one IP address. */
  submitPerIp: { max: 20, windowMs: 10 * 60_000 },
  /** New requests naming one email address (each sends that address a code): no mail-bombing a stranger. */
  submitPerEmail: { max: 3, windowMs: 60 * 60_000 },
  /** Code checks from one IP address (each code also allows only 3). */
  verifyPerIp: { max: 20, windowMs: 10 * 60_000 },
} as const satisfies Record<string, IntakeLimit>;

/**
 * Fixed-window counters by key for the subject's public endpoints. In memory, per process: enough to stop a
 * script from mailing codes to strangers or guessing codes; several API processes each allow the limit.
 *
 * @example
 *   limiter.hit('submit-ip:203.0.113.7', SUBJECT_INTAKE_LIMITS.submitPerIp); // throws too_many_requests when over
 */
export class IntakeLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, limit: IntakeLimit): void {
    const now = this.now();
    if (this.windows.size > 50_000) this.prune(now);
    const current = this.windows.get(key);
    const window = current && now - current.start < limit.windowMs ? current : { start: now, count: 0 };
    window.count += 1;
    this.windows.set(key, window);
    if (window.count > limit.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.start + limit.windowMs - now) / 1000));
      throw new SluiceError('too_many_requests', `Too many privacy requests or code checks from here; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }

  private prune(now: number): void {
    const longest = Math.max(...Object.values(SUBJECT_INTAKE_LIMITS).map((l) => l.windowMs));
    for (const [key, window] of this.windows) if (now - window.start >= longest) this.windows.delete(key);
  }
}
