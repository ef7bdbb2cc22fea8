import { Worker } from 'node:worker_threads';
import type { InboxRowValues } from './inbox-table.js';

export type InboxWriterRequest = { type: 'append'; id: number; rows: readonly InboxRowValues[] } | { type: 'close' };
/** `id` 0 is the worker's "ready"; an error message means nothing of that group was stored. */
export interface InboxWriterReply {
  id: number;
  error?: string;
}

/**
 * Hands group commits to a worker thread that owns its own connection to the embedded database and commits
 * them there (transaction + fsync). One group is in flight at a time; the caller collects the next group
 * meanwhile, which is what makes group commit work. A writer that dies fails its group (the client retries;
 * the processor deduplicates by messageId) and a new one starts with the next group.
 */
export class InboxWriterThread {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly file: string) {}

  /**
   * Request bodies move to the writer thread without a copy when they own their memory (large bodies do);
   * a body that is a view into a shared pool (small ones) is copied first, since transferring the pool would
   * take it from every other buffer in it. After this call the caller must not read the bodies again.
   */
  async append(rows: readonly InboxRowValues[]): Promise<void> {
    const worker = await this.started();
    const transfer: ArrayBuffer[] = [];
    const sendable = rows.map((row) => {
      if (typeof row.body === 'string') return row;
      const own = row.body.byteOffset === 0 && row.body.byteLength === row.body.buffer.byteLength && row.body.buffer instanceof ArrayBuffer;
      const body = own ? row.body : new Uint8Array(row.body);
      transfer.push(body.buffer as ArrayBuffer);
      return { ...row, body };
    });
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ type: 'append', id, rows: sendable } satisfies InboxWriterRequest, transfer);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.ready = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies InboxWriterRequest);
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private started(): Promise<Worker> {
    if (this.worker && this.ready) {
      const worker = this.worker;
      return this.ready.then(() => worker);
    }
    const fromSource = import.meta.url.endsWith('.ts');
    // Under tests Sluice runs from its .ts sources: the worker registers tsx first (as every stage worker does).
    const worker = fromSource
      ? new Worker(new URL('../../runtime/ts-worker-loader.mjs', import.meta.url), {
          workerData: { file: this.file, tsEntry: new URL('./inbox-writer.worker.ts', import.meta.url).href },
          name: 'sluice-inbox-writer',
        })
      : new Worker(new URL('./inbox-writer.worker.js', import.meta.url), { workerData: { file: this.file }, name: 'sluice-inbox-writer' });
    this.worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: InboxWriterReply) => {
        if (reply.id === 0) return resolve();
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.error === undefined) waiter?.resolve();
        else waiter?.reject(new Error(`the inbox write failed: ${reply.error}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        reject(new Error(`the inbox writer thread exited (code ${code}) before it was ready`));
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
        for (const [id, waiter] of this.waiting) {
          this.waiting.delete(id);
          waiter.reject(new Error(`the inbox writer thread exited (code ${code}) before its group was committed`));
        }
      });
    });
    this.ready = ready;
    return ready.then(() => worker);
  }
}
