import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

const EVERY_MS = 10 * 60_000;

/**
 * The jobs role's sweep of per-minute counters: source counters and delivery counters older than the
 * retention window (SLUICE_COUNTERS_RETENTION_HOURS) are deleted every ten minutes and at start.
 */
export class CountersPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: Store,
    private readonly keptMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.prune().finally(() => {
        this.running = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, EVERY_MS);
    this.timer.unref();
  }

  /** Deletes counters of minutes before now minus the window; returns how many rows went. */
  async prune(now = Date.now()): Promise<number> {
    const before = now - this.keptMs;
    try {
      return (await this.store.sourceCounters.prune(before)) + (await this.store.deliveries.pruneCounters(before));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not prune counters; retrying in ten minutes');
      return 0;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
