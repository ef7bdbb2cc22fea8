import type { SourceCounter, SourceCounterKind } from '../store/store.js';

const MINUTE = 60_000;

export interface CounterBufferOptions {
  /** How often pending increments are written (default 1 s). */
  intervalMs?: number;
  /** A failed write keeps its increments for the next one; this hears about the failure. */
  onError?: (error: unknown) => void;
}

/**
 * Per-minute source counters aggregated in memory and written as one batch of adding upserts per interval,
 * so the hot path (ingest, the processor loop) does a Map update per request or batch, never a write.
 * Counting is not exactly-once: increments not yet written are lost if the process dies (at most one
 * interval's worth); see docs/architecture.md.
 *
 * @example
 *   const buffer = new CounterBuffer((rows) => store.sourceCounters.add(rows));
 *   buffer.start();
 *   buffer.add(source.workspaceId, source.id, 'received', '', 100);
 *   await buffer.stop(); // writes what is pending
 */
export class CounterBuffer {
  private pending = new Map<string, SourceCounter>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly write: (rows: readonly SourceCounter[]) => Promise<void>,
    private readonly options: CounterBufferOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** Adds `count` to (source, current minute, kind, reason). Installation-wide: workspaceId and sourceId ''. */
  add(workspaceId: string, sourceId: string, kind: SourceCounterKind, reason: string, count = 1, at = Date.now()): void {
    if (count <= 0) return;
    const minute = at - (at % MINUTE);
    const key = `${sourceId}\u0000${minute}\u0000${kind}\u0000${reason}`;
    const row = this.pending.get(key);
    if (row) row.count += count;
    else this.pending.set(key, { workspaceId, sourceId, minute, kind, reason, count });
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.flush().finally(() => {
        if (this.timer) {
          this.timer = setTimeout(tick, this.intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
    this.timer.unref();
  }

  /** Writes what is pending now (one write at a time); a failed write's increments are kept for the next. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.write([...batch.values()])
      .catch((error: unknown) => {
        for (const [key, row] of batch) {
          const later = this.pending.get(key);
          if (later) later.count += row.count;
          else this.pending.set(key, row);
        }
        this.options.onError?.(error);
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
