import { SluiceError } from '../core/errors.js';

const SAMPLE_MS = 200;

/**
 * Refuses new events while the unprocessed backlog is over its bound (503 with Retry-After), so ingest
 * never accepts what it cannot keep up with. The backlog is sampled, not read per request.
 */
export class Backpressure {
  private backlog = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readBacklog: () => Promise<number>,
    private readonly maxBacklog: number,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        this.backlog = await this.readBacklog();
      } catch {
        // keep the last reading; the store's own errors surface on the write path
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

  check(): void {
    if (this.backlog > this.maxBacklog) {
      throw new SluiceError('backlog_full', `Sluice is behind: ${this.backlog} events wait to be processed (limit ${this.maxBacklog}). Retry after the Retry-After delay; nothing was accepted.`, { retryAfterSeconds: 5 });
    }
  }
}
