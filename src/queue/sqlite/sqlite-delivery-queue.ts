import { BroadcastChannel } from 'node:worker_threads';
import { threadWriteLock } from '../../store/sqlite/thread-write-lock.js';
import type { SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import type { DeliveryConsumer, DeliveryJob, DeliveryJobRecord } from '../queue.js';

interface JobRow {
  seq: number;
  body: string;
}

/** Longest a waiting consumer sleeps before looking again (publishes in this process wake it at once). */
const MAX_IDLE_WAIT_MS = 250;
const WAKE_CHANNEL = 'sluice-delivery-jobs';

/**
 * The embedded delivery queues: one table, ordered by an AUTOINCREMENT key, read per destination through an
 * index on (destination_id, seq). A consumer remembers how far it has read; acknowledging deletes the rows.
 * Publishers in any thread of the process wake waiting consumers through a BroadcastChannel, so an idle
 * destination picks up a job within milliseconds without busy polling.
 */
export class SqliteDeliveryQueue {
  private readonly insert;
  private readonly read;
  private readonly count;
  private readonly purge;
  private readonly wake = new BroadcastChannel(WAKE_CHANNEL);
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS queue_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        destination_id TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS queue_deliveries_destination ON queue_deliveries (destination_id, seq);
    `);
    this.insert = db.prepare('INSERT INTO queue_deliveries (destination_id, body) VALUES (?, ?)');
    this.read = db.prepare('SELECT seq, body FROM queue_deliveries WHERE destination_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.count = db.prepare('SELECT count(*) FROM queue_deliveries WHERE destination_id = ?').pluck();
    this.purge = db.prepare('DELETE FROM queue_deliveries WHERE destination_id = ?');
    this.wake.onmessage = (message) => {
      for (const id of (message as unknown as { data: string[] }).data) this.notify(id);
    };
    (this.wake as unknown as { unref?: () => void }).unref?.();
  }

  async publish(jobs: readonly DeliveryJobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    await threadWriteLock.run(() =>
      this.db.transaction(() => {
        for (const job of jobs) this.insert.run(job.destinationId, JSON.stringify(job));
      })(),
    );
    const destinations = [...new Set(jobs.map((j) => j.destinationId))];
    for (const id of destinations) this.notify(id);
    this.wake.postMessage(destinations);
  }

  async purgeDestination(destinationId: string): Promise<void> {
    await threadWriteLock.run(() => this.purge.run(destinationId));
  }

  consumer(destinationId: string): DeliveryConsumer {
    let position = 0;
    return {
      fetch: async (max, { signal, waitMs }) => {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const rows = this.read.all(destinationId, position, max) as JobRow[];
          if (rows.length > 0) {
            position = rows[rows.length - 1]!.seq;
            return rows.map((r) => ({ ...(JSON.parse(r.body) as DeliveryJobRecord), seq: r.seq }));
          }
          const left = deadline - Date.now();
          if (left <= 0 || signal.aborted) return [];
          await this.waitFor(destinationId, Math.min(left, MAX_IDLE_WAIT_MS), signal);
        }
      },
      ack: async (jobs: readonly DeliveryJob[]) => {
        if (jobs.length === 0) return;
        const seqs = jobs.map((j) => j.seq);
        await threadWriteLock.run(() =>
          this.db.transaction(() => {
            for (let i = 0; i < seqs.length; i += 500) {
              const part = seqs.slice(i, i + 500);
              this.db.prepare(`DELETE FROM queue_deliveries WHERE seq IN (${part.map(() => '?').join(',')})`).run(...part);
            }
          })(),
        );
      },
      backlog: async () => Number(this.count.get(destinationId)),
    };
  }

  close(): void {
    this.wake.close();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  private notify(destinationId: string): void {
    const set = this.waiters.get(destinationId);
    if (!set) return;
    this.waiters.delete(destinationId);
    for (const wake of set) wake();
  }

  private waitFor(destinationId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(destinationId);
      if (!set) {
        set = new Set();
        this.waiters.set(destinationId, set);
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set!.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}
