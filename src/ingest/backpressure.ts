import { SluiceError } from '../core/errors.js';
import type { BacklogReading } from '../observability/metrics.js';

const SAMPLE_MS = 200;

/**
 * Refuses new events while the unprocessed backlog is over its bound, or while the queue cannot be reached (503
 * with Retry-After), so ingest never accepts what it cannot keep up with and answers an outage at once instead
 * of after a publish timeout. The backlog is sampled, not read per request.
 */
export class Backpressure {
  private backlog = 0;
  private readAt = Date.now();
  private stale = false;
  private errors = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readBacklog: () => Promise<number>,
    private readonly maxBacklog: number,
    /** Why the queue cannot take messages now (Queue.unavailable), or undefined. */
    private readonly unavailable: () => string | undefined = () => undefined,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        this.backlog = await this.readBacklog();
        this.readAt = Date.now();
        this.stale = false;
      } catch {
        // keep the last reading (shown as stale in /metrics); the queue's own errors surface on the write path
        this.stale = true;
        this.errors += 1;
      }
      this.timer = setTimeout(tick, SAMPLE_MS);
      this.timer.unref();
    };
    void tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  get current(): number {
    return this.backlog;
  }

  /** The backlog for `/metrics`: the last value read, when, and whether the latest sample failed. */
  reading(): BacklogReading {
    return { waiting: this.backlog, readAt: this.readAt, stale: this.stale, errors: this.errors };
  }

  check(): void {
    const down = this.unavailable();
    if (down !== undefined) {
      throw new SluiceError('storage_unavailable', `Sluice cannot queue events right now: ${down}. Nothing was accepted; retry after the Retry-After delay.`, { retryAfterSeconds: 5 });
    }
    if (this.backlog > this.maxBacklog) {
      throw new SluiceError('backlog_full', `Sluice is behind: ${this.backlog} events wait to be processed (limit ${this.maxBacklog}). Retry after the Retry-After delay; nothing was accepted.`, { retryAfterSeconds: 5 });
    }
  }
}
