import { SluiceError } from '../core/errors.js';

/** A per-source fixed-window limit of requests per second (0 disables it); over it, 429 with Retry-After. */
export class RateLimiter {
  private window = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly perSecond: number) {}

  check(sourceId: string, now = Date.now()): void {
    if (this.perSecond === 0) return;
    const window = Math.floor(now / 1000);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const count = (this.counts.get(sourceId) ?? 0) + 1;
    this.counts.set(sourceId, count);
    if (count > this.perSecond) {
      throw new SluiceError('too_many_requests', `More than ${this.perSecond} requests per second for this source; retry after Retry-After.`, { retryAfterSeconds: 1 });
    }
  }
}
