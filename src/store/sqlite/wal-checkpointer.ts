import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

export interface CheckpointerOptions {
  /** The database files whose write-ahead logs it copies back (sluice.db, deliveries.db, queue.db). */
  files: readonly string[];
  /** How often it runs a checkpoint of each file. */
  intervalMs: number;
  /**
   * The thread's nice value, when it should yield to the others (a process that answers the Tracking API):
   * one below the pipeline threads, so the processor and the router come first and the log waits a little.
   */
  nice?: number;
}

/** One file's log after a truncating checkpoint: emptied, or kept (busy past the timeout, or an error). */
export interface LogTruncation {
  readonly file: string;
  readonly truncated: boolean;
  readonly error?: string;
}

export type CheckpointerMessage = { type: 'ready' } | { type: 'error'; file: string; message: string } | { type: 'truncated'; id: number; files: LogTruncation[] };

/**
 * How often the checkpointer copies each log back. A page written again between two checkpoints (an index's
 * hot leaf) is copied once, so a longer interval copies less: measured, the thread's CPU per event was 6-7 us
 * at 100 ms, 3-3.8 at 500 ms, 2.8-3 at 1 s. At 500 ms a log holds a few thousand pages at most at full load.
 */
export const CHECKPOINT_INTERVAL_MS = 500;

/**
 * The embedded files' checkpoints, on a thread of their own. In WAL mode SQLite copies the log back into the
 * database file (a checkpoint) in whichever connection's commit finds the log past a size: by default that
 * was the processor's (it writes most to sluice.db) and the request thread's (queue.db), which then waited for
 * the copy and the database file's flush inside their commit: a third to half of the processor's commit time
 * (measured: the processor's COMMIT time fell from 1.4-1.6 s to 0.9 s per 42,000 events). Here a PASSIVE
 * checkpoint of each file runs every 500 ms in this thread instead; every connection keeps SQLite's own
 * checkpoint as a fallback at a log ten times larger (sqlite-database.ts), which only a stopped checkpointer
 * (or a command-line tool running alone) reaches.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private nextRequest = 1;
  private readonly truncations = new Map<number, (files: LogTruncation[]) => void>();

  constructor(
    private readonly options: CheckpointerOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts the thread; resolves once it has opened the files. */
  async start(): Promise<void> {
    const fromSource = import.meta.url.endsWith('.ts');
    // Under tests Sluice runs from its .ts sources: the worker registers tsx first (as every stage worker does).
    const worker = fromSource
      ? new Worker(new URL('../../runtime/ts-worker-loader.mjs', import.meta.url), {
          workerData: { ...this.options, tsEntry: new URL('./wal-checkpointer.worker.ts', import.meta.url).href },
          name: 'sluice-checkpointer',
        })
      : new Worker(new URL('./wal-checkpointer.worker.js', import.meta.url), { workerData: this.options, name: 'sluice-checkpointer' });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: CheckpointerMessage) => {
        if (message.type === 'ready') {
          worker.unref(); // never what keeps a process alive (a start that fails later leaves nothing running)
          resolve();
        } else if (message.type === 'truncated') {
          this.truncations.get(message.id)?.(message.files);
          this.truncations.delete(message.id);
        } else this.logger.warn({ file: message.file, error: message.message }, 'checkpoint failed; the next one retries (SQLite checkpoints by itself past 40 MB of log)');
      });
      worker.once('error', (error) => {
        this.logger.error({ err: error }, 'the checkpointer thread failed; SQLite checkpoints by itself past 40 MB of log');
        reject(error);
      });
      worker.once('exit', (code) => reject(new Error(`the checkpointer thread exited (code ${code}) before it was ready`)));
    });
  }

  /**
   * Copies each file's whole log back and empties it (on the checkpointer's thread, which may wait for readers),
   * so the log no longer holds page images from before an erasure (decision 0403). Best effort: a file whose
   * readers stay past the busy timeout keeps its log, reused and overwritten as writes go on.
   */
  async truncateLogs(): Promise<LogTruncation[]> {
    const worker = this.worker;
    if (!worker) return [];
    const id = this.nextRequest++;
    return new Promise<LogTruncation[]>((resolve) => {
      this.truncations.set(id, resolve);
      worker.postMessage({ type: 'truncate', id });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    // A truncation still waited for ends with nothing truncated.
    for (const resolve of this.truncations.values()) resolve(this.options.files.map((file) => ({ file, truncated: false, error: 'the checkpointer stopped' })));
    this.truncations.clear();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
