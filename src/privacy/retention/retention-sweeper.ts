import type { Logger } from 'pino';
import { truncateIp } from '../../core/privacy/truncate-ip.js';
import type { Store } from '../../store/store.js';
import type { PrivacyConfig } from '../privacy-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SweepResult {
  eventsDeleted: number;
  ipsTruncated: number;
}

/**
 * The retention job (jobs role): for every workspace, deletes stored events past its retention window and
 * truncates raw IPs older than its IP window, in small batches with a pause between them so ingest and the
 * processor keep the database. Reports what it purged through `onPurged` (metrics).
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly config: PrivacyConfig,
    private readonly options: { intervalMs: number; batchSize: number; pauseMs: number; logger?: Logger; onPurged?: (kind: 'events' | 'ips', count: number) => void },
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger?.error({ err: error }, 'retention sweep failed; retrying at the next interval'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, Math.min(this.options.intervalMs, 5000));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every workspace; returns what was purged. */
  async sweep(now = Date.now()): Promise<SweepResult> {
    const result: SweepResult = { eventsDeleted: 0, ipsTruncated: 0 };
    for (const workspace of await this.store.workspaces.list()) {
      if (this.stopped) break;
      const { settings } = await this.config.get(workspace.id);
      if (settings.eventRetentionDays !== null) {
        const before = now - settings.eventRetentionDays * DAY_MS;
        for (;;) {
          const deleted = await this.store.retention.deleteEventsBefore(workspace.id, before, this.options.batchSize);
          result.eventsDeleted += deleted;
          if (deleted > 0) this.options.onPurged?.('events', deleted);
          if (deleted < this.options.batchSize || this.stopped) break;
          await pause(this.options.pauseMs);
        }
      }
      if (settings.ipRetentionDays !== null) {
        const before = now - settings.ipRetentionDays * DAY_MS;
        for (;;) {
          const { scanned, changed } = await this.store.retention.truncateIpsBefore(workspace.id, before, this.options.batchSize, truncateIp);
          result.ipsTruncated += changed;
          if (changed > 0) this.options.onPurged?.('ips', changed);
          if (scanned < this.options.batchSize || this.stopped) break;
          await pause(this.options.pauseMs);
        }
      }
    }
    return result;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
