import type { SourceCounter, SourceCounterKind, SourceDrop, SourceRejection } from '../store/store.js';

const MINUTE = 60_000;

export interface CounterBufferOptions {
  /** How often pending increments are written (default 1 s). */
  intervalMs?: number;
  /** Writes the latest rejection per source and code ({@link CounterBuffer.keepRejection}), after the counters. */
  writeRejections?: (rows: readonly SourceRejection[]) => Promise<void>;
  /** Writes the latest drop per source and reason ({@link CounterBuffer.keepDrop}), after the counters. */
  writeDrops?: (rows: readonly SourceDrop[]) => Promise<void>;
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
  /** The latest rejection per source and code since the last write. */
  private rejections = new Map<string, SourceRejection>();
  /** The latest drop per source and reason since the last write. */
  private drops = new Map<string, SourceDrop>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly intervalMs: number;

  /**
   * `write` answers false when it wrote nothing because the store was busy and it was asked not to wait
   * (SourceCounterRepository.add with `wait: false`): everything pending is kept for the next interval, and nothing
   * is reported as an error.
   */
  constructor(
    private readonly write: (rows: readonly SourceCounter[]) => Promise<boolean | void>,
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

  /**
   * Keeps a rejection as its source's latest for its code (counted separately, with {@link add}); only the
   * latest per source and code is written. Installation-wide rejections (no source) are not kept.
   */
  keepRejection(rejection: SourceRejection): void {
    if (rejection.sourceId === '' || !this.options.writeRejections) return;
    this.rejections.set(`${rejection.sourceId}\u0000${rejection.code}`, rejection);
  }

  /**
   * Keeps an event the processor dropped before storage as its source's latest for its reason (counted separately,
   * with {@link add}); only the latest per source and reason is written.
   */
  keepDrop(drop: SourceDrop): void {
    if (!this.options.writeDrops) return;
    this.drops.set(`${drop.sourceId}\u0000${drop.reason}`, drop);
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
    if (this.pending.size === 0 && this.rejections.size === 0 && this.drops.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rejections = this.rejections;
    this.rejections = new Map();
    const drops = this.drops;
    this.drops = new Map();
    // When the counters were not written (the store busy, or the write failed), the rejections and drops wait with
    // them (their writes would wait for the store, or fail the same way).
    const keepTheRest = () => {
      this.keepUnwritten(rejections);
      this.keepUnwrittenDrops(drops);
    };
    this.writing = this.writeCounters(batch)
      .then(
        async (written) => {
          if (!written) return keepTheRest();
          try {
            await this.writeRejections(rejections);
          } finally {
            await this.writeDrops(drops);
          }
        },
        (error: unknown) => {
          keepTheRest();
          throw error;
        },
      )
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  /**
   * Writes counter rows; answers false when the store was busy. Rows not written (busy, or the write failed: the error
   * is thrown) are added back to what is pending.
   */
  private async writeCounters(batch: Map<string, SourceCounter>): Promise<boolean> {
    if (batch.size === 0) return true;
    let written = false;
    try {
      written = (await this.write([...batch.values()])) !== false;
      return written;
    } finally {
      if (!written) {
        for (const [key, row] of batch) {
          const later = this.pending.get(key);
          if (later) later.count += row.count;
          else this.pending.set(key, row);
        }
      }
    }
  }

  /** Writes the kept rejections; when that fails each is kept for the next try unless a later one replaced it. */
  private async writeRejections(rejections: Map<string, SourceRejection>): Promise<void> {
    if (rejections.size === 0 || !this.options.writeRejections) return;
    try {
      await this.options.writeRejections([...rejections.values()]);
    } catch (error) {
      this.keepUnwritten(rejections);
      throw error;
    }
  }

  /** Rejections not written go with the next write, unless a later one of the same source and code replaced them. */
  private keepUnwritten(rejections: Map<string, SourceRejection>): void {
    for (const [key, rejection] of rejections) if (!this.rejections.has(key)) this.rejections.set(key, rejection);
  }

  /** Writes the kept drops; when that fails each is kept for the next try unless a later one replaced it. */
  private async writeDrops(drops: Map<string, SourceDrop>): Promise<void> {
    if (drops.size === 0 || !this.options.writeDrops) return;
    try {
      await this.options.writeDrops([...drops.values()]);
    } catch (error) {
      this.keepUnwrittenDrops(drops);
      throw error;
    }
  }

  private keepUnwrittenDrops(drops: Map<string, SourceDrop>): void {
    for (const [key, drop] of drops) if (!this.drops.has(key)) this.drops.set(key, drop);
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
